"""Reading a file a user handed over as text: one error naming the file for whatever the disk or
the bytes do wrong (missing, a folder, unreadable, not UTF-8), never an OSError traceback."""

from __future__ import annotations

from pathlib import Path

from sensor2text.errors import Sensor2TextError


def read_user_text(path: str | Path, what: str, error: type[Sensor2TextError]) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark is dropped); ``error`` naming the file when it
    is missing, a folder, unreadable or not UTF-8 (``what`` names the kind of file: "recording file")."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: {what} not found.") from None
    except IsADirectoryError:
        raise error(f"{path}: a folder; expected a {what}.") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror or exc}).") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"{path}, line {line}: not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x}); "
                    f"expected a UTF-8 {what}.") from None  # fmt: skip

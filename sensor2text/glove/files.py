"""Reading a recording file's text: one RecordingError naming the file for whatever the disk or
the bytes do wrong (missing, a folder, unreadable, not UTF-8), never an OSError traceback."""

from __future__ import annotations

from pathlib import Path

from sensor2text.errors import RecordingError


def read_text(path: str | Path) -> str:
    """The UTF-8 text of a recording file (a byte-order mark is dropped: it is not part of the header)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RecordingError(f"{path}: file not found.") from None
    except IsADirectoryError:
        raise RecordingError(f"{path}: a folder; expected a recording file.") from None
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read the file ({exc.strerror or exc}).") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RecordingError(f"{path}, line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); expected a "
                             "text file of comma-separated numbers.") from None  # fmt: skip

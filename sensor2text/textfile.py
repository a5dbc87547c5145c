"""Text files a user hands over or gets back: reading them with one error naming the file for
whatever the disk or the bytes do wrong (missing, a folder, unreadable, not UTF-8), never an
OSError traceback; writing them whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
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


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; renamed onto ``target`` when the block ends
    without an error, removed otherwise. So the file is written whole or not at all: a reader never
    sees it torn, two writers leave one of their files whole, a signal or a full disk leaves the
    earlier file. It gets the permissions a plain new file would (the umask's), not the temporary
    file's owner-only ones; a symbolic link is written through (its target replaced, the link kept)."""
    path = Path(target).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        with partial.open("rb+") as written:
            os.fsync(written.fileno())
        os.chmod(partial, _new_file_mode())
        os.replace(partial, path)
    except BaseException:  # an error or a signal: no temporary file is left behind
        partial.unlink(missing_ok=True)
        raise


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write ``text`` to ``target`` whole or not at all (:func:`atomic_path`)."""
    with atomic_path(target) as partial:
        partial.write_text(text)


def save_figure(fig, target: str | Path, dpi: int = 110) -> None:
    """Save a matplotlib figure to ``target`` whole or not at all (:func:`atomic_path`), in the
    format its suffix names; no suffix writes a PNG at exactly ``target``."""
    with atomic_path(target) as partial:
        fig.savefig(partial, dpi=dpi, format=Path(target).suffix[1:].lower() or "png")


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask

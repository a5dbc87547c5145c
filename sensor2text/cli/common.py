"""Helpers every command shares: quiet library chatter, load a model, write JSON reports."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from pathlib import Path


def quiet_libraries() -> None:
    """Keep library chatter (weight-loading bars, deprecation notices) out of the command's output."""
    import warnings

    import transformers

    warnings.filterwarnings("ignore", category=FutureWarning)
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def load_model(checkpoint: str, precision: str = "fp32", base_model: str | None = None):
    """``sensor2text.load_model`` with the libraries quietened first."""
    from sensor2text.api import load_model as _load_model

    quiet_libraries()
    return _load_model(checkpoint, precision, base_model)


def write_json(target: str, data) -> None:
    """Write ``data`` as indented JSON to a file or, for ``-``, to stdout. The file is written
    whole or not at all (a temporary file beside it, synced, then renamed), so a reader never
    sees it torn, and two writers leave one of their files whole. It gets the permissions a
    plain new file would (the umask's), not the temporary file's owner-only ones."""
    text = json.dumps(data, indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
            os.chmod(handle.name, _new_file_mode())
        os.replace(handle.name, path)
    except BaseException:  # an error or a signal: no temporary file is left behind
        Path(handle.name).unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_writable(target: str | None, flag: str = "--json") -> None:
    """Refuse an output file that could not be written, before any work is done (not after it):
    a folder, a path under a file, a folder or file without write permission."""
    from sensor2text.errors import Sensor2TextError

    if not target or target == "-":
        return
    path = Path(target)
    folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), Path("."))
    if path.is_dir() or not folder.is_dir():
        where = "a folder" if path.is_dir() else f"{folder} is a file, not a folder"
        raise Sensor2TextError(f"{flag} {target}: cannot write there ({where}); expected a writable file path.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise Sensor2TextError(f"{flag} {target}: cannot write there (no permission); expected a writable file path.")


def printable(text: str) -> str:
    """``text`` without control characters (terminal escapes from a file's content), newlines kept."""
    return "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text)


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP end a command like Ctrl-C does: the stream flushes its recording and
    writes its end event, outputs are closed."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        try:
            signal.signal(getattr(signal, name), interrupt)
        except (AttributeError, ValueError):  # no such signal here, or not the main thread
            pass

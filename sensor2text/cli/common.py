"""Helpers every command shares: quiet library chatter, load a model, write JSON reports."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from sensor2text.textfile import write_text_atomic


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
    plain new file would (the umask's); a symbolic link is written through
    (:func:`sensor2text.textfile.write_text_atomic`)."""
    text = json.dumps(data, indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
        return
    write_text_atomic(target, text)


def check_writable(target: str | None, flag: str = "--json", folder: bool = False) -> None:
    """Refuse an output file (or, with ``folder``, an output folder) that could not be written, before
    any work is done (not after it): a folder given for a file or the reverse, a path under a file, a
    name too long, a place nothing may be written in."""
    from sensor2text.errors import Sensor2TextError

    if not target or target == "-":
        return
    try:
        problem = _why_not_writable(Path(target), folder)
    except OSError as exc:  # e.g. a name longer than the file system allows
        problem = exc.strerror or str(exc)
    if problem:
        raise Sensor2TextError(f"{flag} {target}: cannot write there ({problem}); expected a writable "
                               f"{'folder' if folder else 'file path'}.")  # fmt: skip


def check_image_path(target: str | None, flag: str) -> None:
    """``check_writable``, and the file type (its suffix) must be one matplotlib writes; no suffix
    writes a PNG."""
    if not target:
        return
    from matplotlib.backend_bases import FigureCanvasBase

    from sensor2text.errors import Sensor2TextError

    check_writable(target, flag)
    kinds = FigureCanvasBase.get_supported_filetypes()
    suffix = Path(target).suffix[1:].lower()
    if suffix and suffix not in kinds:
        raise Sensor2TextError(f"{flag} {target}: cannot write a .{suffix} image; expected one of: "
                               f"{', '.join(sorted(kinds))}.")  # fmt: skip


def _why_not_writable(path: Path, folder: bool) -> str | None:
    if path.is_dir() != folder and path.exists():
        return "it is a folder" if path.is_dir() else "it is a file"
    base = path if path.is_dir() else next((p for p in path.parents if p.exists()), Path("."))
    if not base.is_dir():
        return f"{base} is a file, not a folder"
    # a new file of this very name when its folder exists (name limits), else any new file there
    fresh = not folder and base == path.parent and not path.exists()
    problem = _cannot_create(path if fresh else base / f".{os.getpid()}.probe")
    if not problem and not folder and path.exists() and not os.access(path, os.W_OK):
        problem = "no permission to replace it"
    return problem


def _cannot_create(path: Path) -> str | None:
    """Why a new file ``path`` (in an existing folder) could not be created, or None. Tried for real
    (then removed): permissions, read-only or virtual file systems and name limits are the kernel's."""
    try:
        path.touch(exist_ok=False)
    except OSError as exc:
        return exc.strerror or str(exc)
    path.unlink()
    return None


def printable(text: str, newlines: bool = True) -> str:
    """``text`` without control characters (terminal escapes from a file's content), shown escaped
    (``\x1b``); newlines kept, or escaped too with ``newlines=False`` (a one-line error message)."""
    return "".join(c if c.isprintable() or (c == "\n" and newlines) else repr(c)[1:-1] for c in text)


def rich_safe(value: str) -> str:
    """Outside text (a file name, a label, the model's words) for a rich table or panel: control
    characters escaped (:func:`printable`), markup brackets too, so ``[/]`` is shown, not parsed."""
    from rich.markup import escape

    return escape(printable(value))


_HELD_SIGNALS: set[int] = set()  # signals waiting for an import to finish


def stop_on_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP end a command alike: the stream flushes its recording and
    writes its end event, outputs are closed.

    A signal that comes while a module is being imported is held until the import is done:
    torch's native start-up runs Python from C++ (pybind11), and a KeyboardInterrupt raised
    there aborted the process (``terminate called after throwing ... error_already_set``,
    SIGABRT, measured: SIGTERM 1.85 s into ``generate``)."""

    def interrupt(signum, frame):
        if importing():
            redeliver_after_imports(signum)
            return
        raise KeyboardInterrupt

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        try:
            signal.signal(getattr(signal, name), interrupt)
        except (AttributeError, ValueError):  # no such signal here, or not the main thread
            pass


def importing() -> bool:
    """Whether some module is half imported (its code still running)."""
    return any(getattr(getattr(m, "__spec__", None), "_initializing", False) for m in list(sys.modules.values()))


def redeliver_after_imports(signum: int, poll_seconds: float = 0.01) -> None:
    """Send ``signum`` to this process again once no import is running (from a helper thread);
    the same signal coming again meanwhile is sent once (no import here: this runs inside a
    signal handler, in the middle of another import)."""
    if signum in _HELD_SIGNALS:
        return
    _HELD_SIGNALS.add(signum)

    def wait_and_resend():
        while importing():
            time.sleep(poll_seconds)
        _HELD_SIGNALS.discard(signum)
        os.kill(os.getpid(), signum)

    threading.Thread(target=wait_and_resend, name="sensor2text-signal", daemon=True).start()


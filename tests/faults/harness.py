"""Fault injection: hostile inputs given to the command line, each judged by what a user sees.

A :class:`Case` builds its files in a folder of its own and returns the ``sensor2text``
arguments to run. Its run is judged (:func:`judge`):

- ``ok``: as promised. A refused input exits 2 with one ``error:`` line on stderr naming what it
  should (the file or field, ``Case.names``); an input the case expects to work exits 0. The
  case's own ``check`` (nothing lost, nothing half-written, ...) finds nothing wrong;
- ``traceback``: a Python traceback reached the user;
- ``silent``: exit 0 on an input that should have been refused (a silently wrong result);
- ``unclear``: refused, but not in one line naming the file or field, or with another exit code;
- ``lost``: the case's ``check`` found frames, events or results lost or torn.

A case with ``signals`` (slow only) sends them to its subprocess once ``ready(ws)`` is true
(e.g. the simulated glove has sent every frame); ``expect="stopped"`` then accepts the exit of an
interrupted command (0, 130, or death by that signal before its handlers were installed).

Fast cases run in this process (``tests/faults/test_faults.py``, part of ``make test``);
every case, the slow ones too (real subprocesses, signals, the embedded LM, timeouts), runs
as a subprocess with ``python tests/faults/run_all.py``, which prints the counts.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

OUTCOMES = ("ok", "traceback", "silent", "unclear", "lost")


@dataclass
class Workspace:
    """What a case may use: its own empty ``folder`` and shared, read-only resources (copy them
    before damaging them)."""

    folder: Path  # this case's own empty folder
    checkpoint: str  # a small trained checkpoint on a tiny GPT-2 (its descriptions are noise)
    recordings: Path  # a folder of good synthetic recordings (CSV, one subject)
    lm: str  # the tiny GPT-2 folder the checkpoint was trained on


@dataclass
class Run:
    """What the user saw: exit code, stdout, stderr, seconds."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float


@dataclass(frozen=True)
class Case:
    """One hostile input.

    ``build(ws)`` writes the case's files under ``ws.folder`` and returns the CLI arguments.
    ``names``: fragments the ``error:`` line must contain (the file or field it is about).
    ``expect``: ``"refused"`` (exit 2, one line), ``"works"`` (exit 0, e.g. a folder whose
    good files are still described, a stream that survives a bad frame) or ``"stopped"`` (ended
    by its ``signals``: exit 0 or 130, no error line).
    ``check(ws, run)``: returns what is wrong beyond the exit code (``"lost: ..."`` or any
    text, judged ``unclear``), or None.
    ``slow``: runs only as a subprocess in ``run_all.py`` (signals, timeouts, the real LM).
    ``item``: the issue item it tests (``silent``, ``traceback``, ``network``, ``lost``, ``small``).
    ``signals``: names (``"SIGTERM"``) sent in turn, 10 ms apart, once ``ready(ws)`` is true
    (at once without ``ready``); slow cases only.
    """

    name: str
    item: str
    build: Callable[[Workspace], list[str]]
    names: tuple[str, ...] = ()
    expect: str = "refused"
    check: Callable[[Workspace, Run], str | None] | None = None
    slow: bool = False
    timeout: float = 300.0
    env: dict[str, str] = field(default_factory=dict)
    signals: tuple[str, ...] = ()
    ready: Callable[[Workspace], bool] | None = None


def run_in_process(argv: list[str]) -> Run:
    """``sensor2text.cli.main.main(argv)`` here, stdout and stderr captured; an exception that
    escapes it is what a user would see as a traceback."""
    from sensor2text.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - anything else reaches the user as a traceback
            err.write(traceback.format_exc())
            code = 1
    return Run(code, out.getvalue(), err.getvalue(), time.perf_counter() - start)


def run_subprocess(argv: list[str], timeout: float, env: dict[str, str] | None = None,
                   signals: tuple[str, ...] = (), ready: Callable[[], bool] | None = None) -> Run:  # fmt: skip
    """``python -m sensor2text argv`` in a subprocess (offline: no hub reached); ``signals`` are
    sent once ``ready()`` is true. Its output goes to temporary files, so that a chatty process
    never blocks on a full pipe while a case waits to signal it."""
    start = time.perf_counter()
    environ = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([sys.executable, "-m", "sensor2text", *argv], stdout=out, stderr=err, text=True,
                                   env=environ)  # fmt: skip
        if signals:
            _signal_when_ready(process, signals, ready, start + timeout)
        try:
            process.wait(timeout=max(0.0, start + timeout - time.perf_counter()))
            code = process.returncode
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = -9
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code == -9:
        stderr = f"timed out after {timeout:.0f} s\n{stderr}"
    return Run(code, stdout, stderr, time.perf_counter() - start)


def _signal_when_ready(process: subprocess.Popen, signals: tuple[str, ...], ready, deadline: float) -> None:
    while ready is not None and not ready() and process.poll() is None and time.perf_counter() < deadline:
        time.sleep(0.05)
    for name in signals:
        if process.poll() is None:
            process.send_signal(getattr(signal, name))
            time.sleep(0.01)


def judge(case: Case, ws: Workspace, run: Run) -> tuple[str, str]:
    """``(outcome, detail)`` of one run (see the module docstring)."""
    if "Traceback (most recent call last)" in run.stderr:
        last = [line for line in run.stderr.splitlines() if line and not line[0].isspace()]
        return "traceback", last[-1] if last else "traceback"
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    if case.expect == "refused":
        if run.returncode == 0:
            return "silent", f"exit 0; stdout: {run.stdout.strip()[-200:]!r}"
        if run.returncode != 2 or len(errors) != 1:
            return "unclear", f"exit {run.returncode}, {len(errors)} error lines: {run.stderr.strip()[-300:]!r}"
        missing = [n for n in case.names if n not in errors[0]]
        if missing:
            return "unclear", f"{errors[0]!r} does not name {missing}"
    elif case.expect == "stopped":
        numbers = [getattr(signal, name) for name in case.signals]
        stopped = {0, 130} | {-n for n in numbers} | {128 + n for n in numbers}
        if run.returncode not in stopped or errors:
            return "unclear", f"exit {run.returncode}, {len(errors)} error lines: {run.stderr.strip()[-300:]!r}"
    elif run.returncode != 0:
        return "unclear", f"exit {run.returncode}: {run.stderr.strip()[-300:]!r}"
    problem = case.check(ws, run) if case.check else None
    if problem:
        return ("lost" if problem.startswith("lost") else "unclear"), problem
    return "ok", (errors[0] if errors else "")


def all_cases() -> list[Case]:
    """Every case of every ``cases_*.py`` module beside this one."""
    import importlib

    here = Path(__file__).parent
    sys.path.insert(0, str(here)) if str(here) not in sys.path else None
    cases = []
    for path in sorted(here.glob("cases_*.py")):
        cases += importlib.import_module(path.stem).CASES
    names = [c.name for c in cases]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"fault cases named twice: {sorted(duplicated)}")
    return cases

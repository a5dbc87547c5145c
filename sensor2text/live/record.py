"""Record a training set from a live glove, no checkpoint needed: ``sensor2text record``.

The wearer is cued through a script (rest, then make the named gesture) and each take is written
as ``<out>/<gesture>-<n>.csv``, the layout ``train``, ``evaluate`` and ``generate --input`` read
(one folder per session: ``data/mine/train/alice1/``)::

    sensor2text record --stream /dev/ttyACM0 --profile flex-5 --out data/mine/train/alice1 \
        --gestures count_1 count_2 fist --takes 5

Takes are cut by time, not by motion: after ``pause`` seconds of rest (frames dropped), the next
``seconds`` x the profile's sample rate frames are the take. Numbering continues after the files
already in ``out``, so a second sitting adds takes instead of overwriting them. Bad frames are
counted and skipped by the wire parser, as in ``generate --stream``.
"""

from __future__ import annotations

import math
import os
import queue
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sensor2text.errors import Sensor2TextError
from sensor2text.glove.recordings import label_from_path, write_csv
from sensor2text.glove.schema import DeviceProfile
from sensor2text.live.wire import FrameStats

# Seconds without a single good frame before a recording gives up.
NO_FRAMES_TIMEOUT_S = 5.0
GESTURE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")  # kept in a file name: no '/', no spaces


class FrameBuffer:
    """The pipeline a :class:`sensor2text.live.stream.PortSource` feeds: good frames ``(C,)`` into a
    queue. ``port`` names the glove in errors; the last port error is kept for them."""

    def __init__(self, profile: DeviceProfile, emit: Callable[[dict], None], port: str = ""):
        self.profile, self.stats, self.port = profile, FrameStats(), port
        self.frames: queue.Queue = queue.Queue()
        self._emit, self.port_error = emit, ""

    def emit(self, event: dict) -> None:
        if event.get("event") == "disconnected":
            self.port_error = event["error"]
        self._emit(event)

    def on_frames(self, frames) -> None:
        for frame in frames:
            self.frames.put(frame)

    def drop_for(self, seconds: float) -> None:
        """Drop every frame that is waiting or arrives in the next ``seconds`` (the rest); 0 drops none."""
        if seconds <= 0:
            return
        end = time.monotonic() + seconds
        while True:
            try:
                self.frames.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                if time.monotonic() >= end:
                    return

    def take(self, count: int, timeout_s: float = NO_FRAMES_TIMEOUT_S) -> np.ndarray:
        """The next ``count`` frames ``(count, C)``; Sensor2TextError after ``timeout_s`` without one."""
        frames = []
        while len(frames) < count:
            try:
                frames.append(self.frames.get(timeout=timeout_s))
            except queue.Empty:
                raise Sensor2TextError(f"no frames from {self.port or 'the glove'} for {timeout_s:g} s "
                                       f"({self._why()}); check --wire, --baud and the port.") from None  # fmt: skip
        return np.stack(frames).astype(np.float32)

    def take_for(self, seconds: float, timeout_s: float = NO_FRAMES_TIMEOUT_S) -> np.ndarray:
        """Every frame that arrives in the next ``seconds``, ``(N, C)`` (a glove of unknown rate);
        with none by then, waits up to ``timeout_s`` for one (Sensor2TextError after that)."""
        end, frames = time.monotonic() + seconds, []
        while (left := end - time.monotonic()) > 0:
            try:
                frames.append(self.frames.get(timeout=left))
            except queue.Empty:
                pass
        return np.stack(frames).astype(np.float32) if frames else self.take(1, timeout_s)

    def _why(self) -> str:
        bad = f"{self.stats.bad} bad frames, the last {self.stats.last_error}" if self.stats.bad else "no bad frames"
        return f"{bad}; last port error: {self.port_error}" if self.port_error else bad


def check_gestures(gestures: list[str]) -> None:
    """Sensor2TextError unless every name can be a file name that ``label_from_path`` reads back."""
    if not gestures:
        raise Sensor2TextError("record: --gestures needs at least one gesture name.")
    for name in gestures:
        if not GESTURE_NAME.match(name):
            raise Sensor2TextError(f"record: gesture '{name}': use letters, digits, '_', '-' and '.' only "
                                   "(the file name <gesture>-<take>.csv carries the label).")  # fmt: skip


def check_session(takes: int, seconds: float, pause: float, out: str | Path | None = None) -> None:
    """Sensor2TextError, naming the flag, unless the takes can be recorded (before the glove is opened)."""
    if takes < 1:
        raise Sensor2TextError(f"record: --takes must be at least 1, got {takes}.")
    if not (math.isfinite(seconds) and seconds > 0):
        raise Sensor2TextError(f"record: --seconds must be a positive number of seconds, got {seconds}.")
    if not (math.isfinite(pause) and pause >= 0):
        raise Sensor2TextError(f"record: --pause must be 0 or a positive number of seconds, got {pause}.")
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise Sensor2TextError(f"record: --out {out}: a file; expected a session folder (e.g. data/mine/train/alice1).")


def next_take(folder: Path, gesture: str) -> int:
    """The first take number of ``gesture`` not yet used in ``folder`` (0 for a new folder)."""
    used = [int(p.stem.rsplit("-", 1)[1]) for p in folder.glob(f"{gesture}-*.csv")
            if label_from_path(p) == gesture and p.stem.rsplit("-", 1)[1].isdigit()]  # fmt: skip
    return max(used) + 1 if used else 0


def record_session(buffer: FrameBuffer, out: str | Path, gestures: list[str], takes: int = 3,
                   seconds: float = 2.0, pause: float = 2.0, say: Callable[[str], None] = print,
                   timeout_s: float = NO_FRAMES_TIMEOUT_S,
                   written: list[Path] | None = None) -> list[Path]:  # fmt: skip
    """Cue ``takes`` rounds of ``gestures`` and write each take; returns the files written (also
    appended to ``written`` as they are, so that a caller interrupted midway knows them).

    Each take is ``round(seconds * rate)`` frames ``(F, C)`` at the profile's sample rate (100 Hz
    when it has none), written whole or not at all (:func:`write_take`).
    """
    check_gestures(gestures)
    check_session(takes, seconds, pause, out)
    profile, out = buffer.profile, Path(out)
    count = max(1, round(seconds * (profile.sample_rate_hz or 100.0)))
    written = [] if written is None else written
    for round_index in range(takes):
        for gesture in gestures:
            say(f"[{round_index + 1}/{takes}] rest ...")
            buffer.drop_for(pause)
            say(f"[{round_index + 1}/{takes}] now: {gesture} ({seconds:g} s)")
            frames = buffer.take(count, timeout_s)
            path = out / f"{gesture}-{next_take(out, gesture)}.csv"
            write_take(path, frames, profile)
            written.append(path)
            say(f"saved {path} ({len(frames)} frames)")
    return written


def measure_phases(buffer: FrameBuffer, phases, seconds: float, pause: float,
                   say: Callable[[str], None] = print) -> tuple[dict[str, np.ndarray], float]:  # fmt: skip
    """Cue each ``(name, cue)`` phase (calibrate-glove), drop ``pause`` seconds of getting ready,
    then keep ``seconds`` of frames: ``({name: (N, C)}, frames a second measured)``."""
    measured, kept_seconds = {}, 0.0
    for name, cue in phases:
        say(f"get ready: {cue}")
        buffer.drop_for(pause)
        say(f"now ({seconds:g} s): {cue}")
        started = time.monotonic()
        measured[name] = buffer.take_for(seconds)
        kept_seconds += time.monotonic() - started
    return measured, sum(len(f) for f in measured.values()) / kept_seconds


def write_take(path: Path, frames: np.ndarray, profile: DeviceProfile) -> None:
    """``write_csv`` to a hidden temporary file beside ``path``, then renamed: a take is whole or
    absent, even when the program is stopped while writing it."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        write_csv(temporary, frames, profile)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

"""Live glove stream: serial port (or a replayed file) -> frames -> gestures -> descriptions.

Threads: a *source* thread reads the port (pyserial ``serial_for_url``: ``/dev/ttyUSB0``,
``COM3``, ``socket://host:port``, ``loop://``), parses frames (:mod:`sensor2text.live.wire`), records
them and cuts gestures (:mod:`sensor2text.live.segment`); the main thread describes each gesture
with the model, streaming tokens to a sink (:mod:`sensor2text.live.display`). The source
never waits for the model, so no frame is lost while the LM decodes; when gestures come faster
than they can be described, the oldest waiting one is skipped (counted).

A port that is missing or goes away is reopened with exponential backoff; a bad frame is
counted and skipped. Neither stops the stream. A port that can never be opened (an unknown URL
scheme, a malformed URL, a regular file or folder, a bad baud rate) is refused before the
stream starts (:func:`sensor2text.live.ports.check_port`), in one line.

Stopping (Ctrl-C, SIGTERM, SIGHUP: :func:`sensor2text.cli.common.stop_on_signals`) flushes the
``--record`` file and emits the ``end`` event; a second signal during that cleanup waits for it
(:func:`signals_deferred`). The record file is written in whole lines, so that even a process
killed outright leaves no line cut short.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from sensor2text.errors import Sensor2TextError
from sensor2text.glove.schema import DeviceProfile
from sensor2text.live.governor import ThreadGovernor
from sensor2text.live.lsl import SCHEME as LSL_SCHEME
from sensor2text.live.ports import read_available
from sensor2text.live.segment import HoldOptions, HoldSegmenter, Segment, WindowSegmenter
from sensor2text.live.wire import FrameStats, make_parser
from sensor2text.models.base import DescribeOptions

# Seconds between two reconnect attempts: doubles from the first to the last value.
RECONNECT_BACKOFF_S = (0.25, 4.0)
# How long a read waits for bytes (the latency this adds).
READ_TIMEOUT_S = 0.01
# Gestures waiting for the model; beyond this the oldest is skipped (a "skipped" event says so):
# a live stream describes the newest hold, never queueing behind old ones.
MAX_PENDING_GESTURES = 1
# Seconds between two "stats" events.
STATS_EVERY_S = 1.0
# The ``fps`` figure counts the frames that arrived in the last this many seconds.
FPS_WINDOW_S = 1.0
# The --record file is written every this many frames (whole lines at once).
RECORD_EVERY_FRAMES = 100
# Signals that stop a stream: during its cleanup, more of them wait (see signals_deferred).
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")

Emit = Callable[[dict], None]


@dataclass(frozen=True)
class StreamOptions:
    """How to read and cut a live stream (the CLI's ``generate --stream`` flags)."""

    url: str = ""
    baudrate: int = 115200
    wire_format: str = "csv"
    window: int | None = None  # frames; with ``hop``, sliding windows instead of holds
    hop: int | None = None
    hold: HoldOptions = field(default_factory=HoldOptions)
    record: str | None = None
    read_timeout_s: float = READ_TIMEOUT_S  # how long one read waits for bytes (adds up to this latency)

    def __post_init__(self):
        scheme = self.url.split("://", 1)[0] if "://" in self.url else None
        if (scheme not in (None, LSL_SCHEME.removesuffix("://"))
                and importlib.util.find_spec(f"serial.urlhandler.protocol_{scheme}") is None):  # fmt: skip
            raise ValueError(f"stream: unknown port URL scheme '{scheme}://' in {self.url}; expected a device "
                             "(/dev/ttyUSB0, COM3), socket://HOST:PORT, rfc2217://, loop:// or "
                             "lsl://NAME.")  # fmt: skip
        if not (math.isfinite(self.read_timeout_s) and self.read_timeout_s > 0):
            raise ValueError(f"stream: --read-timeout must be a positive number of seconds, got {self.read_timeout_s}")
        if not self.baudrate > 0:
            raise ValueError(f"stream: --baud must be a positive baud rate (e.g. 115200), got {self.baudrate}")
        if (self.window is None) != (self.hop is None):
            raise ValueError("stream: give both --window and --hop (sliding windows), or neither (holds)")
        if self.window is not None and (self.window < 1 or self.hop < 1):
            raise ValueError(f"stream: --window and --hop must be positive frame counts, got {self.window} and "
                             f"{self.hop}")  # fmt: skip


def _describe_live(model, segment: Segment, on_token) -> tuple:
    """``(description, first token time, done time)`` of one segment, times on ``perf_counter``."""
    start = time.perf_counter()
    description = model.describe([segment.frames], DescribeOptions(on_token=on_token))[0]
    done = time.perf_counter()
    first_ms = description.timings.get("first_token_ms")
    return description, done if first_ms is None else start + first_ms / 1000, done


def describe_segment(model, segment: Segment, detected_at: float, emit: Emit, rate_hz: float) -> dict:
    """Describe one gesture, emitting ``token`` events and a final ``description`` event."""
    on_token = lambda text: emit({"event": "token", "text": text})  # noqa: E731
    description, first, done = _describe_live(model, segment, on_token)
    event = {"event": "description", "text": description.text, "confidence": _round(description.confidence),
             "first_token_ms": round(1000 * (first - detected_at), 1),
             "latency_ms": round(1000 * (done - detected_at), 1),
             "start_s": round(segment.start / rate_hz, 2), "end_s": round(segment.end / rate_hz, 2),
             "reason": segment.reason}  # fmt: skip
    emit(event)
    return event


@dataclass
class Speculation:
    """A description of a candidate segment, made before its hold was confirmed."""

    segment: Segment
    text: str
    tokens: list[str]
    confidence: float | None
    first_token_at: float
    done_at: float

    def matches(self, segment: Segment) -> bool:
        """The confirmed hold is this candidate: same movement onset, no movement since it stopped."""
        return segment.reason == "hold" and (segment.start, segment.still_from) == (
            self.segment.start, self.segment.still_from)  # fmt: skip


def speculate(model, segment: Segment) -> Speculation:
    """Describe a candidate segment without emitting anything."""
    tokens: list[str] = []
    description, first, done = _describe_live(model, segment, tokens.append)
    return Speculation(segment, description.text, tokens, description.confidence, first, done)


def emit_speculation(spec: Speculation, segment: Segment, detected_at: float, emit: Emit, rate_hz: float) -> dict:
    """The ``description`` of a confirmed hold from its speculation (latency counted from the
    confirmation: zero when the description was ready before)."""
    for text in spec.tokens:
        emit({"event": "token", "text": text})
    ready = time.perf_counter()
    event = {"event": "description", "text": spec.text, "confidence": _round(spec.confidence),
             "first_token_ms": round(1000 * max(0.0, min(spec.first_token_at, ready) - detected_at), 1),
             "latency_ms": round(1000 * max(0.0, ready - detected_at), 1),
             "start_s": round(segment.start / rate_hz, 2), "end_s": round(segment.end / rate_hz, 2),
             "reason": segment.reason, "speculated": True}  # fmt: skip
    emit(event)
    return event


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ---- frames -> gestures ----------------------------------------------------------------------
class FramePipeline:
    """Runs in the source thread: counts, records and segments frames; queues gestures."""

    def __init__(self, profile: DeviceProfile, segmenter, stats: FrameStats, emit: Emit, record: str | None = None,
                 max_pending: int | None = MAX_PENDING_GESTURES, annotate=None):  # fmt: skip
        """``max_pending``: gestures that may wait for the model before the oldest is skipped
        (None: never skip, for a replay that can wait). ``annotate(frames (T, C)) -> dict``: more
        fields for each gesture event (e.g. the hand a pose model sees); if it fails, the gesture
        goes on without them and an ``error`` event says why."""
        self.profile, self.segmenter, self.stats, self.emit = profile, segmenter, stats, emit
        self.annotate = annotate
        self.max_pending = max_pending
        self.rate = profile.sample_rate_hz or 100.0
        self.gestures: queue.Queue = queue.Queue()
        self.candidate: Segment | None = None  # the latest candidate, not yet described
        self.skipped = 0
        self.frames = 0
        self.arrivals: deque[tuple[float, int]] = deque()  # (time, frames) of each batch, the last FPS_WINDOW_S
        self.recorder = Recorder(record, profile, self.rate) if record else None

    def on_frames(self, frames: Iterable[np.ndarray]) -> None:
        now, count = time.perf_counter(), 0
        for frame in frames:
            self.frames += 1
            count += 1
            if self.recorder:
                self.recorder.write(frame)
            segment = self.segmenter.push(frame)
            if segment is not None:
                self._queue(segment, now)
        if count:
            self.arrivals.append((now, count))
            self._forget_arrivals(now)

    def _forget_arrivals(self, now: float) -> None:
        while self.arrivals and now - self.arrivals[0][0] > FPS_WINDOW_S:
            self.arrivals.popleft()

    def _queue(self, segment: Segment, detected_at: float) -> None:
        if segment.reason == "candidate":
            self.candidate = segment
            return
        self.emit({"event": "gesture", "start_s": round(segment.start / self.rate, 2),
                   "end_s": round(segment.end / self.rate, 2), "frames": len(segment.frames),
                   "reason": segment.reason, **self._annotations(segment)})  # fmt: skip
        while self.max_pending is not None and self.gestures.qsize() >= self.max_pending:
            try:
                old, _ = self.gestures.get_nowait()
            except queue.Empty:
                break
            self.skipped += 1
            self.emit({"event": "skipped", "start_s": round(old.start / self.rate, 2),
                       "end_s": round(old.end / self.rate, 2),
                       "reason": "a newer gesture ended while the model was still busy"})  # fmt: skip
        self.gestures.put((segment, detected_at))

    def _annotations(self, segment: Segment) -> dict:
        if self.annotate is None:
            return {}
        try:
            return self.annotate(segment.frames)
        except Exception as error:  # noqa: BLE001 - one bad view must not end the stream
            self.emit({"event": "error", "error": f"the gesture at {segment.start / self.rate:.1f} s: {error}"})
            return {}

    def has_work(self) -> bool:
        """A gesture waits to be described (or a candidate to be described ahead)."""
        return not self.gestures.empty() or self.candidate is not None

    def take_candidate(self) -> Segment | None:
        segment, self.candidate = self.candidate, None
        return segment

    def fps(self) -> float:
        """Frames per second over the last ``FPS_WINDOW_S`` of arrivals (any rate: not capped)."""
        now = time.perf_counter()
        arrivals = list(self.arrivals)  # the source thread appends meanwhile
        return sum(n for t, n in arrivals if now - t <= FPS_WINDOW_S) / FPS_WINDOW_S

    def stats_event(self) -> dict:
        return {"event": "stats", "frames": self.frames, "fps": self.fps(), "bad_frames": self.stats.bad,
                "bad_reasons": dict(self.stats.reasons), "dropped_frames": self.stats.dropped,
                "skipped_gestures": self.skipped, "state": self.segmenter.state}  # fmt: skip

    def close(self) -> None:
        if self.recorder:
            self.recorder.close()


class Recorder:
    """``--record FILE``: raw frames as a recording CSV (``time_s`` + the profile's channels).

    A new file only (an earlier recording is never overwritten: FileExistsError). Lines are
    written whole, ``RECORD_EVERY_FRAMES`` at a time, with one unbuffered write each: a process
    killed outright loses at most the frames not yet written, never leaves a line cut short.
    """

    def __init__(self, path: str, profile: DeviceProfile, rate_hz: float):
        self.path, self.rate, self.count = Path(path), rate_hz, 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.path.open("xb", buffering=0)
        self.lines = [",".join(["time_s", *profile.channels]) + "\n"]
        self.lock = threading.Lock()  # the source thread writes, the main thread closes
        self._write_lines()

    def write(self, frame: np.ndarray) -> None:
        values = ",".join(f"{v:.4f}" for v in frame)
        with self.lock:
            self.lines.append(f"{self.count / self.rate:.4f},{values}\n")
            self.count += 1
            if len(self.lines) >= RECORD_EVERY_FRAMES:
                self._write_lines()

    def _write_lines(self) -> None:
        data = memoryview("".join(self.lines).encode("ascii"))
        self.lines = []
        while data:
            data = data[self.file.write(data) :]

    def close(self) -> None:
        with self.lock:
            if not self.file.closed:
                self._write_lines()
                self.file.close()


def make_segmenter(options: StreamOptions, scale: np.ndarray, rate_hz: float):
    if options.window is not None:
        return WindowSegmenter(options.window, options.hop)
    return HoldSegmenter(scale, rate_hz, options.hold)


# ---- sources -----------------------------------------------------------------------------------
class PortSource(threading.Thread):
    """Reads a pyserial URL into the pipeline; reconnects with backoff when the port is gone."""

    def __init__(self, options: StreamOptions, pipeline: FramePipeline, open_port=None):
        super().__init__(daemon=True, name="glove-port")
        import serial

        self.options, self.pipeline = options, pipeline
        self.open_port = open_port or serial.serial_for_url
        self.errors = (serial.SerialException, OSError, ValueError)
        self.parser = make_parser(options.wire_format, pipeline.profile, pipeline.stats)
        self.stop_event = threading.Event()
        self.connects = 0
        self.fatal: str | None = None  # why the port can never be opened (the stream then stops)

    def run(self) -> None:
        delay = RECONNECT_BACKOFF_S[0]
        while not self.stop_event.is_set():
            try:
                options = self.options
                port = self.open_port(options.url, baudrate=options.baudrate, timeout=options.read_timeout_s)
            except (ValueError, KeyError, TypeError) as error:  # a malformed URL or setting: retrying cannot help
                self.fatal = f"--stream {self.options.url}: cannot be opened ({type(error).__name__}: {error})."
                return
            except self.errors as error:
                delay = self._wait_retry(f"cannot open {self.options.url}: {error}", delay)
                continue
            self.connects += 1
            self.pipeline.emit({"event": "connected", "port": self.options.url})
            delay = RECONNECT_BACKOFF_S[0]
            error = self._read(port)
            if error is not None:
                delay = self._wait_retry(f"{self.options.url} disconnected: {error}", delay)

    def _read(self, port) -> str | None:
        """Read until stopped (None) or until the port fails (the error)."""
        try:
            with port:
                self.parser.reset()
                while not self.stop_event.is_set():
                    data = read_available(port)
                    if data:
                        self.pipeline.on_frames(self.parser.feed(data))
        except self.errors as error:
            return str(error) or type(error).__name__
        return None

    def _wait_retry(self, message: str, delay: float) -> float:
        self.pipeline.emit({"event": "disconnected", "error": message, "retry_in_s": delay})
        self.stop_event.wait(delay)
        return min(2 * delay, RECONNECT_BACKOFF_S[1])

    def stop(self) -> None:
        self.stop_event.set()


class ReplaySource(threading.Thread):
    """Plays recorded frames ``(T, C)`` into the pipeline at the glove's rate times ``speed``
    (``speed=0``: as fast as possible)."""

    def __init__(self, frames: np.ndarray, pipeline: FramePipeline, speed: float = 1.0):
        super().__init__(daemon=True, name="glove-replay")
        self.frames, self.pipeline, self.speed = frames, pipeline, speed
        self.stop_event = threading.Event()
        self.finished = threading.Event()

    def run(self) -> None:
        from sensor2text.live.simulate import play

        try:
            if self.speed == 0:
                for frame in self.frames:
                    if self.stop_event.is_set():
                        break
                    self.pipeline.on_frames([frame])
            else:
                play(iter(self.frames), lambda frame: self.pipeline.on_frames([frame]), self.pipeline.rate,
                     self.speed, self.stop_event.is_set)  # fmt: skip
        finally:
            self.finished.set()

    def stop(self) -> None:
        self.stop_event.set()


# ---- the loop ---------------------------------------------------------------------------------
def run(model, pipeline: FramePipeline, source, emit: Emit, max_gestures: int | None = None,
        should_stop: Callable[[], bool] = lambda: False, speculate_holds: bool = True,
        idle_work: Callable[[], bool] | None = None, governor: ThreadGovernor | None = None) -> list[dict]:  # fmt: skip
    """Describe gestures until Ctrl-C, ``should_stop()``, ``max_gestures`` or the end of a replay.

    With ``speculate_holds``, while no confirmed gesture waits, the latest candidate (the hand
    just stopped) is described ahead of time; its confirmed hold then reuses that description.
    When there is nothing to describe, ``idle_work()`` runs one short step (e.g.
    the model's ``warm_step``) until it returns False. A ``governor`` resets the torch threads to
    the free cores every second.
    Returns the description events. The recording is flushed and the source stopped on exit.
    """
    descriptions, last_stats, ahead = [], 0.0, None
    source.start()
    try:
        while not should_stop() and (max_gestures is None or len(descriptions) < max_gestures):
            if getattr(source, "fatal", None):
                raise Sensor2TextError(source.fatal)
            if time.perf_counter() - last_stats >= STATS_EVERY_S:
                threads = {"threads": governor.update()} if governor is not None else {}
                emit({**pipeline.stats_event(), **threads})
                last_stats = time.perf_counter()
            try:
                segment, detected_at = pipeline.gestures.get(timeout=0.01 if speculate_holds else 0.1)
            except queue.Empty:
                candidate = pipeline.take_candidate()
                if speculate_holds and candidate is not None:
                    ahead = _guarded(partial(speculate, model, candidate), candidate, pipeline.rate, emit) or ahead
                elif getattr(source, "finished", None) is not None and source.finished.is_set():
                    break  # a replay ended and every gesture was described
                elif idle_work is not None:
                    idle_work = idle_work if _idle_step(idle_work, emit) else None
                continue
            if ahead is not None and ahead.matches(segment):
                descriptions.append(emit_speculation(ahead, segment, detected_at, emit, pipeline.rate))
                continue
            describe = partial(describe_segment, model, segment, detected_at, emit, pipeline.rate)
            event = _guarded(describe, segment, pipeline.rate, emit)
            if event is not None:
                descriptions.append(event)
    except KeyboardInterrupt:
        pass
    finally:
        with signals_deferred():  # a second Ctrl-C must not cut the recording short
            source.stop()
            source.join(timeout=2.0)
            pipeline.close()
            emit({**pipeline.stats_event(), "event": "end"})
    return descriptions


@contextlib.contextmanager
def signals_deferred(names: tuple[str, ...] = STOP_SIGNALS):
    """Inside the block, the stop signals are ignored (the program is stopping already), so that
    an impatient second Ctrl-C or SIGTERM cannot interrupt a cleanup that keeps data. Only the
    main thread can change signal handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for name in names:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, signal.SIG_IGN)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _idle_step(work: Callable[[], bool], emit: Emit) -> bool:
    """One step of idle work; an error stops the idle work (with an ``error`` event), not the stream."""
    try:
        return work()
    except (Sensor2TextError, ValueError, RuntimeError, OSError) as error:
        emit({"event": "error", "error": f"background work stopped: {error}"})
        return False


def _guarded(work, segment: Segment, rate_hz: float, emit: Emit):
    """``work()``, or None with an ``error`` event: one gesture failing never stops the stream."""
    try:
        return work()
    except (Sensor2TextError, ValueError, RuntimeError) as error:
        emit({"event": "error", "error": f"describing the gesture at {segment.start / rate_hz:.1f} s failed: {error}"})
        return None

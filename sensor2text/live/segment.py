"""Cut a live stream of glove frames into gestures: holds (motion energy with hysteresis) or windows.

A gesture goes rest -> movement -> hold -> movement -> rest. :class:`HoldSegmenter` follows the
hand's *motion energy* (smoothed frame-to-frame speed, in per-channel scale units per second):
it is **moving** above ``move_threshold`` and **still** below ``still_threshold`` (hysteresis:
in between it keeps its state). A still period that lasts ``min_hold_s`` is a *hold*:

- the first hold of the stream is taken as the **rest** pose (start with a relaxed hand);
- a hold close to rest (mean distance < ``rest_distance``) is rest again (the reference follows it);
- a hold far from rest is a **gesture**: the frames from just before the movement began up to
  now are emitted at once, so a static gesture is described while it is still held;
- a movement that returns to rest without a hold (a wave, a beckon: the hand never stops) is
  emitted when the hand is back at rest.

When the hand stops away from rest, a ``candidate`` segment (the gesture so far) is returned too,
so that the stream can describe it while the hold is being confirmed. One description per
gesture (debounced): after a gesture is emitted, nothing more is emitted
until the hand has been back at rest. :class:`WindowSegmenter` instead emits a window of
``window`` frames every ``hop`` frames. Both take frames one at a time (``push``) and keep a
bounded buffer, so they run for hours.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

# Longest gesture kept (seconds): older frames leave the buffer.
MAX_GESTURE_S = 6.0


@dataclass(frozen=True)
class Segment:
    """A gesture cut from the stream: ``frames (T, C)``, frame indices, and why it was cut."""

    frames: np.ndarray
    start: int  # stream index of the first frame
    end: int  # stream index of the frame that triggered it (the detection time)
    reason: str  # "hold", "return" (a movement back to rest), "window", or "candidate" (see below)
    still_from: int | None = None  # stream index where the hand stopped (hold and candidate segments)


@dataclass(frozen=True)
class HoldOptions:
    """Thresholds of :class:`HoldSegmenter` (energies in scale units per second)."""

    still_threshold: float = 1.1
    move_threshold: float = 2.2
    min_hold_s: float = 0.3
    rest_distance: float = 0.5  # mean |pose - rest| / scale under which a hold counts as rest
    smooth_s: float = 0.15  # time constant of the exponential smoothing before differencing
    pre_roll_s: float = 0.2  # frames kept from before the movement began
    min_gesture_s: float = 0.3  # shorter movements (a twitch) are ignored

    def __post_init__(self):
        if not 0 < self.still_threshold < self.move_threshold:
            raise ValueError("stream: expected 0 < still_threshold < move_threshold")
        for name in ("min_hold_s", "smooth_s", "rest_distance"):
            if not getattr(self, name) > 0:  # NaN too
                raise ValueError(f"stream: {name} must be positive, got {getattr(self, name)}")


class HoldSegmenter:
    """Frames ``(C,)`` in, :class:`Segment` out when a gesture is held or a movement ends at rest."""

    def __init__(self, scale: np.ndarray, sample_rate_hz: float, options: HoldOptions = HoldOptions()):
        self.scale = np.maximum(np.asarray(scale, dtype=np.float64), 1e-6)
        self.rate, self.opt = float(sample_rate_hz), options
        self.buffer: deque[np.ndarray] = deque(maxlen=int(MAX_GESTURE_S * self.rate))
        self.index = -1  # stream index of the last frame pushed
        self.smooth: np.ndarray | None = None
        self.energy = 0.0
        self.moving = False
        self.still_since = 0  # stream index where the current still period began
        self.rest: np.ndarray | None = None
        self.onset: int | None = None  # stream index where the movement away from rest began
        self.move_start = 0  # stream index where the latest movement began
        self.gesture_pose: np.ndarray | None = None  # hold pose of the last emitted gesture
        self.emitted = False  # a gesture was emitted since the hand last rested
        self.held = False  # the current still period was already classified

    @property
    def state(self) -> str:
        """``"waiting for rest"``, ``"rest"``, ``"moving"`` or ``"holding"``."""
        if self.rest is None:
            return "waiting for rest"
        if self.moving:
            return "moving"
        return "holding" if self.emitted else "rest"

    def push(self, frame: np.ndarray) -> Segment | None:
        """Add one frame ``(C,)``; return a segment when a gesture is detected."""
        frame = np.asarray(frame, dtype=np.float64)
        self.index += 1
        self.buffer.append(frame)
        self._update_energy(frame)
        was_moving = self.moving
        if self.energy > self.opt.move_threshold:
            self.moving = True
        elif self.energy < self.opt.still_threshold:
            self.moving = False
        if self.moving and not was_moving:
            return self._on_move()
        if not self.moving and was_moving:
            self.still_since, self.held = self.index, False
            return self._candidate()
        if not self.moving and not self.held and self.index - self.still_since + 1 >= self.opt.min_hold_s * self.rate:
            self.held = True
            return self._on_hold()
        return None

    def _update_energy(self, frame: np.ndarray) -> None:
        """Exponentially smoothed frames, then the RMS over channels of their speed ``(scale/s)``."""
        if self.smooth is None:
            self.smooth = frame.copy()
            return
        previous = self.smooth.copy()
        self.smooth += min(1.0, 1.0 / (self.opt.smooth_s * self.rate)) * (frame - self.smooth)
        speed = np.abs(self.smooth - previous) * self.rate / self.scale
        self.energy = float(np.sqrt(np.mean(speed**2)))

    def _on_move(self) -> None:
        self.move_start = self.index
        if self.onset is None and not self.emitted:
            self.onset = self.index
        return None

    def _distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.mean(np.abs(a - b) / self.scale))

    def _hold_pose(self) -> np.ndarray:
        count = self.index - self.still_since + 1
        return np.mean(list(self.buffer)[-count:], axis=0)

    def _on_hold(self) -> Segment | None:
        pose = self._hold_pose()
        if self.rest is None:
            self.rest, self.onset = pose, None  # movements before the first rest are not gestures
            return None
        if self._distance(pose, self.rest) < self.opt.rest_distance:
            return self._back_at_rest(pose)
        if self.emitted:
            if self._distance(pose, self.gesture_pose) < self.opt.rest_distance:
                return None  # the same gesture, held on after a small movement
            self.onset = self.move_start  # straight from one gesture to the next
        if self.onset is None:
            return None
        self.gesture_pose = pose
        return self._emit("hold")

    def _back_at_rest(self, pose: np.ndarray) -> Segment | None:
        self.rest = 0.8 * self.rest + 0.2 * pose  # follow slow drift of the rest pose
        segment = None
        if self.onset is not None and not self.emitted:
            segment = self._emit("return")  # a movement without a hold: a dynamic gesture
        self.onset, self.emitted = None, False
        return segment

    def _candidate(self) -> Segment | None:
        """The hand just stopped away from rest: the gesture so far, for describing ahead of time.

        If the hold is then confirmed with no movement in between, its segment has the same
        ``start`` and ``still_from``, and a description of the candidate can be used at once.
        """
        if self.rest is None or self.onset is None or self.emitted:
            return None
        if self._distance(self.smooth, self.rest) < self.opt.rest_distance:
            return None
        start = max(self.onset - int(self.opt.pre_roll_s * self.rate), self.index - len(self.buffer) + 1)
        frames = np.stack(list(self.buffer)[start - self.index - 1 :]).astype(np.float32)
        return Segment(frames, start, self.index, "candidate", still_from=self.index)

    def _emit(self, reason: str) -> Segment | None:
        start = max(self.onset - int(self.opt.pre_roll_s * self.rate), self.index - len(self.buffer) + 1)
        if reason == "hold" or (self.still_since - self.onset) >= self.opt.min_gesture_s * self.rate:
            self.emitted = True
            frames = np.stack(list(self.buffer)[start - self.index - 1 :]).astype(np.float32)
            return Segment(frames, start, self.index, reason, still_from=self.still_since)
        self.onset = None  # a twitch
        return None


class WindowSegmenter:
    """Emit the last ``window`` frames every ``hop`` frames."""

    def __init__(self, window: int, hop: int):
        if window < 1 or hop < 1:
            raise ValueError(f"stream: window and hop must be positive frame counts, got {window} and {hop}")
        self.window, self.hop = window, hop
        self.buffer: deque[np.ndarray] = deque(maxlen=window)
        self.index = -1
        self.state = "window"

    def push(self, frame: np.ndarray) -> Segment | None:
        self.index += 1
        self.buffer.append(np.asarray(frame, dtype=np.float32))
        if len(self.buffer) == self.window and (self.index + 1 - self.window) % self.hop == 0:
            return Segment(np.stack(self.buffer), self.index - self.window + 1, self.index, "window")
        return None

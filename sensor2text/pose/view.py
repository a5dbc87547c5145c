"""The hand a pose model sees, for the live stream: terminal art of both hands per gesture, the
keypoints in the gesture event, and (optionally) a PNG of the skeleton per gesture.

    view = HandView(load_pose("runs/pose"), images="runs/hands")
    fields = view(segment_frames)      # {"hand": [...art lines...], "keypoints_mm": [...], "hand_image": ...}

The art is a front view (x across, y up: fingers point up, the palm faces the viewer): an extended
finger is a long line, a folded one a short stub. Each hand is drawn at its held frame (the frame
farthest from the first, as ``plot`` picks it).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from sensor2text.glove.plot import BONES, peak_frame

# Size of one hand's drawing in characters, and the millimetres it spans (wrist-relative).
ART_WIDTH, ART_HEIGHT = 21, 11
ART_SPAN_X, ART_SPAN_Y = (-110.0, 110.0), (-20.0, 200.0)
# Keypoints drawn as fingertips (thumb, index, middle, ring, little) and as joints.
TIPS = (4, 8, 12, 16, 20)


def _cell(point: np.ndarray) -> tuple[int, int]:
    """``(x, y)`` mm -> ``(column, row)`` of the drawing (row 0 at the top), clipped to it."""
    (x0, x1), (y0, y1) = ART_SPAN_X, ART_SPAN_Y
    column = round((point[0] - x0) / (x1 - x0) * (ART_WIDTH - 1))
    row = round((y1 - point[1]) / (y1 - y0) * (ART_HEIGHT - 1))
    return min(max(column, 0), ART_WIDTH - 1), min(max(row, 0), ART_HEIGHT - 1)


def hand_art(keypoints: np.ndarray, mirror: bool = False) -> list[str]:
    """One hand's 21 keypoints ``(21, 3)`` (mm, wrist-relative, a right hand's frame) -> ``ART_HEIGHT``
    lines of ``ART_WIDTH`` characters: bones as ``.``, joints ``o``, fingertips ``*``, the wrist ``w``.
    ``mirror``: draw as a left hand (x flipped)."""
    points = keypoints[:, :2] * (np.array([-1.0, 1.0]) if mirror else 1.0)
    grid = [[" "] * ART_WIDTH for _ in range(ART_HEIGHT)]
    for a, b in BONES:
        for t in np.linspace(0.0, 1.0, 8):
            column, row = _cell(points[a] + t * (points[b] - points[a]))
            grid[row][column] = "."
    for index, point in enumerate(points):
        column, row = _cell(point)
        grid[row][column] = "w" if index == 0 else "*" if index in TIPS else "o"
    return ["".join(line) for line in grid]


def hands_art(keypoints: np.ndarray) -> list[str]:
    """Both hands ``(42, 3)`` (left first, each in its own wrist frame) side by side, labelled."""
    left, right = hand_art(keypoints[:21], mirror=True), hand_art(keypoints[21:])
    return [f"{'left':^{ART_WIDTH}}   {'right':^{ART_WIDTH}}"] + [f"{a}   {b}" for a, b in zip(left, right)]


class HandView:
    """A pose model's view of each gesture: ``view(frames (T, 46)) -> fields`` for the gesture event.

    ``images``: a folder to write ``hand-<n>.png`` into, one per gesture (the recording's skeleton
    from the glove's joint angles beside the predicted one), in a background thread so the stream's
    reading is never held up."""

    def __init__(self, pose, images: str | Path | None = None):
        self.pose, self.images = pose, Path(images) if images else None
        self.count = 0
        self.writer = ThreadPoolExecutor(max_workers=1) if self.images else None

    def __call__(self, frames: np.ndarray) -> dict:
        from sensor2text.pose.train import predict_both_hands

        predicted = predict_both_hands(self.pose, frames)  # (T, 42, 3) mm
        held = peak_frame(frames)
        fields = {"hand": hands_art(predicted[held]), "keypoints_mm": np.round(predicted[held], 1).tolist()}
        if self.writer is not None:
            self.count += 1
            path = self.images / f"hand-{self.count}.png"
            self.writer.submit(_write_image, frames, predicted, path)
            fields["hand_image"] = str(path)
        return fields

    def close(self) -> None:
        if self.writer is not None:
            self.writer.shutdown(wait=True)


def _write_image(frames: np.ndarray, predicted: np.ndarray, path: Path) -> None:
    from sensor2text.glove.plot import plot_recording
    from sensor2text.glove.schema import SYNTHETIC_JOINTS

    path.parent.mkdir(parents=True, exist_ok=True)
    plot_recording(frames, SYNTHETIC_JOINTS, path, title=path.stem, predicted=predicted)

"""Plots (matplotlib, Agg): channel heatmaps of a recording (one per unit) plus, for the synthetic
joint-angle glove, the two-hand skeleton from forward kinematics at the most flexed-away frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sensor2text.glove.kinematics import two_hand_keypoints
from sensor2text.glove.schema import SYNTHETIC_JOINTS, DeviceProfile
from sensor2text.textfile import save_figure

# Keypoint index pairs drawn as bones (21-point layout, per hand).
BONES = [(0, 1), (1, 2), (2, 3), (3, 4)] + [
    pair
    for base in (5, 9, 13, 17)
    for pair in ((0, base), (base, base + 1), (base + 1, base + 2), (base + 2, base + 3))
]


def peak_frame(frames: np.ndarray) -> int:
    """Frame farthest from the first frame (the held gesture, for rest -> gesture -> rest)."""
    return int(np.argmax(np.abs(frames - frames[0]).sum(axis=1)))


UNIT_NAMES = {"deg": "degrees", "m": "metres", "turn": "turns", "1": "unitless (0-1)"}


def unit_groups(profile: DeviceProfile) -> dict[str, list[int]]:
    """``{unit: [channel index]}`` in the profile's channel order: one heatmap (one colour scale) each."""
    groups: dict[str, list[int]] = {}
    for index, unit in enumerate(profile.units):
        groups.setdefault(unit, []).append(index)
    return groups


def plot_recording(frames: np.ndarray, profile: DeviceProfile, out: str | Path, title: str = "",
                   predicted: np.ndarray | None = None) -> None:  # fmt: skip
    """Write a PNG of a recording ``(T, C)``: one heatmap per unit (channels x time, its own colour
    scale and labelled colour bar); for joint angles, the two hands' skeleton (forward kinematics,
    cm) at the frame farthest from the first, marked on the heatmap. ``predicted (T, 42, 3)``: a
    pose model's keypoints (mm, each hand wrist-relative, left first), drawn dashed beside them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    skeleton = profile.name == SYNTHETIC_JOINTS.name
    groups = unit_groups(profile)
    frame = peak_frame(frames)
    fig = plt.figure(figsize=(14 if skeleton else 9, 7))
    grid = fig.add_gridspec(len(groups), 2 if skeleton else 1, height_ratios=[len(c) for c in groups.values()])
    rate = profile.sample_rate_hz
    for row, (unit, channels) in enumerate(groups.items()):
        ax = fig.add_subplot(grid[row, 0])
        image = ax.imshow(frames[:, channels].T, aspect="auto", cmap="viridis", interpolation="nearest")
        ax.set_yticks(range(len(channels)), [profile.channels[i] for i in channels], fontsize=5)
        ax.set_ylabel("channel")
        fig.colorbar(image, ax=ax, fraction=0.04).set_label(UNIT_NAMES.get(unit, unit))
        if skeleton:  # the frame the hands are drawn at
            ax.axvline(frame, color="white", linestyle="--", linewidth=1, label=f"frame {frame}, drawn at right")
        if row == 0:
            ax.set_title(f"{title}  {profile.name}".strip())
            if skeleton:
                ax.legend(loc="upper right", fontsize=7, framealpha=0.6)
        if row == len(groups) - 1:
            ax.set_xlabel(f"frame (at {rate:g} Hz: {len(frames) / rate:.2f} s in all)" if rate else "frame")
    if skeleton:
        _plot_hands(fig.add_subplot(grid[:, 1], projection="3d"), frames, frame, predicted)
    fig.tight_layout()
    save_figure(fig, out)
    plt.close(fig)


def placed(predicted: np.ndarray) -> np.ndarray:
    """A pose model's keypoints ``(42, 3)`` (mm, wrist-relative, left first) placed as
    ``two_hand_keypoints`` places the hands (cm; the left mirrored, 25 cm apart)."""
    left = predicted[:21] / 10.0 * np.array([-1.0, 1.0, 1.0]) + [-12.5, 0.0, 0.0]
    return np.concatenate([left, predicted[21:] / 10.0 + [12.5, 0.0, 0.0]])


def _plot_hands(ax, frames: np.ndarray, frame: int, predicted: np.ndarray | None = None) -> None:
    """Both hands' 21 keypoints and bones at ``frame`` on a 3-D axis (cm), with a legend; a pose
    model's ``predicted`` keypoints dashed beside them."""
    points = two_hand_keypoints(frames[frame : frame + 1].astype(np.float64))[0]
    drawn = [(points, "-", "")] + ([(placed(predicted[frame]), "--", ", predicted")] if predicted is not None else [])
    for keypoints, style, which in drawn:
        for offset, color, name in ((0, "tab:blue", "left hand"), (21, "tab:red", "right hand")):
            for a, b in BONES:
                xs, ys, zs = zip(keypoints[offset + a], keypoints[offset + b])
                ax.plot(xs, ys, zs, color=color, linestyle=style, alpha=1.0 if not which else 0.6)
            label = f"{name}{which or ' (glove)'}" if predicted is not None else name
            ax.scatter(*keypoints[offset : offset + 21].T, s=8, color=color, label=label, marker="x" if which else "o")
    ax.set_xlabel("x (cm)")
    ax.set_ylabel("y (cm)")
    ax.set_zlabel("z (cm)")
    ax.legend(loc="upper right", fontsize=8)
    ax.view_init(elev=60, azim=-90)
    ax.set_title(f"hands at frame {frame} (the dashed line)")


def animate_hands(frames: np.ndarray, out: str | Path, predicted: np.ndarray | None = None, step: int = 4,
                  rate_hz: float = 100.0) -> int:  # fmt: skip
    """Write a GIF of both hands' skeleton every ``step`` frames of a synthetic two-hand recording
    ``(T, 46)``, in real time at ``rate_hz`` (a pose model's ``predicted (T, 42, 3)`` dashed beside
    it), whole or not at all. Returns the number of images."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from sensor2text.textfile import atomic_path

    everything = two_hand_keypoints(frames.astype(np.float64)).reshape(-1, 3)
    low, high = everything.min(0) - 2, everything.max(0) + 2
    fig = plt.figure(figsize=(5, 4), dpi=80)
    ax = fig.add_subplot(projection="3d")
    images = []
    for frame in range(0, len(frames), step):
        ax.clear()
        _plot_hands(ax, frames, frame, predicted)
        ax.set_xlim(low[0], high[0]), ax.set_ylim(low[1], high[1]), ax.set_zlim(low[2], high[2])
        ax.set_title(f"frame {frame} ({frame / rate_hz:.2f} s)")
        fig.canvas.draw()
        images.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("P"))
    plt.close(fig)
    with atomic_path(out) as partial:
        images[0].save(partial, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(1000 * step / rate_hz), loop=0)  # fmt: skip
    return len(images)

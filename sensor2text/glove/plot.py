"""Plots (matplotlib, Agg): channel heatmap of a recording plus, for the synthetic joint-angle
glove, the two-hand skeleton from forward kinematics at the most flexed-away frame."""

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


def plot_recording(frames: np.ndarray, profile: DeviceProfile, out: str | Path, title: str = "") -> None:
    """Write a PNG: heatmap ``(channels x frames)`` and, for joint angles, the skeleton."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    skeleton = profile.name == SYNTHETIC_JOINTS.name
    fig = plt.figure(figsize=(14 if skeleton else 9, 7))
    ax = fig.add_subplot(1, 2 if skeleton else 1, 1)
    image = ax.imshow(frames.T, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_yticks(range(profile.num_channels), profile.channels, fontsize=5)
    rate = profile.sample_rate_hz
    ax.set_xlabel(f"frame ({rate:g} Hz)" if rate else "frame")
    units = profile.units[0] if len(set(profile.units)) == 1 else "units per channel: see the profile"
    ax.set_title(f"{title}  channels ({units})")
    fig.colorbar(image, ax=ax, fraction=0.04)
    if skeleton:
        frame = peak_frame(frames)
        points = two_hand_keypoints(frames[frame : frame + 1].astype(np.float64))[0]
        ax3 = fig.add_subplot(1, 2, 2, projection="3d")
        for offset, color in ((0, "tab:blue"), (21, "tab:red")):
            for a, b in BONES:
                xs, ys, zs = zip(points[offset + a], points[offset + b])
                ax3.plot(xs, ys, zs, color=color)
            ax3.scatter(*points[offset : offset + 21].T, s=8, color=color)
        ax3.view_init(elev=60, azim=-90)
        ax3.set_title(f"hands at frame {frame} (blue left, red right; cm)")
    fig.tight_layout()
    save_figure(fig, out)
    plt.close(fig)

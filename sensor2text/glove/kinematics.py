"""Forward kinematics: joint angles of the synthetic glove -> 21 3D keypoints per hand.

Keypoints follow the common 21-point hand layout (MediaPipe/OpenPose order): 0 wrist; thumb
1-4 (CMC, MCP, IP, tip); index 5-8, middle 9-12, ring 13-16, little 17-20 (MCP, PIP, DIP, tip).
Units are centimetres in a hand frame: fingers point along +y, the palm faces -z.
"""

from __future__ import annotations

import numpy as np

from sensor2text.glove.schema import HAND_JOINTS

# Keypoints per hand.
NUM_KEYPOINTS = 21
# Palm-frame x/y (cm) of each long finger's MCP joint for a right hand of scale 1.
MCP_BASES = {"index": (2.4, 8.6), "middle": (0.6, 9.0), "ring": (-1.2, 8.6), "little": (-2.9, 7.8)}
# Phalanx lengths (cm): proximal, middle, distal, for scale 1.
PHALANGES = {
    "index": (4.0, 2.4, 1.8), "middle": (4.5, 2.8, 1.9),
    "ring": (4.2, 2.7, 1.9), "little": (3.3, 1.9, 1.7),
}  # fmt: skip
# Thumb: CMC position (cm) and metacarpal, proximal, distal lengths.
THUMB_CMC = (2.2, 1.5)
THUMB_BONES = (4.2, 3.2, 2.6)

_J = {name: i for i, name in enumerate(HAND_JOINTS)}


def _rot_x(angle: np.ndarray) -> np.ndarray:
    """Rotation about x (flexion), ``(T,) -> (T, 3, 3)``; positive curls toward the palm (-z)."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(angle), np.zeros_like(angle)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def _rot_z(angle: np.ndarray) -> np.ndarray:
    """Rotation about z (abduction / spread), ``(T,) -> (T, 3, 3)``."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(angle), np.zeros_like(angle)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def _chain(base: np.ndarray, frame: np.ndarray, flexions: list[np.ndarray], lengths) -> list:
    """Walk a finger: at each joint rotate by -flexion about x, then step ``length`` along +y."""
    points, position = [], base
    for flex, length in zip(flexions, lengths):
        frame = frame @ _rot_x(-np.radians(flex))
        position = position + frame @ np.array([0.0, length, 0.0])
        points.append(position)
    return points


def hand_keypoints(angles: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Right-hand keypoints from one hand's joint angles, ``(T, 23) -> (T, 21, 3)`` in cm."""
    frames = angles.shape[0]
    a = lambda name: angles[:, _J[name]]  # noqa: E731
    wrist = np.zeros((frames, 3))
    palm = _rot_x(-np.radians(a("wrist_flex"))) @ _rot_z(np.radians(a("wrist_dev")))
    keypoints = [wrist]
    cmc = wrist + palm @ (np.array([*THUMB_CMC, 0.0]) * scale)
    thumb_frame = palm @ _rot_z(-np.radians(35.0 + a("thumb_cmc_abd")))
    thumb_frame = thumb_frame @ _rot_y(np.radians(a("thumb_rot")))
    flex = [a("thumb_cmc_flex"), a("thumb_mcp_flex"), a("thumb_ip_flex")]
    keypoints += [cmc, *_chain(cmc, thumb_frame, flex, np.array(THUMB_BONES) * scale)]
    for finger, (x, y) in MCP_BASES.items():
        mcp = wrist + palm @ (np.array([x, y, 0.0]) * scale)
        frame = palm @ _rot_z(np.radians(a(f"{finger}_abd")))
        flex = [a(f"{finger}_mcp_flex"), a(f"{finger}_pip_flex"), a(f"{finger}_dip_flex")]
        keypoints += [mcp, *_chain(mcp, frame, flex, np.array(PHALANGES[finger]) * scale)]
    return np.stack(keypoints, axis=1)


def _rot_y(angle: np.ndarray) -> np.ndarray:
    """Rotation about y (thumb opposition), ``(T,) -> (T, 3, 3)``."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(angle), np.zeros_like(angle)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def two_hand_keypoints(angles: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Both hands, ``(T, 46) -> (T, 42, 3)``: left hand mirrored in x and placed 25 cm to the left."""
    n = len(HAND_JOINTS)
    left = hand_keypoints(angles[:, :n], scale) * np.array([-1.0, 1.0, 1.0]) + [-12.5, 0.0, 0.0]
    right = hand_keypoints(angles[:, n:], scale) + [12.5, 0.0, 0.0]
    return np.concatenate([left, right], axis=1)

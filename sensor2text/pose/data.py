"""Training pairs for glove -> hand pose: per hand, sensor readings ``(T, S)`` and the true
keypoints ``(T, 63)`` (21 points x y z, wrist-relative, mm) by forward kinematics of the true
joint angles, for the synthetic glove's subjects (each with its own hand size, sensor gain,
offset and noise).

Sensor sets, all computed from one hand's 23 joint-angle *readings* (so they carry the sensor
noise and calibration of the subject):

- ``full``: the 23 joint angles;
- ``8``: an 8-sensor glove: one bend sensor per finger over its two proximal joints (thumb MCP+IP,
  the others MCP+PIP), thumb abduction, index-middle spread and wrist flexion;
- ``5``: a 5-flex glove: the five bend sensors alone.
"""

from __future__ import annotations

import numpy as np

from sensor2text.glove.kinematics import hand_keypoints
from sensor2text.glove.schema import HAND_JOINTS
from sensor2text.glove.synth import ALL_CLASSES, SynthSpec, generate

SENSOR_SETS = ("full", "8", "5")
# Keypoints per hand and their coordinates (x, y, z).
KEYPOINTS, COORDS = 21, 3
_J = {name: i for i, name in enumerate(HAND_JOINTS)}
BENDS = (("thumb_mcp_flex", "thumb_ip_flex"), ("index_mcp_flex", "index_pip_flex"),
         ("middle_mcp_flex", "middle_pip_flex"), ("ring_mcp_flex", "ring_pip_flex"),
         ("little_mcp_flex", "little_pip_flex"))  # fmt: skip
EXTRA_8 = ("thumb_cmc_abd", "index_abd", "wrist_flex")


def sensor_names(sensors: str) -> list[str]:
    """The channel names of a sensor set."""
    if sensors == "full":
        return list(HAND_JOINTS)
    bends = [f"{a.split('_')[0]}_bend" for a, _ in BENDS]
    return bends + list(EXTRA_8) if sensors == "8" else bends


def read_sensors(readings: np.ndarray, sensors: str) -> np.ndarray:
    """One hand's joint-angle readings ``(T, 23)`` -> that glove's channels ``(T, S)`` float32."""
    if sensors not in SENSOR_SETS:
        raise ValueError(f"unknown sensor set '{sensors}'; expected one of {', '.join(SENSOR_SETS)}")
    if sensors == "full":
        return readings.astype(np.float32)
    columns = [readings[:, _J[a]] + readings[:, _J[b]] for a, b in BENDS]
    if sensors == "8":
        columns += [readings[:, _J[name]] for name in EXTRA_8]
    return np.stack(columns, axis=1).astype(np.float32)


def hand_pairs(records, sensors: str, hand_size_known: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """Records of ``generate(..., true_angles=True)`` -> per hand ``(sensors (T, S), keypoints (T, 63) mm)``.

    A hand's size does not show in its joint angles, so with ``hand_size_known`` the targets are
    the keypoints of an average-size hand (scale 1), which a user's hand size then scales
    (``PoseModel.predict(..., hand_scale)``); without, each subject's own size (0.85-1.15)."""
    n = len(HAND_JOINTS)
    pairs = []
    for r in records:
        scale = 1.0 if hand_size_known else r["hand_scale"]
        for hand in (slice(0, n), slice(n, 2 * n)):
            target = hand_keypoints(r["angles"][:, hand].astype(np.float64), scale) * 10.0  # cm -> mm
            target = target.reshape(len(target), KEYPOINTS * COORDS).astype(np.float32)
            pairs.append((read_sensors(r["frames"][:, hand], sensors), target))
    return pairs


def synthetic_pairs(split: str, sensors: str, seed: int = 0, subjects: int = 16, repetitions: int = 3,
                    hand_size_known: bool = True):  # fmt: skip
    """Hand pairs of one split of the synthetic glove (all 23 gestures; its own subjects)."""
    counts = {"train": (subjects, 0, 0), "validation": (0, subjects, 0), "test": (0, 0, subjects)}[split]
    spec = SynthSpec(seed=seed, train_subjects=counts[0], val_subjects=counts[1], test_subjects=counts[2],
                     repetitions=repetitions, classes=ALL_CLASSES)  # fmt: skip
    return hand_pairs(generate(spec, true_angles=True), sensors, hand_size_known)

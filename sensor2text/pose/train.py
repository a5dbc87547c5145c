"""Fitting a pose model, its mean per-keypoint error, and its files (``pose.json`` + ``pose.safetensors``).

    model, report = fit_pose("lstm", "8", steps=3000)       # synthetic training subjects
    save_pose("runs/pose-8", model, report)
    keypoints = load_pose("runs/pose-8").predict(sensors)    # (T, S) -> (T, 21, 3) mm
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from sensor2text.errors import CheckpointError
from sensor2text.pose.data import COORDS, KEYPOINTS, sensor_names, synthetic_pairs
from sensor2text.pose.models import build, parameters, rest_reading

CONFIG_FILE, WEIGHTS_FILE = "pose.json", "pose.safetensors"
CROP = 48  # frames of one training sequence


def _batch(pairs, rows: torch.Tensor, generator: torch.Generator):
    """Random crops of ``CROP`` frames (whole recordings when shorter, cropped to the shortest):
    sensors ``(B, CROP, S)``, keypoints ``(B, CROP, 63)``, and each recording's rest reading ``(B, S)``
    (the mean of its first frames, wherever the crop starts)."""
    chosen = [pairs[int(i)] for i in rows]
    length = min(CROP, *(len(x) for x, _ in chosen))
    xs, ys, rests = [], [], []
    for x, y in chosen:
        start = int(torch.randint(len(x) - length + 1, (1,), generator=generator))
        xs.append(torch.from_numpy(x[start : start + length]))
        ys.append(torch.from_numpy(y[start : start + length]))
        rests.append(torch.from_numpy(rest_reading(x)))
    return torch.stack(xs), torch.stack(ys), torch.stack(rests)


def mean_keypoint_error(model, pairs) -> float:
    """Mean Euclidean error per keypoint (mm), over every frame of every pair (whole sequences,
    each beginning at rest)."""
    errors = []
    with torch.no_grad():
        for x, y in pairs:
            predicted = model(torch.from_numpy(x)[None])[0].numpy()
            diff = (predicted - y).reshape(len(y), KEYPOINTS, COORDS)
            errors.append(np.linalg.norm(diff, axis=-1).ravel())
    return float(np.concatenate(errors).mean())


def fit_pose(name: str, sensors: str, steps: int = 3000, batch_size: int = 32, seed: int = 0,
             train_pairs=None, validation_pairs=None, log=print, calibrated: bool = True):  # fmt: skip
    """Train pose model ``name`` on sensor set ``sensors`` (with rest calibration unless
    ``calibrated=False``, as the related work's models); returns ``(model, report)`` with the
    validation error (mm), the parameter count and the training minutes."""
    from sensor2text.training.steps import optimize

    torch.manual_seed(seed)
    train_pairs = train_pairs if train_pairs is not None else synthetic_pairs("train", sensors, seed)
    if validation_pairs is None:
        validation_pairs = synthetic_pairs("validation", sensors, seed)
    model = build(name, train_pairs[0][0].shape[1], calibrated)
    model.fit_statistics(torch.from_numpy(np.concatenate([x for x, _ in train_pairs])),
                         torch.from_numpy(np.concatenate([y for _, y in train_pairs])))  # fmt: skip
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 3e-3, total_steps=steps)
    started = time.time()

    def step_loss(step: int) -> torch.Tensor:
        x, y, rest = _batch(train_pairs, torch.randint(len(train_pairs), (batch_size,), generator=generator), generator)
        return torch.nn.functional.smooth_l1_loss((model(x, rest) - model.out_mean) / model.out_std,
                                                  (y - model.out_mean) / model.out_std)  # fmt: skip

    model.train()
    optimize(step_loss, optimizer, steps, scheduler=scheduler)
    model.eval()
    report = {"model": name, "sensors": sensors, "channels": sensor_names(sensors), "calibrated": calibrated,
              "parameters": parameters(model),
              "steps": steps, "train_minutes": round((time.time() - started) / 60, 2),
              "validation_mm": round(mean_keypoint_error(model, validation_pairs), 2)}  # fmt: skip
    log(f"pose {name} ({sensors}): {report['validation_mm']} mm on validation, {report['parameters']} parameters")
    return model, report


class PoseModel:
    """A loaded pose model: ``predict(sensors (T, S)) -> (T, 21, 3)`` mm (a recording that begins at
    rest, or the wearer's ``rest`` reading given)."""

    def __init__(self, network, report: dict):
        self.network, self.report = network.eval(), report

    @torch.no_grad()
    def predict(self, sensors: np.ndarray, hand_scale: float = 1.0, rest: np.ndarray | None = None) -> np.ndarray:
        """``(T, S)`` -> ``(T, 21, 3)`` mm, for a hand ``hand_scale`` times the average size (the
        model is trained on average-size hands: a hand's size does not show in its joint angles).
        ``rest (S,)``: the wearer's rest reading (default: the mean of the first frames given)."""
        rest = None if rest is None else torch.from_numpy(np.asarray(rest, np.float32))[None]
        out = self.network(torch.from_numpy(np.asarray(sensors, np.float32))[None], rest)[0].numpy()
        return out.reshape(len(out), KEYPOINTS, COORDS) * hand_scale


def predict_both_hands(pose: PoseModel, frames: np.ndarray, hand_scale: float = 1.0) -> np.ndarray:
    """A synthetic two-hand recording ``(T, 46)`` -> ``(T, 42, 3)`` keypoints (mm, left hand first)."""
    from sensor2text.glove.schema import HAND_JOINTS
    from sensor2text.pose.data import read_sensors

    n = len(HAND_JOINTS)
    hands = [pose.predict(read_sensors(frames[:, h * n : (h + 1) * n], pose.report["sensors"]), hand_scale)
             for h in (0, 1)]  # fmt: skip
    return np.concatenate(hands, axis=1)


def save_pose(folder: str | Path, network, report: dict) -> None:
    from safetensors.torch import save_file

    from sensor2text.textfile import write_text_atomic

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in network.state_dict().items()}, str(folder / WEIGHTS_FILE))
    write_text_atomic(folder / CONFIG_FILE, json.dumps(report, indent=1))


def load_pose(folder: str | Path) -> PoseModel:
    """Load ``pose.json`` + ``pose.safetensors`` (no code runs); CheckpointError naming a bad file."""
    from safetensors.torch import load_file

    folder = Path(folder)
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if not (folder / name).is_file():
            raise CheckpointError(f"{folder / name}: not found; expected a pose model (sensor2text pose train).")
    try:
        report = json.loads((folder / CONFIG_FILE).read_text())
        network = build(report["model"], len(report["channels"]), bool(report.get("calibrated", False)))
        network.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
    except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(f"{folder}: not a readable pose model ({reason}).") from None
    return PoseModel(network, report)

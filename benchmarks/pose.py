"""Glove -> hand pose benchmark (issue 25): every model on every sensor set, in one run.

    .venv/bin/python benchmarks/pose.py --steps 3000

Trains on the synthetic glove's 16 training subjects (23 gestures x 3 takes x 2 hands), reports
the mean per-keypoint error (mm, 21 points per hand, wrist-relative) on 16 validation and 16
test subjects (unseen people: their own hand size, sensor gain, offset and noise), the parameter
count and the inference time of one 32-frame window (batch 1, median of 50, this machine).
Models: ours (the LSTM, with rest calibration: each frame also minus the wearer's rest reading),
the related work's two (LSTM + 9-number autoencoder, dense; readings alone, as published), and the
same two with rest calibration, so the gain of calibration and of the model show apart.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from sensor2text.pose.data import SENSOR_SETS, synthetic_pairs
from sensor2text.pose.train import fit_pose, mean_keypoint_error

# (model, rest calibration): ours first, then the related work's as published, then those calibrated.
MODELS = (("lstm", True), ("lstm-ae", False), ("dense", False), ("lstm-ae", True), ("dense", True))


def window_ms(model, sensors: int, frames: int = 32) -> float:
    x = torch.randn(1, frames, sensors)
    times = []
    with torch.no_grad():
        for _ in range(50):
            started = time.perf_counter()
            model(x)
            times.append(1000 * (time.perf_counter() - started))
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hand-size-unknown", action="store_true",
                        help="targets at each subject's own hand size (0.85-1.15), which the sensors do not show")
    args = parser.parse_args()
    rows = []
    for sensors in SENSOR_SETS:
        known = not args.hand_size_unknown
        train, validation, test = (synthetic_pairs(s, sensors, args.seed, hand_size_known=known)
                                   for s in ("train", "validation", "test"))  # fmt: skip
        for name, calibrated in MODELS:
            model, report = fit_pose(name, sensors, args.steps, seed=args.seed, train_pairs=train,
                                     validation_pairs=validation, log=lambda text: print(text, flush=True),
                                     calibrated=calibrated)  # fmt: skip
            test_mm = mean_keypoint_error(model, test)
            rows.append((sensors, name, "yes" if calibrated else "no", report["parameters"], report["validation_mm"],
                         test_mm, window_ms(model, train[0][0].shape[1]), report["train_minutes"]))  # fmt: skip
    print("\n| glove | model | rest calibration | parameters | validation mm | test mm | ms per 32-frame window "
          "| train min |\n|---|---|---|---|---|---|---|---|")
    for sensors, name, calibrated, params, val, test_mm, ms, minutes in rows:
        print(f"| {sensors} | {name} | {calibrated} | {params:,} | {val:.1f} | {test_mm:.1f} | {ms:.2f} | {minutes} |")
    size = "each subject's own hand size (unknown to the model)" if args.hand_size_unknown else (
        "average-size hands (the wearer's size given, as predict --hand-scale does)")
    print(f"\n{args.steps} steps, batch 32 crops of 48 frames, seed {args.seed}; 2208 training hands "
          f"(16 subjects), 2208 validation and 2208 test hands (16 subjects each); targets: {size}")


if __name__ == "__main__":
    main()

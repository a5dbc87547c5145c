"""``sensor2text pose train|predict``: glove -> 3-D hand keypoints (:mod:`sensor2text.pose`)."""

from __future__ import annotations

import sys

POSE_MODELS = ("lstm", "lstm-ae", "dense")
SENSOR_SETS = ("full", "8", "5")


def add_pose_parser(sub) -> None:
    p = sub.add_parser("pose", help="glove -> 21 keypoints per hand (train on the synthetic glove, predict)")
    actions = p.add_subparsers(dest="pose_command", required=True)
    train = actions.add_parser("train", help="train a pose model on the synthetic glove's training subjects")
    train.add_argument("--sensors", default="full", choices=SENSOR_SETS,
                       help="full: 23 joint angles per hand; 8: an 8-sensor glove; 5: a 5-flex glove")  # fmt: skip
    train.add_argument("--model", default="lstm", choices=POSE_MODELS)
    train.add_argument("--out", required=True, help="folder to write (pose.json + pose.safetensors)")
    train.add_argument("--steps", type=int, default=3000)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--no-rest-calibration", dest="calibrated", action="store_false",
                       help="readings alone, as the related work's models (default: each frame also minus the "
                            "wearer's rest reading, the mean of a recording's first frames)")  # fmt: skip
    train.set_defaults(func=cmd_pose_train)
    predict = actions.add_parser("predict", help="keypoints of a synthetic-joints recording, as a CSV")
    predict.add_argument("--checkpoint", required=True, help="a pose model folder (sensor2text pose train)")
    predict.add_argument("--input", required=True, help="a recording CSV of the synthetic two-hand glove")
    predict.add_argument("--out", required=True, help="CSV to write: time_s + 126 columns (left hand first), mm")
    predict.add_argument("--hand-scale", type=float, default=1.0,
                         help="the wearer's hand size relative to an average adult hand (hand length / 18.5 cm)")
    predict.set_defaults(func=cmd_pose_predict)


def cmd_pose_train(args) -> None:
    from sensor2text.cli.common import check_writable
    from sensor2text.pose.train import fit_pose, save_pose

    if args.steps < 1:
        raise ValueError(f"pose train: --steps must be at least 1, got {args.steps}")
    check_writable(args.out, "--out", folder=True)
    model, report = fit_pose(args.model, args.sensors, args.steps, seed=args.seed, log=lambda text: None,
                             calibrated=args.calibrated)  # fmt: skip
    save_pose(args.out, model, report)
    print(f"saved {args.out}: {report['validation_mm']} mm mean keypoint error on the validation subjects "
          f"({report['parameters']} parameters)")  # fmt: skip


def cmd_pose_predict(args) -> None:
    from pathlib import Path

    from sensor2text.cli.common import check_writable
    from sensor2text.glove.recordings import read_recording
    from sensor2text.glove.schema import HANDS, SYNTHETIC_JOINTS
    from sensor2text.pose.train import load_pose, predict_both_hands
    from sensor2text.textfile import write_text_atomic

    check_writable(args.out, "--out")
    pose = load_pose(args.checkpoint)
    frames, _ = read_recording(Path(args.input), SYNTHETIC_JOINTS)
    if not 0.5 <= args.hand_scale <= 1.5:
        raise ValueError(f"pose predict: --hand-scale must be between 0.5 and 1.5, got {args.hand_scale}")
    points = predict_both_hands(pose, frames, args.hand_scale).reshape(len(frames), -1)  # (T, 126)
    rate = SYNTHETIC_JOINTS.sample_rate_hz
    header = ["time_s", *(f"{hand}_{k}_{c}" for hand in HANDS for k in range(21) for c in "xyz")]
    lines = [",".join(header)] + [",".join([f"{i / rate:.3f}", *(f"{v:.2f}" for v in row)])
                                  for i, row in enumerate(points)]  # fmt: skip
    write_text_atomic(args.out, "\n".join(lines) + "\n")
    print(f"wrote {args.out}: {len(frames)} frames x 42 keypoints (mm, each hand wrist-relative)", file=sys.stderr)

"""The hand a pose model sees, for the live stream: terminal art, the gesture event's fields, images."""

import numpy as np

from sensor2text.glove.kinematics import hand_keypoints
from sensor2text.glove.plot import peak_frame
from sensor2text.glove.synth import NAMED_POSES, REST, SynthSpec, generate, pose_to_angles
from sensor2text.pose.train import predict_both_hands
from sensor2text.pose.view import ART_HEIGHT, ART_WIDTH, HandView, hand_art, hands_art


def keypoints(pose: np.ndarray) -> np.ndarray:
    """``(21, 3)`` mm of one hand held in a synthetic pose (its 9 pose parameters)."""
    return hand_keypoints(pose_to_angles(np.asarray(pose, np.float64)[None], rom=1.0))[0] * 10.0


def drawn_height(lines: list[str]) -> int:
    """Rows from the top of the drawing down to the highest fingertip."""
    return next(row for row, line in enumerate(lines) if "*" in line)


def test_an_open_hand_reaches_higher_than_a_fist_and_the_drawing_has_its_size():
    open_hand, fist = hand_art(keypoints(NAMED_POSES["open_palm"])), hand_art(keypoints(NAMED_POSES["fist"]))
    assert len(open_hand) == ART_HEIGHT and {len(line) for line in open_hand} == {ART_WIDTH}
    assert drawn_height(open_hand) + 2 <= drawn_height(fist)
    assert sum(line.count("w") for line in open_hand) == 1 and sum(line.count("*") for line in open_hand) == 5


def test_a_left_hand_is_drawn_mirrored():
    right = hand_art(keypoints(NAMED_POSES["shaka"]))
    left = hand_art(keypoints(NAMED_POSES["shaka"]), mirror=True)
    assert left == [line[::-1] for line in right]


def test_both_hands_side_by_side_labelled():
    both = hands_art(np.concatenate([keypoints(REST), keypoints(NAMED_POSES["open_palm"])]))
    assert len(both) == ART_HEIGHT + 1 and "left" in both[0] and "right" in both[0]


class Pose:
    """A stand-in pose model: the true keypoints of the recording's angles (exact, no training)."""

    report = {"sensors": "full"}

    def predict(self, sensors, hand_scale=1.0, rest=None):
        return hand_keypoints(np.asarray(sensors, np.float64)) * 10.0 * hand_scale


def test_the_view_gives_the_held_hand_and_writes_an_image_per_gesture(tmp_path):
    spec = SynthSpec(train_subjects=1, val_subjects=0, test_subjects=0, repetitions=1, classes=("open_palm",))
    frames = next(iter(generate(spec)))["frames"]
    view = HandView(Pose(), images=tmp_path / "hands")
    fields = view(frames)
    view.close()
    assert fields["hand"][1:] == hands_art(np.asarray(fields["keypoints_mm"]))[1:]
    assert np.asarray(fields["keypoints_mm"]).shape == (42, 3)
    assert fields["hand_image"].endswith("hand-1.png") and (tmp_path / "hands" / "hand-1.png").stat().st_size > 10_000
    held = peak_frame(frames)  # the hand is shown at its held frame
    assert np.allclose(fields["keypoints_mm"], predict_both_hands(Pose(), frames)[held], atol=0.05)


def test_replay_shows_the_hand_of_each_gesture_and_names_bad_pose_flags(tiny_checkpoint, tmp_path, capsys):
    import json

    from sensor2text.cli.main import main
    from sensor2text.glove.recordings import write_csv
    from sensor2text.pose.data import hand_pairs
    from sensor2text.pose.train import fit_pose, save_pose

    spec = SynthSpec(train_subjects=1, val_subjects=0, test_subjects=0, repetitions=1, classes=("fist", "wave"))
    records = list(generate(spec, true_angles=True))
    pairs = hand_pairs(records, "full")
    model, report = fit_pose("dense", "full", steps=3, train_pairs=pairs, validation_pairs=pairs, log=lambda _: None)
    save_pose(tmp_path / "pose", model, report)
    write_csv(tmp_path / "fist-0.csv", records[0]["frames"])
    capsys.readouterr()
    assert main(["replay", str(tmp_path / "fist-0.csv"), "--checkpoint", tiny_checkpoint, "--speed", "0",
                 "--window", "40", "--hop", "40", "--jsonl", "--pose", str(tmp_path / "pose"),
                 "--pose-images", str(tmp_path / "hands")]) == 0  # fmt: skip
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    gestures = [e for e in events if e["event"] == "gesture"]
    assert gestures and all(len(g["hand"]) == ART_HEIGHT + 1 and len(g["keypoints_mm"]) == 42 for g in gestures)
    assert sorted(p.name for p in (tmp_path / "hands").iterdir()) == sorted(
        f"hand-{n}.png" for n in range(1, len(gestures) + 1))
    assert main(["replay", str(tmp_path / "fist-0.csv"), "--checkpoint", tiny_checkpoint, "--pose-images", "x"]) == 2
    assert "give the model with --pose FOLDER" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "fist-0.csv"), "--checkpoint", tiny_checkpoint, "--pose", str(tmp_path)]) == 2
    assert "pose.json: not found" in capsys.readouterr().err

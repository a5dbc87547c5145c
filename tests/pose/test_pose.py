"""Glove -> hand pose: sensor sets, kinematic targets, learning, files and the command."""

import numpy as np
import pytest
import torch

from sensor2text.errors import CheckpointError
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.pose.data import hand_pairs, read_sensors, sensor_names
from sensor2text.pose.train import fit_pose, load_pose, mean_keypoint_error, save_pose


def records(subjects_offset: str = "train", classes=("count_1", "count_5", "fist", "wave")):
    counts = {"train": (2, 0, 0), "validation": (0, 1, 0)}[subjects_offset]
    spec = SynthSpec(train_subjects=counts[0], val_subjects=counts[1], test_subjects=0, repetitions=2, classes=classes)
    return list(generate(spec, true_angles=True))


def saved_model(folder, name: str, sensors: str, steps: int) -> None:
    """A pose model fitted for ``steps`` on the small train/validation records, saved to ``folder``."""
    train, validation = hand_pairs(records(), sensors), hand_pairs(records("validation"), sensors)
    model, report = fit_pose(name, sensors, steps=steps, train_pairs=train, validation_pairs=validation,
                             log=lambda text: None)  # fmt: skip
    save_pose(folder, model, report)


def test_sensor_sets_are_computed_from_one_hands_readings():
    readings = np.arange(2 * 23, dtype=np.float32).reshape(2, 23)
    assert read_sensors(readings, "full").shape == (2, 23)
    eight, five = read_sensors(readings, "8"), read_sensors(readings, "5")
    assert eight.shape == (2, 8) and five.shape == (2, 5) and np.array_equal(eight[:, :5], five)
    assert five[0, 0] == readings[0, 3] + readings[0, 4]  # thumb: MCP + IP
    assert sensor_names("5") == ["thumb_bend", "index_bend", "middle_bend", "ring_bend", "little_bend"]
    with pytest.raises(ValueError, match="unknown sensor set '7'"):
        read_sensors(readings, "7")


def test_targets_are_wrist_relative_millimetres_of_the_true_angles():
    pairs = hand_pairs(records(), "5")
    x, y = pairs[0]
    assert len(pairs) == 2 * len(records()) and x.shape[1] == 5 and y.shape == (len(x), 63)
    points = y.reshape(len(y), 21, 3)
    assert np.allclose(points[:, 0], 0.0)  # the wrist
    assert np.allclose(np.linalg.norm(points[:, 9], axis=-1), 90.0, atol=0.5)  # the middle MCP: 9 cm, average hand
    own_size = hand_pairs(records(), "5", hand_size_known=False)[0][1].reshape(-1, 21, 3)
    assert np.allclose(np.linalg.norm(own_size[:, 9], axis=-1), 90.0 * records()[0]["hand_scale"], atol=0.5)


def test_a_trained_model_beats_the_mean_pose_and_loads_back(tmp_path):
    train, validation = hand_pairs(records(), "8"), hand_pairs(records("validation"), "8")
    model, report = fit_pose("lstm-ae", "8", steps=150, train_pairs=train, validation_pairs=validation,
                             log=lambda text: None)  # fmt: skip
    mean_pose = torch.from_numpy(np.concatenate([y for _, y in train]).mean(0))
    constant = np.mean([np.linalg.norm((y - mean_pose.numpy()).reshape(len(y), 21, 3), axis=-1).mean()
                        for _, y in validation])  # fmt: skip
    assert report["validation_mm"] < 0.8 * constant
    save_pose(tmp_path, model, report)
    loaded = load_pose(tmp_path)
    x = validation[0][0]
    expected = model(torch.from_numpy(x)[None])[0].detach().numpy().reshape(-1, 21, 3)
    assert np.allclose(loaded.predict(x), expected, atol=1e-3)  # mm
    assert np.allclose(loaded.predict(x, hand_scale=1.1), 1.1 * expected, atol=1e-3)  # a larger hand
    assert mean_keypoint_error(loaded.network, validation) == pytest.approx(report["validation_mm"], abs=0.01)
    assert report["calibrated"] and loaded.network.calibrated
    with pytest.raises(CheckpointError, match="pose.json: not found"):
        load_pose(tmp_path / "none")


def test_predict_writes_both_hands_keypoints(tmp_path, capsys):
    from sensor2text.cli.main import main
    from sensor2text.glove.recordings import write_csv

    saved_model(tmp_path / "pose", "dense", "full", steps=5)
    write_csv(tmp_path / "wave-0.csv", records()[0]["frames"])
    out = tmp_path / "kp.csv"
    assert main(["pose", "predict", "--checkpoint", str(tmp_path / "pose"), "--input", str(tmp_path / "wave-0.csv"),
                 "--out", str(out)]) == 0  # fmt: skip
    lines = out.read_text().splitlines()
    assert len(lines[0].split(",")) == 127 and len(lines) == len(records()[0]["frames"]) + 1


def test_plot_draws_the_predicted_skeleton_beside_the_gloves(tmp_path):
    from sensor2text.cli.main import main
    from sensor2text.glove.plot import placed
    from sensor2text.glove.recordings import write_csv

    saved_model(tmp_path / "pose", "lstm", "5", steps=3)
    write_csv(tmp_path / "fist-0.csv", records()[0]["frames"])
    out = tmp_path / "fist.png"
    gif = tmp_path / "fist.gif"
    assert main(["plot", "--input", str(tmp_path / "fist-0.csv"), "--pose", str(tmp_path / "pose"), "--out",
                 str(out), "--animate", str(gif)]) == 0 and out.stat().st_size > 10_000  # fmt: skip
    from PIL import Image

    with Image.open(gif) as animation:
        assert animation.n_frames == -(-len(records()[0]["frames"]) // 4)  # every 4th frame
    hands = placed(np.zeros((42, 3)))
    assert np.allclose(hands[0], [-12.5, 0, 0]) and np.allclose(hands[21], [12.5, 0, 0])  # wrists as drawn


def test_rest_calibration_cancels_a_wearers_sensor_offset():
    from sensor2text.pose.models import REST_FRAMES, build, rest_reading

    torch.manual_seed(0)
    x = torch.randn(1, 20, 8)
    offset = torch.randn(8) * 3
    calibrated, plain = build("dense", 8, calibrated=True), build("dense", 8, calibrated=False)
    with torch.no_grad():
        calibrated.net[0].weight[:, :8] = 0  # only the readings minus rest reach the core
        assert torch.allclose(calibrated(x + offset), calibrated(x), atol=1e-5)
        assert not torch.allclose(plain(x + offset), plain(x), atol=1e-3)
        rest = x[:, :REST_FRAMES].mean(1)
        assert torch.equal(rest_reading(x), rest)
        assert torch.allclose(calibrated(x[:, 10:], rest), calibrated(x)[:, 10:], atol=1e-5)  # a given rest reading

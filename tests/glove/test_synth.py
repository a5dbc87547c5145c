import numpy as np
import pytest

from sensor2text.glove.schema import SYNTHETIC_SAMPLE_RATE_HZ
from sensor2text.glove.synth import ALL_CLASSES, FIST, OPEN, SynthSpec, count_poses, generate

SMALL = dict(train_subjects=2, val_subjects=1, test_subjects=1, repetitions=1)


def test_generator_is_deterministic_for_a_seed():
    a = list(generate(SynthSpec(seed=3, classes=("wave", "count_4"), **SMALL)))
    b = list(generate(SynthSpec(seed=3, classes=("wave", "count_4"), **SMALL)))
    c = list(generate(SynthSpec(seed=4, classes=("wave", "count_4"), **SMALL)))
    assert all(np.array_equal(x["frames"], y["frames"]) for x, y in zip(a, b))
    assert not np.array_equal(a[0]["frames"], c[0]["frames"])


def test_subject_splits_are_disjoint():
    records = list(generate(SynthSpec(classes=("fist",), **SMALL)))
    by_split = {}
    for r in records:
        by_split.setdefault(r["split"], set()).add(r["subject"])
    assert set(by_split) == {"train", "validation", "test"}
    assert by_split["train"] == {"subject0000", "subject0001"}
    assert by_split["test"] == {"subject2000"}
    assert not (by_split["train"] & by_split["validation"] or by_split["train"] & by_split["test"])
    assert not by_split["validation"] & by_split["test"]


def test_every_class_produces_joint_angles_at_100hz():
    records = list(generate(SynthSpec(train_subjects=1, val_subjects=0, test_subjects=0, repetitions=1)))
    assert [r["label"] for r in records] == list(ALL_CLASSES)
    for r in records:
        seconds = r["frames"].shape[0] / SYNTHETIC_SAMPLE_RATE_HZ
        assert r["frames"].shape[1] == 46 and 1.0 < seconds < 3.0
        assert np.isfinite(r["frames"]).all()


def test_two_hand_counting_convention():
    left, right = count_poses(0, "two-hand")
    assert np.array_equal(left, FIST) and np.array_equal(right, FIST)
    left, right = count_poses(10, "two-hand")
    assert np.array_equal(left, OPEN) and np.array_equal(right, OPEN)
    left, right = count_poses(7, "two-hand")
    assert np.array_equal(right, OPEN) and (left[1:5] == [0, 0, 1, 1]).all()  # index + middle up
    left, right = count_poses(3, "two-hand-thumb")
    assert (right[:5] == [0, 0, 0, 1, 1]).all()


def test_held_gesture_differs_between_fist_and_open_hand():
    spec = SynthSpec(classes=("count_0", "count_10"), **SMALL)
    zero, ten = [r["frames"] for r in generate(spec)][:2]
    mid = lambda f: f[len(f) // 2]  # noqa: E731
    # index MCP flexion of the left hand (channel 5): curled for a fist, straight for an open hand
    assert mid(zero)[5] > mid(ten)[5] + 40


def test_spec_rejects_unknown_class_and_convention():
    with pytest.raises(ValueError, match="unknown synthetic classes"):
        SynthSpec(classes=("salute",))
    with pytest.raises(ValueError, match="convention must be one of"):
        SynthSpec(convention="roman")


def test_held_out_subjects_do_not_depend_on_the_number_of_training_subjects():
    few = [r for r in generate(SynthSpec(classes=("fist",), **SMALL)) if r["split"] == "test"]
    more = dict(SMALL, train_subjects=5)
    many = [r for r in generate(SynthSpec(classes=("fist",), **more)) if r["split"] == "test"]
    assert few[0]["subject"] == many[0]["subject"] == "subject2000"
    assert np.array_equal(few[0]["frames"], many[0]["frames"])

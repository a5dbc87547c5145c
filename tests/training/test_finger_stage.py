import pytest

from sensor2text.config import ComposerConfig, DataConfig, FingersConfig, RunConfig
from sensor2text.errors import ConfigError
from sensor2text.training.fingers import fit_finger_stage, held_out_shapes

CLASSES = [f"count_{n}" for n in range(10)] + ["thumbs_up", "pinch", "wave", "come_here", "fist", "v_sign"]


def _cfg(**data) -> RunConfig:
    data = {"profile": "synthetic-joints", "view": "fingers", "classes": CLASSES, "train_subjects": 4,
            "val_subjects": 1, "test_subjects": 0, "repetitions": 2, "augment_gain": 0.05, **data}
    return RunConfig(data=DataConfig(**data), composer=ComposerConfig(enabled=True),
                     fingers=FingersConfig(steps=300, hidden=16))


def test_reader_learns_finger_words_and_reads_unseen_hand_shapes():
    """Trained on counts 0-9 (index first) and six named gestures, it reads the thumb-first
    convention and horns, shaka, I-love-you and OK, whose hand shapes it never saw."""
    reader, metrics = fit_finger_stage(_cfg(), log=lambda *a: None)
    assert metrics["fingers_validation"]["finger_states"] >= 0.95
    held = {name: report for name, report in metrics.items() if name.startswith("fingers_held_out")}
    assert len(held) == 2
    for report in held.values():
        assert report["finger_states"] >= 0.9
    assert reader.config.metrics == metrics


def test_held_out_shapes_are_outside_the_training_classes():
    sets = held_out_shapes(_cfg())
    assert sets[0][2] == "two-hand-thumb" and {label for _, label in sets[0][1]} == {
        f"count_{n}" for n in (1, 2, 3, 4, 6, 7, 8, 9)}
    assert {label for _, label in sets[1][1]} == {"ok_sign", "horns", "shaka", "i_love_you", "open_palm", "pointing"}


def test_finger_view_needs_synthetic_data_and_a_composer():
    with pytest.raises(ConfigError, match="synthetic"):
        fit_finger_stage(_cfg(path="/tmp/recorded"))
    with pytest.raises(ConfigError, match="composer.enabled"):
        RunConfig(data=DataConfig(view="fingers"))

"""Steering toward gestures defined in words: a hand shape no trained class has is weighed over the
definitions (the shipped finger reader and definition reader), a trained one keeps the glove model's weights."""

import numpy as np
import pytest

from sensor2text.config import load_run_config
from sensor2text.errors import ConfigError
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.models.definitions import GestureDefinition
from sensor2text.steering.defined import DefinedGestures, trained_outlines
from sensor2text.steering.glove import train_steer_glove

CLASSES = ["count_1", "count_2", "fist"]
DEFINITIONS = [
    GestureDefinition("hang ten", ("surf's up",), "thumb and pinky out to the sides, the other three fingers folded"),
    GestureDefinition("rock", ("metal",), "index and little finger up like horns, middle and ring folded down"),
]


@pytest.fixture(scope="module")
def defined():
    cfg = load_run_config(None, [f"data.classes=[{', '.join(CLASSES)}]", "data.train_subjects=2",
                                 "data.val_subjects=1", "data.test_subjects=0", "data.repetitions=2"])  # fmt: skip
    return DefinedGestures(train_steer_glove(cfg, steps=30, log=lambda *_: None), DEFINITIONS)


def recordings(*classes):
    spec = SynthSpec(train_subjects=0, val_subjects=0, test_subjects=1, repetitions=1, classes=classes)
    return {r["label"]: r["frames"] for r in generate(spec)}


def test_an_untrained_hand_shape_is_weighed_over_the_definitions_a_trained_one_by_the_glove(defined):
    shown = recordings("shaka", "horns", "fist")
    weights = defined.weights([shown["shaka"], shown["horns"], shown["fist"]])
    assert weights.shape == (3, len(CLASSES) + 2) and np.allclose(weights.sum(1), 1.0, atol=1e-5)
    assert weights[0, 3] > 0.9 and weights[1, 4] > 0.9  # hang ten, rock: read from the words alone
    assert weights[2, 3:].sum() == 0 and weights[2, :3].argmax() == CLASSES.index("fist")
    assert defined.config.classes == [*CLASSES, "hang ten", "rock"]
    assert defined.config.label_sets["hang ten"] == ["hang ten", "surf's up"]


def test_the_trained_outlines_are_the_synthetic_classes_finger_words():
    outlines = trained_outlines(["count_1", "not_synthetic"])
    assert len(outlines) == 1
    (left, right), = outlines
    assert right[0] == ("index",) and not right[1]  # one finger up, no contact


def test_a_steered_writer_names_a_defined_gesture(defined, tiny_lm_dir):
    from sensor2text.models.lm import load_base_model
    from sensor2text.steering.writer import SteeredWriter, SteerOptions

    writer = SteeredWriter(defined.glove, *load_base_model(tiny_lm_dir),
                           SteerOptions(strength=100.0, max_new_tokens=6, min_new_tokens=0))  # fmt: skip
    writer.define_gestures(DEFINITIONS)
    [described] = writer.describe([recordings("shaka")["shaka"]])
    assert described.steps["glove"].startswith("hang ten") and described.text.lower().startswith(("hang ten", "surf"))
    assert writer.config.trained_classes == CLASSES and "rock" in writer.label_sets
    with pytest.raises(ConfigError, match="--match embedding"):
        writer.define_gestures(DEFINITIONS, match="embedding")

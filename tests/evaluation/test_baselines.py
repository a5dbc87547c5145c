import numpy as np
import torch

from sensor2text.evaluation.baselines import TemporalEncoder, WindowSet, baseline_scores, train_classifier
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.labels import load_label_sets


def _items(classes, subjects=3, seed=0):
    spec = SynthSpec(seed=seed, train_subjects=subjects, val_subjects=0, test_subjects=0, repetitions=4,
                     classes=classes)  # fmt: skip
    return [(r["frames"], r["label"]) for r in generate(spec)]


def test_temporal_encoder_shapes():
    assert TemporalEncoder(46, 7)(torch.zeros(3, 32, 46)).shape == (3, 7)


def test_classifier_learns_separable_gestures():
    classes = ["count_0", "count_5", "open_palm"]
    items = _items(tuple(classes))
    data = WindowSet([f for f, _ in items], 16)
    labels = torch.tensor([classes.index(label) for _, label in items])
    model = train_classifier(data, labels, len(classes), steps=150, batch_size=16)
    with torch.no_grad():
        predicted = model(data.prepare([f for f, _ in items])).argmax(1)
    assert (predicted == labels).float().mean() > 0.9


class FakeEncoder:
    """Deterministic 'sentence embeddings': one axis per distinct first word."""

    def encode(self, texts, normalize_embeddings=True):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, hash(text.split()[0]) % 64] = 1.0
        return out


def test_baseline_scores_cover_every_class_and_close_the_classifier_set():
    sets = load_label_sets()
    classes = list(sets)
    train = _items(("count_1", "fist"), subjects=2)
    test = [f for f, _ in _items(("count_1", "count_10"), subjects=1, seed=1)]
    scores = baseline_scores(train, test, classes, FakeEncoder(), [sets[c] for c in classes], 16, (0.0, 0.0),
                             steps=20)  # fmt: skip
    closed, contrastive = scores["CNN+LSTM classifier (closed set)"], scores["contrastive CLIP-style encoder"]
    assert closed.shape == contrastive.shape == (len(test), len(classes))
    trained = [classes.index("count_1"), classes.index("fist")]
    assert np.isfinite(closed[:, trained]).all() and np.isinf(np.delete(closed, trained, axis=1)).all()
    assert np.isfinite(contrastive).all()


def test_window_set_shift_moves_whole_channels_in_std_units():
    rng = np.random.default_rng(0)
    recordings = [np.stack([rng.normal(0, 0.01, 20), rng.normal(0, 10.0, 20)], 1).astype(np.float32)
                  for _ in range(4)]  # fmt: skip
    plain, shifted = WindowSet(recordings, 8), WindowSet(recordings, 8, shift=0.5)
    index = torch.zeros(500, dtype=torch.long)
    moves = shifted.batch(index) - plain.batch(index)  # (500, F, 2)
    torch.testing.assert_close(moves.std(1), torch.zeros(500, 2), atol=1e-5, rtol=0)  # same for every frame
    torch.testing.assert_close(moves[:, 0].std(0), torch.tensor([0.5, 0.5]), atol=0.06, rtol=0)

import re

import numpy as np
import pytest

from sensor2text.errors import ConfigError
from sensor2text.evaluation.zeroshot import (
    EmbeddingScorer,
    aggregate,
    confusion_matrix,
    gzsl_metrics,
    leak_check,
    lm_label_scores,
    top_k_hits,
)
from sensor2text.labels import LabelSet, load_label_sets

SETS = load_label_sets()
SEEN = [f"count_{n}" for n in range(10)] + ["fist", "wave"]


def test_leak_check_accepts_a_clean_protocol():
    leak_check(["count_10"], SETS, SEEN, {"template describe": "Hand gesture: {glove}\nMeaning:"})


@pytest.mark.parametrize(
    "unseen, seen, texts, message",
    [
        (["count_10"], SEEN + ["count_10"], {}, "'count_10' is both a training class and unseen"),
        (
            ["count_10"],
            SEEN,
            {"template": "Show me ten fingers: {glove}"},
            "'ten' (unseen class 'count_10') appears in template",
        ),
        (["v_sign"], SEEN, {}, "'two' (unseen class 'v_sign') appears in synonym 'two' of seen class 'count_2'"),
        (["count_10"], SEEN, {"target 12": "the number ten"}, "appears in target 12"),
    ],
)
def test_leak_check_rejects_leaking_configs(unseen, seen, texts, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        leak_check(unseen, SETS, seen, texts)


def test_leak_check_matches_whole_words_only():
    leak_check(["count_10"], SETS, SEEN, {"template": "Tense hand: {glove} often"})


def test_aggregate_max_and_mean_over_synonyms():
    scores = np.array([[0.1, 0.9, 0.5, 0.3]])
    np.testing.assert_allclose(aggregate(scores, [0, 0, 1, 1], 2, "max"), [[0.9, 0.5]])
    np.testing.assert_allclose(aggregate(scores, [0, 0, 1, 1], 2, "mean"), [[0.5, 0.4]])
    with pytest.raises(ConfigError, match="aggregation must be one of"):
        aggregate(scores, [0, 0, 1, 1], 2, "median")


def test_metrics_on_a_hand_made_case():
    # 3 classes; class 2 unseen. Rows: true 0, 0, 1, 2, 2
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.1], [0.1, 0.7, 0.2], [0.5, 0.1, 0.4], [0.0, 0.1, 0.9]])
    truth = np.array([0, 0, 1, 2, 2])
    seen = np.array([True, True, True, False, False])
    assert top_k_hits(scores, truth, 1).tolist() == [1, 0, 1, 0, 1]
    assert top_k_hits(scores, truth, 2).tolist() == [1, 1, 1, 1, 1]
    metrics = gzsl_metrics(scores, truth, seen)
    assert metrics["seen_top1"] == pytest.approx((0.5 + 1.0) / 2)  # mean of per-class accuracy
    assert metrics["unseen_top1"] == pytest.approx(0.5)
    assert metrics["harmonic_top1"] == pytest.approx(2 * 0.75 * 0.5 / 1.25)
    assert metrics["seen_top5"] == metrics["unseen_top5"] == 1.0
    predicted = scores.argmax(1)
    assert confusion_matrix(truth, predicted, 3).tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]


def test_a_seen_only_benchmark_has_no_unseen_or_harmonic_numbers():
    scores = np.array([[0.9, 0.1], [0.8, 0.2]])
    metrics = gzsl_metrics(scores, np.array([0, 1]), np.array([True, True]))
    assert metrics["seen_top1"] == pytest.approx(0.5)
    assert metrics["unseen_top1"] is None and metrics["harmonic_top1"] is None


def test_ties_get_fractional_credit():
    # a description equally close to classes 0 and 1 (shared synonym "two"), and a three-way tie
    scores = np.array([[0.8, 0.8, 0.1], [0.5, 0.5, 0.5]])
    assert top_k_hits(scores, np.array([0, 1]), 1).tolist() == pytest.approx([0.5, 1 / 3])
    assert top_k_hits(scores, np.array([1, 2]), 2).tolist() == pytest.approx([1.0, 2 / 3])
    metrics = gzsl_metrics(scores, np.array([0, 1]), np.array([True, True]))
    assert metrics["seen_top1"] == pytest.approx((0.5 + 1 / 3) / 2)


def test_embedding_scorer_ranks_the_right_label_set_first():
    sets = [SETS["count_10"], SETS["wave"], SETS["thumbs_up"], SETS["fist"]]
    scorer = EmbeddingScorer(sets)
    scores = scorer(["ten", "hello there", "thumbs up", "a closed fist", "all ten fingers"])
    assert scores.shape == (5, 4)
    assert scores.argmax(1).tolist() == [0, 1, 2, 3, 0]


def test_lm_scores_follow_the_model(tiny_checkpoint, rng):
    from sensor2text.models.holistic import Sensor2Text

    model = Sensor2Text.from_pretrained(tiny_checkpoint)
    sets = [LabelSet("a", ("fist",)), LabelSet("b", ("two", "2"))]
    recording = rng.normal(20, 10, size=(30, 46)).astype(np.float32)
    scores = lm_label_scores(model, model.label_prompts([recording]), sets, "max")
    targets = [model.label_ids(s) for s in ("fist", "two", "2")]
    import torch

    with torch.no_grad():
        logp = model.sequence_log_probs(model.prepare([recording]), targets, torch.zeros(3, dtype=torch.long))
    per_token = (logp / torch.tensor([len(t) for t in targets])).numpy()
    np.testing.assert_allclose(scores[0], [per_token[0], per_token[1:].max()], rtol=1e-5)


def test_text_only_baseline_ignores_the_recording(tiny_checkpoint):
    from sensor2text.evaluation.zeroshot import text_only_lm_scores
    from sensor2text.models.holistic import Sensor2Text

    model = Sensor2Text.from_pretrained(tiny_checkpoint)
    sets = [LabelSet("a", ("fist",)), LabelSet("b", ("two", "2"))]
    scores = text_only_lm_scores(model, 3, sets)
    assert scores.shape == (3, 2) and (scores == scores[0]).all() and np.isfinite(scores).all()


def test_classes_a_scorer_cannot_name_earn_no_credit():
    # closed-set classifier: the two classes it never saw are -inf, tied, yet never a hit
    scores = np.array([[0.9, -np.inf, -np.inf], [0.9, -np.inf, -np.inf]])
    assert top_k_hits(scores, np.array([0, 2]), 3).tolist() == [1.0, 0.0]

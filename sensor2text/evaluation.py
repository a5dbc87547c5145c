"""Seen-class accuracy of generated text: a description is right when it equals any synonym
of its label set after ``labels.normalize_text``."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .labels import LabelSet

# Recordings described per generate() call.
EVAL_BATCH_SIZE = 32


def describe_all(model, recordings: list[np.ndarray], batch_size: int = EVAL_BATCH_SIZE, **generate_kwargs):
    """Descriptions of raw recordings ``[(T_i, C)]``, in order: greedy, or sampled with
    ``do_sample=True, temperature=...``."""
    texts = []
    for start in range(0, len(recordings), batch_size):
        texts += model.generate(recordings[start : start + batch_size], **generate_kwargs)
    return texts


def accuracy_report(model, items: list[tuple[np.ndarray, str]], label_sets: dict[str, LabelSet],
                    seen: list[str] | None = None) -> dict:  # fmt: skip
    """Describe ``[(frames, class)]`` and score them against their own label set.

    Returns ``accuracy`` over all items, ``seen_accuracy`` / ``unseen_accuracy`` split by the
    classes in ``seen`` (the classes trained on; None when all are seen), ``per_class``, and one
    row per recording (class, seen, description, correct).
    """
    descriptions = describe_all(model, [frames for frames, _ in items])
    seen = set(seen) if seen else {label for _, label in items}
    rows = []
    for (_, label), text in zip(items, descriptions):
        rows.append({"label": label, "seen": label in seen, "description": text,
                     "correct": label_sets[label].matches(text)})  # fmt: skip
    return {"accuracy": _mean(rows), "seen_accuracy": _mean([r for r in rows if r["seen"]]),
            "unseen_accuracy": _mean([r for r in rows if not r["seen"]]),
            "per_class": per_class(rows), "rows": rows}  # fmt: skip


def _mean(rows: list[dict]) -> float | None:
    return float(np.mean([r["correct"] for r in rows])) if rows else None


def per_class(rows: list[dict]) -> dict[str, dict]:
    """``{class: {"accuracy", "n", "examples": most common descriptions}}`` from scored rows."""
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["label"]].append(row)
    table = {}
    for label, group in grouped.items():
        counts = defaultdict(int)
        for row in group:
            counts[row["description"]] += 1
        common = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
        table[label] = {"accuracy": float(np.mean([r["correct"] for r in group])), "n": len(group),
                        "examples": [f"{text} (x{n})" for text, n in common]}  # fmt: skip
    return table

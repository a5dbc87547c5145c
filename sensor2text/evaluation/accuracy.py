"""Seen-class accuracy of generated text: a description is right when it equals any synonym
of its label set after ``labels.normalize_text``."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from sensor2text.labels import LabelSet


def accuracy_report(model, items: list[tuple[np.ndarray, str]], label_sets: dict[str, LabelSet],
                    seen: list[str] | None = None) -> dict:  # fmt: skip
    """Describe ``[(frames, class)]`` with ``model`` and :func:`score_descriptions` them."""
    descriptions = [d.text for d in model.describe([frames for frames, _ in items])]
    return score_descriptions(descriptions, [label for _, label in items], label_sets, seen)


def score_descriptions(descriptions: list[str], labels: list[str], label_sets: dict[str, LabelSet],
                       seen: list[str] | None = None) -> dict:  # fmt: skip
    """Score each description against its own class's label set.

    Returns ``accuracy`` over all items, ``seen_accuracy`` / ``unseen_accuracy`` split by the
    classes in ``seen`` (the classes trained on; None when all are seen), ``per_class``, and one
    row per recording (class, seen, description, correct).
    """
    seen = set(seen) if seen else set(labels)
    rows = []
    for label, text in zip(labels, descriptions):
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


def description_rows(model, recordings: list, descriptions: list) -> list[dict]:
    """One JSON-ready row per recording: ``path``, ``label`` (None when the checkpoint has no label
    set for it), the description with its steps, confidence and timings, and ``correct``."""
    rows = []
    for recording, description in zip(recordings, descriptions):
        label = recording.label if recording.label in model.label_sets else None
        correct = model.label_sets[label].matches(description.text) if label else None
        rows.append({"path": recording.source, "label": label, **description.to_dict(), "correct": correct})
    return rows


def split_by_label_sets(recordings: list, label_sets: dict[str, LabelSet]) -> tuple[list, Counter]:
    """``(recordings whose class has a label set, Counter of the other classes)``."""
    kept, left_out = [], Counter()
    for recording in recordings:
        if recording.label in label_sets:
            kept.append(recording)
        else:
            left_out[recording.label] += 1
    return kept, left_out

"""Rendering a ProbeResult: rich tables, JSON, and a bar chart PNG."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from sensor2text.evaluation.probe import ProbeResult
from sensor2text.textfile import save_figure, write_text_atomic

# Label synonyms listed in the ranking table.
RANKED_SHOWN = 15


def probability_table(result: ProbeResult):
    """Every token in any condition's top-k; its probability under each condition; glove - text."""
    from rich.table import Table

    names = [c.name for c in result.conditions]
    probs = {c.name: [t.prob for t in c.shown] for c in result.conditions}
    tokens = [t.token for t in result.conditions[0].shown]
    order = sorted(range(len(tokens)), key=lambda i: -max(probs[n][i] for n in names))
    has_glove = "glove" in names
    table = Table("token", *names, *(["glove - text"] if has_glove else []), title=result.prompt)
    for i in order:
        row = [repr(tokens[i])] + [_pct(probs[n][i]) for n in names]
        if has_glove:
            row.append(f"{probs['glove'][i] - probs['text'][i]:+.1%}")
        table.add_row(*row)
    return table


def _pct(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else "-"


def ranking_table(result: ProbeResult, condition: str):
    from rich.table import Table

    table = Table("rank", "label", "synonym", "tokens", "log p", "log p / token", title=f"label ranking: {condition}")
    for score in sorted(result.condition(condition).labels, key=lambda s: s.rank)[:RANKED_SHOWN]:
        table.add_row(str(score.rank), score.label, repr(score.synonym), str(score.num_tokens),
                      f"{score.log_prob:.2f}", f"{score.log_prob_per_token:.2f}")  # fmt: skip
    return table


def soft_token_table(result: ProbeResult):
    from rich.table import Table

    table = Table("soft token", "norm", "nearest vocabulary tokens (cosine)",
                  title=f"soft prompt (typical token-embedding norm {result.typical_token_norm:.2f})")  # fmt: skip
    for soft in result.soft_tokens:
        nearest = ", ".join(f"{t.token!r} {t.prob:.2f}" for t in soft.nearest)
        table.add_row(str(soft.index), f"{soft.norm:.2f}", nearest)
    return table


def print_report(result: ProbeResult, labels: list[str] | None = None) -> None:
    """Print the probability table, label rankings (text and glove), and the soft-token view."""
    from rich.console import Console

    console = Console()
    console.print(probability_table(result))
    for condition in ("text", "glove"):
        if any(c.name == condition for c in result.conditions) and result.condition(condition).labels:
            console.print(ranking_table(result, condition))
    if labels:
        for condition in result.conditions:
            ranks = [f"{s.synonym!r} #{s.rank}" for s in condition.labels if s.label in labels]
            console.print(f"{condition.name}: " + ", ".join(ranks))
    if result.soft_tokens:
        console.print(soft_token_table(result))


def write_json(result: ProbeResult, path: str | Path) -> None:
    """The probe's result as JSON, written whole or not at all."""
    write_text_atomic(path, json.dumps(asdict(result), indent=2) + "\n")


def plot_bars(result: ProbeResult, path: str | Path, top: int = 12) -> None:
    """Bar chart of the most likely next tokens, one bar per condition."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    shown = [t.token_id for t in result.conditions[0].shown]
    wanted = list(dict.fromkeys(t.token_id for c in result.conditions for t in c.top_tokens[:top]))[: 2 * top]
    probs = {c.name: {t.token_id: t.prob for t in c.shown} for c in result.conditions}
    tokens = [result.conditions[0].shown[shown.index(i)].token for i in wanted]
    width = 0.8 / len(result.conditions)
    fig, ax = plt.subplots(figsize=(max(8, len(tokens) * 0.6), 4.5))
    for k, condition in enumerate(result.conditions):
        values = [probs[condition.name][i] for i in wanted]
        ax.bar(np.arange(len(tokens)) + k * width, values, width, label=condition.name)
    ax.set_xticks(np.arange(len(tokens)) + 0.4 - width / 2, [repr(t) for t in tokens], rotation=60, ha="right")
    ax.set_ylabel("next-token probability")
    ax.set_title(result.prompt)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)

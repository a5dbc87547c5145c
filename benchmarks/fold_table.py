"""Cross-validation table from zero-shot reports: one row per fold (a ``report.json`` written by
``sensor2text evaluate --out-dir DIR``), the seen top-1 / top-5 of every scorer the reports
share, and the unweighted mean over folds. Nothing is recomputed: the table only reads reports.

    .venv/bin/python benchmarks/fold_table.py adam=runs/zs-pg-adam andrew=runs/zs-pg-andrew \
        john=runs/zs-pg-john waleed=runs/zs-pg-waleed
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SCORER_NAMES = {
    "embedding": "generated text",
    "lm": "LM log-likelihood",
    "CNN+LSTM classifier (closed set)": "CNN+LSTM",
    "contrastive CLIP-style encoder": "contrastive",
}
SKIPPED = {"text-only lm (baseline)"}


def load_report(directory: str) -> dict:
    """The ``report.json`` of one evaluate run; exits with one line if it is missing or broken."""
    path = Path(directory) / "report.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        sys.exit(f"error: {path}: expected a report.json written by `sensor2text evaluate` ({exc})")


def shared_scorers(reports: list[dict]) -> list[str]:
    """Scorer names present in every report, in the first report's order (text-only LM left out)."""
    names = [n for n in reports[0]["scorers"] if n not in SKIPPED]
    return [n for n in names if all(n in r["scorers"] for r in reports)]


def cell(top1: float, top5: float) -> str:
    return f"{100 * top1:.1f} % / {100 * top5:.1f} %"


def fold_table(folds: list[tuple[str, dict]]) -> str:
    """Markdown table: a row per (fold name, report) and a mean row over the folds."""
    reports = [r for _, r in folds]
    scorers = shared_scorers(reports)
    header = ["held-out (recordings)", *[f"{SCORER_NAMES.get(s, s)} top-1 / top-5" for s in scorers]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, report in folds:
        cells = [cell(report["scorers"][s]["seen_top1"], report["scorers"][s]["seen_top5"]) for s in scorers]
        lines.append(f"| {name} ({report['num_recordings']}) | " + " | ".join(cells) + " |")
    means = []
    for s in scorers:
        top1 = sum(r["scorers"][s]["seen_top1"] for r in reports) / len(reports)
        top5 = sum(r["scorers"][s]["seen_top5"] for r in reports) / len(reports)
        means.append(f"**{cell(top1, top5)}**")
    lines.append(f"| **mean of {len(reports)}** | " + " | ".join(means) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folds", nargs="+", metavar="NAME=DIR", help="fold name and its report folder")
    args = parser.parse_args()
    folds = []
    for item in args.folds:
        name, sep, directory = item.partition("=")
        if not sep or not name or not directory:
            sys.exit(f"error: fold {item!r}: expected NAME=DIR, e.g. adam=runs/zs-pg-adam")
        folds.append((name, load_report(directory)))
    print(fold_table(folds))


if __name__ == "__main__":
    main()

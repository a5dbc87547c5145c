"""Protocol (b) for the finger-word design: leave one count out, for every count 1-10.

For each k, a checkpoint is trained from ``configs/fingers_smollm2.yaml`` without ``count_k``
(finger reader and composer; the shipped knowledge adapter, which never saw a sum making ten),
then describes the held-out test subjects' ``count_k`` recordings (``count_10``, which the config
never trains, is the shipped checkpoint's own fold: it was trained from that config). Resumable: a run whose
checkpoint exists is not trained again. One CPU-heavy job: run it alone.

    .venv/bin/python benchmarks/protocol_b_fingers.py --data runs/heldout/test --runs runs/protocol-b

Prints a Markdown table (accuracy per held-out count, n, and the mean over 1-10).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sensor2text.api import DEFAULT_CHECKPOINT
from sensor2text.config import load_run_config
from sensor2text.glove.recordings import iter_recordings
from sensor2text.models.registry import load_checkpoint
from sensor2text.training.loop import CHECKPOINT_DIR, train

CONFIG = Path(__file__).parent.parent / "configs" / "fingers_smollm2.yaml"


def run_without(count: int, runs: Path) -> Path:
    folder = runs / f"without_{count}"
    if (folder / CHECKPOINT_DIR / "manifest.json").is_file():
        return folder / CHECKPOINT_DIR
    base = load_run_config(CONFIG)
    if f"count_{count}" not in base.data.classes:  # the config never trains it: its shipped checkpoint is this fold
        return Path(DEFAULT_CHECKPOINT)
    classes = [c for c in base.data.classes if c != f"count_{count}"]
    cfg = load_run_config(CONFIG, [f"data.classes=[{', '.join(classes)}]", f"training.output_dir={folder}",
                                   "composer.remember_pairs=false"])  # fmt: skip
    return train(cfg)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="held-out test recordings (e.g. runs/heldout/test)")
    parser.add_argument("--runs", default="runs/protocol-b")
    parser.add_argument("--counts", nargs="+", type=int, default=list(range(1, 11)))
    args = parser.parse_args()
    rows = []
    for count in args.counts:
        model = load_checkpoint(run_without(count, Path(args.runs)))
        assert f"count_{count}" not in model.trained_classes
        recordings = [r for r in iter_recordings(args.data, model.profile) if r.label == f"count_{count}"]
        texts = [d.text for d in model.describe([r.frames for r in recordings])]
        right = sum(model.label_sets[f"count_{count}"].matches(t) for t in texts)
        rows.append((count, right, len(recordings), sorted(set(texts))[:4]))
        print(f"without {count}: {right}/{len(recordings)} {rows[-1][3]}", flush=True)
    print("\n| held-out count | accuracy | n | descriptions |\n|---|---|---|---|")
    for count, right, n, examples in rows:
        print(f"| {count} | {100 * right / n:.1f} % | {n} | {', '.join(examples)} |")
    mean = sum(100 * right / n for _, right, n, _ in rows) / len(rows)
    print(f"\nmean over {len(rows)} held-out counts: {mean:.1f} %")


if __name__ == "__main__":
    main()

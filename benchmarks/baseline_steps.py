"""How many training steps do the baselines need? Trains the CNN+LSTM classifier and the
contrastive encoder of :mod:`sensor2text.evaluation.baselines` on a run config's train split for each
``--steps`` value and scores them on its **validation** split (choose the steps there; the test
split stays for reporting), top-1 / top-5 over every class of the config's label sets, with the
config's seed or each of ``--seeds``.

    .venv/bin/python benchmarks/baseline_steps.py configs/auslan_hq_smollm2.yaml --steps 600 2000 5000
    .venv/bin/python benchmarks/baseline_steps.py configs/auslan_powerglove/without_adam.yaml --steps 600 2000 5000

``--split test --seeds 0 1 2`` reports how much a baseline's test number moves with its seed
alone (a spread to read the report's single run against, never a choice):

    .venv/bin/python benchmarks/baseline_steps.py configs/auslan_powerglove/without_adam.yaml \
        --steps 5000 --split test --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from sensor2text.config import load_run_config
from sensor2text.evaluation.protocol import run_baselines
from sensor2text.evaluation.zeroshot import EmbeddingScorer, top_k_hits
from sensor2text.labels import load_label_sets
from sensor2text.training.data import load_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", help="run config with a train and a validation split")
    parser.add_argument("--steps", type=int, nargs="+", default=[600, 2000, 5000])
    parser.add_argument("--split", choices=["validation", "test"], default="validation")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: the config's seed")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cfg = load_run_config(args.config)
    train, validation = load_split(cfg, "train"), load_split(cfg, args.split)
    if not validation:
        parser.error(f"{args.config}: the {args.split} split is empty.")
    label_sets = load_label_sets(cfg.data.labels)
    classes = list(label_sets)
    candidates = [label_sets[c] for c in classes]
    encoder = EmbeddingScorer(candidates).encoder
    truth = np.array([classes.index(label) for _, label in validation])
    print(f"{len(train)} training, {len(validation)} {args.split} recordings, {len(classes)} classes")
    print("| steps | seed | baseline | top-1 | top-5 | minutes (both) |\n|---|---|---|---|---|---|")
    for steps in args.steps:
        for seed in args.seeds or [cfg.training.seed]:
            cfg.training.seed = seed
            start = time.perf_counter()
            scores = run_baselines(cfg, train, [f for f, _ in validation], classes, encoder, candidates, steps)
            minutes = (time.perf_counter() - start) / 60
            for name, s in scores.items():
                top1, top5 = top_k_hits(s, truth, 1).mean(), top_k_hits(s, truth, 5).mean()
                print(f"| {steps} | {seed} | {name} | {100 * top1:.1f} % | {100 * top5:.1f} % | {minutes:.1f} |",
                      flush=True)  # fmt: skip


if __name__ == "__main__":
    main()

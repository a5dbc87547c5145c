"""Is an int8 inference path faster, and does it keep the descriptions? fp32 against int8 with
per-channel weight scales (:mod:`sensor2text.models.precision`) on one checkpoint:

- decode time per token and prefill time of the composer/holistic LM (batch 1);
- batch-1 time to describe a recording, p50 / p95 over ``--timed`` recordings;
- descriptions of every recording of ``--data`` (default: the validation split; the test split
  is kept for reporting): the share matching the true label set, and the share identical to fp32.

    .venv/bin/python benchmarks/quantization_check.py                      # stepwise default
    .venv/bin/python benchmarks/quantization_check.py --checkpoint smollm2-135m-synth
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from sensor2text.api import DEFAULT_CHECKPOINT
from sensor2text.glove.recordings import iter_recordings
from sensor2text.models.precision import PRECISIONS, set_precision
from sensor2text.models.registry import load_checkpoint


@torch.no_grad()
def token_times(lm, tokenizer, repeats: int = 12) -> tuple[float, float]:
    """``(ms per decoded token, ms to prefill the prompt)`` of ``lm`` at batch 1."""
    ids = tokenizer("Left hand: five: all fingers\nRight hand: five: all fingers\nSo:", return_tensors="pt").input_ids
    started = time.perf_counter()
    out = lm(ids, use_cache=True)
    prefill = time.perf_counter() - started
    cache, token, times = out.past_key_values, out.logits[:, -1:].argmax(-1), []
    for _ in range(repeats):
        started = time.perf_counter()
        out = lm(token, past_key_values=cache, use_cache=True)
        times.append(time.perf_counter() - started)
        cache = out.past_key_values
    return 1000 * float(np.median(times[2:])), 1000 * prefill


def describe_times(model, recordings: list[np.ndarray]) -> list[float]:
    model.describe([recordings[0]])  # warm-up
    times = []
    for frames in recordings:
        started = time.perf_counter()
        model.describe([frames])
        times.append(1000 * (time.perf_counter() - started))
    return times


def describe_all(model, recordings: list[np.ndarray]) -> list[str]:
    return [d.text for d in model.describe(recordings)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("--data", default="runs/heldout", help="recordings (default: synthetic held-out set)")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--timed", type=int, default=22, help="recordings timed one by one")
    args = parser.parse_args()
    items = [(r.frames, r.label) for r in iter_recordings(args.data, split=args.split)]
    recordings = [frames for frames, _ in items]
    timed = recordings[:: max(1, len(recordings) // args.timed)][: args.timed]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {args.checkpoint}; "
          f"{len(items)} recordings of {args.data} ({args.split})")  # fmt: skip
    print("| path | ms per token | prefill ms | describe p50 / p95 ms (batch 1) | right | same text as fp32 |")
    print("|---|---|---|---|---|---|")
    reference = None
    for precision in PRECISIONS:
        model = load_checkpoint(args.checkpoint)
        set_precision(model, precision)
        per_token, prefill = token_times(model.lm, model.tokenizer)
        times = describe_times(model, timed)
        texts = describe_all(model, recordings)
        reference = reference or texts
        right = sum(model.label_sets[label].matches(t) for (_, label), t in zip(items, texts))
        same = sum(a == b for a, b in zip(reference, texts))
        print(f"| {precision} | {per_token:.1f} | {prefill:.0f} | {np.percentile(times, 50):.0f} / "
              f"{np.percentile(times, 95):.0f} | {right}/{len(items)} ({100 * right / len(items):.1f} %) | "
              f"{same}/{len(items)} |")  # fmt: skip


if __name__ == "__main__":
    main()

"""Latency of describing one recording (batch 1) and throughput at batch 32, against the floor of
the plain LM writing the same number of tokens. Prints Markdown tables.

    .venv/bin/python benchmarks/describe_latency.py --repeats 22                       # stepwise default
    .venv/bin/python benchmarks/describe_latency.py --checkpoint smollm2-135m-synth --repeats 20

Settings (stepwise): the default (hand words chosen from their closed vocabulary, composer answers
remembered per caption pair, the memo warmed by one pass over the recordings first, as a live
stream warms it while idle); the same with the memo off (every composer answer decoded: the
first sight of a caption pair); and free token-by-token decoding without memo (the previous
default). Batch-1 repeats cycle through the classes. The floor is ``lm.generate`` of exactly as
many tokens as the LM wrote for the description (+ EOS; for stepwise checkpoints the composer's
whole continuation, reasoning and answers included) after a 12-token prompt, batch 1.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from sensor2text.api import DEFAULT_CHECKPOINT
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.models.base import DescribeOptions
from sensor2text.models.precision import AUTO, PRECISIONS, set_precision
from sensor2text.models.registry import load_checkpoint


def timed(fn, repeats: int) -> np.ndarray:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return np.array(times) * 1000


@torch.no_grad()
def floor_ms(model, texts: list[str], prompt_tokens: int = 12) -> np.ndarray:
    """Plain greedy ``generate`` of as many tokens as each text (+ EOS), batch 1: the LM's floor."""
    lm, tokenizer = model.lm, model.tokenizer
    ids = torch.full((1, prompt_tokens), tokenizer.eos_token_id)
    times = []
    for text in texts:
        n = len(tokenizer(" " + text, add_special_tokens=False).input_ids) + 1
        start = time.perf_counter()
        lm.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, min_new_tokens=n,
                    do_sample=False, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
        times.append(time.perf_counter() - start)
    return np.array(times) * 1000


def row(name: str, times: np.ndarray, per: int = 1, floor: float | None = None) -> str:
    p50, p95 = np.percentile(times, 50), np.percentile(times, 95)
    ratio = f"{p50 / floor:.1f}x" if floor else "-"
    return f"| {name} | {p50:.0f} | {p95:.0f} | {p50 / per:.0f} | {ratio} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("--precision", default="fp32", choices=[AUTO, *PRECISIONS], help="LM weights")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    model = load_checkpoint(args.checkpoint)
    print(f"precision: {set_precision(model, args.precision)}")
    spec = SynthSpec(seed=5, train_subjects=0, val_subjects=0, test_subjects=2, repetitions=1,
                     classes=tuple(model.config.trained_classes))  # fmt: skip
    recordings = [r["frames"] for r in generate(spec)][:32]
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}")  # fmt: skip
    described = model.describe(recordings)  # also warms the composer memo (stepwise)
    # what the LM wrote: the composer's whole continuation (reasoning and answers) for stepwise
    texts = [d.steps.get("composer", d.text) for d in described]
    floor = float(np.percentile(floor_ms(model, texts[: args.repeats]), 50))
    print("| setting | p50 ms | p95 ms | ms per recording | p50 / floor |")
    print("|---|---|---|---|---|")
    turn = iter(range(10**9))
    one = lambda options=None: model.describe([recordings[next(turn) % len(recordings)]], options)  # noqa: E731
    print(row("batch 1, default", timed(one, args.repeats), floor=floor))
    print(row(f"batch {len(recordings)}, default", timed(lambda: model.describe(recordings), 3), len(recordings)))
    if model.design == "stepwise":
        model.disable_memo()
        print(row("batch 1, composer memo off (a caption pair seen first)", timed(one, args.repeats), floor=floor))
        free = DescribeOptions(closed_vocabulary=False)
        print(row("batch 1, free decoding, no memo (previous default)", timed(lambda: one(free), args.repeats),
                  floor=floor))  # fmt: skip
    print(f"| floor: plain `generate` of the description's tokens (+EOS), batch 1 | {floor:.0f} | - | - | 1.0x |")


if __name__ == "__main__":
    main()

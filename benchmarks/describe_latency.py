"""Latency of describing one recording with a checkpoint (batch 1; eager fp32 unless --precision), and throughput
at batch 32. Prints a Markdown table row per setting. Batch-1 repeats cycle through the classes
(a stepwise checkpoint reasons in an extra step for counts, not for named gestures).

    .venv/bin/python benchmarks/describe_latency.py --repeats 22                       # stepwise default
    .venv/bin/python benchmarks/describe_latency.py --checkpoint smollm2-135m-synth --repeats 20
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from sensor2text.api import DEFAULT_CHECKPOINT
from sensor2text.glove.synth import SynthSpec, generate
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
    print("| setting | p50 ms | p95 ms | ms per recording |")
    print("|---|---|---|---|")
    turn = iter(range(10**9))
    single = timed(lambda: model.generate([recordings[next(turn) % len(recordings)]]), args.repeats)
    print(f"| batch 1 | {np.percentile(single, 50):.0f} | {np.percentile(single, 95):.0f} | "
          f"{np.percentile(single, 50):.0f} |")  # fmt: skip
    batch = timed(lambda: model.generate(recordings), max(3, args.repeats // 5))
    print(f"| batch {len(recordings)} | {np.percentile(batch, 50):.0f} | {np.percentile(batch, 95):.0f} | "
          f"{np.percentile(batch, 50) / len(recordings):.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()

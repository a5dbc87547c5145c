"""Is int8 dynamic quantisation a faster path worth taking? Time and descriptions of 10 count
recordings (batch 1) with the holistic checkpoint: eager, LoRA merged, int8 MLP layers, int8 MLP
and attention layers (the LM head stays fp32).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/quantization_check.py
"""

from __future__ import annotations

import time

import numpy as np
import torch

from sensor2text.cli import HOLISTIC_CHECKPOINT
from sensor2text.model import load_checkpoint
from sensor2text.synth import SynthSpec, generate


def timed_descriptions(model, recordings) -> tuple[float, list[str]]:
    model.generate([recordings[0]])  # warm-up
    times, texts = [], []
    for frames in recordings:
        started = time.perf_counter()
        texts.append(model.generate([frames])[0])
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times)), texts


def quantize(layers, part: str) -> None:
    for layer in layers:
        setattr(layer, part, torch.ao.quantization.quantize_dynamic(getattr(layer, part), {torch.nn.Linear},
                                                                     dtype=torch.qint8))  # fmt: skip


def main() -> None:
    model = load_checkpoint(HOLISTIC_CHECKPOINT)
    spec = SynthSpec(seed=5, train_subjects=0, val_subjects=0, test_subjects=1, repetitions=1,
                     classes=tuple(f"count_{n}" for n in range(10)))  # fmt: skip
    items = [(r["frames"], r["label"]) for r in generate(spec)]
    recordings = [frames for frames, _ in items]

    def report(name: str) -> None:
        ms, texts = timed_descriptions(model, recordings)
        right = sum(model.label_sets[label].matches(t) for (_, label), t in zip(items, texts))
        print(f"| {name} | {ms:.0f} | {right}/{len(items)} | {', '.join(texts)} |")

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("| path | p50 ms | right | descriptions |\n|---|---|---|---|")
    report("eager fp32")
    model.lm = model.lm.merge_and_unload()
    report("LoRA merged")
    quantize(model.lm.model.layers, "mlp")
    report("int8 MLP layers")
    quantize(model.lm.model.layers, "self_attn")
    report("int8 MLP + attention layers")


if __name__ == "__main__":
    main()

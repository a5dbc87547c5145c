"""Controls of the finger-word stepwise design, in one run: what do pretraining and the LoRAs add?

    .venv/bin/python benchmarks/zeroshot_controls.py --checkpoint smollm2-135m-fingers \\
        --data runs/heldout/test runs/eval-pairs/test runs/eval-thumb/test

Conditions, all with the same finger reader and the same recordings:

- ``shipped``: the checkpoint as it is (knowledge adapter merged, composer LoRA on top);
- ``lora off``: the plain pretrained LM composes and answers (no knowledge, no composer LoRA);
- ``random lm``: an LM of the same architecture with random weights (seed 0), both adapters applied.

Prints a Markdown table of synonym-match accuracy per data folder and class group (n recordings).
Each condition starts from an empty composer memo in memory (nothing from the disk cache or the
checkpoint's ``composer_memo.json``, no remembered knowledge answers): each distinct caption pair
is composed once, at batch 1, by that condition's LM, as ``describe`` does.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import torch

from sensor2text.glove.recordings import iter_recordings
from sensor2text.models.memo import ComposerMemo
from sensor2text.models.registry import load_checkpoint


def lora_off(model) -> None:
    """Replace the composer's LM by the plain base LM, wrapped in an inert LoRA (zero update)."""
    from peft import LoraConfig, get_peft_model

    from sensor2text.models.lm import load_base_model

    plain, _ = load_base_model(model.base_model, offline=True)
    model.lm = get_peft_model(plain, LoraConfig(r=1, task_type="CAUSAL_LM")).eval()  # B = 0: no change


def random_lm(model, seed: int = 0) -> None:
    """Same architecture, random weights; the knowledge adapter merged and the composer LoRA applied."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    lm = AutoModelForCausalLM.from_config(model.lm.get_base_model().config).eval()
    if model.knowledge_dir is not None:
        lm = PeftModel.from_pretrained(lm, str(model.knowledge_dir)).merge_and_unload()
    model.lm = PeftModel.from_pretrained(lm, str(model.folder / "composer")).eval()


def group_of(label: str, trained: set[str]) -> str:
    if label in trained:
        return "trained classes"
    if label.startswith("pair_"):
        return "finger pairs (36)"
    return f"unseen: {label}"


def accuracy_by_group(model, folder: str) -> dict[str, tuple[int, int]]:
    recordings = [r for r in iter_recordings(folder, model.profile) if r.label in model.label_sets]
    descriptions = model.describe([r.frames for r in recordings])
    counts = defaultdict(lambda: [0, 0])
    for recording, description in zip(recordings, descriptions):
        group = counts[group_of(recording.label, set(model.trained_classes))]
        group[0] += model.label_sets[recording.label].matches(description.text)
        group[1] += 1
    return {name: tuple(value) for name, value in sorted(counts.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", default="smollm2-135m-fingers")
    parser.add_argument("--data", nargs="+", required=True, help="folders of labelled recordings")
    parser.add_argument("--conditions", nargs="+", default=["shipped", "lora off", "random lm"])
    args = parser.parse_args()
    rows = []
    for condition in args.conditions:
        model = load_checkpoint(args.checkpoint)
        model.memo = ComposerMemo()  # in memory, empty: every pair composed by this condition's LM
        {"shipped": lambda m: None, "lora off": lora_off, "random lm": random_lm}[condition](model)
        for folder in args.data:
            for group, (right, n) in accuracy_by_group(model, folder).items():
                rows.append((condition, folder, group, right, n))
                print(f"{condition} | {folder} | {group} | {right}/{n}", flush=True)
    print("\n| condition | data | class group | accuracy | n |\n|---|---|---|---|---|")
    for condition, folder, group, right, n in rows:
        print(f"| {condition} | {folder} | {group} | {100 * right / n:.1f} % | {n} |")


if __name__ == "__main__":
    main()

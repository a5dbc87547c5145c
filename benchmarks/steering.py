"""Steering benchmark (issue 24): the same recordings through every mode, in one run.

    .venv/bin/sensor2text train-steer --config configs/synthetic_smollm2.yaml --out runs/steer
    .venv/bin/python benchmarks/steering.py --data runs/heldout/test --steer runs/steer \
        --subjects subject2000 subject2001

Rows: no steering (the same prompt), bag-of-words steering at three strengths fixed before any run
(3, 6, 12), PPLM (the paper's BoW settings), and the trained soft-prompt checkpoint
(``smollm2-135m-synth``: projector + LoRA, one word). Columns:

- on-target: the zero-shot evaluator's sentence-embedding scorer (all-MiniLM-L6-v2, max over
  synonyms) puts the text's nearest label set, among the steering model's classes, on the true one;
- mentions: a synonym of the true class appears as words in the text;
- perplexity of the continuation under the unsteered LM, after the steering prompt (over all
  tokens of all texts); the same for each text's first sentence alone (texts go on to the first
  sentence end after ``min_new_tokens``, so a short first sentence is followed by the LM's own
  words, which dilute the steered word's cost); distinct-1/2/3 (unique word n-grams / n-grams,
  over all texts);
- ms per token: mean over texts of the writer's time / its new tokens (batch 1, this machine).

With ``--gestures FILE --defined-as CLASS ...``: the glove model is widened by the file's
definitions (:class:`~sensor2text.steering.defined.DefinedGestures`); ``--defined-as`` names the
synthetic class each definition describes, in file order, whose recordings are then scored against
the definition's label set (among the trained classes' and every definition's), and on-target is
also given for those recordings alone. E.g. with a glove model that never saw the four gestures:

    .venv/bin/sensor2text train-steer --config configs/fingers_smollm2.yaml --out runs/steer18
    .venv/bin/python benchmarks/steering.py --data runs/heldout/test --steer runs/steer18 \
        --subjects subject2000 subject2001 --per-class 2 --strengths 6 --skip pplm checkpoint \
        --gestures configs/gestures/named4_a.yaml --defined-as i_love_you horns shaka ok_sign

One CPU-heavy job: run it alone. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import math
import re
import time

import numpy as np
import torch

from sensor2text.glove.recordings import iter_recordings
from sensor2text.labels import LabelSet
from sensor2text.models.lm import EMBEDDED_MODEL_NAME, load_base_model
from sensor2text.steering.glove import SteerGlove
from sensor2text.steering.writer import Mentioned, SteeredWriter, SteerOptions, load_steer_prompt

STRENGTHS = (3.0, 6.0, 12.0)
CHECKPOINT = "smollm2-135m-synth"


def pick(data: str, glove: SteerGlove, subjects: list[str], per_class: int, classes: list[str] | None = None):
    """The first ``per_class`` recordings of each of ``classes`` (default the glove's) per subject (file order)."""
    classes = classes or glove.config.classes
    chosen, seen = [], {}
    for r in iter_recordings(data, glove.profile, subjects=subjects):
        key = (r.subject, r.label)
        if r.label in classes and seen.get(key, 0) < per_class:
            seen[key] = seen.get(key, 0) + 1
            chosen.append(r)
    return chosen


@torch.no_grad()
def perplexity(lm, tokenizer, prompt: str, texts: list[str]) -> float:
    """exp of the mean negative log-likelihood of every continuation token, after ``prompt``."""
    prompt_ids = tokenizer(prompt, return_tensors="pt").input_ids
    total, count = 0.0, 0
    for text in texts:
        new = tokenizer(" " + text.strip(), add_special_tokens=False, return_tensors="pt").input_ids
        ids = torch.cat([prompt_ids, new], 1)
        logp = lm(input_ids=ids).logits[0, prompt_ids.shape[1] - 1 : -1].float().log_softmax(-1)
        total -= float(logp.gather(1, new[0][:, None]).sum())
        count += new.shape[1]
    return math.exp(total / max(count, 1))


def first_sentence(text: str) -> str:
    """The text up to its first sentence end (., ! or ?, closing quotes kept, before a space; or a line break)."""
    end = re.search(r"[.!?][\"')]*(?=\s)|\n", text.strip())
    return text.strip()[: end.end()].strip() if end else text.strip()


def distinct(texts: list[str], n: int) -> float:
    grams = [tuple(words[i : i + n]) for words in (t.lower().split() for t in texts) for i in range(len(words) - n + 1)]
    return len(set(grams)) / max(len(grams), 1)


def checkpoint_rows(recordings) -> tuple[list[str], list[float]]:
    """The trained soft-prompt checkpoint's descriptions and ms per token (its tokens + EOS)."""
    from sensor2text.models.registry import load_checkpoint

    model = load_checkpoint(CHECKPOINT)
    texts, ms = [], []
    for r in recordings:
        started = time.perf_counter()
        [described] = model.describe([r.frames])
        elapsed = 1000 * (time.perf_counter() - started)
        texts.append(described.text)
        ms.append(elapsed / (len(model.tokenizer(" " + described.text, add_special_tokens=False).input_ids) + 1))
    return texts, ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--steer", required=True, help="a steering glove model (sensor2text train-steer)")
    parser.add_argument("--subjects", nargs="+", required=True)
    parser.add_argument("--per-class", type=int, default=1)
    parser.add_argument("--prompt", default="person")
    parser.add_argument("--base-model", default=EMBEDDED_MODEL_NAME)
    parser.add_argument("--strengths", nargs="+", type=float, default=list(STRENGTHS))
    parser.add_argument("--skip", nargs="*", default=[], choices=["pplm", "checkpoint"],
                        help="leave these rows out (a quick run on validation subjects to choose settings)")
    parser.add_argument("--gestures", help="widen the glove model by these definitions (with --defined-as)")
    parser.add_argument("--defined-as", nargs="*", default=[], metavar="CLASS",
                        help="the synthetic class each definition of --gestures describes, in file order")
    args = parser.parse_args()
    from sensor2text.evaluation.zeroshot import EmbeddingScorer

    glove = SteerGlove.from_pretrained(args.steer)
    lm, tokenizer = load_base_model(args.base_model)
    defined_as = {}
    if args.gestures:
        from sensor2text.models.definitions import load_definitions
        from sensor2text.steering.defined import DefinedGestures

        definitions = load_definitions(args.gestures)
        assert len(args.defined_as) == len(definitions), "--defined-as: one synthetic class per definition"
        defined_as = {cls: d.name for cls, d in zip(args.defined_as, definitions)}
        glove = DefinedGestures(glove, definitions)
    classes = glove.config.classes
    recordings = pick(args.data, glove, args.subjects, args.per_class, [*classes, *defined_as])
    names = [defined_as.get(r.label, r.label) for r in recordings]  # the label set each recording is right for
    truth = np.array([classes.index(name) for name in names])
    label_sets = [LabelSet(c, tuple(glove.config.label_sets[c])) for c in classes]
    scorer = EmbeddingScorer(label_sets)
    prompt = load_steer_prompt(args.prompt)
    print(f"{len(recordings)} recordings ({len(classes)} classes x {len(args.subjects)} subjects x "
          f"{args.per_class}), prompt '{args.prompt}', glove model {args.steer} {glove.config.metrics}", flush=True)
    modes = [("no steering", SteerOptions(mode="none", prompt=args.prompt))]
    modes += [(f"bag of words, strength {s:g}", SteerOptions(mode="bow", strength=s, prompt=args.prompt))
              for s in args.strengths]  # fmt: skip
    if "pplm" not in args.skip:
        modes += [("PPLM (step 0.03, 3 iterations, KL 0.01, gm 0.95)", SteerOptions(mode="pplm", prompt=args.prompt))]
    rows = []
    for name, options in modes:
        started = time.time()
        described = SteeredWriter(glove, lm, tokenizer, options).describe([r.frames for r in recordings])
        texts = [d.text for d in described]
        ms = [d.timings["ms_per_token"] for d in described]
        rows.append((name, texts, ms))
        print(f"{name}: {time.time() - started:.0f} s; e.g. {texts[:3]}", flush=True)
    if "checkpoint" not in args.skip:
        texts, ms = checkpoint_rows(recordings)
        rows.append((f"trained soft prompt + LoRA ({CHECKPOINT})", texts, ms))
        print(f"checkpoint: e.g. {texts[:3]}", flush=True)
    print("\n| mode | on-target | mentions | perplexity | first sentence | distinct-1/2/3 | ms per token |\n"
          "|---|---|---|---|---|---|---|")
    new = np.array([r.label in defined_as for r in recordings])
    for name, texts, ms in rows:
        right = scorer(texts).argmax(1) == truth
        on_target = float(right.mean())
        if new.any():
            name = f"{name} (defined gestures alone: {100 * right[new].mean():.1f} % of {new.sum()})"
        mentions = np.mean([Mentioned(n, tuple(glove.config.label_sets[n])).matches(t)
                            for n, t in zip(names, texts)])  # fmt: skip
        ppl = perplexity(lm, tokenizer, prompt, texts)
        first = perplexity(lm, tokenizer, prompt, [first_sentence(t) for t in texts])
        dist = "/".join(f"{distinct(texts, n):.2f}" for n in (1, 2, 3))
        print(f"| {name} | {100 * on_target:.1f} % | {100 * mentions:.1f} % | {ppl:.1f} | {first:.1f} | {dist} | "
              f"{np.mean(ms):.1f} |")  # fmt: skip
    options = SteerOptions()
    print(f"\nn = {len(recordings)} recordings; subjects {', '.join(args.subjects)}; greedy decoding, "
          f"no repeated 3-gram, at most {options.max_new_tokens} new tokens, ending at the first sentence end "
          f"after {options.min_new_tokens}")


if __name__ == "__main__":
    main()

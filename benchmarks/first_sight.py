"""A hand shape seen for the first time: how long the composer takes, and whether the fast path
says exactly what the reference path says. Prints Markdown.

    .venv/bin/python benchmarks/first_sight.py --random-pairs 40

Two ways of composing one caption pair, both greedy at batch 1 (the live stream's case):

- reference: transformers' ``generate`` for every composer call and every knowledge answer,
  each reading the whole text again (``composer.GenerateWriter``, the previous live path);
- cached (the default now): one KV cache kept across the calls, the knowledge answers read from
  the checkpoint's memo, and the continuation the program expects (counts, sum, meaning, or
  one of the trained meanings) checked in the same forward pass (``composer.CachedWriter``).

Pairs: every caption pair of the checkpoint's memo (made by the reference path at the end of
training: the cached path must reproduce each text and token probability), then
``--random-pairs`` pairs of random finger words (seed 0: each finger extended, bent or curled;
contact and motion random) and ``--countable-pairs`` pairs of still hands whose fingers are
extended or curled (what counts are made of), composed by both paths. Identical means the same text and every
greedy probability within 1e-3.
"""

from __future__ import annotations

import argparse
import platform
import random
import time

import numpy as np
import torch

from sensor2text.api import DEFAULT_CHECKPOINT
from sensor2text.glove.handshape import FINGER_STATES, MOTIONS, HandWords, parse_caption
from sensor2text.models import composer
from sensor2text.models.decoding import TokenHooks
from sensor2text.models.memo import CHECKPOINT_MEMO_FILE, ComposerMemo
from sensor2text.models.precision import set_precision
from sensor2text.models.registry import load_checkpoint


def random_hand(rng: random.Random) -> HandWords:
    states = tuple(rng.choice(FINGER_STATES) for _ in range(5))
    return HandWords(states, touching=rng.random() < 0.2, motion=rng.choice(MOTIONS))


def countable_hand(rng: random.Random) -> HandWords:
    """A still hand, each finger extended or curled, no contact: the shapes a count is made of."""
    return HandWords(tuple(rng.choice(("extended", "curled")) for _ in range(5)))


def compose_pair(model, left: HandWords, right: HandWords, answers: dict, cached: bool):
    """``(text, probs, ms, forward passes)`` of one pair composed by the cached or reference path
    (the cached one with the model's caches, as kept from the pair before)."""
    prompt = composer.compose_prompt(model.config.compose_template, left.caption(), right.caption())
    hooks = TokenHooks(model.tokenizer, lambda text: None)
    writer = None
    if cached:
        drafts = model._drafts((left, right), answers)
        writer = composer.CachedWriter(model.lm, model.tokenizer, prompt, hooks, drafts, model._greedy_contexts())
        before = writer.composer.forward_passes + writer.knowledge.forward_passes
    start = time.perf_counter()
    text = composer.compose(model.lm, model.tokenizer, [prompt], model.config.max_new_tokens, hooks=hooks,
                            answer_tokens=model.config.answer_tokens, hands=[(left, right)], writer=writer,
                            answers=answers if cached else None)[0]  # fmt: skip
    ms = 1000 * (time.perf_counter() - start)
    passes = writer.composer.forward_passes + writer.knowledge.forward_passes - before if writer else None
    return text, hooks.probs, ms, passes


def same(text_a, probs_a, text_b, probs_b) -> bool:
    return text_a == text_b and len(probs_a) == len(probs_b) and np.allclose(probs_a, probs_b, atol=1e-3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT)
    parser.add_argument("--random-pairs", type=int, default=40)
    parser.add_argument("--countable-pairs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model = load_checkpoint(args.checkpoint)
    set_precision(model, "fp32")
    model.disable_memo()
    shipped = ComposerMemo()
    shipped.seed(model.folder / CHECKPOINT_MEMO_FILE, "fp32")
    answers = dict(shipped.answers)
    print(f"checkpoint {args.checkpoint}, fp32, {torch.get_num_threads()} threads, {platform.processor() or 'cpu'}; "
          f"{len(shipped.entries)} memo pairs, {len(answers)} knowledge answers shipped\n")  # fmt: skip

    memo_same, memo_ms, memo_passes = 0, [], []
    for (left, right), known in shipped.entries.items():
        text, probs, ms, passes = compose_pair(model, parse_caption(left), parse_caption(right), answers, True)
        memo_same += same(text, probs, known.text, known.probs)
        memo_ms.append(ms)
        memo_passes.append(passes)

    rng = random.Random(args.seed)
    pairs = [(random_hand(rng), random_hand(rng)) for _ in range(args.random_pairs)]
    pairs += [(countable_hand(rng), countable_hand(rng)) for _ in range(args.countable_pairs)]
    rows, random_same = [], 0
    for left, right in pairs:
        ref_text, ref_probs, ref_ms, _ = compose_pair(model, left, right, None, False)
        text, probs, ms, passes = compose_pair(model, left, right, answers, True)
        identical = same(text, probs, ref_text, ref_probs)
        random_same += identical
        rows.append((ref_ms, ms, passes, text.strip().startswith(composer.COUNTING_WORD), identical))

    def stats(values) -> str:
        return f"{np.percentile(values, 50):.0f} / {np.percentile(values, 95):.0f}"

    ref_ms, ms, passes, counted, identical = (np.array(column) for column in zip(*rows))
    print("| pairs | n | identical | reference p50 / p95 ms | cached p50 / p95 ms | forward passes (cached) |")
    print("|---|---|---|---|---|---|")
    print(f"| the checkpoint's memo pairs (against their shipped text) | {len(memo_ms)} | {memo_same} | - | "
          f"{stats(memo_ms)} | {stats(memo_passes)} |")  # fmt: skip
    for name, mask in (("new pairs the composer counts", counted), ("new pairs the composer names", ~counted)):
        if mask.any():
            print(f"| {name} | {mask.sum()} | {identical[mask].sum()} | {stats(ref_ms[mask])} | "
                  f"{stats(ms[mask])} | {stats(passes[mask])} |")  # fmt: skip
    print(f"\nrandom pairs identical: {random_same}/{len(pairs)}")


if __name__ == "__main__":
    main()

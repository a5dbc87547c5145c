"""Does the base LM know the held-out named gestures of protocol (c) from their finger words?

The ceiling of the stepwise design on protocol (c): even if the hands model captioned every
hand perfectly, the LM must turn "Right hand: two: index, little" into "horns" from its own
knowledge. This gives the frozen LM (no LoRA, no knowledge adapter, no glove) the composer's
prompt built from the *ideal* per-hand captions of each gesture
(``sensor2text/assets/synthetic_hand_states.yaml``) followed by " Meaning:", and ranks every
label set by the LM scorer's rule (the best length-normalised log-likelihood over its synonyms).

    .venv/bin/python benchmarks/gesture_lore.py
    .venv/bin/python benchmarks/gesture_lore.py --base-model Qwen/Qwen2.5-7B-Instruct   # a larger LM, if you have one
"""

from __future__ import annotations

import argparse

import numpy as np

from sensor2text.evaluation.probe import build_prompt, label_scores, resolve_prompt
from sensor2text.evaluation.zeroshot import aggregate
from sensor2text.labels import load_label_sets
from sensor2text.models.composer import MEANING_MARKER, compose_prompt, load_compose_template
from sensor2text.models.lm import EMBEDDED_MODEL_NAME, load_base_model
from sensor2text.models.stepwise import load_hand_states

# The unseen classes of protocol (c) (configs/zeroshot/named4.yaml).
PROTOCOL_C_UNSEEN = ("i_love_you", "horns", "shaka", "ok_sign")


def class_ranking(scores, classes: list[str]) -> list[str]:
    """Label sets ordered by their best per-token log-probability over synonyms (the LM scorer, max)."""
    per_token = np.array([[s.log_prob_per_token for s in scores]])
    owners = [classes.index(s.label) for s in scores]
    per_class = aggregate(per_token, owners, len(classes), "max")[0]
    return [classes[k] for k in np.argsort(-per_class, kind="stable")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-model", default=None, help="hub id or folder; default: the embedded LM")
    parser.add_argument("--gestures", nargs="+", default=list(PROTOCOL_C_UNSEEN))
    args = parser.parse_args()
    states, template = load_hand_states(), load_compose_template("steps")
    label_sets = {name: list(ls.synonyms) for name, ls in load_label_sets().items()}
    classes = list(label_sets)
    lm, tokenizer = load_base_model(args.base_model or EMBEDDED_MODEL_NAME)
    print(f"| gesture | prompt captions (left / right) | rank of its label set (of {len(label_sets)}) "
          "| LM's top 3 label sets |\n|---|---|---|---|")  # fmt: skip
    for gesture in args.gestures:
        left, right = (states.captions[s].canonical for s in states.gestures[gesture])
        prompt = f"{compose_prompt(template, left, right)} {MEANING_MARKER}"
        embeds = build_prompt(lm, tokenizer, resolve_prompt(prompt, None), None)  # the probe's "text" condition
        order = class_ranking(label_scores(lm, embeds, tokenizer, label_sets), classes)
        print(f"| {gesture} | {left} / {right} | {order.index(gesture) + 1} | {', '.join(order[:3])} |", flush=True)


if __name__ == "__main__":
    main()

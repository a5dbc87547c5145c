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

from sensor2text.composer import MEANING_MARKER, compose_prompt, load_compose_template
from sensor2text.labels import load_label_sets
from sensor2text.probing import probe
from sensor2text.stepwise import load_hand_states

# The unseen classes of protocol (c) (configs/zeroshot/named4.yaml).
PROTOCOL_C_UNSEEN = ("i_love_you", "horns", "shaka", "ok_sign")


def class_ranking(labels) -> list[str]:
    """Label sets ordered by their best per-token log-probability over synonyms (the LM scorer, max)."""
    best: dict[str, float] = {}
    for score in labels:
        best[score.label] = max(best.get(score.label, float("-inf")), score.log_prob_per_token)
    return sorted(best, key=lambda name: -best[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-model", default=None, help="hub id or folder; default: the embedded LM")
    parser.add_argument("--gestures", nargs="+", default=list(PROTOCOL_C_UNSEEN))
    args = parser.parse_args()
    states, template = load_hand_states(), load_compose_template("steps")
    label_sets = {name: list(ls.synonyms) for name, ls in load_label_sets().items()}
    print(f"| gesture | prompt captions (left / right) | rank of its label set (of {len(label_sets)}) "
          "| LM's top 3 label sets |\n|---|---|---|---|")  # fmt: skip
    for gesture in args.gestures:
        left, right = (states.captions[s].canonical for s in states.gestures[gesture])
        prompt = f"{compose_prompt(template, left, right)} {MEANING_MARKER}"
        result = probe(prompt=prompt, base_model=args.base_model, top_k=1, label_sets=label_sets)
        order = class_ranking(result.condition("text").labels)
        print(f"| {gesture} | {left} / {right} | {order.index(gesture) + 1} | {', '.join(order[:3])} |", flush=True)


if __name__ == "__main__":
    main()

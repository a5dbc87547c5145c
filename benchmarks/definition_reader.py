"""What the definition reader reads from each gesture defined in words, against the finger words
the synthetic glove's pose definitions give that gesture (no glove recording is read). Prints Markdown.

    .venv/bin/python benchmarks/definition_reader.py configs/gestures/named4_a.yaml configs/gestures/named4_b.yaml \
        configs/gestures/named4_c.yaml [--reader FOLDER]

For each definition: the six answers read (each finger extended? thumb and index touching?), the
ones that differ from the class's outline, and the definition the matcher would choose for that
outline among the file's definitions (what ``--gestures FILE`` does when the finger reader reads
the hand right). The definitions' names map to synthetic classes by :data:`CLASSES` (the four
text-defined gestures and the dev definitions' ``DEV_CLASSES``).
"""

from __future__ import annotations

import argparse

import numpy as np

from sensor2text.glove.synth import hand_words
from sensor2text.models.definition_reader import QUESTIONS, DefinitionReader, answers_of
from sensor2text.models.definitions import ReaderMatcher, load_definitions
from sensor2text.training.reader import DEV_CLASSES

CLASSES = {"I love you": "i_love_you", "horns": "horns", "shaka": "shaka", "OK": "ok_sign", **DEV_CLASSES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="definitions files (YAML)")
    parser.add_argument("--reader", help="a reader folder (default: the shipped one)")
    args = parser.parse_args()
    reader = DefinitionReader.from_pretrained(args.reader)
    print("| file | gesture | answers right | misread | matched for its outline |\n|---|---|---|---|---|")
    totals = np.zeros(3)
    for path in args.files:
        definitions = load_definitions(path)
        read = reader.read([d.description for d in definitions])
        matcher = ReaderMatcher(definitions, probabilities=read)
        for definition, probabilities in zip(definitions, read):
            truth = answers_of(hand_words(CLASSES[definition.name])[1])
            wrong = [name for (name, _), p, t in zip(QUESTIONS, probabilities, truth) if (p > 0.5) != t]
            scores = matcher.hand_scores(truth[None])[0]
            chosen = definitions[int(scores.argmax())].name
            totals += (6 - len(wrong), 6, chosen == definition.name)
            print(f"| {path.split('/')[-1]} | {definition.name} | {6 - len(wrong)}/6 | {', '.join(wrong) or '-'} | "
                  f"{chosen} |")  # fmt: skip
    n = int(totals[1] / 6)
    print(f"\nAnswers right: {totals[0]:.0f} of {totals[1]:.0f}; outlines matched to their own definition: "
          f"{totals[2]:.0f} of {n}.")  # fmt: skip


if __name__ == "__main__":
    main()

"""Train the definition reader: reads hand-shape descriptions finger by finger.

The reader (:mod:`sensor2text.models.definition_reader`, a LoRA'd sentence encoder with six
answer heads) answers six yes/no questions about a plain description of a hand: is each finger
extended, do the thumb and index fingertips touch (binary cross-entropy on the six answers).
It is trained on the declared corpus of :mod:`sensor2text.training.hand_descriptions` (finger
positions in many phrasings, no gesture names, no glove data), with parts held out to measure
reading rather than memory (:class:`ReaderSplit`):

- **shapes**: :data:`HELD_OUT_SHAPES`, the hand shapes of the four gestures the zero-shot
  protocol (c') defines only in words (I love you, horns, shaka, OK), are never described in the
  corpus, in any phrasing;
- **styles**: a few phrasing families of the corpus are kept out of training.

Its card (``reader.json``) reports per-question and whole-hand accuracy on both held-out parts
and on ``configs/gestures/dev_trained.yaml`` (definitions of gestures the default checkpoint was
trained on, written by hand; used to choose the number of steps).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sensor2text.glove.handshape import HandWords
from sensor2text.models.definition_reader import EMBEDDED_ENCODER, QUESTIONS, READER_CARD, DefinitionReader, answers
from sensor2text.training.hand_descriptions import Shape, all_shapes, corpus

# The finger outlines of the synthetic i_love_you, horns, shaka and ok_sign (tests check that
# they are, so the split follows the generator): never described in the reader's corpus.
HELD_OUT_SHAPES = (
    Shape(frozenset({"thumb", "index", "little"})),
    Shape(frozenset({"index", "little"})),
    Shape(frozenset({"thumb", "little"})),
    Shape(frozenset({"middle", "ring", "little"}), touching=True),
)
# Phrasing families kept out of training, drawn once by random.Random(0).sample(STYLES, 2).
HELD_OUT_STYLES = ("comparison", "decorated")
# Dev definitions (gestures the default checkpoint was trained on) and their synthetic classes.
DEV_FILE = Path(__file__).resolve().parents[2] / "configs" / "gestures" / "dev_trained.yaml"
DEV_CLASSES = {"victory": "v_sign", "thumb up": "thumbs_up", "point": "pointing", "little pinch": "pinch",
               "stop hand": "open_palm"}  # fmt: skip


@dataclass(frozen=True)
class ReaderSplit:
    """What the reader's corpus holds out (shapes in any phrasing; phrasing families for any shape)."""

    held_out_styles: tuple[str, ...] = HELD_OUT_STYLES
    per_shape: int = 60
    seed: int = 0
    held_out_shapes: tuple[Shape, ...] = field(default=HELD_OUT_SHAPES)

    def rows(self) -> dict[str, list[tuple[str, Shape, str]]]:
        """``{"train", "held_out_shapes", "held_out_styles"}`` -> ``[(description, shape, style)]``."""
        from sensor2text.training.hand_descriptions import STYLES, styles_for

        rng = random.Random(self.seed)
        kept = [s for s in all_shapes() if s not in self.held_out_shapes]
        train_styles = [s for s in STYLES if s not in self.held_out_styles]
        rows = {"train": corpus(kept, self.per_shape, rng, train_styles),
                "held_out_shapes": corpus(list(self.held_out_shapes), 10, random.Random(self.seed + 1), train_styles)}
        if self.held_out_styles:
            described = [s for s in kept if set(styles_for(s)) & set(self.held_out_styles)]
            rows["held_out_styles"] = corpus(described, 3, random.Random(self.seed + 2), list(self.held_out_styles))
        return rows  # fmt: skip


def shape_answers(shape: Shape) -> np.ndarray:
    """``(6,)`` the true answers to the reader's questions for ``shape`` (1 yes, 0 no)."""
    return answers(shape.extended, shape.touching)


def shape_of(words: HandWords) -> Shape:
    """The corpus shape of a hand's finger words: its extended fingers and thumb-index contact."""
    return Shape(frozenset(words.fingers("extended")), words.touching)


def reader_accuracy(reader: DefinitionReader, descriptions: list[str], shapes: list[Shape]) -> dict[str, float]:
    """Share of right answers per question, over all questions, and of descriptions with all six right."""
    if not descriptions:
        return {}
    right = (reader.read(descriptions) > 0.5) == np.stack([shape_answers(s) for s in shapes])
    report = {name: float(right[:, i].mean()) for i, (name, _) in enumerate(QUESTIONS)}
    report.update(answers=float(right.mean()), whole_hands=float(right.all(1).mean()), n=len(descriptions))
    return {k: round(v, 4) for k, v in report.items()}


def dev_rows() -> list[tuple[str, Shape]]:
    """The dev definitions with the finger outlines of their synthetic classes."""
    from sensor2text.glove.synth import hand_words
    from sensor2text.models.definitions import load_definitions

    if not DEV_FILE.is_file():  # an installed package without the repository's configs
        return []
    rows = []
    for definition in load_definitions(DEV_FILE):
        rows.append((definition.description, shape_of(hand_words(DEV_CLASSES[definition.name])[1])))
    return rows


def reader_report(reader: DefinitionReader, split: ReaderSplit) -> dict[str, dict]:
    """Accuracy on each held-out part of ``split``, on a sample of training rows and on the dev definitions."""
    rows = split.rows()
    sample = random.Random(split.seed).sample(rows["train"], min(300, len(rows["train"])))
    parts = {"training_sample": sample, **{k: v for k, v in rows.items() if k != "train"}}
    report = {name: reader_accuracy(reader, [d for d, _, _ in part], [s for _, s, _ in part])
              for name, part in parts.items()}  # fmt: skip
    dev = dev_rows()
    report["dev_definitions"] = reader_accuracy(reader, [d for d, _ in dev], [s for _, s in dev])
    return report


def train_reader(out: str | Path, steps: int = 1200, learning_rate: float = 1e-3, r: int = 16, batch_size: int = 32,
                 split: ReaderSplit | None = None, base: str = EMBEDDED_ENCODER, log=print) -> dict:  # fmt: skip
    """Train the definition reader (descriptions drawn with replacement, one-cycle schedule) and
    save it (LoRA and head safetensors, a ``reader.json`` card, a README and a manifest) to
    ``out``; returns its report."""
    import torch

    from sensor2text.models.definition_reader import HEAD_FILE
    from sensor2text.models.manifest import saving
    from sensor2text.training.steps import optimize

    split = split or ReaderSplit()
    started, rows = time.time(), split.rows()
    reader, rng = DefinitionReader.new(base, r, split.seed), random.Random(split.seed)
    optimizer = torch.optim.AdamW(reader.parameters(), lr=learning_rate)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, learning_rate, total_steps=steps, pct_start=0.1)
    reader.encoder.train()

    def step_loss(step: int) -> torch.Tensor:
        batch = rng.choices(rows["train"], k=batch_size)
        answers = torch.tensor(np.stack([shape_answers(shape) for _, shape, _ in batch]), dtype=torch.float32)
        return torch.nn.functional.binary_cross_entropy_with_logits(reader.answer_logits([d for d, _, _ in batch]),
                                                                    answers)  # fmt: skip

    def after_step(done: int, loss: float) -> None:
        if done % 50 == 0 or done == steps:
            log(f"reader step {done}/{steps} loss {loss:.4f} ({time.time() - started:.0f} s)")

    optimize(step_loss, optimizer, steps, scheduler=scheduler, after_step=after_step)
    report = reader_report(reader, split)
    log(f"definition reader: {json.dumps(report)}")
    card = {"base_encoder": base, "questions": [q for _, q in QUESTIONS], "head": HEAD_FILE,
            "corpus": corpus_note(split, len(rows["train"])), "split": _split_dict(split), "accuracy": report,
            "steps": steps, "batch_size": batch_size, "learning_rate": learning_rate, "r": r,
            "train_minutes": round((time.time() - started) / 60, 1)}  # fmt: skip
    with saving(out) as partial:
        reader.save(partial, base)
        (partial / READER_CARD).write_text(json.dumps(card, indent=2) + "\n")
        (partial / "README.md").write_text(_reader_readme(card, out))
    return report


def corpus_note(split: ReaderSplit, examples: int) -> str:
    return (f"{examples} hand-shape descriptions (sensor2text.training.hand_descriptions: finger positions in many "
            f"phrasings, no gesture names, no glove data), {split.per_shape} per shape, seed {split.seed}; held out: "
            f"the shapes of I love you, horns, shaka and OK in every phrasing, and the phrasing families "
            f"{list(split.held_out_styles)}")  # fmt: skip


def _split_dict(split: ReaderSplit) -> dict:
    data = asdict(split)
    data["held_out_shapes"] = [{"extended": sorted(s.extended), "touching": s.touching} for s in split.held_out_shapes]
    return data


def _reader_readme(card: dict, out) -> str:
    """The model card of a definition reader: what it reads, what it was trained on, how well it reads."""
    from sensor2text.models.definition_reader import EMBEDDED_ENCODER, EMBEDDED_ENCODER_HUB_ID

    base = EMBEDDED_ENCODER_HUB_ID if card["base_encoder"] == EMBEDDED_ENCODER else card["base_encoder"]
    lines = ["---", f"base_model: {base}", "library_name: peft", "tags: [sensor2text, definition-reader]", "---", "",
             "# Definition reader", "",
             "Reads a plain description of a hand shape and answers, for each finger, whether it is extended, and "
             "whether the thumb and index fingertips touch (sensor2text.models.definition_reader: a LoRA on a "
             "sentence encoder and a head of six answers, `head.safetensors`). Used by `--gestures FILE` to match "
             "gestures defined in words.", "",
             f"- base encoder: `{card['base_encoder']}`", f"- corpus: {card['corpus']}",
             f"- training: {card['steps']} steps, batch {card['batch_size']}, learning rate {card['learning_rate']}, "
             f"LoRA r {card['r']}, {card['train_minutes']} min on a CPU", "",
             "| part | n | answers right | whole hands right |", "|---|---|---|---|"]  # fmt: skip
    for name, acc in card["accuracy"].items():
        if acc:
            lines.append(f"| {name} | {acc['n']} | {100 * acc['answers']:.1f}% | {100 * acc['whole_hands']:.1f}% |")
    lines += ["", f"Made with `sensor2text train-reader --out {out} --steps {card['steps']}`.", ""]
    return "\n".join(lines)

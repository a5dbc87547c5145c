"""The declared text-knowledge corpus: numbers, counting and arithmetic, with held-out parts.

Small LMs (SmolLM2-135M, Gemma-3-270M) score near chance on word arithmetic and counting, so the
stepwise design gets that knowledge from a LoRA trained on this corpus (merged under the
composer). The corpus is generic text: it never names hands, fingers or gestures
(:data:`BANNED_WORDS`, checked by :func:`build_corpus`). It has

- number words and digits to 20 (``"seven is written 7."``),
- counting the items of a list (``"counting apple, pear, plum gives three."``),
- addition in :data:`SUM_PHRASINGS` (13 phrasings: words, digits, questions) and subtraction,
  for every sum up to 20.

Held out, to measure knowledge rather than memory (:class:`CorpusSplit`):

- **phrasings**: :data:`HELD_OUT_PHRASINGS`, among them the clause the composer asks
  (``"{a} and {b} make"``), appear nowhere in the corpus;
- **sums**: every pair that makes ten and a seeded draw of other pairs appear in no phrasing,
  nor as the subtraction that undoes them. The corpus never says "five and five" or "5 + 5".

Each example is ``(clause, answer)``; training puts the loss on the answer only.

**Worked answers** (``CorpusSplit(worked=True)``): counts and sums are answered step by step, as a
person counts, before the result::

    counting apple, pear, plum gives -> apple one, pear two, plum three, so three
    two and five make                -> five, six one, seven two, so seven

A sum counts on from one addend by the other (from the larger when they differ); each step names
how many it has added, so the count stops where the addend says. Every step is a successor the
corpus teaches in many contexts, so a sum never seen (five and five) is reached by steps that were
seen. The answer is the word after the last ``so`` (:func:`final_answer`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sensor2text.labels import NUMBER_WORDS
from sensor2text.models.composer import ANSWER_TOKENS, WORKED_MARK, continue_texts, final_answer

LARGEST = 20
# Addition phrasings: {a} {b} are the addends, {A} {B} as digits; the answer follows the clause
# (a digit when the clause is in digits). The composer asks the first one, which is held out.
SUM_PHRASINGS = (
    "{a} and {b} make",
    "the sum of {a} and {b} is",
    "what do {a} and {b} add up to?",
    "{a} plus {b} is",
    "{a} plus {b} equals",
    "what is {a} plus {b}?",
    "{A} + {B} =",
    "add {a} to {b} and you get",
    "{a} added to {b} gives",
    "{a} together with {b} is",
    "if you have {a} and get {b} more, you have",
    "{b} more than {a} is",
    "the total of {a} and {b} is",
)
HELD_OUT_PHRASINGS = SUM_PHRASINGS[:3]
DIFFERENCE_PHRASINGS = ("{c} minus {b} is", "{c} take away {b} leaves", "{C} - {B} =", "what is {c} minus {b}?")
COUNT_PHRASINGS = ("counting {items} gives", "how many are {items}?", "{items}: that makes")
NUMBER_PHRASINGS = ("{a} is written", "the number {A} is called")
# The corpus is about numbers, not bodies: none of these may appear in it.
BANNED_WORDS = ("hand", "hands", "finger", "fingers", "thumb", "index", "middle", "ring", "little", "pinky",
                "gesture", "fist", "palm", "sign", "wave")  # fmt: skip
ITEMS = (
    "apple", "pear", "plum", "cherry", "lemon", "grape", "melon", "peach", "orange", "banana",
    "cat", "dog", "horse", "cow", "sheep", "goat", "duck", "goose", "mouse", "fox",
    "red", "blue", "green", "yellow", "purple", "brown", "black", "white", "grey", "pink",
    "chair", "table", "lamp", "door", "window", "bed", "shelf", "clock", "mirror", "rug",
    "car", "bus", "train", "boat", "plane", "bike", "truck", "tram", "ship", "van",
    "Paris", "Rome", "Oslo", "Lima", "Cairo", "Delhi", "Tokyo", "Quito", "Kyiv", "Hanoi",
    "salt", "rice", "bread", "milk", "tea", "soup", "cheese", "honey", "butter", "jam",
    "oak", "pine", "elm", "birch", "maple", "cedar", "willow", "ash", "beech", "fir",
    # a broad vocabulary, so that counting is about positions in a list, not about familiar items
    "key", "cup", "star", "coin", "bell", "rope", "shell", "stone", "leaf", "cloud",
    "river", "hill", "road", "bridge", "tower", "garden", "field", "lake", "island", "valley",
    "pen", "book", "page", "letter", "stamp", "card", "map", "flag", "box", "bag",
    "hat", "coat", "shoe", "sock", "scarf", "belt", "button", "zip", "glove", "boot",
    "spoon", "fork", "knife", "plate", "bowl", "jar", "pot", "pan", "kettle", "glass",
    "violin", "drum", "flute", "harp", "piano", "guitar", "trumpet", "cello", "organ", "horn",
    "lion", "tiger", "bear", "wolf", "deer", "rabbit", "owl", "eagle", "swan", "frog",
    "salmon", "trout", "shark", "whale", "crab", "squid", "seal", "otter", "beaver", "mole",
    "north", "south", "east", "west", "spring", "summer", "autumn", "winter", "morning", "evening",
    "tall", "short", "bright", "dark", "quick", "slow", "warm", "cold", "soft", "loud",
    "small", "big", "young", "old", "new", "round", "flat", "sharp", "light", "heavy",
    "first", "last", "top", "bottom", "left", "right", "inner", "outer", "upper", "lower",
    "Anna", "Ben", "Carla", "David", "Eva", "Frank", "Grace", "Hugo", "Iris", "Jonas",
    "copper", "silver", "gold", "iron", "tin", "zinc", "lead", "nickel", "cobalt", "carbon",
    "run", "jump", "swim", "sing", "read", "write", "cook", "paint", "dance", "sleep",
)  # fmt: skip


@dataclass(frozen=True)
class CorpusSplit:
    """Which sums and phrasings are held out of the corpus (seeded, reproducible)."""

    seed: int = 0
    extra_held_out_sums: int = 20  # besides every pair that makes ten
    held_out_phrasings: tuple[str, ...] = HELD_OUT_PHRASINGS
    hold_out: bool = True  # False: the declared fallback corpus with every sum and phrasing
    long_lists: int = 0  # extra counting examples per list length 3-10 (lists of 5+ are the hard ones)
    worked: bool = False  # counts and sums answered step by step ("five, six one, seven two, so seven")

    def held_out_sums(self) -> set[tuple[int, int]]:
        """``{(a, b)}`` held out, in both orders: all ``a + b == 10`` and a seeded draw of
        ``extra_held_out_sums`` other pairs up to 20."""
        if not self.hold_out:
            return set()
        tens = {(a, 10 - a) for a in range(11)}
        others = sorted((a, b) for a, b in all_sums() if a + b != 10 and a <= b)
        drawn = random.Random(self.seed).sample(others, self.extra_held_out_sums)
        return tens | set(drawn) | {(b, a) for a, b in drawn}

    def training_phrasings(self) -> tuple[str, ...]:
        return tuple(p for p in SUM_PHRASINGS if not (self.hold_out and p in self.held_out_phrasings))


DEFAULT_SPLIT = CorpusSplit()


@dataclass
class Corpus:
    """``examples``: ``[(clause, answer)]`` to train on; ``held_out``: named test sets of the same form."""

    examples: list[tuple[str, str]]
    held_out: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def all_sums() -> list[tuple[int, int]]:
    return [(a, b) for a in range(LARGEST + 1) for b in range(LARGEST + 1 - a)]


def sum_example(phrasing: str, a: int, b: int, worked: bool = False) -> tuple[str, str]:
    """``("five plus two is", "seven")``; digits when the phrasing is in digits; ``worked``:
    the answer counts on first (:func:`worked_sum`)."""
    clause = phrasing.format(a=NUMBER_WORDS[a], b=NUMBER_WORDS[b], A=a, B=b)
    digits = "{A}" in phrasing
    if worked:
        return clause, worked_sum(a, b, digits)
    return clause, str(a + b) if digits else NUMBER_WORDS[a + b]


def worked_sum(a: int, b: int, digits: bool = False) -> str:
    """Counting on from the larger addend by the smaller, each step with how many it added:
    ``worked_sum(2, 5) == "five, six one, seven two, so seven"`` (numbers as digits with
    ``digits``; the step counter is always in words)."""
    start, steps = max(a, b), min(a, b)
    name = str if digits else NUMBER_WORDS.__getitem__
    counted = [f"{name(start + k)} {NUMBER_WORDS[k]}" for k in range(1, steps + 1)]
    return ", ".join([name(start)] + counted + [f"{WORKED_MARK} {name(a + b)}"])


def worked_count(items: list[str]) -> str:
    """``"apple one, pear two, so two"``; an empty list: ``"none, so zero"``."""
    counted = [f"{item} {NUMBER_WORDS[k]}" for k, item in enumerate(items, 1)] or ["none"]
    return ", ".join(counted + [f"{WORKED_MARK} {NUMBER_WORDS[len(items)]}"])


def difference_example(phrasing: str, c: int, b: int) -> tuple[str, str]:
    clause = phrasing.format(c=NUMBER_WORDS[c], b=NUMBER_WORDS[b], C=c, B=b)
    return clause, str(c - b) if "{C}" in phrasing else NUMBER_WORDS[c - b]


def count_examples(rng: random.Random, per_count: int = 40, phrasings=COUNT_PHRASINGS,
                   sizes=range(11), worked: bool = False) -> list[tuple[str, str]]:  # fmt: skip
    """Lists of ``sizes`` distinct items, counted; an empty list is written ``none``."""
    out = []
    for n in sizes:
        for _ in range(per_count):
            items = rng.sample(ITEMS, n)
            clause = rng.choice(phrasings).format(items=", ".join(items) if n else "none")
            out.append((clause, worked_count(items) if worked else NUMBER_WORDS[n]))
    return out


def counting_probe(seed: int = 1, per_count: int = 20) -> dict[str, list[tuple[str, str]]]:
    """Fresh lists (another seed than the corpus') in the composer's counting phrasing, by length
    ``{"count 0": [...], ..., "count 10": [...]}``: does the adapter count, or recall lists?
    (Answers are the result alone; :func:`answer_accuracy` compares results.)"""
    rng = random.Random(seed)
    return {f"count {n}": count_examples(rng, per_count, COUNT_PHRASINGS[:1], [n]) for n in range(11)}


def number_examples() -> list[tuple[str, str]]:
    out = []
    for n in range(LARGEST + 1):
        out += [(NUMBER_PHRASINGS[0].format(a=NUMBER_WORDS[n]), str(n)),
                (NUMBER_PHRASINGS[1].format(A=n), NUMBER_WORDS[n])]  # fmt: skip
    return out


def build_corpus(split: CorpusSplit | None = None) -> Corpus:
    """The training examples and the held-out test sets of ``split``.

    Held-out sets: ``sums`` (held-out sums in training phrasings), ``phrasings`` (training sums in
    held-out phrasings), ``both`` (held-out sums in held-out phrasings: what the composer asks
    about "ten"). Raises ``ValueError`` if a banned word slipped into the corpus.
    """
    split = split or CorpusSplit()
    rng = random.Random(split.seed)
    held_sums, phrasings = split.held_out_sums(), split.training_phrasings()
    worked = split.worked
    examples = [sum_example(p, a, b, worked) for p in phrasings for a, b in all_sums() if (a, b) not in held_sums]
    examples += [difference_example(p, a + b, b) for p in DIFFERENCE_PHRASINGS for a, b in all_sums()
                 if (a, b) not in held_sums]  # fmt: skip
    examples += count_examples(rng, worked=worked) + number_examples()
    if split.long_lists:
        examples += count_examples(rng, split.long_lists, sizes=range(3, 11), worked=worked)
    _check_banned(examples)
    held_out = {}
    if split.hold_out:
        kept = [s for s in all_sums() if s not in held_sums]
        held_out = {
            "sums": [sum_example(p, a, b) for p in phrasings for a, b in sorted(held_sums)],
            "phrasings": [sum_example(p, a, b) for p in split.held_out_phrasings for a, b in kept],
            "both": [sum_example(p, a, b) for p in split.held_out_phrasings for a, b in sorted(held_sums)],
        }
    return Corpus(examples, held_out)


def _check_banned(examples: list[tuple[str, str]]) -> None:
    banned = set(BANNED_WORDS)
    for clause, answer in examples:
        words = {w.strip(",.?:").lower() for w in f"{clause} {answer}".split()}
        if words & banned:
            raise ValueError(f"knowledge corpus names {sorted(words & banned)} in '{clause}': it must stay generic.")


def answer_accuracy(lm, tokenizer, examples: list[tuple[str, str]], batch_size: int = 64,
                    max_new_tokens: int = ANSWER_TOKENS) -> float:  # fmt: skip
    """Share of ``(clause, answer)`` whose result the LM gets right (greedy; each clause alone,
    with a leading space as in training; results compared by :func:`final_answer`, so a worked
    answer counts when its result is right)."""
    right = 0
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        outputs = continue_texts(lm, tokenizer, [" " + clause for clause, _ in chunk], max_new_tokens)
        right += sum(final_answer(o) == final_answer(answer) for o, (_, answer) in zip(outputs, chunk))
    return right / max(len(examples), 1)

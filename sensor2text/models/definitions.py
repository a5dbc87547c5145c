"""Gestures defined in words: a user adds a gesture with no recordings (protocol c').

A definitions file (``--gestures FILE``) lists each new gesture's name, synonyms and a plain
description, as a person would write it::

    gestures:
      - name: shaka
        synonyms: [hang loose, call me]
        description: thumb and little finger stretched out, the middle three fingers folded down

How a stepwise finger-word model uses them (:meth:`sensor2text.models.stepwise.Stepwise.define_gestures`):
when the glove shows a hand shape the composer never saw in training and the composer does not
reason it out as a count, what the finger reader read is compared with every definition, and the
closest definition names the gesture. Two matchers (``--match``):

- ``reader`` (the default, :class:`ReaderMatcher`): the definition reader
  (:mod:`sensor2text.models.definition_reader`: the sentence encoder with a LoRA and six answer
  heads, trained on a declared corpus of hand-shape descriptions) reads each definition as six
  yes/no probabilities (each finger extended? thumb and index touching?); a definition's score is
  the likelihood of the glove's six answers under them. Why: the definitions differ in which
  fingers are up, and that is what the reader is trained to read, in any phrasing ("pinky",
  "smallest finger", "make a fist, then lift ..."). The LM is not used: the 135M LM with a LoRA
  stayed near chance at reading fingers (see the reader's module).
- ``embedding`` (:class:`EmbeddingMatcher`): **sentence-embedding cosine similarity** of the finger
  words written as a sentence (:func:`hand_sentence`) to each definition (all-MiniLM-L6-v2 as it
  ships, the evaluator's embedder). Kept as the comparison: the pooled embedding weighs a
  definition's tone and topic more than which fingers it names, and gave every held-out shape the
  same definition.

No rule maps finger words to a definition: a learned model reads the definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sensor2text.errors import ConfigError
from sensor2text.glove.handshape import FINGER_STATES, HandWords, parse_caption
from sensor2text.labels import LabelSet, normalize_text
from sensor2text.yamlfile import read_yaml

FIELDS = ("name", "synonyms", "description")


@dataclass(frozen=True)
class GestureDefinition:
    """A gesture known only from words: its name, synonyms and a plain description."""

    name: str
    synonyms: tuple[str, ...]
    description: str

    @property
    def label_set(self) -> LabelSet:
        return LabelSet(self.name, tuple(dict.fromkeys((self.name, *self.synonyms))))


def load_definitions(path: str | Path, known: dict[str, LabelSet] | None = None) -> list[GestureDefinition]:
    """Read a definitions YAML; ``ConfigError`` naming the file and entry for a missing or empty
    field, a duplicate name, or a name or synonym that is already a trained class's."""
    path = Path(path)
    data = read_yaml(path, "gesture definitions file")
    entries = data.get("gestures") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected 'gestures:' with a list of entries ({', '.join(FIELDS)}).")
    # every name and synonym in use -> whose it is ("the trained class 'fist'", "gestures[0] ('shaka')")
    taken = {normalize_text(s): f"the trained class '{name}'"
             for name, ls in (known or {}).items() for s in (name, *ls.synonyms)}  # fmt: skip
    definitions = []
    for i, entry in enumerate(entries):
        definition = _definition(entry, f"{path}: gestures[{i}]")
        where = f"gestures[{i}] ('{definition.name}')"
        for word in dict.fromkeys((definition.name, *definition.synonyms)):
            if normalize_text(word) in taken:
                raise ConfigError(f"{path}: {where}: '{word}' is already a name of {taken[normalize_text(word)]}; "
                                  "expected a name and synonyms of its own.")  # fmt: skip
            taken[normalize_text(word)] = where
        definitions.append(definition)
    return definitions


def _definition(entry, where: str) -> GestureDefinition:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping with {', '.join(FIELDS)}.")
    missing = [f for f in ("name", "description") if not isinstance(entry.get(f), str) or not entry[f].strip()]
    if missing:
        raise ConfigError(f"{where}: '{missing[0]}' is missing or empty; expected text.")
    synonyms = entry.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
        raise ConfigError(f"{where} ('{entry['name']}'): 'synonyms' must be a list of words.")
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{where} ('{entry['name']}'): unknown field '{unknown[0]}'; expected {', '.join(FIELDS)}.")
    return GestureDefinition(entry["name"].strip(), tuple(s.strip() for s in synonyms), entry["description"].strip())


def _named(fingers: list[str]) -> str:
    """``["thumb"]`` -> ``"thumb"``; ``["index"]`` -> ``"index finger"``; ``["index", "little"]`` ->
    ``"index and little fingers"``."""
    if fingers == ["thumb"]:
        return "thumb"
    if len(fingers) == 1:
        return f"{fingers[0]} finger"
    return f"{', '.join(fingers[:-1])} and {fingers[-1]} fingers"


def hand_sentence(words: HandWords) -> str:
    """The finger words as a plain sentence, e.g. ``"thumb and little fingers extended; index,
    middle and ring fingers curled"`` (what the definitions are compared with)."""
    parts = [f"{_named(words.fingers(state))} {state}" for state in FINGER_STATES if words.fingers(state)]
    if words.touching:
        parts.append("thumb touching the index finger")
    if words.motion != "still":
        parts.append(f"hand {words.motion}")
    return "; ".join(parts)


def active_hands_sentence(left: str, right: str) -> str:
    """The plain sentence of the hands that do something (:func:`active_hands`)."""
    active = active_hands(left, right)
    if len(active) == 1:
        return hand_sentence(next(iter(active.values())))
    return "; ".join(f"{side} hand: {hand_sentence(words)}" for side, words in active.items())


def active_hands(left: str, right: str) -> dict[str, HandWords]:
    """``{side: finger words}`` of the hands that do something, from two finger captions (a hand
    with every finger bent, still and touching nothing is at rest and left out; both hands are kept
    when both act or both rest)."""
    hands = {"left": parse_caption(left), "right": parse_caption(right)}
    return {side: words for side, words in hands.items() if not _at_rest(words)} or hands


def _at_rest(words: HandWords) -> bool:
    return set(words.states) == {"bent"} and not words.touching and words.motion == "still"


MATCHERS = ("reader", "embedding")  # how --gestures definitions are matched; the first is the default


@dataclass(frozen=True)
class Match:
    """The definition closest to what the glove showed, its score and how it was scored."""

    definition: GestureDefinition
    score: float
    how: str


class EmbeddingMatcher:
    """Cosine similarity of hand sentences to the definitions (sentence embeddings, normalised)."""

    def __init__(self, definitions: list[GestureDefinition], embedder: str | None = None):
        from sentence_transformers import SentenceTransformer

        from sensor2text.models.lm import embedded_embedder_path

        self.definitions = definitions
        self.encoder = SentenceTransformer(embedder or embedded_embedder_path(), device="cpu")
        self.targets = self.encoder.encode([d.description for d in definitions], normalize_embeddings=True)

    def scores(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """``(N, D)`` cosine similarities of ``N`` caption pairs' hand sentences to the ``D`` definitions."""
        sentences = [active_hands_sentence(left, right) for left, right in pairs]
        return self.encoder.encode(sentences, normalize_embeddings=True) @ self.targets.T

    def best(self, pairs: list[tuple[str, str]]) -> list[Match]:
        return [Match(self.definitions[int(row.argmax())], float(row.max()), f"similarity {row.max():.2f}")
                for row in self.scores(pairs)]  # fmt: skip


class ReaderMatcher:
    """Likelihood of the glove's finger answers under each definition as the reader read it.

    ``probabilities`` ``(D, 6)``: the reader's yes-probabilities of
    :data:`~sensor2text.models.definition_reader.QUESTIONS` per definition (read once, at load).
    A hand's score for a definition is the mean log-probability of its six answers; with two
    active hands, the mean of both."""

    def __init__(self, definitions: list[GestureDefinition], reader: str | Path | None = None,
                 probabilities: np.ndarray | None = None):  # fmt: skip
        from sensor2text.models.definition_reader import read_definitions

        self.definitions = definitions
        if probabilities is None:
            probabilities = read_definitions([d.description for d in definitions], reader)
        self.probabilities = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-6, 1 - 1e-6)

    def hand_scores(self, answers: np.ndarray) -> np.ndarray:
        """``(H, 6)`` glove answers (1 yes, 0 no) -> ``(H, D)`` mean log-likelihood per answer."""
        p = self.probabilities
        return (answers @ np.log(p).T + (1 - answers) @ np.log(1 - p).T) / p.shape[1]

    def scores(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """``(N, D)``: each caption pair's active hands' mean log-likelihood under every definition."""
        from sensor2text.models.definition_reader import answers_of

        return np.stack([self.hand_scores(np.stack([answers_of(w) for w in active_hands(*pair).values()])).mean(0)
                         for pair in pairs])  # fmt: skip

    def read_as(self, index: int) -> str:
        """What the reader read definition ``index`` as: ``"thumb, little extended"``, ``"middle,
        ring, little extended, thumb touching index"`` (the answers it gives more than even odds)."""
        from sensor2text.models.definition_reader import QUESTIONS, TOUCHING

        yes = self.probabilities[index] > 0.5
        fingers = [name for (name, _), y in zip(QUESTIONS, yes) if y and name != TOUCHING]
        return f"{', '.join(fingers) or 'no finger'} extended" + (", thumb touching index" if yes[-1] else "")

    def best(self, pairs: list[tuple[str, str]]) -> list[Match]:
        matches = []
        for row in self.scores(pairs):
            i = int(row.argmax())
            how = f"likelihood {np.exp(row[i]):.2f}, read as {self.read_as(i)}"
            matches.append(Match(self.definitions[i], float(row[i]), how))
        return matches


def make_matcher(kind: str, definitions: list[GestureDefinition], reader: str | Path | None = None):
    """The matcher ``kind`` (:data:`MATCHERS`) of ``definitions``."""
    if kind not in MATCHERS:
        raise ConfigError(f"unknown matcher '{kind}'; expected one of {', '.join(MATCHERS)}.")
    return ReaderMatcher(definitions, reader) if kind == "reader" else EmbeddingMatcher(definitions)

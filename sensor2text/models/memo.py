"""Remembered composer continuations for the live stream (stepwise checkpoints).

The composer is a deterministic function of two captions: greedy decoding of the LM on the text
``Left hand: <left> / Right hand: <right>``. A live glove repeats a small set of hand states, so
the stream remembers what the composer said for each caption pair: the continuation, its tokens
(replayed to the live display) and their greedy probabilities (the confidence). A remembered
pair costs nothing; only the hands model runs.

The stream fills the memo while it is idle, one pair at a time, for every pair of the hands
model's captions (``15 x 15`` for the shipped checkpoint), and keeps it on disk as JSON
(``~/.cache/sensor2text/composer/<key>.json``; ``$SENSOR2TEXT_CACHE`` moves the folder). The key hashes
the checkpoint's composer, knowledge adapter, configuration and the precision, so a changed
checkpoint never reads a stale memo. Every entry is the LM's own output, made by the same code
path as a live description (batch 1, the same stop rules); nothing is written by hand.

The memo also keeps the **knowledge answers** (``answers``: question -> the knowledge LM's
answer, e.g. ``" counting thumb, little gives"`` -> ``" two"``): an answer depends on its question
alone, and a finger-word composer can ask only 68 questions (how many each of the 32 sets of
extended fingers is, and the sums of those counts). With them known, a caption pair never seen
costs one forward pass when the composer counts (:class:`sensor2text.models.composer.CachedWriter`).

A checkpoint may carry the memo of every pair of its captions and every knowledge answer
(``composer_memo.json``, made by ``sensor2text train`` at the end of training, fp32: what the
stream's idle work would fill): loading seeds the memo from it when the precision and memo
version match, so a new machine describes those pairs at once from the first time they are seen.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from sensor2text.models import lm as base_lm

MEMO_VERSION = 3  # 2: finger-word questions grounded in the finger reader; 3: the program writes the counted fingers
KEY_FILES = ("stepwise.json", "composer/adapter_model.safetensors", "knowledge/adapter_model.safetensors")
CHECKPOINT_MEMO_FILE = "composer_memo.json"


@dataclass
class Composed:
    """What the composer said for one caption pair."""

    text: str  # the continuation, as ``composer.compose`` returns it
    tokens: list[str]  # the pieces the live display showed, in order
    probs: list[float]  # greedy probability of each generated token


def cache_dir() -> Path:
    """``composer/`` in the project's cache folder (``~/.cache/sensor2text`` or ``$SENSOR2TEXT_CACHE``)."""
    return base_lm.cache_dir() / "composer"


def memo_key(checkpoint: str | Path, precision: str) -> str:
    """Hash of the files that decide the composer's output, and the precision it runs at."""
    from sensor2text import __version__

    digest = hashlib.sha256(f"v{MEMO_VERSION}|{__version__}|{precision}".encode())
    for name in KEY_FILES:
        path = Path(checkpoint) / name
        digest.update(name.encode() + (path.read_bytes() if path.is_file() else b"-"))
    return digest.hexdigest()[:24]


class ComposerMemo:
    """Caption pair -> :class:`Composed`, optionally kept in a JSON file."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.entries: dict[tuple[str, str], Composed] = {}
        self.answers: dict[str, str] = {}  # question -> the knowledge LM's answer (it depends on nothing else)
        self.unsaved = 0

    @classmethod
    def for_checkpoint(cls, checkpoint: str | Path, precision: str) -> ComposerMemo:
        memo = cls(cache_dir() / f"{memo_key(checkpoint, precision)}.json")
        memo.load()
        return memo

    def get(self, left: str, right: str) -> Composed | None:
        return self.entries.get((left, right))

    def put(self, left: str, right: str, composed: Composed) -> None:
        self.entries[(left, right)] = composed
        self.unsaved += 1

    def missing(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [pair for pair in pairs if pair not in self.entries]

    def _rows(self) -> list[dict]:
        """The entries as JSON rows (``left``, ``right`` and the fields of :class:`Composed`)."""
        return [{"left": left, "right": right, **asdict(c)} for (left, right), c in self.entries.items()]

    def seed(self, path: Path, precision: str) -> int:
        """Add the entries of a checkpoint's memo file (:meth:`write`) that this memo lacks, when it
        was made at ``precision`` by this memo version; returns how many were added (a file that
        does not fit or cannot be read adds none)."""
        try:
            data = json.loads(Path(path).read_text())
            if data.get("version") != MEMO_VERSION or data.get("precision") != precision:
                return 0
            entries = _parse_entries(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return 0
        new = {pair: composed for pair, composed in entries.items() if pair not in self.entries}
        self.entries.update(new)
        self.answers = {**_parse_answers(data), **self.answers}
        return len(new)

    def write(self, path: Path, precision: str) -> None:
        """Write every entry, with the precision they were made at, to ``path`` (a checkpoint's memo)."""
        data = {"version": MEMO_VERSION, "precision": precision, "entries": self._rows(), "answers": self.answers}
        Path(path).write_text(json.dumps(data, indent=1) + "\n")

    def load(self) -> None:
        """Read the file if it is there; a damaged file is ignored (the memo refills)."""
        if self.path is None or not self.path.is_file():
            return
        try:
            data = json.loads(self.path.read_text())
            self.entries, self.answers = _parse_entries(data), _parse_answers(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries, self.answers = {}, {}

    def save(self) -> None:
        """Write the file (atomically); a cache that cannot be written is not an error."""
        if self.path is None or not self.unsaved:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".tmp")
            partial.write_text(json.dumps({"version": MEMO_VERSION, "entries": self._rows(), "answers": self.answers}))
            partial.replace(self.path)
            self.unsaved = 0
        except OSError:
            pass


def memo_precision(path: Path) -> str | None:
    """The precision a checkpoint's memo file (:meth:`ComposerMemo.write`) was made at, when this
    memo version can use it; None for no file or one that does not fit."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != MEMO_VERSION or not data.get("entries"):
        return None
    return data.get("precision") if isinstance(data.get("precision"), str) else None


def _parse_entries(data: dict) -> dict[tuple[str, str], Composed]:
    """The entries of a memo file's JSON (the rows :meth:`ComposerMemo._rows` writes)."""
    return {(e["left"], e["right"]): Composed(e["text"], list(e["tokens"]), list(e["probs"])) for e in data["entries"]}


def _parse_answers(data: dict) -> dict[str, str]:
    """The knowledge answers of a memo file's JSON (``answers``: question -> answer; none in older files)."""
    answers = data.get("answers", {})
    if not isinstance(answers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in answers.items()):
        raise ValueError("memo answers: expected question -> answer strings")
    return answers

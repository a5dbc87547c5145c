"""Label sets: a gesture class and the synonyms any of which counts as a correct description."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from sensor2text.errors import ConfigError

# Number words, zero to twenty (counts, sums and the meanings the composer reasons towards).
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", "twenty")  # fmt: skip
# Label sets of the synthetic glove, shipped with the package.
SYNTHETIC_LABELS_FILE = "synthetic_labels.yaml"
# Shipped label sets by name (``labels: auslan`` in a config): the synthetic glove, the 95 AUSLAN signs.
SHIPPED_LABELS = {"synthetic": SYNTHETIC_LABELS_FILE, "auslan": "auslan_labels.yaml"}


def normalize_text(text: str) -> str:
    """Lower-case, NFKC, punctuation to spaces, whitespace collapsed: ``" OK-sign!"`` -> ``"ok sign"``."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


@dataclass(frozen=True)
class LabelSet:
    """One gesture class: ``name`` (class id) and ``synonyms`` (the first is canonical)."""

    name: str
    synonyms: tuple[str, ...]

    def matches(self, description: str) -> bool:
        """True when ``description`` equals any synonym after :func:`normalize_text`."""
        wanted = normalize_text(description)
        return any(normalize_text(s) == wanted for s in self.synonyms)

    @property
    def canonical(self) -> str:
        return self.synonyms[0]


def parse_label_sets(mapping: dict, source: str) -> dict[str, LabelSet]:
    """``{class: [synonym, ...]}`` -> ``{class: LabelSet}``, with clear errors for bad entries."""
    if not isinstance(mapping, dict) or not mapping:
        raise ConfigError(f"{source}: expected a mapping of class name to a list of synonyms.")
    label_sets = {}
    for name, synonyms in mapping.items():
        if not isinstance(synonyms, list) or not synonyms:
            raise ConfigError(f"{source}: class '{name}' needs a non-empty list of synonyms.")
        label_sets[str(name)] = LabelSet(str(name), tuple(str(s) for s in synonyms))
    return label_sets


def with_finger_pairs(sets: dict[str, LabelSet]) -> dict[str, LabelSet]:
    """Add the synthetic finger pairs ``pair_<left>_<right>`` (0-5 fingers each) to the synthetic
    label sets: each pair is described by its total, with the synonyms of ``count_<total>``."""
    pairs = {f"pair_{left}_{right}": LabelSet(f"pair_{left}_{right}", sets[f"count_{left + right}"].synonyms)
             for left in range(6) for right in range(6) if f"count_{left + right}" in sets}  # fmt: skip
    return {**sets, **pairs}


def load_label_sets(path: str | Path | None = None) -> dict[str, LabelSet]:
    """Read label sets from a YAML file, or shipped ones by name (``synthetic``, ``auslan``);
    ``None`` gives the synthetic-glove label sets."""
    name = SYNTHETIC_LABELS_FILE if path is None else SHIPPED_LABELS.get(str(path))
    if name is not None:
        text = resources.files("sensor2text.assets").joinpath(name).read_text()
        return parse_label_sets(yaml.safe_load(text), name)
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: label-set file not found.")
    return parse_label_sets(yaml.safe_load(path.read_text()), str(path))

"""Prompt templates: text before and after the glove's soft tokens, stored as files in prompts/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

# Placeholder where the soft-prompt embeddings go.
GLOVE_PLACEHOLDER = "{glove}"
# Templates shipped with the repository.
PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class PromptTemplate:
    """``before {glove} after``; the label follows ``after`` directly (with a leading space)."""

    name: str
    text: str

    def __post_init__(self):
        if self.text.count(GLOVE_PLACEHOLDER) != 1:
            raise ConfigError(f"prompt template '{self.name}': expected exactly one {GLOVE_PLACEHOLDER}.")

    @property
    def before(self) -> str:
        return self.text.split(GLOVE_PLACEHOLDER)[0]

    @property
    def after(self) -> str:
        return self.text.split(GLOVE_PLACEHOLDER)[1]


def available_templates() -> list[str]:
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.txt"))


def load_template(name_or_path: str) -> PromptTemplate:
    """A template by name (``prompts/<name>.txt``) or by file path; trailing newline dropped."""
    path = Path(name_or_path)
    if not path.is_file():
        path = PROMPTS_DIR / f"{name_or_path}.txt"
    if not path.is_file():
        known = ", ".join(available_templates()) or "none found"
        raise ConfigError(f"unknown prompt template '{name_or_path}'; expected a file or one of: {known}.")
    return PromptTemplate(path.stem, path.read_text().rstrip("\n"))

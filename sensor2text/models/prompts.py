"""Prompt templates: text before and after the glove's soft tokens, stored as files in the package's assets/prompts/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from sensor2text.assets import PROMPTS_DIR
from sensor2text.errors import ConfigError

# Placeholder where the soft-prompt embeddings go.
GLOVE_PLACEHOLDER = "{glove}"


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


def prompt_path(name_or_path: str, folder: Path, what: str) -> Path:
    """A prompt file: ``name_or_path`` itself, or ``<folder>/<name>.txt`` of the package's prompts;
    ConfigError naming ``what`` was asked for and the shipped names."""
    path = Path(name_or_path)
    if not path.is_file():
        path = folder / f"{name_or_path}.txt"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.txt"))) or "none found"
        raise ConfigError(f"unknown {what} '{name_or_path}'; expected a file or one of: {known}.")
    return path


def load_template(name_or_path: str) -> PromptTemplate:
    """A template by name (``prompts/<name>.txt``) or by file path; trailing newline dropped."""
    path = prompt_path(name_or_path, PROMPTS_DIR, "prompt template")
    return PromptTemplate(path.stem, path.read_text().rstrip("\n"))


def _embed_text(lm, tokenizer, text: str, first: bool) -> torch.Tensor:
    ids = tokenizer(text, add_special_tokens=first, return_tensors="pt").input_ids
    return lm.get_input_embeddings()(ids)


def build_prompt(lm, tokenizer, prompt: str, soft: torch.Tensor | None) -> torch.Tensor:
    """``before {glove} after`` -> ``(1, P, H)`` embeddings; without ``soft`` the text alone."""
    before, after = prompt.split(GLOVE_PLACEHOLDER)
    if soft is None:
        text = (before.rstrip() + " " + after.lstrip()).strip() if before.strip() else after.strip()
        return _embed_text(lm, tokenizer, text, first=True)
    head = _embed_text(lm, tokenizer, before, first=True)  # may be empty: (1, 0, H)
    return torch.cat([head, soft.to(head.dtype), _embed_text(lm, tokenizer, after, first=False)], dim=1)

"""Files shipped inside the package, so an installed wheel works from any directory.

``*.yaml``        label sets (synonyms per class) and the synthetic glove's per-hand states
``prompts/``      prompt templates (``describe.txt``, ``hand.txt``, ``compose/``, ``probes/``)
``checkpoints/``  the shipped checkpoints (safetensors + JSON), see ``sensor2text.api``
"""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
# Prompt templates by name: ``prompts/<name>.txt``.
PROMPTS_DIR = ASSETS_DIR / "prompts"
# Shipped checkpoint folders.
CHECKPOINTS_DIR = ASSETS_DIR / "checkpoints"


def shipped_checkpoints() -> list[str]:
    """Names of the checkpoints shipped in the package."""
    return sorted(p.name for p in CHECKPOINTS_DIR.iterdir() if p.is_dir())


def resolve_checkpoint(name_or_path: str | Path) -> Path:
    """A checkpoint folder: the path as given when it exists, else a shipped checkpoint of that
    name (``smollm2-135m-synth``); the path as given otherwise, for the loader to report."""
    path = Path(name_or_path)
    if not path.exists() and len(path.parts) == 1 and (CHECKPOINTS_DIR / path.name).is_dir():
        return CHECKPOINTS_DIR / path.name
    return path

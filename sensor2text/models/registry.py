"""Designs by name, and loading any checkpoint folder into the design that wrote it.

Like LLaVA's ``build_vision_projector``: a small string-keyed table, ``ValueError`` naming the
known designs for an unknown one. Designs are imported only when used, so no design module
imports another's through the registry at import time.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from sensor2text.assets import resolve_checkpoint, shipped_checkpoints
from sensor2text.errors import CheckpointError

# design name -> (module, class, the file that marks a checkpoint folder of that design)
DESIGNS = {
    "stepwise": ("sensor2text.models.stepwise", "Stepwise", "stepwise.json"),
    "holistic": ("sensor2text.models.holistic", "Sensor2Text", "config.json"),
}


def design_class(name: str):
    """The model class of a design name (``holistic``, ``stepwise``)."""
    if name not in DESIGNS:
        raise ValueError(f"Unknown design: {name!r}; expected one of {', '.join(DESIGNS)}.")
    module, cls, _ = DESIGNS[name]
    return getattr(importlib.import_module(module), cls)


def design_of(folder: str | Path) -> str:
    """The design that wrote a checkpoint folder, from its marker file."""
    from sensor2text.models.manifest import interrupted_save

    folder = resolve_checkpoint(folder)
    if (old := interrupted_save(folder)) is not None:
        raise CheckpointError(f"{folder}: not found; a save into it was interrupted and left the previous "
                              f"checkpoint in {old} (rename it back, or save again).")  # fmt: skip
    if folder.is_file():
        raise CheckpointError(f"{folder}: is a file; expected a checkpoint folder or the name of a shipped "
                              f"checkpoint ({', '.join(shipped_checkpoints())}).")  # fmt: skip
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: checkpoint folder not found; expected a folder or a shipped "
                              f"checkpoint ({', '.join(shipped_checkpoints())}).")  # fmt: skip
    for name, (_, _, marker) in DESIGNS.items():
        if (folder / marker).is_file():
            return name
    markers = " or ".join(marker for _, _, marker in DESIGNS.values())
    raise CheckpointError(f"{folder}: not a sensor2text checkpoint (missing {markers}).")


def load_checkpoint(folder: str | Path, base_model: str | None = None):
    """Any checkpoint folder (or shipped checkpoint name) as its design's model, in eval mode;
    ``base_model`` replaces the base LM the checkpoint names (a hub id given here may be downloaded)."""
    return design_class(design_of(folder)).from_pretrained(resolve_checkpoint(folder), base_model=base_model)

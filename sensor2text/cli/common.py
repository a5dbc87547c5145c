"""Helpers every command shares: quiet library chatter, load a model, write JSON reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def quiet_libraries() -> None:
    """Keep library chatter (weight-loading bars, deprecation notices) out of the command's output."""
    import warnings

    import transformers

    warnings.filterwarnings("ignore", category=FutureWarning)
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def load_model(checkpoint: str, precision: str = "fp32"):
    """``sensor2text.load_model`` with the libraries quietened first."""
    from sensor2text.api import load_model as _load_model

    quiet_libraries()
    return _load_model(checkpoint, precision)


def write_json(target: str, data) -> None:
    """Write ``data`` as indented JSON to a file (folders made) or, for ``-``, to stdout."""
    text = json.dumps(data, indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(text)

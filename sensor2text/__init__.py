"""sensor2text: let a pretrained language model describe hand gestures recorded by a sensor glove.

import sensor2text
model = sensor2text.load_model()                   # the shipped checkpoint
model.generate([sensor2text.read_csv("wave-0.csv")])
"""

from __future__ import annotations

__version__ = "0.1.0"


def load_model(checkpoint: str | None = None):
    """Load a checkpoint folder (default: the shipped one) as a ``Sensor2Text`` model in eval mode."""
    from .cli import DEFAULT_CHECKPOINT
    from .model import Sensor2Text

    return Sensor2Text.from_pretrained(checkpoint or DEFAULT_CHECKPOINT)


def read_csv(path, profile: str = "synthetic-joints"):
    """Read a CSV glove recording into a ``(frames, channels)`` float32 array."""
    from .data import read_csv as _read_csv
    from .glove import get_profile

    return _read_csv(path, get_profile(profile))

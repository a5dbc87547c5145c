"""sensor2text: let a pretrained language model describe hand gestures recorded by a sensor glove.

import sensor2text
model = sensor2text.load_model()                   # the shipped checkpoint
model.generate([sensor2text.read_csv("wave-0.csv")])
"""

from __future__ import annotations

__version__ = "0.1.0"


def load_model(checkpoint: str | None = None):
    """Load a checkpoint folder (default: the shipped one): a ``Sensor2Text`` model in eval mode,
    or a stepwise model (``sensor2text.stepwise.Stepwise``) when the folder holds ``stepwise.json``."""
    from .cli import DEFAULT_CHECKPOINT
    from .model import load_checkpoint

    return load_checkpoint(checkpoint or DEFAULT_CHECKPOINT)


def calibrate(model, recordings) -> None:
    """Calibrate a ``session_norm`` checkpoint for one session: its input is standardised by the
    channel statistics of ``recordings`` (a folder or file of this glove and wearer) from now on.
    A second call replaces the first; a checkpoint without ``session_norm`` refuses it."""
    from .errors import Sensor2TextError

    if not getattr(model.config, "session_norm", False):
        raise Sensor2TextError("calibrate: this checkpoint was trained without session standardisation "
                               "(data.session_norm); it takes no calibration recordings.")  # fmt: skip
    model.calibrate(recordings)


def read_csv(path, profile: str = "synthetic-joints"):
    """Read a CSV glove recording into a ``(frames, channels)`` float32 array."""
    from .data import read_csv as _read_csv
    from .glove import get_profile

    return _read_csv(path, get_profile(profile))


def probe(prompt: str | None = None, template: str | None = None, recording=None, gesture: str | None = None,
          checkpoint: str | None = None, base_model: str | None = None, top_k: int = 20, seed: int = 0):  # fmt: skip
    """Next-token probabilities and label ranks for a gesture prompt, with and without the glove.

    ``recording`` is a ``(frames, channels)`` array or a CSV path; ``gesture`` synthesizes one
    recording of that class instead. Either needs a checkpoint (default: the shipped holistic one).
    Returns a ``sensor2text.probing.ProbeResult``.
    """
    from .cli import HOLISTIC_CHECKPOINT
    from .errors import Sensor2TextError
    from .probing import probe as _probe
    from .probing import synthesize_gesture

    if recording is not None and gesture is not None:
        raise Sensor2TextError("give either --recording or --gesture, not both.")
    source = None
    if gesture is not None:
        recording, source = synthesize_gesture(gesture, seed), f"synthetic {gesture} (seed {seed})"
    elif isinstance(recording, (str, bytes)) or hasattr(recording, "__fspath__"):
        source, recording = str(recording), read_csv(recording)
    if recording is not None and checkpoint is None:
        checkpoint = str(HOLISTIC_CHECKPOINT)
    return _probe(prompt, template, recording, checkpoint, base_model, top_k, source=source)

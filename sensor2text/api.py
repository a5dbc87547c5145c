"""The Python API: load a checkpoint, calibrate it to a session, describe recordings, probe the LM.

    import sensor2text
    model = sensor2text.load_model()                     # the shipped default checkpoint
    frames = sensor2text.read_csv("wave-0.csv")          # (frames, channels) float32
    [description] = model.describe([frames])             # Description(text, steps, confidence, timings)

Heavy libraries (torch, transformers) are imported inside the functions, so ``import sensor2text``
stays instant.
"""

from __future__ import annotations

from sensor2text.assets import CHECKPOINTS_DIR

# The default shipped checkpoint: the finger-word stepwise design (a finger reader writes which
# fingers each hand extends, the LM counts, adds and names the gesture) on the embedded
# SmolLM2-135M, trained on the synthetic glove's counts 0-9 and named gestures
# (configs/fingers_smollm2.yaml; README "Finger words").
DEFAULT_CHECKPOINT = CHECKPOINTS_DIR / "smollm2-135m-fingers"
# The earlier stepwise checkpoint: whole-hand captions with an annotated count word ("two: index,
# middle"), kept for the README's protocol (a)-(c) tables and comparisons.
WHOLE_HAND_CHECKPOINT = CHECKPOINTS_DIR / "smollm2-135m-stepwise"
# The shipped holistic checkpoint (4 soft tokens for the whole recording); the probe's default,
# since the probe puts one soft prompt into the LM's context.
HOLISTIC_CHECKPOINT = CHECKPOINTS_DIR / "smollm2-135m-synth"
# The text-knowledge adapters: numbers, counting and arithmetic in 13 phrasings
# (sensor2text.training.knowledge; the finger-word design's), and the earlier number-word sums
# ("A and B make C.") the shipped stepwise checkpoint merges in.
KNOWLEDGE_CHECKPOINT = CHECKPOINTS_DIR / "knowledge-numbers-smollm2"
ARITHMETIC_KNOWLEDGE_CHECKPOINT = CHECKPOINTS_DIR / "knowledge-arithmetic-smollm2"
# The AUSLAN high-quality sign checkpoint (5DT two-hand glove, 95 signs).
AUSLAN_HQ_CHECKPOINT = CHECKPOINTS_DIR / "smollm2-135m-auslan-hq"


def load_model(checkpoint=None, precision: str = "fp32", base_model: str | None = None):
    """Load a checkpoint folder (default: the shipped one) in eval mode, whatever its design.

    The design (holistic, stepwise, ...) is read from the folder by the model registry;
    ``precision`` is ``fp32``, ``bf16``, ``int8`` or ``auto`` (see ``sensor2text.models.precision``);
    ``base_model`` replaces the base LM the checkpoint names (a local folder that moved, or a hub id).
    """
    from sensor2text.models.precision import set_precision
    from sensor2text.models.registry import load_checkpoint

    model = load_checkpoint(checkpoint or DEFAULT_CHECKPOINT, base_model)
    model.precision = set_precision(model, precision)
    return model


def calibrate(model, recordings) -> None:
    """Calibrate a ``session_norm`` checkpoint for one session: its input is standardised by the
    channel statistics of ``recordings`` (a folder or file of this glove and wearer) from now on.
    A second call replaces the first; a checkpoint without ``session_norm`` refuses it."""
    model.calibrate(recordings)


def read_csv(path, profile: str = "synthetic-joints"):
    """Read a CSV glove recording into a ``(frames, channels)`` float32 array."""
    from sensor2text.glove.recordings import read_csv as _read_csv
    from sensor2text.glove.schema import get_profile

    return _read_csv(path, get_profile(profile))


def probe(prompt: str | None = None, template: str | None = None, recording=None, gesture: str | None = None,
          checkpoint: str | None = None, base_model: str | None = None, top_k: int = 20, seed: int = 0,
          steer=None):  # fmt: skip
    """Next-token probabilities and label ranks for a gesture prompt, with and without the glove.

    ``recording`` is a ``(frames, channels)`` array or a CSV path; ``gesture`` synthesizes one
    recording of that class instead. Either needs a checkpoint (default: the shipped holistic one).
    ``steer`` = ``(SteerGlove, mode, strength)``: the base LM before and after the glove steers it
    (no checkpoint). Returns a ``sensor2text.evaluation.probe.ProbeResult``.
    """
    from sensor2text.errors import Sensor2TextError
    from sensor2text.evaluation.probe import probe as _probe
    from sensor2text.evaluation.probe import synthesize_gesture

    if recording is not None and gesture is not None:
        raise Sensor2TextError("give either --recording or --gesture, not both.")
    source = None
    if gesture is not None:
        recording, source = synthesize_gesture(gesture, seed), f"synthetic {gesture} (seed {seed})"
    elif isinstance(recording, (str, bytes)) or hasattr(recording, "__fspath__"):
        source, recording = str(recording), read_csv(recording)
    if recording is not None and checkpoint is None and steer is None:
        checkpoint = str(HOLISTIC_CHECKPOINT)
    return _probe(prompt, template, recording, checkpoint, base_model, top_k, source=source, steer=steer)

"""The finger reader: one hand's glove frames -> finger words (the stepwise design's first stage).

It is composed of per-finger parts, so that a hand shape never seen in training gets the right
words: each finger's state is read from **that finger's channels only**, by one encoder shared
by the four long fingers (the thumb has its own), so "little extended" means the same whether
the ring finger is up (an open hand) or down (horns, shaka). Contact reads the thumb and index
encodings; motion reads the wrist with all five.

Outputs are closed-vocabulary (:mod:`sensor2text.glove.handshape`): the words are scored, not
generated, in one forward pass of a small network (both hands of a recording in about 3 ms,
resampling included, measured on the 2-core development CPU),
and no LM runs in this stage. Per-finger training labels come from the synthetic generator's
pose definitions (:func:`sensor2text.glove.synth.hand_words`).

Checkpoint folder::

    fingers.json          FingerReaderConfig (channels, groups, frames, normaliser, metrics)
    fingers.safetensors   weights
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from sensor2text.config import from_dict
from sensor2text.errors import CheckpointError, ConfigError
from sensor2text.glove.handshape import FINGER_STATES, FINGERS, MOTIONS, HandWords
from sensor2text.glove.schema import Normalizer
from sensor2text.inputs import Preprocessor

CONFIG_FILE = "fingers.json"
WEIGHTS_FILE = "fingers.safetensors"


def channel_groups(channels: list[str]) -> dict[str, list[int]]:
    """``{part: [channel index]}`` for the five fingers (by name prefix) and ``wrist`` (the rest)."""
    groups = {finger: [i for i, c in enumerate(channels) if c.split("_")[0] == finger] for finger in FINGERS}
    groups["wrist"] = [i for i, c in enumerate(channels) if c.split("_")[0] not in FINGERS]
    missing = [part for part, indices in groups.items() if not indices]
    if missing:
        raise ConfigError(f"finger reader: no channel named for {', '.join(missing)} (channels {channels}); it "
                          "needs '<finger>_...' channels (thumb, index, middle, ring, little) and a wrist.")
    long_widths = {len(groups[f]) for f in FINGERS[1:]}
    if len(long_widths) != 1:
        raise ConfigError(f"finger reader: index, middle, ring and little need the same number of channels, "
                          f"got {[len(groups[f]) for f in FINGERS[1:]]}.")  # fmt: skip
    return groups


@dataclass
class FingerReaderConfig:
    """What a finger reader needs besides its weights (saved as fingers.json)."""

    profile: str
    channels: list = field(default_factory=list)
    num_frames: int = 32
    hidden: int = 32
    normalizer: dict = field(default_factory=dict)
    trained_classes: list = field(default_factory=list)
    label_source: str = "synthetic generator pose definitions (sensor2text.glove.synth.hand_words)"
    metrics: dict = field(default_factory=dict)
    format_version: int = 1


class PartEncoder(nn.Module):
    """``(B, F, C_part)`` -> ``(B, 3H)``: two temporal convolutions, then mean, max and std over time."""

    def __init__(self, in_channels: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(nn.Conv1d(in_channels, hidden, 5, padding=2), nn.GELU(),
                                 nn.Conv1d(hidden, hidden, 5, padding=2), nn.GELU())  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.net(x.transpose(1, 2))  # (B, H, F)
        return torch.cat([h.mean(-1), h.amax(-1), h.std(-1)], dim=-1)


class FingerReader(nn.Module):
    """One hand's normalised window ``(B, F, C)`` -> logits per finger, contact and motion."""

    def __init__(self, config: FingerReaderConfig):
        super().__init__()
        self.config = config
        self.groups = channel_groups(list(config.channels))
        h, width = config.hidden, 3 * config.hidden
        self.thumb = PartEncoder(len(self.groups["thumb"]), h)
        self.long_finger = PartEncoder(len(self.groups["index"]), h)  # shared by index, middle, ring, little
        self.wrist = PartEncoder(len(self.groups["wrist"]), h)
        self.thumb_state = nn.Linear(width, len(FINGER_STATES))
        self.finger_state = nn.Linear(width, len(FINGER_STATES))
        self.touch = nn.Linear(2 * width, 2)
        self.motion = nn.Linear(6 * width, len(MOTIONS))
        channels = len(config.channels)
        normalizer = Normalizer(**config.normalizer) if config.normalizer else Normalizer.identity(channels)
        self.preprocessor = Preprocessor(config.num_frames, normalizer)

    @property
    def normalizer(self) -> Normalizer:
        """The trained per-channel standardisation (fitted on the training hands, saved)."""
        return self.preprocessor.trained

    @normalizer.setter
    def normalizer(self, value: Normalizer) -> None:
        self.preprocessor.trained = value

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``x (B, F, C)`` -> ``{"states": (B, 5, 3), "touch": (B, 2), "motion": (B, 3)}`` logits."""
        parts = [self.thumb(x[..., self.groups["thumb"]])]
        parts += [self.long_finger(x[..., self.groups[f]]) for f in FINGERS[1:]]
        states = torch.stack([self.thumb_state(parts[0])] + [self.finger_state(p) for p in parts[1:]], dim=1)
        touch = self.touch(torch.cat(parts[:2], dim=-1))
        motion = self.motion(torch.cat([self.wrist(x[..., self.groups["wrist"]]), *parts], dim=-1))
        return {"states": states, "touch": touch, "motion": motion}

    def channel_scale(self) -> np.ndarray:
        """Per-channel scale ``(C,)`` of one hand (the training standard deviations)."""
        return np.asarray(self.normalizer.std)

    def lm_modules(self) -> list:
        """No LM in this stage."""
        return []

    @torch.no_grad()
    def read(self, hands: list[np.ndarray]) -> list[HandWords]:
        """The most likely words of each raw one-hand recording ``(T_i, C)``."""
        if not hands:
            return []
        self.eval()
        logits = self(self.preprocessor(hands))
        states, touch, motion = (logits[k].argmax(-1).tolist() for k in ("states", "touch", "motion"))
        return [HandWords(tuple(FINGER_STATES[s] for s in row), bool(t), MOTIONS[m])
                for row, t, m in zip(states, touch, motion)]  # fmt: skip

    # ---- artefacts ----------------------------------------------------------------------------
    def save_pretrained(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.config.normalizer = self.normalizer.to_dict()
        (folder / CONFIG_FILE).write_text(json.dumps(asdict(self.config), indent=2) + "\n")
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(folder / WEIGHTS_FILE))

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> FingerReader:
        """Load a finger reader folder: fingers.json checked (types, normaliser), the weights'
        names and shapes checked against it, then the reader built."""
        from sensor2text.models.checks import check_normalizer, check_shapes, module_shapes, read_json, read_tensors

        folder = Path(folder)
        path = folder / CONFIG_FILE
        try:
            config = from_dict(FingerReaderConfig, read_json(path, "finger reader config"), str(path))
            if config.normalizer:
                config.normalizer = check_normalizer(config.normalizer, len(config.channels), f"{path}: normalizer")
            if config.num_frames < 1 or config.hidden < 1:
                raise CheckpointError(f"{path}: num_frames and hidden must be at least 1, got {config.num_frames} "
                                      f"and {config.hidden}.")  # fmt: skip
            with torch.device("meta"):  # shapes only
                expected = module_shapes(cls(config))
        except ConfigError as exc:  # e.g. channels that name no finger: the file is named
            raise CheckpointError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from None
        check_shapes(folder / WEIGHTS_FILE, expected, f"the finger reader of {CONFIG_FILE}")
        reader = cls(config)
        reader.load_state_dict(read_tensors(folder / WEIGHTS_FILE))
        return reader.eval()


def is_finger_reader(folder: str | Path) -> bool:
    return (Path(folder) / CONFIG_FILE).is_file()


def loss(logits: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    """Summed cross-entropy: the five finger states, contact and motion. ``targets``: class indices
    ``{"states": (B, 5), "touch": (B,), "motion": (B,)}``."""
    ce = nn.functional.cross_entropy
    states = ce(logits["states"].reshape(-1, len(FINGER_STATES)), targets["states"].reshape(-1))
    return len(FINGERS) * states + ce(logits["touch"], targets["touch"]) + ce(logits["motion"], targets["motion"])


def targets_of(words: list[HandWords]) -> dict[str, torch.Tensor]:
    """Class-index targets of ``[HandWords]`` (see :func:`loss`)."""
    return {"states": torch.tensor([[FINGER_STATES.index(s) for s in w.states] for w in words]),
            "touch": torch.tensor([int(w.touching) for w in words]),
            "motion": torch.tensor([MOTIONS.index(w.motion) for w in words])}  # fmt: skip


def finger_accuracy(predicted: list[HandWords], wanted: list[HandWords]) -> dict[str, float]:
    """Per-finger state accuracy, contact and motion accuracy, and whole-hand exact match."""
    n = max(len(wanted), 1)
    fingers = sum(p == w for a, b in zip(predicted, wanted) for p, w in zip(a.states, b.states))
    return {"finger_states": round(fingers / (len(FINGERS) * n), 4),
            "touching": round(sum(a.touching == b.touching for a, b in zip(predicted, wanted)) / n, 4),
            "motion": round(sum(a.motion == b.motion for a, b in zip(predicted, wanted)) / n, 4),
            "whole_hand": round(sum(a == b for a, b in zip(predicted, wanted)) / n, 4)}  # fmt: skip

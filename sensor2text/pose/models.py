"""Sequence models from glove channels ``(B, T, S)`` to keypoints ``(B, T, 63)`` (mm), per frame.

- :class:`PoseLSTM` (ours): input projection, a 2-layer LSTM, a linear read-out.
- :class:`LstmAutoencoder` (related work's best, ~55k parameters): an LSTM, then a linear
  bottleneck of 9 numbers decoded linearly to the 63 coordinates.
- :class:`DenseNet` (related work): a per-frame multilayer perceptron, no memory of earlier frames.

Every model standardises its input and output with statistics fitted on the training set (buffers,
saved with the weights).

**Rest calibration** (``calibrated=True``): a glove's readings carry each wearer's sensor offset
(several degrees per channel), which no single frame reveals. A recording begins at rest, a pose
nearly the same for everyone, so the model also sees each frame minus the wearer's rest reading
(the mean of the first :data:`REST_FRAMES` frames, or a reading given): the offset cancels there.
"""

from __future__ import annotations

import torch
from torch import nn

OUT = 63
# Frames at the start of a recording (the wearer at rest) whose mean is the rest reading.
REST_FRAMES = 5


def rest_reading(frames):
    """The wearer's rest reading: the mean of the first :data:`REST_FRAMES` frames of ``(..., T, S)``
    frames (a tensor or an array) -> ``(..., S)``."""
    return frames[..., :REST_FRAMES, :].mean(-2)


class Standardized(nn.Module):
    """Input/output standardisation around a core network (statistics as buffers)."""

    def __init__(self, sensors: int, calibrated: bool = False):
        super().__init__()
        self.calibrated = calibrated
        self.register_buffer("in_mean", torch.zeros(sensors))
        self.register_buffer("in_std", torch.ones(sensors))
        self.register_buffer("out_mean", torch.zeros(OUT))
        self.register_buffer("out_std", torch.ones(OUT))

    def fit_statistics(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        """``inputs (N, S)``, ``targets (N, 63)``: every training frame."""
        self.in_mean.copy_(inputs.mean(0)), self.in_std.copy_(inputs.std(0).clamp_min(1e-3))
        self.out_mean.copy_(targets.mean(0)), self.out_std.copy_(targets.std(0).clamp_min(1e-3))

    def forward(self, x: torch.Tensor, rest: torch.Tensor | None = None) -> torch.Tensor:
        """``(B, T, S)`` -> ``(B, T, 63)`` mm. ``rest (B, S)``: the wearer's rest reading (calibrated
        models; default the mean of ``x``'s first :data:`REST_FRAMES` frames)."""
        features = (x - self.in_mean) / self.in_std
        if self.calibrated:
            rest = rest_reading(x) if rest is None else rest
            features = torch.cat([features, (x - rest[:, None]) / self.in_std], -1)
        return self.core(features) * self.out_std + self.out_mean


def _inputs(sensors: int, calibrated: bool) -> int:
    """Channels the core network sees: the readings, and with calibration the readings minus rest."""
    return 2 * sensors if calibrated else sensors


class PoseLSTM(Standardized):
    def __init__(self, sensors: int, calibrated: bool = False, hidden: int = 96):
        super().__init__(sensors, calibrated)
        self.project = nn.Linear(_inputs(sensors, calibrated), hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, OUT)

    def core(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(torch.relu(self.project(x)))[0])


class LstmAutoencoder(Standardized):
    def __init__(self, sensors: int, calibrated: bool = False, hidden: int = 110, bottleneck: int = 9):
        super().__init__(sensors, calibrated)
        self.lstm = nn.LSTM(_inputs(sensors, calibrated), hidden, batch_first=True)
        self.encode = nn.Linear(hidden, bottleneck)
        self.decode = nn.Linear(bottleneck, OUT)

    def core(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(self.lstm(x)[0]))


class DenseNet(Standardized):
    def __init__(self, sensors: int, calibrated: bool = False, hidden: int = 430):
        super().__init__(sensors, calibrated)
        self.net = nn.Sequential(nn.Linear(_inputs(sensors, calibrated), hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, OUT))  # fmt: skip

    def core(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


MODELS = {"lstm": PoseLSTM, "lstm-ae": LstmAutoencoder, "dense": DenseNet}


def build(name: str, sensors: int, calibrated: bool = False) -> Standardized:
    if name not in MODELS:
        raise ValueError(f"unknown pose model '{name}'; expected one of {', '.join(MODELS)}")
    return MODELS[name](sensors, calibrated)


def parameters(model: nn.Module) -> int:
    """Trainable parameters (the statistics buffers are not counted)."""
    return sum(p.numel() for p in model.parameters())

"""Sequence models from glove channels ``(B, T, S)`` to keypoints ``(B, T, 63)`` (mm), per frame.

- :class:`PoseLSTM` (ours): input projection, a 2-layer LSTM, a linear read-out.
- :class:`LstmAutoencoder` (related work's best, ~55k parameters): an LSTM, then a linear
  bottleneck of 9 numbers decoded linearly to the 63 coordinates.
- :class:`DenseNet` (related work): a per-frame multilayer perceptron, no memory of earlier frames.

Every model standardises its input and output with statistics fitted on the training set (buffers,
saved with the weights).
"""

from __future__ import annotations

import torch
from torch import nn

OUT = 63


class Standardized(nn.Module):
    """Input/output standardisation around a core network (statistics as buffers)."""

    def __init__(self, sensors: int):
        super().__init__()
        self.register_buffer("in_mean", torch.zeros(sensors))
        self.register_buffer("in_std", torch.ones(sensors))
        self.register_buffer("out_mean", torch.zeros(OUT))
        self.register_buffer("out_std", torch.ones(OUT))

    def fit_statistics(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        """``inputs (N, S)``, ``targets (N, 63)``: every training frame."""
        self.in_mean.copy_(inputs.mean(0)), self.in_std.copy_(inputs.std(0).clamp_min(1e-3))
        self.out_mean.copy_(targets.mean(0)), self.out_std.copy_(targets.std(0).clamp_min(1e-3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, S)`` -> ``(B, T, 63)`` mm."""
        return self.core((x - self.in_mean) / self.in_std) * self.out_std + self.out_mean


class PoseLSTM(Standardized):
    def __init__(self, sensors: int, hidden: int = 96):
        super().__init__(sensors)
        self.project = nn.Linear(sensors, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, OUT)

    def core(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(torch.relu(self.project(x)))[0])


class LstmAutoencoder(Standardized):
    def __init__(self, sensors: int, hidden: int = 110, bottleneck: int = 9):
        super().__init__(sensors)
        self.lstm = nn.LSTM(sensors, hidden, batch_first=True)
        self.encode = nn.Linear(hidden, bottleneck)
        self.decode = nn.Linear(bottleneck, OUT)

    def core(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(self.lstm(x)[0]))


class DenseNet(Standardized):
    def __init__(self, sensors: int, hidden: int = 430):
        super().__init__(sensors)
        self.net = nn.Sequential(nn.Linear(sensors, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, OUT))  # fmt: skip

    def core(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


MODELS = {"lstm": PoseLSTM, "lstm-ae": LstmAutoencoder, "dense": DenseNet}


def build(name: str, sensors: int) -> Standardized:
    if name not in MODELS:
        raise ValueError(f"unknown pose model '{name}'; expected one of {', '.join(MODELS)}")
    return MODELS[name](sensors)


def parameters(model: nn.Module) -> int:
    """Trainable parameters (the statistics buffers are not counted)."""
    return sum(p.numel() for p in model.parameters())

"""Projectors: a glove window ``(batch, frames, channels)`` -> ``(batch, num_virtual_tokens, hidden_size)``.

Built by the string-keyed factory :func:`build_projector`, as LLaVA's projector builder does.
"""

from __future__ import annotations

import torch
from torch import nn

from sensor2text.config import ProjectorConfig


class LinearProjector(nn.Module):
    """One linear map of the flattened window."""

    def __init__(self, cfg: ProjectorConfig, channels: int, frames: int, hidden_size: int, **_):
        super().__init__()
        self.tokens, self.hidden_size = cfg.num_virtual_tokens, hidden_size
        self.proj = nn.Linear(frames * channels, cfg.num_virtual_tokens * hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F, C) -> (B, N, H)``"""
        return self.proj(x.flatten(1)).view(x.shape[0], self.tokens, self.hidden_size)


def _mlp(inputs: int, width: int, layers: int, outputs: int, dropout: float) -> nn.Sequential:
    blocks, size = [], inputs
    for _ in range(layers):
        blocks += [nn.Linear(size, width), nn.GELU(), nn.Dropout(dropout)]
        size = width
    return nn.Sequential(*blocks, nn.Linear(size, outputs))


class MLPProjector(nn.Module):
    """An MLP over the flattened window (the ClipCap/LLaVA-style default)."""

    def __init__(self, cfg: ProjectorConfig, channels: int, frames: int, hidden_size: int, **_):
        super().__init__()
        self.tokens, self.hidden_size = cfg.num_virtual_tokens, hidden_size
        out = cfg.num_virtual_tokens * hidden_size
        self.net = _mlp(frames * channels, cfg.hidden_dim, cfg.num_layers, out, cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F, C) -> (B, N, H)``"""
        return self.net(x.flatten(1)).view(x.shape[0], self.tokens, self.hidden_size)


class ConvProjector(nn.Module):
    """Temporal convolutions, then adaptive pooling to one time slot per soft token."""

    def __init__(self, cfg: ProjectorConfig, channels: int, frames: int, hidden_size: int, **_):
        super().__init__()
        layers, size = [], channels
        for _ in range(cfg.num_layers):
            layers += [nn.Conv1d(size, cfg.hidden_dim, 5, padding=2), nn.GELU(), nn.Dropout(cfg.dropout)]
            size = cfg.hidden_dim
        self.conv = nn.Sequential(*layers, nn.AdaptiveAvgPool1d(cfg.num_virtual_tokens))
        self.out = nn.Linear(size, hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F, C) -> (B, C, F) -> conv (B, D, N) -> (B, N, H)``"""
        return self.out(self.conv(x.transpose(1, 2)).transpose(1, 2))


class LSTMProjector(nn.Module):
    """A bidirectional LSTM; its final states feed a linear map to all soft tokens."""

    def __init__(self, cfg: ProjectorConfig, channels: int, frames: int, hidden_size: int, **_):
        super().__init__()
        self.tokens, self.hidden_size = cfg.num_virtual_tokens, hidden_size
        self.lstm = nn.LSTM(channels, cfg.hidden_dim, cfg.num_layers, batch_first=True,
                            bidirectional=True, dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)  # fmt: skip
        self.out = nn.Linear(2 * cfg.hidden_dim, cfg.num_virtual_tokens * hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F, C) -> h_n (2, B, D) of the last layer -> (B, N, H)``"""
        _, (h_n, _) = self.lstm(x)
        last = torch.cat([h_n[-2], h_n[-1]], dim=-1)
        return self.out(last).view(x.shape[0], self.tokens, self.hidden_size)


class TransformerProjector(nn.Module):
    """A small transformer encoder; learned query slots read the window and become soft tokens."""

    def __init__(self, cfg: ProjectorConfig, channels: int, frames: int, hidden_size: int, **_):
        super().__init__()
        self.tokens = cfg.num_virtual_tokens
        self.inp = nn.Linear(channels, cfg.hidden_dim)
        self.position = nn.Parameter(torch.randn(frames + self.tokens, cfg.hidden_dim) * 0.02)
        self.queries = nn.Parameter(torch.randn(self.tokens, cfg.hidden_dim) * 0.02)
        layer = nn.TransformerEncoderLayer(cfg.hidden_dim, nhead=4, dim_feedforward=2 * cfg.hidden_dim,
                                           dropout=cfg.dropout, batch_first=True, norm_first=True)  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, cfg.num_layers, enable_nested_tensor=False)
        self.out = nn.Linear(cfg.hidden_dim, hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F, C) -> [queries; frames] (B, N + F, D) -> first N slots (B, N, H)``"""
        queries = self.queries.expand(x.shape[0], -1, -1)
        h = torch.cat([queries, self.inp(x)], dim=1) + self.position
        return self.out(self.encoder(h)[:, : self.tokens])


class PerHandProjector(nn.Module):
    """One MLP shared by both hands: each hand's channels -> its own soft tokens.

    Sharing lets a handshape learned on one hand be read the same way on the other; a learned
    per-hand embedding still tells the LM which hand a token came from.
    """

    def __init__(self, cfg: ProjectorConfig, channels: int, frames: int, hidden_size: int,
                 hand_slices: tuple[tuple[int, int], ...] = (), **_):  # fmt: skip
        super().__init__()
        self.slices = hand_slices or ((0, channels),)
        widths = {stop - start for start, stop in self.slices}
        if len(widths) != 1 or cfg.num_virtual_tokens % len(self.slices):
            raise ValueError("per_hand needs equal channels per hand and tokens divisible by hands")
        self.per_hand, self.hidden_size = cfg.num_virtual_tokens // len(self.slices), hidden_size
        self.net = _mlp(frames * widths.pop(), cfg.hidden_dim, cfg.num_layers,
                        self.per_hand * hidden_size, cfg.dropout)  # fmt: skip
        self.hand_embedding = nn.Parameter(torch.zeros(len(self.slices), 1, hidden_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F, C) -> per hand (B, F, C_h) -> (B, N / hands, H) -> concat (B, N, H)``"""
        tokens = []
        for h, (start, stop) in enumerate(self.slices):
            y = self.net(x[:, :, start:stop].flatten(1)).view(x.shape[0], self.per_hand, self.hidden_size)
            tokens.append(y + self.hand_embedding[h])
        return torch.cat(tokens, dim=1)


class WithDeltas(nn.Module):
    """Appends frame-to-frame differences to each hand's channels, then runs ``inner``.

    ``(B, F, C) -> (B, F, 2C)`` laid out hand by hand ``[x_h, dx_h]``, so per-hand projectors
    still see one contiguous block per hand. Makes motion (waving, beckoning) explicit.
    """

    def __init__(self, inner: nn.Module, hand_slices: tuple[tuple[int, int], ...]):
        super().__init__()
        self.inner, self.slices = inner, hand_slices

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F, C) -> (B, N, H)``"""
        deltas = torch.diff(x, dim=1, prepend=x[:, :1])
        parts = [torch.cat([x[..., a:b], deltas[..., a:b]], dim=-1) for a, b in self.slices]
        return self.inner(torch.cat(parts, dim=-1))


PROJECTORS = {
    "linear": LinearProjector,
    "mlp": MLPProjector,
    "conv": ConvProjector,
    "lstm": LSTMProjector,
    "transformer": TransformerProjector,
    "per_hand": PerHandProjector,
}


def build_projector(cfg: ProjectorConfig, channels: int, frames: int, hidden_size: int,
                    hand_slices: tuple[tuple[int, int], ...] = ()) -> nn.Module:  # fmt: skip
    """Build the projector named by ``cfg.type``; ValueError for an unknown name."""
    if cfg.type not in PROJECTORS:
        raise ValueError(f"unknown projector type '{cfg.type}'; expected one of: {', '.join(PROJECTORS)}")
    if not cfg.input_deltas:
        return PROJECTORS[cfg.type](cfg, channels, frames, hidden_size, hand_slices=hand_slices)
    slices = hand_slices or ((0, channels),)
    doubled = tuple((2 * a, 2 * b) for a, b in slices)
    inner = PROJECTORS[cfg.type](cfg, 2 * channels, frames, hidden_size, hand_slices=doubled)
    return WithDeltas(inner, slices)

"""Baselines of the zero-shot report, trained on the same training split as the checkpoint.

- :class:`TemporalEncoder`: a temporal CNN + LSTM over a glove window ``(B, F, C)``.
- closed-set classifier: the encoder with a softmax over the training classes -- the usual
  gesture recogniser and the upper bound on seen classes; it can never name an unseen class.
- contrastive (CLIP-style) encoder: the same encoder mapped into the sentence-embedding space
  and trained with a softmax over cosine similarities to the training classes' label-set
  embeddings; zero-shot by nearest label set among all classes.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sensor2text.glove.schema import Normalizer, resample


class TemporalEncoder(nn.Module):
    """``(B, F, C)`` -> ``(B, out_dim)``: two 1-D convolutions over time, an LSTM, a linear head."""

    def __init__(self, channels: int, out_dim: int, hidden: int = 64):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(channels, hidden, kernel_size=5, padding=2), nn.ReLU(),
            nn.Conv1d(hidden, hidden, kernel_size=5, padding=2), nn.ReLU(),
        )  # fmt: skip
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, out_dim)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        features = self.conv(windows.transpose(1, 2)).transpose(1, 2)  # (B, F, hidden)
        _, (last, _) = self.lstm(features)  # (1, B, hidden)
        return self.head(last[0])


class WindowSet:
    """Training windows ``(N, F, C)`` normalised with their own statistics, with augmentation."""

    def __init__(self, recordings: list[np.ndarray], num_frames: int, gain: float = 0.0, offset: float = 0.0,
                 shift: float = 0.0):  # fmt: skip
        raw = [resample(r, num_frames) for r in recordings]
        self.normalizer = Normalizer.fit(raw)
        self.num_frames, self.gain, self.offset, self.shift = num_frames, gain, offset, shift
        self.raw = torch.from_numpy(np.stack(raw))
        self.mean = torch.tensor(self.normalizer.mean, dtype=torch.float32)
        self.std = torch.tensor(self.normalizer.std, dtype=torch.float32)

    def batch(self, index: torch.Tensor) -> torch.Tensor:
        """Augmented, normalised windows ``(len(index), F, C)``: a fresh per-channel gain/offset/shift each."""
        x = self.raw[index]
        channels = x.shape[-1]
        if self.gain:
            x = x * (1 + self.gain * torch.randn(len(index), 1, channels))
        if self.offset:
            x = x + self.offset * torch.randn(len(index), 1, channels)
        x = (x - self.mean) / self.std
        if self.shift:
            x = x + self.shift * torch.randn(len(index), 1, channels)
        return x

    def prepare(self, recordings: list[np.ndarray]) -> torch.Tensor:
        windows = [self.normalizer(resample(r, self.num_frames)) for r in recordings]
        return torch.from_numpy(np.stack(windows))


def _fit(model: nn.Module, data: WindowSet, targets: torch.Tensor, loss_fn, steps: int, batch_size: int, seed: int):
    """Fit a baseline with random batches (with replacement) in the shared optimisation loop."""
    from sensor2text.training.steps import optimize

    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    model.train()

    def step_loss(step: int) -> torch.Tensor:
        index = torch.randint(len(targets), (batch_size,), generator=generator)
        return loss_fn(model(data.batch(index)), targets[index])

    optimize(step_loss, optimizer, steps)
    return model.eval()


def train_classifier(data: WindowSet, labels: torch.Tensor, num_classes: int, steps: int = 600,
                     batch_size: int = 64, seed: int = 0) -> TemporalEncoder:  # fmt: skip
    """Closed-set CNN+LSTM classifier; ``labels (N,)`` index the training classes."""
    torch.manual_seed(seed)
    model = TemporalEncoder(data.raw.shape[-1], num_classes)
    return _fit(model, data, labels, nn.functional.cross_entropy, steps, batch_size, seed)


class ContrastiveEncoder(nn.Module):
    """Glove window -> unit vector in the sentence-embedding space, with a learned temperature."""

    def __init__(self, channels: int, dim: int):
        super().__init__()
        self.encoder = TemporalEncoder(channels, dim)
        self.log_scale = nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.encoder(windows), dim=-1)


def train_contrastive(data: WindowSet, labels: torch.Tensor, class_vectors: np.ndarray, steps: int = 600,
                      batch_size: int = 64, seed: int = 0) -> ContrastiveEncoder:  # fmt: skip
    """CLIP-style: ``class_vectors (K_train, D)`` unit label-set embeddings of the training classes;
    the loss is cross-entropy over scaled cosine similarities of each window to all of them."""
    torch.manual_seed(seed)
    text = torch.from_numpy(np.asarray(class_vectors, dtype=np.float32))
    model = ContrastiveEncoder(data.raw.shape[-1], text.shape[1])

    def loss_fn(vectors, targets):
        return nn.functional.cross_entropy(model.log_scale.exp() * vectors @ text.T, targets)

    return _fit(model, data, labels, loss_fn, steps, batch_size, seed)


def label_set_vectors(encoder, label_sets) -> np.ndarray:
    """``(K, D)`` unit vectors: the normalised mean embedding of each label set's synonyms."""
    vectors = []
    for ls in label_sets:
        mean = encoder.encode(list(ls.synonyms), normalize_embeddings=True).mean(0)
        vectors.append(mean / np.linalg.norm(mean))
    return np.stack(vectors)


@torch.no_grad()
def baseline_scores(train_items: list[tuple[np.ndarray, str]], test_recordings: list[np.ndarray],
                    classes: list[str], encoder, label_sets, num_frames: int, augment: tuple[float, ...],
                    steps: int = 600, seed: int = 0) -> dict[str, np.ndarray]:  # fmt: skip
    """Train both baselines on ``train_items`` and score ``test_recordings`` against every class.

    Returns ``{name: (R, K)}`` with K = ``len(classes)``; the classifier gives -inf to classes it
    was not trained on.
    """
    trained = sorted({label for _, label in train_items}, key=classes.index)
    data = WindowSet([f for f, _ in train_items], num_frames, *augment)
    labels = torch.tensor([trained.index(label) for _, label in train_items])
    test = data.prepare(test_recordings)
    with torch.enable_grad():
        classifier = train_classifier(data, labels, len(trained), steps, seed=seed)
    closed = np.full((len(test_recordings), len(classes)), -np.inf, dtype=np.float32)
    closed[:, [classes.index(c) for c in trained]] = classifier(test).log_softmax(-1).numpy()
    vectors = label_set_vectors(encoder, label_sets)
    with torch.enable_grad():
        contrastive = train_contrastive(data, labels, vectors[[classes.index(c) for c in trained]], steps, seed=seed)
    return {"CNN+LSTM classifier (closed set)": closed,
            "contrastive CLIP-style encoder": (contrastive(test) @ torch.from_numpy(vectors).T).numpy()}  # fmt: skip

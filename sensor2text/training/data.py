"""Training data: the recordings of a split, windows with their label sets' synonyms, loaders.

``load_split`` reads a split (synthesized, a folder, or subject folders); a ``session_norm`` run
standardises each session here, so its model is trained in session units. ``WindowDataset``
resamples once and normalises (with the calibration augmentation of
:func:`sensor2text.inputs.augment`) on access.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from sensor2text.config import RunConfig
from sensor2text.errors import ConfigError
from sensor2text.glove.recordings import Recording, iter_recordings
from sensor2text.glove.schema import Normalizer, get_profile, resample
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.inputs import augment, standardize_sessions
from sensor2text.labels import LabelSet, load_label_sets


def load_split(cfg: RunConfig, split: str, classes: list[str] | None = None) -> list[tuple[np.ndarray, str]]:
    """``[(frames (T, C), class name)]`` of one split: synthesized, read from ``data.path/<split>``,
    or, with ``data.splits``, from the subject folders under ``data.path`` listed for the split."""
    data = cfg.data
    classes = list(classes or data.classes)
    if data.path is None:
        spec = SynthSpec(seed=data.seed, train_subjects=data.train_subjects, val_subjects=data.val_subjects,
                         test_subjects=data.test_subjects, repetitions=data.repetitions,
                         classes=tuple(classes), convention=data.convention)  # fmt: skip
        recordings = [Recording(r["frames"], f"synthetic {r['subject']}", r["label"], r["subject"])
                      for r in generate(spec) if r["split"] == split]  # fmt: skip
    elif data.splits is not None:
        recordings = list(_subject_recordings(cfg, data.splits.get(split, [])))
    else:
        recordings = list(_split_recordings(Path(data.path), get_profile(data.profile), split))
    if data.session_norm:
        recordings = standardize_sessions(recordings)
    return [(r.frames, r.label) for r in recordings if r.label in classes]


def _split_recordings(root: Path, profile, split: str):
    """Recordings of ``root/<split>/``. A folder with no split folders is all training data, with
    no validation or test: never the training recordings again under another split's name."""
    from sensor2text.glove.recordings import is_hf_dataset

    if is_hf_dataset(root) or (root / split).is_dir():
        return iter_recordings(root, profile, split=split)
    if split == "train":
        others = [s for s in ("validation", "test") if (root / s).is_dir()]
        if others:
            raise ConfigError(f"data.path: {root} has {others[0]}/ but no train/ folder.")
        return iter_recordings(root, profile)
    print(f"note: data.path {root} has no {split}/ folder: no {split} recordings", file=sys.stderr)
    return []


def _subject_recordings(cfg: RunConfig, subjects: list[str]):
    """Recordings of the named subject folders (``tctodd1``, ``adam2``) directly under ``data.path``."""
    root, profile = Path(cfg.data.path), get_profile(cfg.data.profile)
    for subject in subjects:
        if not (root / subject).is_dir():
            raise ConfigError(f"data.splits: {root / subject} is not a folder.")
        yield from iter_recordings(root / subject, profile)


class WindowDataset(torch.utils.data.Dataset):
    """Resampled windows ``(F, C)``, normalised on access, with the synonyms of their label set.

    With ``augment_gain`` / ``augment_offset`` > 0, every access draws a per-channel gain and
    offset, as a new sensor calibration would: the nuisance that differs between gloves and wearers.
    ``augment_shift`` adds a per-channel offset after normalisation, in units of each channel's
    training std (a day's or a wearer's shift of the whole recording).
    """

    def __init__(self, items, normalizer: Normalizer, num_frames: int, label_sets: dict[str, LabelSet],
                 augment_gain: float = 0.0, augment_offset: float = 0.0, augment_shift: float = 0.0):  # fmt: skip
        self.windows = [torch.from_numpy(resample(f, num_frames)) for f, _ in items]
        self.labels = [label for _, label in items]
        self.label_sets = label_sets
        self.mean = torch.tensor(normalizer.mean, dtype=torch.float32)
        self.std = torch.tensor(normalizer.std, dtype=torch.float32)
        self.augment_gain, self.augment_offset, self.augment_shift = augment_gain, augment_offset, augment_shift

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, i):
        window = augment(self.windows[i], self.augment_gain, self.augment_offset)
        window = (window - self.mean) / self.std
        if self.augment_shift:
            window = window + self.augment_shift * torch.randn(window.shape[1])
        return window, list(self.label_sets[self.labels[i]].synonyms)


def collate(batch):
    """``[(window, synonyms)] -> (windows (B, F, C), [synonyms])``"""
    return torch.stack([w for w, _ in batch]), [s for _, s in batch]


def batches_forever(loader):
    """The loader's batches, epoch after epoch."""
    while True:
        yield from loader


def checked_label_sets(cfg: RunConfig) -> dict[str, LabelSet]:
    """The label sets of ``cfg.data.labels``; ConfigError if a training class has none."""
    label_sets = load_label_sets(cfg.data.labels)
    unlabelled = [c for c in cfg.data.classes if c not in label_sets]
    if unlabelled:
        source = cfg.data.labels or "the shipped label sets"
        raise ConfigError(f"data.classes: class '{unlabelled[0]}' has no label set in {source}.")
    return label_sets


def hand_view(cfg: RunConfig, train_items, val_items):
    """Per-hand training items and the hand-state label sets (captions), for ``data.view: hands``."""
    from sensor2text.models.stepwise import hand_items, load_hand_states

    states = load_hand_states(cfg.data.hand_states)
    annotated = states.for_classes(list(cfg.data.classes), cfg.data.hand_states or "synthetic hand states")
    slices = get_profile(cfg.data.profile).hand_slices
    used = sorted({s for pair in annotated.values() for s in pair})
    captions = {s: states.captions[s] for s in used}
    return hand_items(train_items, slices, annotated), hand_items(val_items, slices, annotated), captions


def make_loaders(cfg: RunConfig, train_items, val_items, normalizer: Normalizer, label_sets):
    """Shuffled, augmented training loader; plain validation loader (None without eval_every)."""
    data = cfg.data
    augment = {"augment_gain": data.augment_gain, "augment_offset": data.augment_offset,
               "augment_shift": data.augment_shift}
    dataset = WindowDataset(train_items, normalizer, data.num_frames, label_sets, **augment)
    drop_last = len(dataset) > cfg.training.batch_size
    shuffle = torch.Generator().manual_seed(cfg.training.seed)  # its own: the same order in any number of processes
    loader = torch.utils.data.DataLoader(dataset, batch_size=cfg.training.batch_size, shuffle=True,
                                         collate_fn=collate, drop_last=drop_last, generator=shuffle)  # fmt: skip
    if not (cfg.training.eval_every and val_items):
        return loader, None
    val_set = WindowDataset(val_items, normalizer, data.num_frames, label_sets)
    return loader, torch.utils.data.DataLoader(val_set, batch_size=cfg.training.batch_size, collate_fn=collate)

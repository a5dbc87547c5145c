"""Training of the finger-word stepwise design (``data.view: fingers``).

Stage 1 fits the finger reader (:mod:`sensor2text.models.fingers`) on one-hand windows of the
training classes, labelled per finger from the synthetic generator's pose definitions; stage 2
trains the composer LoRA on the training classes' finger captions (:mod:`sensor2text.training.text`).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from sensor2text.config import RunConfig
from sensor2text.errors import ConfigError
from sensor2text.glove.handshape import HandWords
from sensor2text.glove.schema import Normalizer, get_profile, resample
from sensor2text.glove.synth import ALL_CLASSES, NAMED_GESTURES, SynthSpec, generate, hand_words
from sensor2text.inputs import augment
from sensor2text.models.fingers import FingerReader, FingerReaderConfig, finger_accuracy, loss, targets_of
from sensor2text.models.stepwise import split_hands
from sensor2text.training.data import load_split
from sensor2text.training.launch import ALONE, Share
from sensor2text.training.steps import optimize


def hand_examples(items, profile, convention: str) -> list[tuple[np.ndarray, HandWords]]:
    """``[(frames, class)]`` two-hand recordings -> ``[(one hand's frames, its finger words)]``."""
    out = []
    for frames, label in items:
        out += list(zip(split_hands(frames, profile.hand_slices), hand_words(label, convention)))
    return out


def train_reader(cfg: RunConfig, train_items, log=print, share: Share = ALONE) -> FingerReader:
    """Fit a finger reader on the hands of ``train_items`` (``cfg.fingers`` sets its size and steps);
    in several processes each trains on its ``share`` of every batch."""
    profile = get_profile(cfg.data.profile)
    examples = hand_examples(train_items, profile, cfg.data.convention)
    raw = torch.from_numpy(np.stack([resample(frames, cfg.data.num_frames) for frames, _ in examples]))
    config = FingerReaderConfig(profile=profile.one_hand().name, channels=list(profile.one_hand().channels),
                                num_frames=cfg.data.num_frames, hidden=cfg.fingers.hidden,
                                trained_classes=list(cfg.data.classes))  # fmt: skip
    reader = FingerReader(config)
    reader.normalizer = Normalizer.fit(list(raw.numpy()))
    mean, std = torch.tensor(reader.normalizer.mean), torch.tensor(reader.normalizer.std)
    targets = targets_of([words for _, words in examples])
    generator = torch.Generator().manual_seed(cfg.fingers.seed)
    torch.manual_seed(cfg.fingers.seed)
    optimizer = torch.optim.AdamW(reader.parameters(), lr=cfg.fingers.learning_rate, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, cfg.fingers.learning_rate, total_steps=cfg.fingers.steps)
    started = time.time()

    def step_loss(step: int) -> torch.Tensor:
        rows = torch.randint(len(examples), (cfg.fingers.batch_size,), generator=generator)
        windows = torch.stack([augment(raw[i], cfg.data.augment_gain, cfg.data.augment_offset) for i in rows])
        mine = share.of(torch.arange(len(rows)))  # every process draws the whole batch, trains on its rows
        return loss(reader((windows[mine] - mean) / std), {k: v[rows[mine]] for k, v in targets.items()})

    def after_step(done: int, value: float) -> None:
        if done % 200 == 0 or done == cfg.fingers.steps:
            log(f"fingers step {done}/{cfg.fingers.steps} loss {value:.4f} ({time.time() - started:.0f} s)")

    reader.train()
    optimize(step_loss, optimizer, cfg.fingers.steps, scheduler=scheduler, backward=share.backward(reader.parameters()),
             after_step=after_step)  # fmt: skip
    return reader.eval()


def reader_report(reader: FingerReader, items, profile, convention: str) -> dict[str, float]:
    """Finger-word accuracy of ``reader`` on the hands of ``items`` (two-hand recordings)."""
    examples = hand_examples(items, profile, convention)
    predicted = reader.read([frames for frames, _ in examples])
    return finger_accuracy(predicted, [words for _, words in examples])


def held_out_shapes(cfg: RunConfig) -> list[tuple[str, list, str]]:
    """Validation-subject recordings whose hand shapes the reader never trained on: the thumb-first
    counting convention (counts 1-4 and 6-9) and the named gestures outside ``data.classes``.
    ``[(set name, [(frames, class)], convention)]``."""
    def synth(classes, convention):
        spec = SynthSpec(seed=cfg.data.seed, train_subjects=0, val_subjects=cfg.data.val_subjects, test_subjects=0,
                         repetitions=cfg.data.repetitions, classes=tuple(classes), convention=convention)  # fmt: skip
        return [(r["frames"], r["label"]) for r in generate(spec)]

    thumb_first = [f"count_{n}" for n in (1, 2, 3, 4, 6, 7, 8, 9)]
    unseen_named = [c for c in NAMED_GESTURES if c not in cfg.data.classes]
    sets = [("two-hand-thumb counts", synth(thumb_first, "two-hand-thumb"), "two-hand-thumb")]
    if unseen_named:
        sets.append((f"named gestures not trained ({', '.join(unseen_named)})", synth(unseen_named, "two-hand"),
                     "two-hand"))  # fmt: skip
    return sets


def fit_finger_stage(cfg: RunConfig, log=print, share: Share = ALONE) -> tuple[FingerReader, dict]:
    """Train the reader on ``cfg``'s training split (this process's ``share`` of each batch); report
    validation and held-out-shape accuracy (the main process)."""
    if cfg.data.path is not None:
        raise ConfigError("data.view: fingers trains on the synthetic generator (its per-finger labels come "
                          "from the pose definitions); set data.path: null.")  # fmt: skip
    unknown = sorted(set(cfg.data.classes) - set(ALL_CLASSES))
    if unknown:
        raise ConfigError(f"data.classes: {unknown[0]} has no synthetic pose definition.")
    started = time.time()
    profile = get_profile(cfg.data.profile)
    reader = train_reader(cfg, load_split(cfg, "train"), log, share)
    metrics = {"fingers_train_minutes": round((time.time() - started) / 60, 2)}
    if not share.main:
        return reader, metrics
    validation = load_split(cfg, "validation")
    if validation:
        metrics["fingers_validation"] = reader_report(reader, validation, profile, cfg.data.convention)
    for name, items, convention in held_out_shapes(cfg):
        if items:
            metrics[f"fingers_held_out: {name}"] = reader_report(reader, items, profile, convention)
    log(f"finger reader: {metrics}")
    reader.config.metrics = metrics
    return reader, metrics

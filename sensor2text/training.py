"""Training loop with accelerate: CPU by default, the same code under ``accelerate launch`` on GPUs.

Run folder layout (``training.output_dir``)::

    logs/            tensorboard event files (accelerate tracker)
    states/step_N/   resumable training states (``train_state``: safetensors + JSON), the newest
                     ``training.keep_states`` of them, for ``--resume``
    checkpoint/      the trained model, ``Sensor2Text.save_pretrained`` (safetensors + JSON)
    run_config.yaml  the resolved run config
"""

from __future__ import annotations

import copy
import math
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from .base_lm import load_base_model
from .config import RunConfig, to_yaml
from .data import Recording, iter_recordings, standardize_sessions
from .errors import ConfigError
from .glove import Normalizer, get_profile, resample
from .labels import LabelSet, load_label_sets
from .model import ModelConfig, Sensor2Text
from .prompts import load_template
from .synth import SynthSpec, generate
from .train_state import load_training_state, prune_states, save_training_state, saved_states

STATES_DIR = "states"
CHECKPOINT_DIR = "checkpoint"


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
    from .data import is_hf_dataset

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
        window = self.windows[i]
        channels = window.shape[1]
        if self.augment_gain:
            window = window * (1 + self.augment_gain * torch.randn(channels))
        if self.augment_offset:
            window = window + self.augment_offset * torch.randn(channels)
        window = (window - self.mean) / self.std
        if self.augment_shift:
            window = window + self.augment_shift * torch.randn(channels)
        return window, list(self.label_sets[self.labels[i]].synonyms)


def collate(batch):
    """``[(window, synonyms)] -> (windows (B, F, C), [synonyms])``"""
    return torch.stack([w for w, _ in batch]), [s for _, s in batch]


def model_profile(cfg: RunConfig) -> str:
    """The model's device profile: the data's, or one hand of it for ``data.view: hands``."""
    return get_profile(cfg.data.profile).one_hand().name if cfg.data.view == "hands" else cfg.data.profile


def build_model(cfg: RunConfig, normalizer: Normalizer, label_sets: dict[str, LabelSet], lm=None, tokenizer=None):
    template = load_template(cfg.prompt.template)
    model_config = ModelConfig(
        base_model_name_or_path=cfg.training.base_model, template_name=template.name,
        template_text=template.text, profile=model_profile(cfg), num_frames=cfg.data.num_frames,
        projector=cfg.projector, adapter=cfg.adapter, max_new_tokens=cfg.prompt.max_new_tokens,
        label_sets={name: list(ls.synonyms) for name, ls in label_sets.items()},
        trained_classes=list(cfg.data.classes), session_norm=cfg.data.session_norm,
    )  # fmt: skip
    return Sensor2Text.build(model_config, normalizer, lm=lm, tokenizer=tokenizer)


def make_optimizer(model: Sensor2Text, cfg: RunConfig, total_steps: int):
    """AdamW with separate rates for projector and LoRA; linear warm-up then cosine decay."""
    lora = [p for n, p in model.lm.named_parameters() if p.requires_grad]
    groups = [{"params": list(model.projector.parameters()), "lr": cfg.training.learning_rate}]
    if lora:
        groups.append({"params": lora, "lr": cfg.training.lora_learning_rate})
    optimizer = torch.optim.AdamW(groups, weight_decay=cfg.training.weight_decay)
    warmup = max(cfg.training.warmup_steps, 1)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total_steps - warmup))))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def latest_state(run_dir: Path) -> tuple[Path, int] | None:
    """``(folder, step)`` of the newest saved state of a run, or None."""
    states = saved_states(run_dir / STATES_DIR)
    return (states[max(states)], max(states)) if states else None


def save_state(accelerator, model, optimizer, scheduler, cfg: RunConfig, step: int, minutes: float) -> None:
    """Write ``states/step_<step>`` (main process) and drop states beyond ``training.keep_states``."""
    states = Path(cfg.training.output_dir) / STATES_DIR
    if accelerator.is_main_process:
        unwrapped = accelerator.unwrap_model(model)
        save_training_state(states / f"step_{step}", unwrapped, optimizer, scheduler, step, minutes)
        prune_states(states, cfg.training.keep_states)
    accelerator.wait_for_everyone()


def _batches(loader):
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
    from .stepwise import hand_items, load_hand_states

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
    loader = torch.utils.data.DataLoader(dataset, batch_size=cfg.training.batch_size, shuffle=True,
                                         collate_fn=collate, drop_last=drop_last)  # fmt: skip
    if not (cfg.training.eval_every and val_items):
        return loader, None
    val_set = WindowDataset(val_items, normalizer, data.num_frames, label_sets)
    return loader, torch.utils.data.DataLoader(val_set, batch_size=cfg.training.batch_size, collate_fn=collate)


def run_steps(accelerator, model, optimizer, scheduler, loader, val_loader, cfg: RunConfig, start: int,
              prior_minutes: float = 0.0) -> float:  # fmt: skip
    """The optimisation loop from step ``start`` (after ``prior_minutes`` of earlier training): log,
    validate, save states. Returns the training minutes in all, the earlier ones included."""
    from tqdm.auto import tqdm

    train_cfg = cfg.training
    started = time.time()
    model.train()
    batches = _batches(loader)
    progress = tqdm(range(start, train_cfg.max_steps), disable=not accelerator.is_local_main_process)
    for step in progress:
        windows, synonyms = next(batches)
        loss = model(windows, synonyms, train_cfg.synonym_loss)
        accelerator.backward(loss)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        progress.set_postfix(loss=f"{loss.item():.3f}")
        done = step + 1
        if done % train_cfg.log_every == 0:
            accelerator.log({"train/loss": loss.item(), "train/lr": scheduler.get_last_lr()[0]}, step=done)
        if val_loader and done % train_cfg.eval_every == 0:
            accelerator.log({"val/loss": validation_loss(model, val_loader, train_cfg.synonym_loss)}, step=done)
        if train_cfg.save_every and done % train_cfg.save_every == 0:
            minutes = prior_minutes + (time.time() - started) / 60
            save_state(accelerator, model, optimizer, scheduler, cfg, done, minutes)
    return prior_minutes + (time.time() - started) / 60


def train(cfg: RunConfig, resume: bool = False, lm=None, tokenizer=None) -> Path:
    """Train projector + LoRA on ``cfg``; returns the saved checkpoint folder."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    run_dir = Path(cfg.training.output_dir)
    accelerator = Accelerator(log_with="tensorboard", project_dir=str(run_dir / "logs"))
    set_seed(cfg.training.seed)
    label_sets = checked_label_sets(cfg)
    train_items, val_items = load_split(cfg, "train"), load_split(cfg, "validation")
    gesture_val, gesture_labels = val_items, label_sets
    composer_base = None
    if cfg.composer.enabled:  # a fresh copy of the base LM, before LoRA is added to the other
        composer_base = (copy.deepcopy(lm), tokenizer) if lm is not None else load_base_model(cfg.training.base_model)
    if cfg.data.view == "hands":
        train_items, val_items, label_sets = hand_view(cfg, train_items, val_items)
    normalizer = Normalizer.fit([resample(f, cfg.data.num_frames) for f, _ in train_items])
    model = build_model(cfg, normalizer, label_sets, lm, tokenizer)
    loader, val_loader = make_loaders(cfg, train_items, val_items, normalizer, label_sets)
    optimizer, scheduler = make_optimizer(model, cfg, cfg.training.max_steps)
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    start, prior_minutes = 0, 0.0
    if resume and (found := latest_state(run_dir)):
        start, prior_minutes = load_training_state(found[0], accelerator.unwrap_model(model), optimizer, scheduler)
        accelerator.print(f"resumed from {found[0]}")
    if accelerator.is_main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "run_config.yaml").write_text(to_yaml(cfg))
    accelerator.init_trackers("sensor2text", config=_flat_hparams(cfg))
    minutes = run_steps(accelerator, model, optimizer, scheduler, loader, val_loader, cfg, start, prior_minutes)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        model = accelerator.unwrap_model(model).eval()
        model.sessions_standardized = cfg.data.session_norm  # load_split standardised each session
        metrics = {"train_minutes": round(minutes, 2), "steps": cfg.training.max_steps}
        if val_items:
            from .evaluation import accuracy_report

            metrics["validation_accuracy"] = round(accuracy_report(model, val_items, label_sets)["accuracy"], 4)
            accelerator.log({"val/accuracy": metrics["validation_accuracy"]}, step=cfg.training.max_steps)
        if cfg.composer.enabled:
            model = add_composer(cfg, model, gesture_labels, gesture_val, composer_base, metrics, accelerator.print)
        model.save_pretrained(run_dir / CHECKPOINT_DIR, model_card=model_card(cfg, metrics, len(train_items)))
        accelerator.print(f"saved {run_dir / CHECKPOINT_DIR}  {metrics}")
    accelerator.end_training()
    return run_dir / CHECKPOINT_DIR


def add_composer(cfg: RunConfig, hands, label_sets, val_items, base, metrics: dict, log=print):
    """Stage 2 of the stepwise design on a trained hands model; adds its validation accuracy to ``metrics``."""
    from .evaluation import accuracy_report
    from .stepwise import build_stepwise

    started = time.time()
    model = build_stepwise(cfg, hands, label_sets, *base, log=log)
    metrics["composer_train_minutes"] = round((time.time() - started) / 60, 2)
    if val_items:
        metrics["stepwise_validation_accuracy"] = round(accuracy_report(model, val_items, label_sets)["accuracy"], 4)
    return model


def train_composer_stage(cfg: RunConfig, hands_checkpoint: str | Path, lm=None, tokenizer=None) -> Path:
    """Stepwise checkpoint from an existing hands checkpoint: trains only the composer (ablations)."""
    from .model import Sensor2Text

    if not cfg.composer.enabled:
        raise ConfigError("--hands-checkpoint trains the composer stage: set composer.enabled: true.")
    hands = Sensor2Text.from_pretrained(hands_checkpoint)
    if sorted(hands.config.trained_classes) != sorted(cfg.data.classes):
        raise ConfigError(f"{hands_checkpoint}: hands model trained on other classes than data.classes.")
    label_sets = checked_label_sets(cfg)
    base = (lm, tokenizer) if lm is not None else load_base_model(cfg.training.base_model)
    metrics = {"hands_checkpoint": str(hands_checkpoint)}
    model = add_composer(cfg, hands, label_sets, load_split(cfg, "validation"), base, metrics)
    run_dir = Path(cfg.training.output_dir)
    model.save_pretrained(run_dir / CHECKPOINT_DIR, model_card=model_card(cfg, metrics, None))
    (run_dir / "run_config.yaml").write_text(to_yaml(cfg))
    print(f"saved {run_dir / CHECKPOINT_DIR}  {metrics}")
    return run_dir / CHECKPOINT_DIR


@torch.no_grad()
def validation_loss(model, loader, mode: str) -> float:
    """Mean synonym-aware loss over a validation loader (model in eval mode, then back to train)."""
    model.eval()
    losses = [model(windows.to(next(model.parameters()).device), synonyms, mode).item() for windows, synonyms in loader]
    model.train()
    return float(np.mean(losses)) if losses else float("nan")


def _flat_hparams(cfg: RunConfig) -> dict:
    flat = {}
    for section, values in asdict(cfg).items():
        for key, value in values.items():
            flat[f"{section}.{key}"] = value if isinstance(value, (int, float, str, bool)) else str(value)
    return flat


def model_card(cfg: RunConfig, metrics: dict, num_train: int | None) -> str:
    """Markdown model card: what it is, the data, metrics, and the exact command that made it.

    ``num_train`` is None when the glove stage was reused from another checkpoint (its card
    counts the recordings).
    """
    command = " ".join(shlex.quote(a) for a in ["sensor2text", *sys.argv[1:]]) if sys.argv else ""
    data = cfg.data
    source = data.path or (f"synthetic glove, seed {data.seed}, {data.train_subjects} training subjects x "
                           f"{data.repetitions} repetitions, convention '{data.convention}'")  # fmt: skip
    recordings = f"{num_train} recordings" if num_train is not None else "recordings as in the hands checkpoint"
    lines = [
        "# sensor2text checkpoint", "",
        f"Base LM: `{cfg.training.base_model}` (frozen) + LoRA r={cfg.adapter.r} "
        f"(enabled: {cfg.adapter.enabled}); projector `{cfg.projector.type}` -> "
        f"{cfg.projector.num_virtual_tokens} soft tokens; template `{cfg.prompt.template}`.", "",
        f"Training data: {source}; {recordings} of classes: {', '.join(data.classes)}.", "",
        "## Metrics", "", *[f"- {k}: {v}" for k, v in metrics.items()], "",
        "## Command", "", f"    {command}", "",
        "## Configuration", "", "```yaml", to_yaml(cfg).rstrip(), "```", "",
    ]  # fmt: skip
    return "\n".join(lines)

"""Training loop with accelerate: one CPU process by default; the same code in N processes on CPUs
or GPUs (``--processes N``, ``accelerate launch``, ``torchrun``: :mod:`sensor2text.training.launch`).

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
import os
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from sensor2text.config import RunConfig, to_yaml
from sensor2text.errors import ConfigError
from sensor2text.glove.schema import Normalizer, get_profile, resample
from sensor2text.labels import LabelSet, with_finger_pairs
from sensor2text.models.holistic import ModelConfig, Sensor2Text
from sensor2text.models.lm import load_base_model
from sensor2text.models.prompts import load_template
from sensor2text.textfile import write_text_atomic
from sensor2text.training.data import batches_forever, checked_label_sets, hand_view, load_split, make_loaders
from sensor2text.training.launch import check_splits, join_processes, on_cpu, world_size
from sensor2text.training.state import load_training_state, prune_states, save_training_state, saved_states
from sensor2text.training.steps import optimize
from sensor2text.training.text import add_composer

STATES_DIR = "states"
CHECKPOINT_DIR = "checkpoint"


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


def run_steps(accelerator, model, optimizer, scheduler, loader, val_loader, cfg: RunConfig, start: int,
              prior_minutes: float = 0.0) -> float:  # fmt: skip
    """The projector + LoRA steps from ``start`` (after ``prior_minutes`` of earlier training): log,
    validate, save states. Returns the training minutes in all, the earlier ones included."""
    train_cfg = cfg.training
    started = time.time()
    model.train()
    batches = batches_forever(loader)

    def step_loss(step: int) -> torch.Tensor:
        windows, synonyms = next(batches)
        return model(windows, synonyms, train_cfg.synonym_loss)

    def after_step(done: int, loss: float) -> None:
        if done % train_cfg.log_every == 0:
            accelerator.log({"train/loss": loss, "train/lr": scheduler.get_last_lr()[0]}, step=done)
        if val_loader and done % train_cfg.eval_every == 0:
            accelerator.log({"val/loss": validation_loss(model, val_loader, train_cfg.synonym_loss)}, step=done)
        if train_cfg.save_every and done % train_cfg.save_every == 0:
            minutes = prior_minutes + (time.time() - started) / 60
            save_state(accelerator, model, optimizer, scheduler, cfg, done, minutes)

    optimize(step_loss, optimizer, train_cfg.max_steps, start, scheduler, accelerator.backward, after_step,
             progress=accelerator.is_local_main_process)  # fmt: skip
    return prior_minutes + (time.time() - started) / 60


def prepare_run_dir(cfg: RunConfig) -> Path:
    """The run folder (``training.output_dir``), created now: a path that cannot hold the run is
    refused before anything is trained, not when the checkpoint is saved."""
    run_dir = Path(cfg.training.output_dir)
    blocking = next((p for p in [run_dir, *run_dir.parents] if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ConfigError(f"training.output_dir {run_dir}: {blocking} is a file; expected a folder for the run.")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"training.output_dir {run_dir}: cannot be created ({exc.strerror}).") from None
    if not os.access(run_dir, os.W_OK):
        raise ConfigError(f"training.output_dir {run_dir}: not writable; expected a folder the run can write to.")
    return run_dir


def check_launch(cfg: RunConfig, env=os.environ) -> None:
    """Refuse a multi-process launch whose batches do not split evenly into the processes (ConfigError)."""
    world = world_size(env)
    if world > 1:
        check_batches(cfg, world)


def check_batches(cfg: RunConfig, processes: int) -> None:
    """ConfigError unless every batch the run's design draws splits evenly into ``processes``."""
    if cfg.data.view == "fingers":
        check_splits(cfg.fingers.batch_size, processes, "fingers.batch_size")
        check_splits(cfg.composer.batch_size, processes, "composer.batch_size")
    else:
        check_splits(cfg.training.batch_size, processes)


def make_accelerator(run_dir: Path):
    """The run's Accelerator: tensorboard logs in ``run_dir/logs``; batches split between processes
    (each step trains on ``training.batch_size`` recordings whatever the number of processes);
    gloo between CPU processes on a machine without GPUs (see :mod:`sensor2text.training.launch`)."""
    from accelerate import Accelerator, DataLoaderConfiguration

    return Accelerator(cpu=world_size() > 1 and on_cpu(), log_with="tensorboard", project_dir=str(run_dir / "logs"),
                       dataloader_config=DataLoaderConfiguration(split_batches=True))  # fmt: skip


def train(cfg: RunConfig, resume: bool = False, lm=None, tokenizer=None) -> Path:
    """Train projector + LoRA on ``cfg``; returns the saved checkpoint folder."""
    from accelerate.utils import set_seed

    check_launch(cfg)
    if cfg.data.view == "fingers":
        return train_finger_stepwise(cfg, lm, tokenizer)
    run_dir = prepare_run_dir(cfg)
    accelerator = make_accelerator(run_dir)
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
    if accelerator.num_processes > 1:  # each process its own augmentation draws (the shuffle stays shared)
        torch.manual_seed(cfg.training.seed + accelerator.process_index)
        accelerator.print(f"{accelerator.num_processes} processes ({accelerator.distributed_type.value}): "
                          f"{cfg.training.batch_size // accelerator.num_processes} recordings each per step")
    start, prior_minutes = 0, 0.0
    if resume and (found := latest_state(run_dir)):
        start, prior_minutes = load_training_state(found[0], accelerator.unwrap_model(model), optimizer, scheduler)
        accelerator.print(f"resumed from {found[0]}")
    if accelerator.is_main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(run_dir / "run_config.yaml", to_yaml(cfg))
    accelerator.init_trackers("sensor2text", config=_flat_hparams(cfg))
    minutes = run_steps(accelerator, model, optimizer, scheduler, loader, val_loader, cfg, start, prior_minutes)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        model = accelerator.unwrap_model(model).eval()
        if cfg.data.session_norm:  # load_split standardised each session: its statistics are now identity
            model.preprocessor.calibrate_to(Normalizer.identity(model.profile.num_channels))
        metrics = {"train_minutes": round(minutes, 2), "steps": cfg.training.max_steps}
        if val_items:
            from sensor2text.evaluation.accuracy import accuracy_report

            metrics["validation_accuracy"] = round(accuracy_report(model, val_items, label_sets)["accuracy"], 4)
            accelerator.log({"val/accuracy": metrics["validation_accuracy"]}, step=cfg.training.max_steps)
        if cfg.composer.enabled:
            model = add_composer(cfg, model, gesture_labels, gesture_val, composer_base, metrics, accelerator.print)
        model.save_pretrained(run_dir / CHECKPOINT_DIR, model_card=model_card(cfg, metrics, len(train_items)))
        accelerator.print(f"saved {run_dir / CHECKPOINT_DIR}  {metrics}")
    accelerator.end_training()
    return run_dir / CHECKPOINT_DIR


def train_finger_stepwise(cfg: RunConfig, lm=None, tokenizer=None, log=print) -> Path:
    """The finger-word stepwise design: finger reader, then composer; returns the checkpoint folder."""
    from sensor2text.training.fingers import fit_finger_stage

    share = join_processes()
    run_dir = prepare_run_dir(cfg)
    if share.main:
        write_text_atomic(run_dir / "run_config.yaml", to_yaml(cfg))
    else:
        log = lambda *_: None  # noqa: E731 - one process logs
    if share.world > 1:
        log(f"{share.world} processes: {cfg.fingers.batch_size // share.world} hands and "
            f"{cfg.composer.batch_size // share.world} texts each per step")  # fmt: skip
    torch.manual_seed(cfg.training.seed)
    reader, metrics = fit_finger_stage(cfg, log, share)
    base = (lm, tokenizer) if lm is not None else load_base_model(cfg.training.base_model)
    label_sets = with_finger_pairs(checked_label_sets(cfg))  # evaluation sets of finger pairs are named by total
    model = add_composer(cfg, reader, label_sets, load_split(cfg, "validation"), base, metrics, log, share)
    if not share.main:  # the main process measures and writes
        return run_dir / CHECKPOINT_DIR
    model.save_pretrained(run_dir / CHECKPOINT_DIR, model_card=finger_model_card(cfg, metrics))
    log(f"saved {run_dir / CHECKPOINT_DIR}  {metrics}")
    return run_dir / CHECKPOINT_DIR


def train_composer_stage(cfg: RunConfig, hands_checkpoint: str | Path, lm=None, tokenizer=None) -> Path:
    """Stepwise checkpoint from an existing hands checkpoint: trains only the composer (ablations)."""
    from sensor2text.models.holistic import Sensor2Text

    if not cfg.composer.enabled:
        raise ConfigError("--hands-checkpoint trains the composer stage: set composer.enabled: true.")
    run_dir = prepare_run_dir(cfg)
    hands = Sensor2Text.from_pretrained(hands_checkpoint)
    if sorted(hands.config.trained_classes) != sorted(cfg.data.classes):
        raise ConfigError(f"{hands_checkpoint}: hands model trained on other classes than data.classes.")
    label_sets = checked_label_sets(cfg)
    base = (lm, tokenizer) if lm is not None else load_base_model(cfg.training.base_model)
    metrics = {"hands_checkpoint": str(hands_checkpoint)}
    model = add_composer(cfg, hands, label_sets, load_split(cfg, "validation"), base, metrics)
    model.save_pretrained(run_dir / CHECKPOINT_DIR, model_card=model_card(cfg, metrics, None))
    write_text_atomic(run_dir / "run_config.yaml", to_yaml(cfg))
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
    data = cfg.data
    source = data.path or (f"synthetic glove, seed {data.seed}, {data.train_subjects} training subjects x "
                           f"{data.repetitions} repetitions, convention '{data.convention}'")  # fmt: skip
    recordings = f"{num_train} recordings" if num_train is not None else "recordings as in the hands checkpoint"
    lines = [
        front_matter(cfg, metrics),
        "# sensor2text checkpoint", "",
        f"Base LM: `{cfg.training.base_model}` (frozen) + LoRA r={cfg.adapter.r} "
        f"(enabled: {cfg.adapter.enabled}); projector `{cfg.projector.type}` -> "
        f"{cfg.projector.num_virtual_tokens} soft tokens; template `{cfg.prompt.template}`.", "",
        f"Training data: {source}; {recordings} of classes: {', '.join(data.classes)}.", "",
    ]  # fmt: skip
    return "\n".join(lines + _card_record(cfg, metrics))


def finger_model_card(cfg: RunConfig, metrics: dict) -> str:
    """Model card of a finger-word stepwise checkpoint: its two stages, where the finger labels and
    the text knowledge come from, metrics, the command and the configuration."""
    data, composer = cfg.data, cfg.composer
    knowledge = composer.knowledge_adapter or "none (the base LM answers)"
    lines = [
        front_matter(cfg, metrics, tags=["finger-words", "stepwise"]),
        "# sensor2text finger-word checkpoint", "",
        "Two stages, no soft prompt:", "",
        f"1. **Finger reader** (no LM; hidden size {cfg.fingers.hidden}, {cfg.fingers.steps} steps): per hand, "
        "each finger's state (extended, bent, curled) from that finger's channels, thumb-index contact and "
        "motion, written as finger words (\"extended: pointer, middle; curled: thumb, ring, little\"). "
        "**Per-finger labels come from the synthetic generator's pose definitions** "
        "(`sensor2text.glove.synth.hand_words`), not from annotation of recordings; no count word and "
        "no gesture name is in a caption.",
        f"2. **Composer**: `{cfg.training.base_model}` (frozen) + a text-only LoRA r={composer.r} "
        f"({composer.max_steps} steps) that reads the two hands' finger words and either names the "
        "gesture or counts: each count and sum is asked about the fingers the reader read and answered "
        f"by the LM with the composer LoRA off, plus the declared text-knowledge adapter `{knowledge}` "
        "(its own card lists its corpus; it has no hands, fingers or gestures).", "",
        f"Training data: synthetic glove, seed {data.seed}, {data.train_subjects} training subjects x "
        f"{data.repetitions} repetitions, convention '{data.convention}'; classes: {', '.join(data.classes)}.", "",
    ]  # fmt: skip
    return "\n".join(lines + _card_record(cfg, metrics))


def _card_record(cfg: RunConfig, metrics: dict) -> list[str]:
    """The model card's closing lines: metrics, the command that made it and the configuration."""
    command = " ".join(shlex.quote(a) for a in ["sensor2text", *sys.argv[1:]]) if sys.argv else ""
    return ["## Metrics", "", *[f"- {k}: {v}" for k, v in metrics.items()], "",
            "## Command", "", f"    {command}", "",
            "## Configuration", "", "```yaml", to_yaml(cfg).rstrip(), "```", ""]  # fmt: skip


def front_matter(cfg: RunConfig, metrics: dict, tags: list[str] | None = None) -> str:
    """The Hugging Face model-card header (YAML between ``---`` lines): library, base model (a hub
    id only; a local folder is not named), tags, licence and the numeric metrics."""
    import yaml

    from sensor2text.models.lm import EMBEDDED_HUB_ID, EMBEDDED_MODEL_NAME

    base = EMBEDDED_HUB_ID if cfg.training.base_model == EMBEDDED_MODEL_NAME else cfg.training.base_model
    header = {"library_name": "sensor2text", "license": "mit",
              "tags": ["sensor2text", "data-glove", "gesture-recognition", *(tags or ["soft-prompt"]), "lora", "peft"]}
    if not Path(base).exists():
        header["base_model"] = base
    numbers = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if numbers:
        header["metrics"] = numbers
    return "---\n" + yaml.safe_dump(header, sort_keys=False) + "---\n"

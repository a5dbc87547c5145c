"""Configuration dataclasses, one per component, composed into a run config; YAML in/out.

Unknown keys are an error, never silently ignored. A YAML run config has one section per
component (``projector``, ``adapter``, ``prompt``, ``data``, ``training``); CLI overrides use
dotted keys: ``--set training.max_steps=50 projector.type=lstm``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from sensor2text.errors import ConfigError
from sensor2text.glove.schema import DEFAULT_NUM_FRAMES, get_profile
from sensor2text.models.lm import EMBEDDED_MODEL_NAME
from sensor2text.yamlfile import parse_yaml, read_yaml

# Training classes of the default run: counts 0-9 and the 12 named gestures ("ten" stays unseen).
DEFAULT_TRAIN_CLASSES = tuple(f"count_{n}" for n in range(10)) + (
    "v_sign", "thumbs_up", "ok_sign", "pointing", "fist", "open_palm",
    "horns", "shaka", "i_love_you", "pinch", "wave", "come_here",
)  # fmt: skip
# Names of data splits.
SPLITS = ("train", "validation", "test")
# Projector architectures (sensor2text.models.projectors.PROJECTORS builds them; a test keeps the two equal).
PROJECTOR_TYPES = ("linear", "mlp", "conv", "lstm", "transformer", "per_hand")
# Counting conventions of the synthetic glove (sensor2text.glove.synth.COUNTING_CONVENTIONS).
CONVENTIONS = ("two-hand", "two-hand-thumb", "asl")


def help_field(text: str, default=dataclasses.MISSING, factory=dataclasses.MISSING, at_least=None, above=None,
               at_most=None, choices=None):  # fmt: skip
    """A config field with its help text and, for numbers, its range (``at_least``: >=, ``above``: >,
    ``at_most``: <=); for text, the ``choices`` it may take."""
    metadata = {"help": text, "at_least": at_least, "above": above, "at_most": at_most, "choices": choices}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class ProjectorConfig:
    """Glove window ``(frames, channels)`` -> ``num_virtual_tokens`` soft-prompt embeddings."""

    type: str = help_field("Projector architecture: linear, mlp, conv, lstm, transformer, per_hand.", "mlp",
                           choices=PROJECTOR_TYPES)  # fmt: skip
    num_virtual_tokens: int = help_field("Soft-prompt tokens the glove window becomes.", 4)
    hidden_dim: int = help_field("Width of the projector's hidden layers.", 256, at_least=1)
    num_layers: int = help_field("Hidden layers (mlp, conv, lstm, transformer).", 2, at_least=1)
    dropout: float = help_field("Dropout inside the projector.", 0.1, at_least=0, at_most=1)
    input_deltas: bool = help_field("Also feed frame-to-frame differences (explicit motion), per hand.", False)

    def __post_init__(self):
        if self.num_virtual_tokens < 1:
            raise ConfigError("projector.num_virtual_tokens must be at least 1.")


@dataclass
class AdapterConfig:
    """LoRA on the frozen LM (peft). ``target_modules: null`` uses peft's default per architecture."""

    enabled: bool = help_field("Add a LoRA adapter; false keeps the LM exactly as loaded.", True)
    r: int = help_field("LoRA rank.", 8, at_least=1)
    lora_alpha: int = help_field("LoRA scaling numerator (scale = alpha / r).", 16, above=0)
    lora_dropout: float = help_field("Dropout on the LoRA input.", 0.05, at_least=0, at_most=1)
    target_modules: list[str] | None = help_field("Module names to adapt; null = peft's default.", None)


@dataclass
class PromptConfig:
    """The text around the soft tokens: a template name in prompts/ or a path."""

    template: str = help_field("Template name (prompts/<name>.txt) or file path with one {glove}.", "describe")
    max_new_tokens: int = help_field("Tokens generated per description.", 8, at_least=1)


@dataclass
class DataConfig:
    """Where training recordings come from, and how they are shaped for the projector."""

    profile: str = help_field("Device profile of the recordings (see sensor2text.glove.schema).", "synthetic-joints")
    num_frames: int = help_field("Frames every recording is resampled to.", DEFAULT_NUM_FRAMES)
    path: str | None = help_field(
        "Folder with train/ and validation/ recordings (no split folders: all of it trains, "
        "nothing validates); null = synthesize.",
        None,
    )
    labels: str | None = help_field("Label-set YAML, or shipped: synthetic, auslan; null = synthetic.", None)
    classes: list[str] = help_field("Classes to train on.", factory=lambda: list(DEFAULT_TRAIN_CLASSES))
    seed: int = help_field("Seed of the synthetic generator.", 0, at_least=0)
    train_subjects: int = help_field("Synthetic subjects for training.", 8, at_least=0)
    val_subjects: int = help_field("Synthetic subjects for validation.", 2, at_least=0)
    test_subjects: int = help_field("Synthetic subjects for testing.", 2, at_least=0)
    repetitions: int = help_field("Synthetic repetitions per subject and class.", 5, at_least=1)
    convention: str = help_field("Counting convention: two-hand, two-hand-thumb, asl.", "two-hand", choices=CONVENTIONS)
    augment_gain: float = help_field("Training augmentation: std of a random per-channel gain around 1.", 0.0)
    augment_offset: float = help_field("Augmentation: std of a per-channel offset, in the profile's units.", 0.0)
    augment_shift: float = help_field(
        "Augmentation: std of a per-channel offset in units of that channel's training std "
        "(scale-free: for gloves whose channels differ in range, e.g. positions and bends).",
        0.0,
    )
    session_norm: bool = help_field(
        "Standardise every session (subject folder) by its own channel mean/std before the model: an "
        "unlabelled per-session calibration against glove fit and sensor drift. Inference then needs "
        "the session's recordings (evaluate groups by folder; generate/stream take --calibration).",
        False,
    )
    view: str = help_field("'whole' recordings; 'hands': one shared model captions each hand (stepwise); "
                           "'fingers': a finger reader writes finger words for each hand (stepwise).",
                           "whole")  # fmt: skip
    hand_states: str | None = help_field("Per-hand annotation YAML for view 'hands'; null = synthetic.", None)
    splits: dict | None = help_field(
        "Recorded data split by subject folder, e.g. {train: [tctodd1, tctodd2], validation: [tctodd6]}; "
        "null = the path's train/, validation/, test/ subfolders.",
        None,
    )

    def __post_init__(self):
        if self.splits is not None:
            _check_splits(self.splits)
        if self.view not in ("whole", "hands", "fingers"):
            raise ConfigError(f"data.view must be 'whole', 'hands' or 'fingers', got '{self.view}'.")
        if self.session_norm and self.view != "whole":
            raise ConfigError("data.session_norm is not supported with data.view: hands or fingers (stepwise models).")
        if self.num_frames < 2:
            raise ConfigError("data.num_frames must be at least 2.")
        if not self.classes:
            raise ConfigError("data.classes: expected at least one class to train on, got [].")
        try:
            get_profile(self.profile)
        except ValueError as exc:
            raise ConfigError(f"data.profile: {exc}.") from None
        if min(self.augment_gain, self.augment_offset, self.augment_shift) < 0:
            raise ConfigError("data.augment_gain, data.augment_offset and data.augment_shift must be >= 0.")


def _check_splits(splits) -> None:
    if not isinstance(splits, dict) or not set(splits) <= set(SPLITS):
        raise ConfigError(f"data.splits: expected a mapping with keys among {', '.join(SPLITS)}, got {splits!r}.")
    for name, subjects in splits.items():
        if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
            raise ConfigError(f"data.splits.{name}: expected a list of subject folder names, got {subjects!r}.")
    seen = [s for subjects in splits.values() for s in subjects]
    shared = sorted({s for s in seen if seen.count(s) > 1})
    if shared:
        raise ConfigError(f"data.splits: subject folder '{shared[0]}' is in more than one split.")


@dataclass
class TrainingConfig:
    """The optimisation loop (accelerate)."""

    base_model: str = help_field("Hub id, local folder, or the embedded default.", EMBEDDED_MODEL_NAME)
    output_dir: str = help_field("Where the run writes logs, states and the final checkpoint.", "runs/default")
    max_steps: int = help_field("Optimiser steps.", 300, at_least=1)
    batch_size: int = help_field("Recordings per step.", 16, at_least=1)
    learning_rate: float = help_field("Peak learning rate of the projector.", 1e-3, above=0)
    lora_learning_rate: float = help_field("Peak learning rate of the LoRA weights.", 5e-4, at_least=0)
    weight_decay: float = help_field("AdamW weight decay.", 0.01, at_least=0)
    warmup_steps: int = help_field("Linear warm-up steps.", 20, at_least=0)
    synonym_loss: str = help_field("'marginal' (log of summed synonym likelihoods) or 'mean'.", "marginal")
    save_every: int = help_field("Save a resumable training state every N steps (0 = never).", 100, at_least=0)
    keep_states: int = help_field("Keep the newest N training states, deleting older ones (0 = keep all).", 2,
                                  at_least=0)
    eval_every: int = help_field("Validation loss every N steps (0 = never).", 100, at_least=0)
    log_every: int = help_field("Log the training loss every N steps.", 10, at_least=1)
    seed: int = help_field("Seed for initialisation and batch order.", 0, at_least=0)

    def __post_init__(self):
        if self.synonym_loss not in ("marginal", "mean"):
            raise ConfigError("training.synonym_loss must be 'marginal' or 'mean'.")


@dataclass
class ComposerConfig:
    """Text-only LoRA of the composer stage (stepwise design)."""

    enabled: bool = help_field("Train a composer (only with data.view: hands).", False)
    template: str = help_field("Composer template (prompts/compose/<name>.txt or a path) with {left} {right}.",
                               "steps")  # fmt: skip
    arithmetic_corpus: bool = help_field("Give the LM text knowledge: a LoRA trained on generic number-word "
                                         "arithmetic, merged under the composer.", True)  # fmt: skip
    knowledge_adapter: str | None = help_field("Folder of a trained knowledge adapter to reuse; null = train it.",
                                               None)  # fmt: skip
    knowledge_steps: int = help_field("Optimiser steps of the knowledge adapter (when trained here).", 200, at_least=1)
    mirror_texts: bool = help_field("Also train on each gesture text with its hands swapped (same meaning).", True)
    max_steps: int = help_field("Optimiser steps of the composer LoRA.", 60, at_least=1)
    batch_size: int = help_field("Texts per step.", 16, at_least=1)
    learning_rate: float = help_field("Peak learning rate of the composer and knowledge LoRAs.", 2e-3, above=0)
    r: int = help_field("LoRA rank of the composer.", 8, at_least=1)
    lora_dropout: float = help_field("Dropout on the composer and knowledge LoRAs' input.", 0.05, at_least=0,
                                     at_most=1)  # fmt: skip
    max_new_tokens: int = help_field("Tokens the composer may generate (reasoning + meaning).", 16, at_least=1)
    seed: int = help_field("Seed of the composer's batch order.", 0, at_least=0)
    remember_pairs: bool = help_field("Compose every pair of the captions at the end of training and save the "
                                      "answers with the checkpoint (composer_memo.json: a new machine's live "
                                      "stream describes them at once).", True)  # fmt: skip


@dataclass
class FingersConfig:
    """The finger reader of ``data.view: fingers`` (per-finger words; no LM in this stage)."""

    hidden: int = help_field("Channels of each part encoder (finger, thumb, wrist).", 32, at_least=1)
    steps: int = help_field("Optimiser steps.", 1500, at_least=1)
    batch_size: int = help_field("Hands per step.", 64, at_least=1)
    learning_rate: float = help_field("Peak learning rate (one-cycle).", 3e-3, above=0)
    seed: int = help_field("Seed of the batch order and initial weights.", 0, at_least=0)


@dataclass
class RunConfig:
    """Everything a training run needs; YAML sections map to the fields below."""

    projector: ProjectorConfig = field(default_factory=ProjectorConfig)
    adapter: AdapterConfig = field(default_factory=AdapterConfig)
    prompt: PromptConfig = field(default_factory=PromptConfig)
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    composer: ComposerConfig = field(default_factory=ComposerConfig)
    fingers: FingersConfig = field(default_factory=FingersConfig)

    def __post_init__(self):
        if self.composer.enabled and self.data.view == "whole":
            raise ConfigError("composer.enabled needs data.view: hands or fingers (the composer reads per-hand words).")
        if self.data.view == "fingers" and not self.composer.enabled:
            raise ConfigError("data.view: fingers trains a stepwise model: set composer.enabled: true.")


def _hint_name(hint) -> str:
    return str(hint).replace("typing.", "") if typing.get_args(hint) else hint.__name__


def _field_error(field_name: str, text: str) -> ConfigError:
    """A ConfigError ``"<field>: <text>"`` that remembers its field (``load_run_config`` names the
    file or ``--set`` it came from)."""
    error = ConfigError(f"{field_name}: {text}")
    error.field = field_name
    return error


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _check_type(cls, name: str, value, where: str):
    """``value`` as field ``name`` of ``cls`` takes it (a float from YAML 1.1's ``1e-3`` string
    too), or ConfigError naming the field and the expected type."""
    hint = typing.get_type_hints(cls)[name]
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
    wrong = _field_error(_join(where, name), f"expected {_hint_name(hint)}, got {value!r}.")
    if hint is float and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise wrong from None
    if typing.get_origin(hint) is list:
        if not isinstance(value, list) or not all(isinstance(v, typing.get_args(hint)[0]) for v in value):
            raise wrong
        return value
    if hint is dict and not isinstance(value, dict):
        raise wrong
    simple = {int: int, float: (int, float), str: str, bool: bool}
    if hint in simple and not isinstance(value, simple[hint]) or (hint in (int, float) and isinstance(value, bool)):
        raise wrong
    if hint is float and not math.isfinite(value):
        raise _field_error(_join(where, name), f"expected a finite number, got {value!r}.")
    return float(value) if hint is float else value


def _check_range(spec: dataclasses.Field, value, where: str) -> None:
    at_least, above, at_most = (spec.metadata.get(k) for k in ("at_least", "above", "at_most"))
    choices = spec.metadata.get("choices")
    name = _join(where, spec.name)
    if at_least is not None and value < at_least:
        raise _field_error(name, f"expected at least {at_least}, got {value!r}.")
    if above is not None and not value > above:
        raise _field_error(name, f"expected more than {above}, got {value!r}.")
    if at_most is not None and value > at_most:
        raise _field_error(name, f"expected at most {at_most}, got {value!r}.")
    if choices is not None and value not in choices:
        raise _field_error(name, f"unknown value {value!r}; expected one of: {', '.join(choices)}.")


def _kind(value) -> str:
    return "null" if value is None else f"a {type(value).__name__} ({value!r})"[:80]


def from_dict(cls, data: dict, where: str):
    """Build dataclass ``cls`` from ``data``; unknown keys, wrong types and values out of range
    raise ConfigError naming the field (prefixed by ``where``, e.g. a file or ``data``)."""
    if not isinstance(data, dict):
        raise _field_error(where, f"expected a mapping of keys, got {_kind(data)}.")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields), key=str)
    if unknown:
        raise _field_error(_join(where, str(unknown[0])),
                           f"unknown key '{unknown[0]}'; expected one of: {', '.join(fields)}.")  # fmt: skip
    values = {}
    for name, value in data.items():
        sub = typing.get_type_hints(cls)[name]
        if dataclasses.is_dataclass(sub):
            values[name] = from_dict(sub, value, _join(where, name))
        else:
            values[name] = _check_type(cls, name, value, where)
            if values[name] is not None:
                _check_range(fields[name], values[name], where)
    return cls(**values)


def _parse_override(item: str) -> tuple[str, str, object]:
    """``"training.max_steps=50"`` -> ``("training", "max_steps", 50)`` (the value is YAML)."""
    key, sep, raw = item.partition("=")
    section, dot, name = key.strip().partition(".")
    if not (sep and dot and section and name):
        raise ConfigError(f"--set {item}: expected section.key=value, e.g. training.max_steps=50.")
    return section, name, parse_yaml(raw, f"--set {item}")


def _sections(data, source: str) -> dict:
    """A config file's top level: a mapping of sections, each a mapping (or the file is refused)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        sections = ", ".join(f.name for f in dataclasses.fields(RunConfig))
        raise ConfigError(f"{source}: expected a mapping of sections ({sections}), got {_kind(data)}.")
    for section, value in data.items():
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: section '{section}' is {_kind(value)}; expected a mapping of its keys "
                              f"(indented under '{section}:'), or no section.")  # fmt: skip
    return data


# Fields of a run config that may name a file or folder: a relative one is read relative to the
# config file when it is there, else relative to the working directory (the earlier rule, which the
# shipped configs, written from the repository's root, still use). Output folders stay as written.
RUN_CONFIG_PATHS = {"data": ("path", "labels", "hand_states"), "prompt": ("template",),
                    "composer": ("template", "knowledge_adapter"), "training": ("base_model",)}  # fmt: skip


def relative_to_file(value, folder: Path):
    """``value`` (a relative path in a config file in ``folder``) as found from ``folder``, when
    something is there; else ``value`` unchanged (read from the working directory)."""
    if not isinstance(value, str) or not value or Path(value).is_absolute():
        return value
    candidate = folder / value
    return os.path.normpath(candidate) if candidate.exists() else value


def _relative_to(data: dict, folder: Path, fields: dict[str, tuple[str, ...]]) -> dict:
    """``data`` (config sections) with the path ``fields`` resolved by :func:`relative_to_file`."""
    out = dict(data)
    for section, names in fields.items():
        if isinstance(out.get(section), dict):
            out[section] = {k: relative_to_file(v, folder) if k in names else v for k, v in out[section].items()}
    return out


def load_run_config(path: str | Path | None = None, overrides: list[str] = ()) -> RunConfig:
    """Read a YAML run config (``None`` = defaults) and apply ``section.key=value`` overrides.

    ConfigError names the file (or ``--set``), the field and what was expected."""
    source = str(path) if path is not None else None
    data = _sections(read_yaml(path, "config file"), source) if path is not None else {}
    overridden = set()
    for item in overrides:
        section, name, value = _parse_override(item)
        data = {**data, section: {**data.get(section, {}), name: value}}
        overridden |= {section, f"{section}.{name}"}
    if path is not None:
        data = _relative_to(data, Path(path).parent, RUN_CONFIG_PATHS)
    try:
        return from_dict(RunConfig, data, "")
    except ConfigError as error:
        field_name = getattr(error, "field", None)
        origin = "--set" if field_name in overridden else source
        prefix = {None: "", "--set": "--set "}.get(origin, f"{origin}: ")
        raise ConfigError(f"{prefix}{error}") from None


def to_yaml(config) -> str:
    return yaml.safe_dump(asdict(config), sort_keys=False)

"""Checks of a checkpoint's files before anything is built from them.

Each function reads one file (JSON, or a safetensors header through safetensors' own reader)
and raises :class:`sensor2text.errors.CheckpointError` with one sentence naming the file, the
field or tensor, what it holds and what was expected. The loaders (``holistic``, ``stepwise``,
``fingers``) call them in order, so a checkpoint that does not fit its own config is refused
before the base LM is loaded or a module is built.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import torch

from sensor2text.errors import CheckpointError

# peft's name for the LoRA method, as adapter_config.json spells it.
LORA_PEFT_TYPE = "LORA"
# How peft names the saved tensors of an adapted module: ``<prefix><module path>.lora_A.weight``.
LORA_KEY = re.compile(r"^(?:base_model\.model\.)?(?P<module>.+)\.lora_(?P<part>[AB])\.weight$")


def read_json(path: Path, what: str = "JSON object") -> dict:
    """A JSON object from ``path``; CheckpointError naming the file if it is missing, unreadable,
    not UTF-8, not JSON or not an object."""
    if not path.is_file():
        raise CheckpointError(f"{path}: missing; expected a {what}.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CheckpointError(f"{path}: not UTF-8 text; expected a {what}.") from None
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: invalid JSON ({exc.msg}, line {exc.lineno}); expected a {what}.") from None
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot be read ({exc.strerror}).") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a {what}, got a JSON {type(data).__name__}.")
    return data


def check_normalizer(data: dict, channels: int, where: str) -> dict[str, list[float]]:
    """``{"mean": [...], "std": [...]}`` with ``channels`` finite numbers each and every std
    positive; returns it as floats. ``where`` names the file (and field) in the error."""
    if not isinstance(data, dict) or set(data) != {"mean", "std"}:
        keys = ", ".join(sorted(data)) if isinstance(data, dict) else type(data).__name__
        raise CheckpointError(f"{where}: expected exactly the keys mean and std, got {keys}.")
    for key in ("mean", "std"):
        values = data[key]
        if not isinstance(values, list) or len(values) != channels:
            count = len(values) if isinstance(values, list) else type(values).__name__
            raise CheckpointError(f"{where}: {key} has {count} values; expected {channels}, one per channel.")
        bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)]
        if bad:
            raise CheckpointError(f"{where}: {key} holds {json.dumps(bad[0])}; expected finite numbers.")
    if min(data["std"]) <= 0:
        raise CheckpointError(f"{where}: std holds {min(data['std'])}; every standard deviation must be positive.")
    return {key: [float(v) for v in data[key]] for key in ("mean", "std")}


def tensor_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` from a safetensors file's header (no tensor is read); CheckpointError
    naming the file if it is missing, truncated or not safetensors."""
    from safetensors import safe_open

    if not path.is_file():
        raise CheckpointError(f"{path}: missing; expected a safetensors file.")
    try:
        with safe_open(str(path), framework="pt") as handle:
            return {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}
    except Exception as exc:  # safetensors raises its own error types for a corrupt header
        raise CheckpointError(f"{path}: not a valid safetensors file ({_first_line(exc)}).") from None


def read_tensors(path: Path) -> dict[str, torch.Tensor]:
    """Every tensor of a safetensors file, each checked finite; CheckpointError naming the file
    (and the tensor) otherwise."""
    from safetensors.torch import load_file

    tensor_shapes(path)
    try:
        tensors = load_file(path)
    except Exception as exc:  # a header that lies about the data
        raise CheckpointError(f"{path}: not a valid safetensors file ({_first_line(exc)}).") from None
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise CheckpointError(f"{path}: tensor {name} holds NaN or infinite values.")
    return tensors


def check_shapes(path: Path, expected: dict[str, tuple[int, ...]], against: str) -> None:
    """The tensors of ``path`` must be exactly ``expected`` (names and shapes), which ``against``
    describes (e.g. "the projector of config.json"); CheckpointError naming the first difference."""
    found = tensor_shapes(path)
    missing, unexpected = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing:
        raise CheckpointError(f"{path}: has no tensor {missing[0]}, which {against} needs "
                              f"({len(found)} tensors, {len(expected)} expected).")  # fmt: skip
    if unexpected:
        raise CheckpointError(f"{path}: tensor {unexpected[0]} is not part of {against}.")
    for name, shape in expected.items():
        if tuple(found[name]) != tuple(shape):
            raise CheckpointError(f"{path}: tensor {name} has shape {list(found[name])}; {against} expects "
                                  f"{list(shape)}.")  # fmt: skip


def module_shapes(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` of a module's state dict (what its safetensors file must hold)."""
    return {name: tuple(tensor.shape) for name, tensor in module.state_dict().items()}


def check_lora_config(path: Path, r: int | None = None, lora_alpha: int | None = None,
                      target_modules: list[str] | None = None, source: str = "config.json") -> dict:
    """peft's ``adapter_config.json`` must describe a LoRA (of rank ``r``, scale ``lora_alpha``,
    on ``target_modules`` when given, as ``source`` says); returns it."""
    data = read_json(path, "peft adapter config")
    if data.get("peft_type") != LORA_PEFT_TYPE:
        raise CheckpointError(f"{path}: peft_type is {data.get('peft_type')!r}; expected {LORA_PEFT_TYPE!r}.")
    rank = data.get("r")
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise CheckpointError(f"{path}: r is {rank!r}; expected a LoRA rank of at least 1.")
    for key, value in (("r", r), ("lora_alpha", lora_alpha)):
        if value is not None and data.get(key) != value:
            raise CheckpointError(f"{path}: {key} is {data.get(key)!r}; {source}'s adapter expects {value!r}.")
    modules = data.get("target_modules")
    if target_modules is not None and sorted(modules or []) != sorted(target_modules):
        raise CheckpointError(f"{path}: target_modules {modules!r} differ from {source}'s {target_modules!r}.")
    return data


def check_lora_rank(folder: Path, config: dict) -> None:
    """The LoRA tensors in ``folder``'s safetensors header must have the rank of its
    adapter_config.json (``lora_A (r, in)``, ``lora_B (out, r)``); read before any model is built."""
    path = folder / "adapter_model.safetensors"
    shapes = tensor_shapes(path)
    if not shapes:
        raise CheckpointError(f"{path}: holds no tensor; expected the LoRA weights.")
    if config.get("rank_pattern"):
        return
    for key, shape in sorted(shapes.items()):
        match = LORA_KEY.match(key)
        rank = (shape[0] if match.group("part") == "A" else shape[-1]) if match and len(shape) == 2 else None
        if rank is not None and rank != config["r"]:
            raise CheckpointError(f"{path}: tensor {key} {list(shape)} is a rank-{rank} LoRA; "
                                  f"{folder.name}/adapter_config.json says r: {config['r']}.")  # fmt: skip


def lora_shapes(lm: torch.nn.Module, config: dict) -> dict[str, tuple[int, ...]]:
    """The tensors peft saves for a LoRA of ``config`` (adapter_config.json) on ``lm``:
    ``lora_A (r, in_features)`` and ``lora_B (out_features, r)`` per adapted module. Modules of
    other kinds than linear layers (and rank patterns) are left to peft."""
    targets, r = config.get("target_modules"), config["r"]
    if isinstance(targets, str):
        adapted = [n for n, _ in lm.named_modules() if re.fullmatch(targets, n)]
    else:
        adapted = [n for n, _ in lm.named_modules() if n and n.split(".")[-1] in set(targets or [])]
    shapes = {}
    for name in adapted:
        features = _in_out_features(lm.get_submodule(name))
        if features is None or config.get("rank_pattern"):
            continue
        shapes[f"base_model.model.{name}.lora_A.weight"] = (r, features[0])
        shapes[f"base_model.model.{name}.lora_B.weight"] = (features[1], r)
    return shapes


def check_lora(folder: Path, lm: torch.nn.Module, config: dict, base: str) -> None:
    """The LoRA tensors of ``folder/adapter_model.safetensors`` must adapt modules of ``lm``
    (the base model named ``base``) with the rank and sizes ``config`` implies."""
    path = folder / "adapter_model.safetensors"
    found, expected = tensor_shapes(path), lora_shapes(lm, config)
    adapted, targets = {names_of(key) for key in expected}, config.get("target_modules")
    if not expected and not config.get("rank_pattern") and not any(_left_to_peft(k, lm) for k in found):
        raise CheckpointError(f"{folder / 'adapter_config.json'}: target_modules {targets} match no linear layer "
                              f"of the base model {base}.")  # fmt: skip
    for key in sorted(found):
        if LORA_KEY.match(key) and names_of(key) not in adapted and not _left_to_peft(key, lm):
            raise CheckpointError(f"{path}: tensor {key} adapts no module that {folder.name}/adapter_config.json's "
                                  f"target_modules {targets} select on the base model {base}.")  # fmt: skip
    for key, shape in expected.items():
        if key in found and tuple(found[key]) != shape:
            raise CheckpointError(f"{path}: tensor {key} has shape {list(found[key])}; a LoRA of "
                                  f"{folder.name}/adapter_config.json (r: {config['r']}) on the base model {base} "
                                  f"expects {list(shape)}.")  # fmt: skip
    missing = sorted(set(expected) - set(found))
    if missing:
        raise CheckpointError(f"{path}: has no tensor {missing[0]}, which adapter_config.json's target_modules "
                              f"ask for on the base model {base}.")  # fmt: skip


def names_of(key: str) -> str:
    """The module path a LoRA tensor name adapts (``...c_attn.lora_A.weight`` -> ``...c_attn``)."""
    match = LORA_KEY.match(key)
    return match.group("module") if match else key


def _left_to_peft(key: str, lm: torch.nn.Module) -> bool:
    """A LoRA tensor of a module kind :func:`lora_shapes` does not size (e.g. an embedding)."""
    try:
        return _in_out_features(lm.get_submodule(names_of(key))) is None
    except AttributeError:
        return False


def _in_out_features(module: torch.nn.Module) -> tuple[int, int] | None:
    """``(in, out)`` of a linear layer: ``nn.Linear``, or transformers' ``Conv1D`` (GPT-2) whose
    weight is ``(in, out)``; None for any other kind."""
    if isinstance(module, torch.nn.Linear):
        return module.in_features, module.out_features
    if type(module).__name__ == "Conv1D" and getattr(module, "weight", None) is not None:
        return tuple(module.weight.shape)
    return None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]

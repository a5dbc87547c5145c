"""Resumable training states as safetensors + JSON: no pickles, and only what trains.

A state folder (``states/step_N/`` of a run)::

    trainable.safetensors   the parameters that train (projector, LoRA), by parameter name
    optimizer.safetensors   the optimizer's per-parameter tensors (AdamW: step, exp_avg, exp_avg_sq)
    rng.safetensors         torch's random state (and CUDA's, where there is one)
    state.json              step, training minutes so far, optimizer param groups, scheduler state,
                            Python and NumPy random state

The frozen base LM is not saved (it is reloaded from ``training.base_model``), so a state of the
default SmolLM2-135M run is 18 MB instead of the 558 MB of accelerate's ``save_state``, which also
writes pickles (``random_states_0.pkl``, ``optimizer.bin``). Reading a state cannot run code.

A resumed run continues the weights, optimizer moments, learning-rate schedule and random state
of step N; the data loader starts a new shuffled pass there, so the resumed run is an equivalent
continuation, not a bit-identical replay of the uninterrupted one.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import torch

from sensor2text.errors import CheckpointError
from sensor2text.models.holistic import read_safetensors

FORMAT = "sensor2text-training-state/1"
TRAINABLE_FILE = "trainable.safetensors"
OPTIMIZER_FILE = "optimizer.safetensors"
RNG_FILE = "rng.safetensors"
STATE_FILE = "state.json"


def trainable_parameters(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """``{name: tensor}`` of the parameters with ``requires_grad`` (projector, LoRA)."""
    return {name: p for name, p in model.named_parameters() if p.requires_grad}


def save_training_state(folder: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                        scheduler, step: int, minutes: float = 0.0) -> Path:  # fmt: skip
    """Write the state after ``step`` optimisation steps (``minutes`` of training so far) to
    ``folder`` (replaced if it exists)."""
    from safetensors.torch import save_file

    folder = Path(folder)
    partial = folder.with_name(folder.name + ".partial")  # a crash mid-save never leaves a half state
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_file(_detached(trainable_parameters(model)), partial / TRAINABLE_FILE)
    tensors, scalars = _optimizer_tensors(optimizer.state_dict())
    save_file(tensors, partial / OPTIMIZER_FILE)
    save_file(_torch_rng(), partial / RNG_FILE)
    state = {"format": FORMAT, "step": step, "minutes": minutes,
             "optimizer_param_groups": optimizer.state_dict()["param_groups"], "optimizer_scalars": scalars,
             "scheduler": scheduler.state_dict(), "rng": _python_rng()}  # fmt: skip
    (partial / STATE_FILE).write_text(json.dumps(state))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def load_training_state(folder: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                        scheduler) -> tuple[int, float]:  # fmt: skip
    """Restore a state written by ``save_training_state``; returns its step and training minutes.

    Raises CheckpointError naming the file when a part is missing, unreadable, or does not fit
    ``model`` (another projector or adapter configuration).
    """
    folder = Path(folder)
    state = _read_state_json(folder / STATE_FILE)
    saved = _load(folder / TRAINABLE_FILE)
    expected = trainable_parameters(model)
    if set(saved) != set(expected):
        name = sorted(set(saved) ^ set(expected))[0]
        where = "the state" if name in expected else "this run's model"
        raise CheckpointError(f"{folder / TRAINABLE_FILE}: parameter '{name}' is missing from {where}; "
                              "was the state saved by a run with another projector or adapter config?")  # fmt: skip
    for name, tensor in saved.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(f"{folder / TRAINABLE_FILE}: '{name}' has shape {tuple(tensor.shape)}, "
                                  f"the model expects {tuple(expected[name].shape)}.")  # fmt: skip
    with torch.no_grad():
        for name, tensor in saved.items():
            expected[name].copy_(tensor)
    optimizer.load_state_dict(_optimizer_state(_load(folder / OPTIMIZER_FILE), state))
    scheduler.load_state_dict(state["scheduler"])
    _restore_rng(_load(folder / RNG_FILE), state["rng"])
    return int(state["step"]), float(state.get("minutes", 0.0))


def saved_states(states_dir: str | Path) -> dict[int, Path]:
    """``{step: folder}`` of the complete ``step_N`` states in ``states_dir`` (not ``step_N.partial``)."""
    folders = Path(states_dir).glob("step_*")
    return {int(p.name[5:]): p for p in folders if p.name[5:].isdigit()}


def prune_states(states_dir: str | Path, keep: int) -> None:
    """Delete all but the newest ``keep`` ``step_N`` folders of ``states_dir`` (keep <= 0: keep all)."""
    if keep <= 0:
        return
    states = saved_states(states_dir)
    for step in sorted(states)[:-keep]:
        shutil.rmtree(states[step])


def _detached(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Contiguous CPU copies (safetensors refuses shared or strided storage)."""
    return {name: t.detach().to("cpu").contiguous().clone() for name, t in tensors.items()}


def _optimizer_tensors(state_dict: dict) -> tuple[dict[str, torch.Tensor], dict[str, dict]]:
    """Split ``optimizer.state_dict()['state']`` into ``{"<index>.<key>": tensor}`` and JSON scalars."""
    tensors, scalars = {}, {}
    for index, entries in state_dict["state"].items():
        for key, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{index}.{key}"] = value
            else:
                scalars.setdefault(str(index), {})[key] = value
    return _detached(tensors), scalars


def _optimizer_state(tensors: dict[str, torch.Tensor], state: dict) -> dict:
    """The inverse of ``_optimizer_tensors``: a dict for ``optimizer.load_state_dict``."""
    per_param: dict[int, dict] = {}
    for name, tensor in tensors.items():
        index, key = name.split(".", 1)
        per_param.setdefault(int(index), {})[key] = tensor
    for index, entries in state.get("optimizer_scalars", {}).items():
        per_param.setdefault(int(index), {}).update(entries)
    return {"state": per_param, "param_groups": state["optimizer_param_groups"]}


def _torch_rng() -> dict[str, torch.Tensor]:
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng.update({f"cuda.{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    return rng


def _python_rng() -> dict:
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {"python": [version, list(internal), gauss],
            "numpy": [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)]}  # fmt: skip


def _restore_rng(tensors: dict[str, torch.Tensor], rng: dict) -> None:
    torch.set_rng_state(tensors["torch"])
    cuda = [tensors[k] for k in sorted(tensors) if k.startswith("cuda.")]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)
    version, internal, gauss = rng["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = rng["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))


def _read_state_json(path: Path) -> dict:
    if not path.is_file():
        raise CheckpointError(f"{path.parent}: not a sensor2text training state (no {path.name}).")
    try:
        state = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: not valid JSON ({exc}).") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: expected a training state of format '{FORMAT}'.")
    missing = [key for key in ("step", "optimizer_param_groups", "scheduler", "rng") if key not in state]
    if missing:
        raise CheckpointError(f"{path}: training state has no '{missing[0]}'.")
    return state


def _load(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise CheckpointError(f"{path.parent}: training state is missing {path.name}.")
    return read_safetensors(path)

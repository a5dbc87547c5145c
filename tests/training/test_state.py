import json
import random

import numpy as np
import pytest
import torch

from sensor2text.errors import CheckpointError
from sensor2text.training.state import (
    TRAINABLE_FILE,
    load_training_state,
    prune_states,
    save_training_state,
    trainable_parameters,
)


def tiny_setup(seed: int):
    """A frozen layer (the same every time, like a reloaded base LM), a trainable layer drawn from
    ``seed``, AdamW over the trainable part and a LambdaLR."""
    torch.manual_seed(0)
    frozen = torch.nn.Linear(4, 3).requires_grad_(False)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(frozen, torch.nn.Linear(3, 2))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 / (step + 1))
    return model, optimizer, scheduler


def step(model, optimizer, scheduler, x):
    loss = model(x).pow(2).sum()
    loss.backward()
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad()


def test_a_restored_state_continues_exactly_like_the_original(tmp_path):
    model, optimizer, scheduler = tiny_setup(0)
    x = torch.randn(5, 4)
    for _ in range(3):
        step(model, optimizer, scheduler, x)
    save_training_state(tmp_path / "step_3", model, optimizer, scheduler, step=3, minutes=1.5)
    noise_after_save = (torch.randn(3), np.random.rand(), random.random())

    fresh, fresh_opt, fresh_sched = tiny_setup(1)  # other initial weights, empty optimizer
    assert load_training_state(tmp_path / "step_3", fresh, fresh_opt, fresh_sched) == (3, 1.5)
    torch.testing.assert_close(torch.randn(3), noise_after_save[0])  # random streams continue where saved
    assert (np.random.rand(), random.random()) == noise_after_save[1:]
    assert fresh_sched.get_last_lr() == scheduler.get_last_lr()
    step(model, optimizer, scheduler, x)
    step(fresh, fresh_opt, fresh_sched, x)  # moments and schedule restored: the same next update
    torch.testing.assert_close(fresh[1].weight, model[1].weight, rtol=0, atol=0)


def test_a_state_holds_only_trainable_tensors_and_json(tmp_path):
    model, optimizer, scheduler = tiny_setup(0)
    folder = save_training_state(tmp_path / "step_1", model, optimizer, scheduler, step=1)
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".safetensors", ".safetensors", ".safetensors"]
    from safetensors.torch import load_file

    assert set(load_file(folder / TRAINABLE_FILE)) == set(trainable_parameters(model)) == {"1.weight", "1.bias"}
    assert json.loads((folder / "state.json").read_text())["step"] == 1
    assert not list(tmp_path.glob("*.partial"))


def test_a_state_of_another_model_is_refused_naming_the_parameter(tmp_path):
    model, optimizer, scheduler = tiny_setup(0)
    save_training_state(tmp_path / "step_1", model, optimizer, scheduler, step=1)
    other = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 5))
    other_opt = torch.optim.AdamW(other.parameters())
    other_sched = torch.optim.lr_scheduler.LambdaLR(other_opt, lambda s: 1.0)
    with pytest.raises(CheckpointError, match="'0.bias' is missing from the state"):
        load_training_state(tmp_path / "step_1", other, other_opt, other_sched)
    other[0].requires_grad_(False)
    with pytest.raises(CheckpointError, match=r"'1.bias' has shape \(2,\), the model expects \(5,\)"):
        load_training_state(tmp_path / "step_1", other, other_opt, other_sched)


def test_missing_or_corrupt_state_files_name_the_file(tmp_path):
    model, optimizer, scheduler = tiny_setup(0)
    with pytest.raises(CheckpointError, match="not a sensor2text training state"):
        load_training_state(tmp_path, model, optimizer, scheduler)
    folder = save_training_state(tmp_path / "step_1", model, optimizer, scheduler, step=1)
    (folder / TRAINABLE_FILE).write_bytes(b"not safetensors")
    with pytest.raises(CheckpointError, match="trainable.safetensors: not a valid safetensors file"):
        load_training_state(folder, model, optimizer, scheduler)
    (folder / "state.json").write_text('{"format": "sensor2text-training-state/1", "step": 1}')
    with pytest.raises(CheckpointError, match="state.json: training state has no 'optimizer_param_groups'"):
        load_training_state(folder, model, optimizer, scheduler)


def test_prune_keeps_the_newest_states_by_step_number(tmp_path):
    for n in (100, 200, 900, 1000):
        (tmp_path / f"step_{n}").mkdir()
    (tmp_path / "step_1100.partial").mkdir()  # left by a crash mid-save: not a state, not pruned
    prune_states(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step_1000", "step_1100.partial", "step_900"]
    (tmp_path / "step_1100.partial").rmdir()
    prune_states(tmp_path, keep=0)
    assert len(list(tmp_path.iterdir())) == 2

import json

import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from sensor2text.errors import CheckpointError
from sensor2text.models.checks import (
    check_lora,
    check_lora_config,
    check_lora_rank,
    check_normalizer,
    check_shapes,
    lora_shapes,
    module_shapes,
    read_json,
    read_tensors,
    tensor_shapes,
)


class TinyLM(nn.Module):
    """Two linear layers named like a transformer's attention projections."""

    def __init__(self):
        super().__init__()
        self.block = nn.ModuleDict({"q_proj": nn.Linear(8, 6), "v_proj": nn.Linear(8, 4), "norm": nn.LayerNorm(8)})


LORA = {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj", "v_proj"]}


def _lora_file(folder, tensors):
    folder.mkdir(exist_ok=True)
    save_file(tensors, folder / "adapter_model.safetensors")
    (folder / "adapter_config.json").write_text(json.dumps(LORA))
    return folder


def _good_lora(r=2):
    return {"base_model.model.block.q_proj.lora_A.weight": torch.zeros(r, 8),
            "base_model.model.block.q_proj.lora_B.weight": torch.zeros(6, r),
            "base_model.model.block.v_proj.lora_A.weight": torch.zeros(r, 8),
            "base_model.model.block.v_proj.lora_B.weight": torch.zeros(4, r)}  # fmt: skip


@pytest.mark.parametrize("content, message", [
    (None, "missing; expected a config"),
    (b"{", "invalid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1]", "expected a config, got a JSON list"),
])  # fmt: skip
def test_read_json_names_the_file_and_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "x.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=f"x.json: {message}"):
        read_json(path, "config")


@pytest.mark.parametrize("data, message", [
    ({"mean": [0.0, 1.0], "std": [1.0, True]}, "std holds true"),
    ({"mean": [0.0, float("nan")], "std": [1.0, 1.0]}, "mean holds NaN"),
    ({"mean": [0.0, 1.0], "std": [1.0, 0.0]}, "std holds 0.0; every standard deviation must be positive"),
    ({"mean": [0.0], "std": [1.0, 1.0]}, "mean has 1 values; expected 2"),
    ({"mean": [0.0, 1.0], "std": [1.0, 1.0], "x": 1}, "expected exactly the keys mean and std, got mean, std, x"),
])  # fmt: skip
def test_check_normalizer_refuses_each_bad_value(data, message):
    with pytest.raises(CheckpointError, match=f"norm.json: {message}"):
        check_normalizer(data, 2, "norm.json")
    assert check_normalizer({"mean": [0, 1], "std": [1, 2]}, 2, "n") == {"mean": [0.0, 1.0], "std": [1.0, 2.0]}


def test_tensor_shapes_reads_the_header_and_names_a_truncated_file(tmp_path):
    path = tmp_path / "w.safetensors"
    save_file({"a": torch.zeros(3, 4)}, path)
    assert tensor_shapes(path) == {"a": (3, 4)}
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(CheckpointError, match="w.safetensors: not a valid safetensors file"):
        tensor_shapes(path)


def test_read_tensors_refuses_nan_weights(tmp_path):
    path = tmp_path / "w.safetensors"
    save_file({"a": torch.tensor([1.0, float("nan")])}, path)
    with pytest.raises(CheckpointError, match="w.safetensors: tensor a holds NaN"):
        read_tensors(path)


def test_check_shapes_names_the_first_difference(tmp_path):
    path = tmp_path / "p.safetensors"
    layer = nn.Linear(4, 3)
    save_file({"weight": torch.zeros(5, 4), "bias": torch.zeros(3)}, path)
    with pytest.raises(CheckpointError, match=r"tensor weight has shape \[5, 4\]; the layer expects \[3, 4\]"):
        check_shapes(path, module_shapes(layer), "the layer")
    save_file({"weight": torch.zeros(3, 4)}, path)
    with pytest.raises(CheckpointError, match="has no tensor bias, which the layer needs"):
        check_shapes(path, module_shapes(layer), "the layer")


def test_lora_shapes_follow_the_adapted_layers():
    assert lora_shapes(TinyLM(), LORA) == {k: tuple(v.shape) for k, v in _good_lora().items()}


def test_check_lora_accepts_its_own_adapter_and_names_another_rank_or_module(tmp_path):
    lm = TinyLM()
    folder = _lora_file(tmp_path / "adapter", _good_lora())
    check_lora_rank(folder, LORA)
    check_lora(folder, lm, LORA, "tiny")
    _lora_file(folder, _good_lora(r=4))
    with pytest.raises(CheckpointError, match=r"is a rank-4 LoRA; adapter/adapter_config.json says r: 2"):
        check_lora_rank(folder, LORA)
    _lora_file(folder, {k.replace("q_proj", "k_proj"): v for k, v in _good_lora().items()})
    with pytest.raises(CheckpointError, match="k_proj.lora_A.weight adapts no module that adapter/adapter_config"):
        check_lora(folder, lm, LORA, "tiny")


def test_check_lora_config_wants_a_lora_of_the_expected_rank(tmp_path):
    path = tmp_path / "adapter_config.json"
    path.write_text(json.dumps({**LORA, "peft_type": "IA3"}))
    with pytest.raises(CheckpointError, match="peft_type is 'IA3'; expected 'LORA'"):
        check_lora_config(path)
    path.write_text(json.dumps({**LORA, "r": 16}))
    with pytest.raises(CheckpointError, match="r is 16; config.json's adapter expects 2"):
        check_lora_config(path, r=2)

import pytest
import torch
from torch import nn
from transformers.pytorch_utils import Conv1D

from sensor2text.cli.live import PRECISION_CHOICES
from sensor2text.models import precision as quantize
from sensor2text.models.base import Describer
from sensor2text.models.precision import (
    AUTO,
    PRECISIONS,
    Bf16Linear,
    Int8WeightLinear,
    quantize_linear_layers,
    resolve_precision,
    set_precision,
)


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).detach().norm() / b.detach().norm())


@pytest.mark.parametrize("layer_type", [Int8WeightLinear, Bf16Linear])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_matches_linear(layer_type, bias):
    torch.manual_seed(0)
    linear = nn.Linear(64, 48, bias=bias)
    x = torch.randn(2, 5, 64)
    out = layer_type(linear)(x)
    assert out.shape == (2, 5, 48) and out.dtype == torch.float32
    assert relative_error(out, linear(x)) < 0.02


@pytest.mark.parametrize("layer_type", [Int8WeightLinear, Bf16Linear])
def test_layer_matches_gpt2_conv1d(layer_type):
    torch.manual_seed(0)
    conv = Conv1D(48, 64)  # nf=out, nx=in; weight (in, out)
    nn.init.normal_(conv.bias)
    x = torch.randn(3, 64)
    assert relative_error(layer_type(conv)(x), conv(x)) < 0.02


def test_int8_scales_are_per_output_row():
    linear = nn.Linear(16, 2, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0] * 16, [1000.0] * 16]))  # rows of very different size
    layer = Int8WeightLinear(linear)
    assert layer.weight_int8.dtype == torch.int8
    assert torch.allclose(layer(torch.ones(1, 16)), linear(torch.ones(1, 16)), rtol=0.01)


def test_int8_falls_back_to_bf16_where_the_kernel_cannot_go():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(24, 32), nn.Linear(32, 8))  # input width 24 is not a multiple of 16
    x = torch.randn(4, 24)
    reference = model(x)
    assert quantize_linear_layers(model, "int8") == 2
    assert [type(m) for m in model] == [Bf16Linear, Int8WeightLinear]
    assert relative_error(model(x), reference) < 0.02


def tiny_lora_lm(tiny_lm_dir):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    lm = AutoModelForCausalLM.from_pretrained(tiny_lm_dir)
    lm = get_peft_model(lm, LoraConfig(r=2, lora_alpha=4, target_modules=["c_attn"], fan_in_fan_out=True))
    with torch.no_grad():
        for name, p in lm.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    return lm.eval()


@pytest.mark.parametrize("precision", ["int8", "bf16"])
def test_quantized_lora_lm_keeps_logits_and_adapter(tiny_lm_dir, precision):
    lm = tiny_lora_lm(tiny_lm_dir)
    ids = torch.arange(1, 9)[None]
    with torch.no_grad():
        reference = lm(ids).logits
        replaced = quantize_linear_layers(lm, precision)
        logits = lm(ids).logits
        with lm.disable_adapter():
            without_adapter = lm(ids).logits
    # 2 layers x (c_attn, c_proj, c_fc, mlp c_proj) + the LM head; LoRA layers stay fp32
    assert replaced == 9
    lora_layers = [m for n, m in lm.named_modules() if n.endswith(("lora_A.default", "lora_B.default"))]
    assert len(lora_layers) == 4 and all(type(m) is nn.Linear for m in lora_layers)
    assert relative_error(logits, reference) < 0.05
    assert relative_error(without_adapter, logits) > 0.05  # the adapter still acts


def test_auto_precision_follows_the_cpu(monkeypatch):
    monkeypatch.setattr(quantize, "has_native_bf16", lambda: True)
    assert resolve_precision("auto") == "bf16"
    monkeypatch.setattr(quantize, "has_native_bf16", lambda: False)
    assert resolve_precision("auto") == "fp32"
    assert resolve_precision("int8") == "int8"
    with pytest.raises(ValueError, match="precision 'fp16': expected auto or one of fp32, bf16, int8"):
        resolve_precision("fp16")


def test_cli_offers_every_precision():
    assert PRECISION_CHOICES == (AUTO, *PRECISIONS)


def test_set_precision_reaches_every_lm_of_a_stepwise_model(tiny_lm_dir):
    class Holistic(Describer):
        def __init__(self):
            self.lm = tiny_lora_lm(tiny_lm_dir)

    class Stepwise(Holistic):
        def __init__(self):
            super().__init__()
            self.hands = Holistic()

        def lm_modules(self):
            return [self.lm, *self.hands.lm_modules()]

    model = Stepwise()
    assert model.lm_modules() == [model.lm, model.hands.lm]
    assert set_precision(model, "int8") == "int8"
    for lm in model.lm_modules():
        assert any(isinstance(m, Int8WeightLinear) for m in lm.modules())
    assert set_precision(Holistic(), "fp32") == "fp32"


def test_auto_measures_once_per_machine_and_caches(tiny_lm_dir, tmp_path, monkeypatch):
    lm = tiny_lora_lm(tiny_lm_dir)
    cache = tmp_path / "precision.json"
    monkeypatch.setattr(quantize, "has_native_bf16", lambda: True)
    timings = iter([10.0, 5.0])  # fp32 then bf16 milliseconds: bf16 twice as fast
    monkeypatch.setattr(quantize, "decode_ms", lambda lm: next(timings))
    assert quantize.measured_precision(lm, cache) == "bf16"
    monkeypatch.setattr(quantize, "decode_ms", lambda lm: pytest.fail("measured again"))
    assert quantize.measured_precision(lm, cache) == "bf16"  # remembered
    cache.unlink()
    timings = iter([10.0, 9.5])  # not 1.1x faster: fp32
    monkeypatch.setattr(quantize, "decode_ms", lambda lm: next(timings))
    assert quantize.measured_precision(lm, cache) == "fp32"
    assert not any(isinstance(m, Bf16Linear) for m in lm.modules())  # the measured model is untouched
    monkeypatch.setattr(quantize, "has_native_bf16", lambda: False)
    assert quantize.measured_precision(lm, tmp_path / "other.json") == "fp32"


def test_decode_ms_times_a_real_decode_step(tiny_lm_dir):
    assert quantize.decode_ms(tiny_lora_lm(tiny_lm_dir), steps=2) > 0


def test_auto_keeps_the_precision_of_a_checkpoints_shipped_answers(tiny_lm_dir, monkeypatch):
    class Shipped(Describer):
        def __init__(self, preferred):
            self.lm, self.preferred = tiny_lora_lm(tiny_lm_dir), preferred

        def preferred_precision(self):
            return self.preferred

    monkeypatch.setattr(quantize, "measured_precision", lambda lm: "bf16")  # this machine measures bf16 faster
    assert set_precision(Shipped("fp32"), "auto") == "fp32"  # its memo was made at fp32: kept
    assert set_precision(Shipped(None), "auto") == "bf16"  # nothing shipped: measured
    assert set_precision(Shipped("fp32"), "int8") == "int8"  # an explicit choice wins

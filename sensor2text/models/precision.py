"""Faster inference paths for the LM's linear layers: bf16 or int8 weights (CPU, inference only).

Decoding one token with the 135M LM on a 2-core CPU is bound by reading its weights from memory
(fp32: 540 MB per token, about 60 ms here). Storing the weights of every linear layer in fewer
bytes cuts that (``benchmarks/quantization_check.py``, BENCHMARKS.md "Faster inference"):

- ``bf16``: weights and matmuls in bf16, 1.5x faster per recording, descriptions kept;
- ``int8``: weight-only int8 with one scale per output row, matmuls in bf16, 2.3x faster, but
  the hands model loses a fine distinction (wave's "waving"): 96.1 % against 98.3 % right.

Activations are never quantised to int8: dynamic int8 activations (``torch.ao``'s
``quantize_dynamic``, per tensor or per channel) turned the descriptions into gibberish.

LoRA layers stay fp32 (they are tiny), so a peft model keeps working, including
``disable_adapter()`` (the composer's knowledge pass). The embedding table stays fp32: the soft
prompt is built in the embedding space.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers.pytorch_utils import Conv1D

PRECISIONS = ("fp32", "bf16", "int8")
AUTO = "auto"


def is_dense(module: nn.Module) -> bool:
    """A plain linear layer: ``nn.Linear`` or GPT-2's ``Conv1D`` (the same map, weight transposed)."""
    return type(module) is nn.Linear or type(module) is Conv1D


def weight_out_in(module: nn.Module) -> torch.Tensor:
    """The weight of a dense layer as ``(out_features, in_features)``."""
    weight = module.weight.detach()
    return weight.t().contiguous() if type(module) is Conv1D else weight


class Int8WeightLinear(nn.Module):
    """A linear layer with int8 weights ``(out, in)``, one bf16 scale per output row, bf16 matmul.

    Weight-only: activations are not quantised (cast to bf16 for the int8 kernel, the result back
    to the input's dtype). Input ``(..., in)`` -> output ``(..., out)``.
    """

    def __init__(self, linear: nn.Module):
        super().__init__()
        weight = weight_out_in(linear).float()
        scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        self.register_buffer("weight_int8", torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8))
        self.register_buffer("scales", scales.to(torch.bfloat16))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().clone())
        self.out_features, self.in_features = weight.shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).to(torch.bfloat16)
        out = torch._weight_int8pack_mm(flat, self.weight_int8, self.scales).to(x.dtype)
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*x.shape[:-1], self.out_features)


class Bf16Linear(nn.Module):
    """A linear layer computed in bf16 (weights stored in bf16, half the bytes of fp32).

    Input ``(..., in)`` -> output ``(..., out)`` in the input's dtype.
    """

    def __init__(self, linear: nn.Module):
        super().__init__()
        self.register_buffer("weight", weight_out_in(linear).to(torch.bfloat16))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().to(torch.bfloat16))
        self.out_features, self.in_features = self.weight.shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x.to(torch.bfloat16), self.weight, self.bias).to(x.dtype)


LAYER_TYPES = {"bf16": Bf16Linear, "int8": Int8WeightLinear}
# torch's int8 weight kernel needs the input width to be a multiple of 16 (other widths give wrong
# results or crash); such layers fall back to bf16.
INT8_WIDTH_MULTIPLE = 16


def _fast_layer(module: nn.Module, precision: str) -> nn.Module:
    if precision == "int8" and weight_out_in(module).shape[1] % INT8_WIDTH_MULTIPLE:
        return Bf16Linear(module)
    return LAYER_TYPES[precision](module)


def quantize_linear_layers(model: nn.Module, precision: str = "int8") -> int:
    """Replace every dense layer (:func:`is_dense`) outside LoRA adapters by a ``precision`` layer, in place.

    Returns the number of layers replaced. Inference only: the new layers have no gradient.
    """
    if precision not in LAYER_TYPES:
        raise ValueError(f"precision '{precision}': expected one of {', '.join(LAYER_TYPES)}.")
    targets = [(name, module) for name, module in model.named_modules()
               if is_dense(module) and "lora_" not in name]  # fmt: skip
    for name, module in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, _fast_layer(module, precision))
    return len(targets)


# bf16 must beat fp32 by this factor in the measurement to be chosen by ``auto``.
AUTO_MIN_SPEEDUP = 1.1
# Decode steps timed per precision (after one warm-up step), on a 16-token prompt.
AUTO_TIMED_STEPS = 6


def has_native_bf16() -> bool:
    """Whether this CPU computes bf16 matmuls natively (AVX512-BF16 / AMX); else bf16 is emulated."""
    try:  # a private check of torch's oneDNN backend; a torch without it gets fp32
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


@torch.no_grad()
def decode_ms(lm: nn.Module, steps: int = AUTO_TIMED_STEPS) -> float:
    """Median milliseconds of one greedy decode step of ``lm`` after a 16-token prompt."""
    import time

    ids = torch.zeros(1, 16, dtype=torch.long)
    out = lm(input_ids=ids, use_cache=True)
    cache, token, times = out.past_key_values, ids[:, -1:], []
    for _ in range(steps + 1):
        started = time.perf_counter()
        out = lm(input_ids=token, past_key_values=cache, use_cache=True)
        times.append(time.perf_counter() - started)
        cache = out.past_key_values
    return 1000 * sorted(times[1:])[len(times[1:]) // 2]


def _machine_key(lm: nn.Module) -> str:
    import platform

    config = lm.config.get_text_config() if hasattr(lm.config, "get_text_config") else lm.config
    shape = f"{config.model_type}-{config.hidden_size}x{config.num_hidden_layers}"
    return f"{platform.machine()}|{_cpu_name()}|torch {torch.__version__}|{torch.get_num_threads()} threads|{shape}"


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown cpu"


def measured_precision(lm: nn.Module, cache_file=None) -> str:
    """``fp32`` or ``bf16``, whichever decodes ``lm`` faster on this machine, measured once per
    (CPU, torch, threads, LM shape) and remembered in ``<cache>/precision.json``.

    int8 is never chosen: it changes descriptions (see the module docstring). A CPU without
    native bf16 gets fp32 without a measurement.
    """
    import copy
    import json

    from sensor2text.models.lm import cache_dir
    from sensor2text.textfile import write_text_atomic

    if not has_native_bf16():
        return "fp32"
    cache_file = cache_file or cache_dir() / "precision.json"
    key = _machine_key(lm)
    try:
        known = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        known = {}
    if key not in known:
        fp32_ms = decode_ms(lm)
        converted = copy.deepcopy(lm)
        quantize_linear_layers(converted, "bf16")
        bf16_ms = decode_ms(converted)
        known[key] = {"fp32_ms": round(fp32_ms, 2), "bf16_ms": round(bf16_ms, 2),
                      "choice": "bf16" if fp32_ms >= AUTO_MIN_SPEEDUP * bf16_ms else "fp32"}  # fmt: skip
        try:
            write_text_atomic(cache_file, json.dumps(known, indent=2) + "\n")
        except OSError:
            pass  # an unwritable cache only means measuring again next time
    return known[key]["choice"]


def resolve_precision(precision: str, lm: nn.Module | None = None) -> str:
    """``"auto"`` -> the faster of fp32 and bf16 for ``lm`` on this machine (:func:`measured_precision`;
    without an LM, bf16 on a CPU with native bf16, else fp32); other names checked and unchanged."""
    if precision == AUTO:
        if lm is not None:
            return measured_precision(lm)
        return "bf16" if has_native_bf16() else "fp32"
    if precision not in PRECISIONS:
        raise ValueError(f"precision '{precision}': expected {AUTO} or one of {', '.join(PRECISIONS)}.")
    return precision


def set_precision(model, precision: str) -> str:
    """Switch a loaded checkpoint's LMs to ``precision`` (``"fp32"`` leaves them as loaded).

    Returns the precision used: ``"auto"`` keeps the model's :meth:`preferred_precision` when it
    has one (a checkpoint's shipped composer answers were made at it), else is resolved by a
    measurement on the model's first LM.
    """
    if precision == AUTO and getattr(model, "preferred_precision", lambda: None)() in PRECISIONS:
        precision = model.preferred_precision()
    precision = resolve_precision(precision, model.lm_modules()[0] if precision == AUTO else None)
    if precision != "fp32":
        for lm in model.lm_modules():
            quantize_linear_layers(lm, precision)
    return precision

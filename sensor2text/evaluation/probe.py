"""Probe: what the LM predicts next for a gesture prompt, with and without the glove's soft prompt.

Conditions compared (those that apply):

| name | soft prompt | LoRA |
|---|---|---|
| ``text`` | no | off (the pretrained LM alone) |
| ``text+lora`` | no | on |
| ``glove`` | yes | on (what the trained model sees) |
| ``glove-lora-off`` | yes | off |

For every condition: the next-token distribution, and the full log-probability of every synonym
of every label set as a continuation (summed over its tokens, and per token). For the glove: the
nearest vocabulary tokens of each soft-prompt vector and its norm against typical token norms.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from sensor2text.errors import Sensor2TextError
from sensor2text.inputs import calibrate_for_session
from sensor2text.models.holistic import continuation_log_probs
from sensor2text.models.prompts import GLOVE_PLACEHOLDER, PROMPTS_DIR, build_prompt
from sensor2text.textfile import read_user_text

# Probe templates shipped in prompts/probes/<name>.txt ({glove} optional: it goes first if absent).
PROBES_DIR = PROMPTS_DIR / "probes"
# Nearest vocabulary tokens listed per soft-prompt vector.
NEAREST_TOKENS = 5


@dataclass
class TokenProb:
    token_id: int
    token: str
    prob: float


@dataclass
class LabelScore:
    label: str
    synonym: str
    num_tokens: int
    log_prob: float  # summed over the synonym's tokens
    log_prob_per_token: float
    rank: int  # 1 = most likely continuation among all synonyms, by log_prob


@dataclass
class Condition:
    name: str
    top_tokens: list[TokenProb]
    labels: list[LabelScore]
    # probability of every token that is in any condition's top-k, from the full distribution
    shown: list[TokenProb] = field(default_factory=list)


@dataclass
class SoftToken:
    index: int
    norm: float
    nearest: list[TokenProb]  # prob holds the cosine similarity here


@dataclass
class ProbeResult:
    prompt: str
    conditions: list[Condition]
    soft_tokens: list[SoftToken] = field(default_factory=list)
    typical_token_norm: float | None = None
    recording: str | None = None

    def condition(self, name: str) -> Condition:
        return next(c for c in self.conditions if c.name == name)


def synthesize_gesture(gesture: str, seed: int = 0) -> np.ndarray:
    """One synthetic recording ``(T, 46)`` of class ``gesture`` by a held-out (test) subject."""
    from sensor2text.glove.synth import SynthSpec, generate

    spec = SynthSpec(seed=seed, train_subjects=0, val_subjects=0, test_subjects=1, repetitions=1, classes=(gesture,))
    return next(generate(spec))["frames"]


def probe_template_names() -> list[str]:
    return sorted(p.stem for p in PROBES_DIR.glob("*.txt"))


def resolve_prompt(prompt: str | None, template: str | None) -> str:
    """The probe text: ``prompt`` as given, or a template by name from prompts/probes/ or by path."""
    if prompt is not None and template is not None:
        raise Sensor2TextError("give either --prompt or --template, not both.")
    if template is not None:
        path = Path(template) if Path(template).is_file() else PROBES_DIR / f"{template}.txt"
        if not path.is_file():
            names = ", ".join(probe_template_names())
            raise Sensor2TextError(f"unknown probe template '{template}'; expected a file or one of: {names}.")
        prompt = read_user_text(path, "probe template", Sensor2TextError).rstrip("\n")
    if not prompt or not prompt.replace(GLOVE_PLACEHOLDER, "").strip():
        raise Sensor2TextError("the probe prompt is empty; give --prompt TEXT or --template NAME.")
    return prompt if GLOVE_PLACEHOLDER in prompt else f"{GLOVE_PLACEHOLDER} {prompt}"


@torch.no_grad()
def next_token_probs(lm, prompt: torch.Tensor, tokenizer, top_k: int) -> tuple[torch.Tensor, list[TokenProb]]:
    """``prompt (1, P, H)`` -> full next-token distribution ``(V,)`` and its top ``top_k``."""
    probs = lm(inputs_embeds=prompt).logits[0, -1].float().softmax(-1)
    values, ids = probs.topk(top_k)
    top = [TokenProb(int(i), tokenizer.decode([int(i)]), float(v)) for v, i in zip(values, ids)]
    return probs, top


@torch.no_grad()
def label_scores(lm, prompt: torch.Tensor, tokenizer, label_sets: dict[str, list[str]]) -> list[LabelScore]:
    """Log-probability of ``" " + synonym`` after the prompt, for every synonym; ranked."""
    pairs = [(label, s) for label, synonyms in label_sets.items() for s in synonyms]
    targets = [tokenizer(" " + s, add_special_tokens=False).input_ids for _, s in pairs]
    owner = torch.zeros(len(targets), dtype=torch.long)
    logp = continuation_log_probs(lm, prompt, targets, owner, tokenizer.pad_token_id).tolist()
    order = np.argsort(-np.array(logp))
    ranks = {int(i): r + 1 for r, i in enumerate(order)}
    return [LabelScore(label, s, len(t), lp, lp / len(t), ranks[i])
            for i, ((label, s), t, lp) in enumerate(zip(pairs, targets, logp))]  # fmt: skip


@torch.no_grad()
def inspect_soft_tokens(lm, tokenizer, soft: torch.Tensor) -> tuple[list[SoftToken], float]:
    """Nearest vocabulary tokens (cosine, input-embedding space) of each soft vector ``(1, N, H)``."""
    table = lm.get_input_embeddings().weight.float()
    typical = float(table.norm(dim=1).median())
    cosine = torch.nn.functional.normalize(soft[0].float(), dim=-1) @ torch.nn.functional.normalize(table, dim=-1).T
    out = []
    for n, row in enumerate(cosine):
        values, ids = row.topk(NEAREST_TOKENS)
        nearest = [TokenProb(int(i), tokenizer.decode([int(i)]), float(v)) for v, i in zip(values, ids)]
        out.append(SoftToken(n, float(soft[0, n].norm()), nearest))
    return out, typical


def _adapter_off(lm):
    return lm.disable_adapter() if hasattr(lm, "disable_adapter") else contextlib.nullcontext()


def _condition(name: str, lm, tokenizer, prompt_embeds, label_sets, top_k: int, lora: bool):
    """One condition's top-k and label scores, plus its full next-token distribution ``(V,)``."""
    with contextlib.nullcontext() if lora else _adapter_off(lm):
        probs, top = next_token_probs(lm, prompt_embeds, tokenizer, top_k)
        labels = label_scores(lm, prompt_embeds, tokenizer, label_sets) if label_sets else []
    return Condition(name, top, labels), probs


def _fill_shown(conditions: list[tuple[Condition, torch.Tensor]], tokenizer) -> list[Condition]:
    """Give every condition the probability of every token any condition ranks in its top-k."""
    ids = list(dict.fromkeys(t.token_id for c, _ in conditions for t in c.top_tokens))
    for condition, probs in conditions:
        condition.shown = [TokenProb(i, tokenizer.decode([i]), float(probs[i])) for i in ids]
    return [c for c, _ in conditions]


def _calibrate_on_folder(model, source: str | None) -> None:
    """A ``session_norm`` checkpoint reads the recording calibrated on the other recordings of its
    folder (its session); a synthesized gesture has none, which is a clear error."""
    if not (source and Path(source).is_file()):
        raise Sensor2TextError("probe: this checkpoint standardises each session (data.session_norm), and a "
                               "synthesized gesture has no session; give --recording with a file that sits "
                               "among recordings of its glove and wearer.")  # fmt: skip
    calibrate_for_session(model, default=Path(source).parent, command="probe")


@torch.no_grad()
def steered_condition(lm, tokenizer, text: str, steer, recording: np.ndarray, top_k: int) -> tuple:
    """The next-token distribution after ``text`` once the glove steers it: ``steer`` is
    ``(SteerGlove, mode, strength)`` (mode ``bow``: the logit bonuses; ``pplm``: the perturbed past
    fused with the plain distribution). Returns ``(Condition, probs (V,))``."""
    from sensor2text.steering.bow import BagOfWordsSteering, class_words
    from sensor2text.steering.pplm import PplmOptions, bag_vector, next_token_probs

    glove, mode, strength = steer
    ids = tokenizer(text, return_tensors="pt").input_ids
    weights = torch.from_numpy(glove.weights([recording]))
    words = class_words(tokenizer, glove.config.label_sets, glove.config.classes)
    if mode == "bow":
        logits = lm(input_ids=ids).logits[:, -1].float()
        probs = BagOfWordsSteering(words, weights, strength, ids.shape[1])(ids, logits).softmax(-1)[0]
    else:
        bag = bag_vector(words, weights[0], lm.get_input_embeddings().num_embeddings)
        probs = next_token_probs(lm, ids, bag, PplmOptions())
    values, top = probs.topk(top_k)
    tokens = [TokenProb(int(i), tokenizer.decode([int(i)]), float(v)) for v, i in zip(values, top)]
    top_class = glove.config.classes[int(weights.argmax())]
    return Condition(f"steered ({mode}; glove: {top_class})", tokens, []), probs


def probe(prompt: str | None = None, template: str | None = None, recording: np.ndarray | None = None,
          checkpoint: str | None = None, base_model: str | None = None, top_k: int = 20,
          label_sets: dict[str, list[str]] | None = None, source: str | None = None,
          steer=None) -> ProbeResult:  # fmt: skip
    """Run the probe (see the module docstring); ``recording (T, C)`` needs a ``checkpoint``, or
    ``steer`` = ``(SteerGlove, mode, strength)``: the base LM before and after the glove steers it."""
    from sensor2text.labels import load_label_sets
    from sensor2text.models.holistic import Sensor2Text
    from sensor2text.models.lm import EMBEDDED_MODEL_NAME, load_base_model
    from sensor2text.models.stepwise import is_stepwise

    if steer is not None:
        return _steered_probe(prompt, template, recording, base_model, top_k, label_sets, source, steer)
    text = resolve_prompt(prompt, template)
    if recording is not None and checkpoint is None:
        raise Sensor2TextError("a recording or gesture needs --checkpoint (the projector that reads it).")
    if checkpoint and is_stepwise(checkpoint):
        raise Sensor2TextError(f"{checkpoint} is a stepwise checkpoint; the probe puts one soft prompt into the "
                               "LM and needs a holistic one, e.g. smollm2-135m-synth.")  # fmt: skip
    model = Sensor2Text.from_pretrained(checkpoint) if checkpoint else None
    if model is not None:
        if recording is not None and model.config.session_norm:
            _calibrate_on_folder(model, source)
        lm, tokenizer = model.lm, model.tokenizer
        label_sets = label_sets or model.config.label_sets
    else:
        lm, tokenizer = load_base_model(base_model or EMBEDDED_MODEL_NAME)
        label_sets = label_sets or {k: list(v.synonyms) for k, v in load_label_sets().items()}
    lora = model is not None and model.config.adapter.enabled
    plain = build_prompt(lm, tokenizer, text, None)
    runs = [_condition("text", lm, tokenizer, plain, label_sets, top_k, lora=False)]
    if lora:
        runs.append(_condition("text+lora", lm, tokenizer, plain, label_sets, top_k, lora=True))
    result = ProbeResult(prompt=text, conditions=[], recording=source)
    if recording is not None:
        with torch.no_grad():
            soft = model.projector(model.prepare([recording]))
        with_glove = build_prompt(lm, tokenizer, text, soft)
        runs.append(_condition("glove", lm, tokenizer, with_glove, label_sets, top_k, lora=True))
        if lora:
            runs.append(_condition("glove-lora-off", lm, tokenizer, with_glove, label_sets, top_k, lora=False))
        result.soft_tokens, result.typical_token_norm = inspect_soft_tokens(lm, tokenizer, soft)
    result.conditions = _fill_shown(runs, tokenizer)
    return result


def _steered_probe(prompt, template, recording, base_model, top_k, label_sets, source, steer) -> ProbeResult:
    """The frozen base LM's next token before (``text``) and after (``steered``) glove steering."""
    from sensor2text.models.lm import EMBEDDED_MODEL_NAME, load_base_model
    from sensor2text.steering.writer import load_steer_prompt

    if recording is None:
        raise Sensor2TextError("probe --steer needs --recording or --gesture (the glove that steers).")
    text = resolve_prompt(prompt, template) if (prompt or template) else load_steer_prompt("person")
    lm, tokenizer = load_base_model(base_model or EMBEDDED_MODEL_NAME)
    label_sets = label_sets or steer[0].config.label_sets
    with torch.no_grad():
        plain = lm.get_input_embeddings()(tokenizer(text, return_tensors="pt").input_ids)  # the ids steering sees
    runs = [_condition("text", lm, tokenizer, plain, label_sets, top_k, lora=False),
            steered_condition(lm, tokenizer, text, steer, recording, top_k)]  # fmt: skip
    return ProbeResult(prompt=text, conditions=_fill_shown(runs, tokenizer), recording=source)

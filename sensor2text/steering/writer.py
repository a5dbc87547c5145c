"""Steered free text for glove recordings: the glove model weighs the label sets, the frozen LM
continues an open prompt (``prompts/steer/``), steered by bag-of-words bonuses or PPLM.

    writer = SteeredWriter(SteerGlove.from_pretrained("runs/steer"), *load_base_model(), SteerOptions())
    [description] = writer.describe([frames])   # "raising two fingers, a peace sign ..."

No LM parameter is trained or changed; ``mode="none"`` writes the same prompt unsteered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from transformers import StoppingCriteria, TextStreamer

from sensor2text.assets import PROMPTS_DIR
from sensor2text.errors import ConfigError
from sensor2text.labels import LabelSet, normalize_text
from sensor2text.models.base import DescribeOptions, Describer, Description
from sensor2text.steering.bow import BagOfWordsSteering, class_words
from sensor2text.steering.pplm import PplmOptions, bag_vector, pplm_generate

STEER_PROMPTS = PROMPTS_DIR / "steer"
MODES = ("none", "bow", "pplm")


@dataclass(frozen=True)
class SteerOptions:
    """How a steered description is written.

    ``mode``: ``bow`` (logit bonuses, no gradients), ``pplm`` (gradient steps on the past), or
    ``none`` (the same prompt, unsteered). ``strength``: the bonus, in logits, of a class of weight 1
    (bow). ``prompt``: a name in ``prompts/steer/`` or a file. Decoding is greedy with no repeated
    3-gram, up to ``max_new_tokens`` or the first sentence end once ``min_new_tokens`` are written, in
    every mode (the LM goes on past a short first sentence in its own words; 0: one sentence).
    """

    mode: str = "bow"
    strength: float = 6.0
    prompt: str = "person"
    max_new_tokens: int = 32
    min_new_tokens: int = 12
    no_repeat_ngram: int = 3
    pplm: PplmOptions = field(default_factory=PplmOptions)

    def __post_init__(self):
        if self.mode not in MODES:
            raise ConfigError(f"--steer-mode {self.mode}: expected one of {', '.join(MODES)}.")
        if not (np.isfinite(self.strength) and self.strength >= 0):
            raise ConfigError(f"--steer-strength {self.strength}: expected a number >= 0.")
        if not 0 <= self.min_new_tokens <= self.max_new_tokens:
            raise ConfigError(f"--steer-min-tokens {self.min_new_tokens}: expected 0 to {self.max_new_tokens} "
                              f"(the most tokens written).")  # fmt: skip


def load_steer_prompt(name_or_path: str) -> str:
    """The text of a steering prompt: a file, or a name in ``prompts/steer/`` (trailing newline dropped)."""
    from sensor2text.models.prompts import prompt_path

    return prompt_path(name_or_path, STEER_PROMPTS, "--steer-prompt").read_text().rstrip("\n")


def sentence_end_ids(tokenizer) -> list[int]:
    """Token ids that end a sentence: any token holding a newline or ending with '.', '!' or '?'."""
    ends = []
    for token_id in range(len(tokenizer)):
        text = tokenizer.decode([token_id])
        if "\n" in text or text.rstrip().endswith((".", "!", "?")):
            ends.append(token_id)
    return ends + [tokenizer.eos_token_id]


class Mentioned(LabelSet):
    """A label set a sentence is right for when it **mentions** one of the synonyms (whole words)."""

    def matches(self, description: str) -> bool:
        text = f" {normalize_text(description)} "
        return any(f" {normalize_text(s)} " in text for s in self.synonyms)


@dataclass
class SteeredConfig:
    """What ``Describer`` callers read of a steered writer: the glove model's classes and label sets."""

    label_sets: dict[str, list[str]]
    trained_classes: list[str]
    max_new_tokens: int


class SteeredWriter(Describer):
    """Recordings -> steered descriptions, batch 1 each (as the live stream writes them): a
    :class:`~sensor2text.models.base.Describer`, so ``generate``, ``evaluate`` and the stream take it."""

    design = "steered"

    def __init__(self, glove, lm, tokenizer, options: SteerOptions = SteerOptions()):  # noqa: B008 - frozen
        self.glove, self.lm, self.tokenizer, self.options = glove, lm, tokenizer, options
        self.profile = glove.profile
        self.config = SteeredConfig(glove.config.label_sets, glove.config.classes, options.max_new_tokens)
        self.prompt_ids = tokenizer(load_steer_prompt(options.prompt), return_tensors="pt").input_ids
        self.words = class_words(tokenizer, glove.config.label_sets, glove.config.classes)
        self.stop_ids = sentence_end_ids(tokenizer)

    def define_gestures(self, definitions, match: str = "reader", reader: str | None = None) -> None:
        """Steer toward gestures defined in words too (:class:`~sensor2text.steering.defined.DefinedGestures`):
        a hand shape none of the glove model's classes has is weighed over the definitions, and their
        names and synonyms are raised. ``match``: ``reader`` only (the finger answers' likelihood)."""
        from sensor2text.steering.defined import DefinedGestures

        if match != "reader":
            raise ConfigError(f"--match {match}: --steer weighs definitions by the definition reader; use --match "
                              f"reader.")  # fmt: skip
        self.glove = DefinedGestures(self.glove, definitions, reader)
        self.config = SteeredConfig(self.glove.config.label_sets, self.config.trained_classes,
                                    self.config.max_new_tokens)  # fmt: skip
        self.words = class_words(self.tokenizer, self.glove.config.label_sets, self.glove.config.classes)

    @property
    def label_sets(self) -> dict[str, LabelSet]:
        """Right when the sentence mentions a synonym of the true class (:class:`Mentioned`)."""
        return {name: Mentioned(name, tuple(synonyms)) for name, synonyms in self.config.label_sets.items()}

    def channel_scale(self) -> np.ndarray:
        return np.asarray(self.glove.normalizer.std)

    def _describe_batch(self, recordings: list[np.ndarray], options: DescribeOptions) -> list[Description]:
        """One steered sentence per recording; ``steps["glove"]`` names the glove model's top class."""
        weights = torch.from_numpy(self.glove.weights(recordings))
        return [self._one(row, options.on_token) for row in weights]

    def continue_text(self, weights: torch.Tensor, on_token=None) -> tuple[list[int], float]:
        """The new token ids after the prompt for class weights ``(K,)``, and the milliseconds taken;
        ``on_token(text)`` sees the words as they are written (the live stream's token events)."""
        from transformers import NoRepeatNGramLogitsProcessor

        options, started = self.options, time.perf_counter()
        streamer = _Streamer(self.tokenizer, on_token) if on_token else None
        no_repeat = NoRepeatNGramLogitsProcessor(options.no_repeat_ngram)
        if options.mode == "pplm":
            bag = bag_vector(self.words, weights, self.lm.get_input_embeddings().num_embeddings)
            new = pplm_generate(self.lm, self.prompt_ids, bag, options.max_new_tokens, options.pplm, [no_repeat],
                                tuple(self.stop_ids), streamer, options.min_new_tokens)  # fmt: skip
        else:
            processors = [no_repeat]
            if options.mode == "bow":
                processors.insert(0, BagOfWordsSteering(self.words, weights[None], options.strength,
                                                        self.prompt_ids.shape[1]))  # fmt: skip
            new = self._generate(processors, streamer)
        return new, 1000 * (time.perf_counter() - started)

    @torch.no_grad()
    def _generate(self, processors, streamer=None) -> list[int]:
        from transformers import LogitsProcessorList, StoppingCriteriaList

        length = self.prompt_ids.shape[1]
        ends = SentenceEnd(self.stop_ids, length + self.options.min_new_tokens)
        out = self.lm.generate(input_ids=self.prompt_ids, attention_mask=torch.ones_like(self.prompt_ids),
                               max_new_tokens=self.options.max_new_tokens, do_sample=False,
                               logits_processor=LogitsProcessorList(processors),
                               stopping_criteria=StoppingCriteriaList([ends]), eos_token_id=self.tokenizer.eos_token_id,
                               pad_token_id=self.tokenizer.pad_token_id, streamer=streamer)  # fmt: skip
        return out[0, self.prompt_ids.shape[1] :].tolist()

    def _one(self, weights: torch.Tensor, on_token=None) -> Description:
        new, ms = self.continue_text(weights, on_token)
        top = int(weights.argmax())
        text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
        steps = {"glove": f"{self.glove.config.classes[top]} ({float(weights[top]):.2f})", "mode": self.options.mode}
        return Description(text, steps=steps, timings={"steer_ms": ms, "ms_per_token": ms / max(len(new), 1),
                                                       "tokens": len(new)})  # fmt: skip


class SentenceEnd(StoppingCriteria):
    """Stop at a sentence-ending token (``stop_ids``) once the text holds ``min_length`` tokens
    (prompt included): a transformers stopping criterion."""

    def __init__(self, stop_ids: list[int], min_length: int):
        self.stop_ids, self.min_length = torch.tensor(stop_ids), min_length

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        ended = torch.isin(input_ids[:, -1], self.stop_ids.to(input_ids.device))
        return ended & (input_ids.shape[1] >= self.min_length)


class _Streamer(TextStreamer):
    """transformers' text streamer (the prompt skipped) handing each finished piece to ``on_token``."""

    def __init__(self, tokenizer, on_token):
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self.on_token = on_token

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        if text:
            self.on_token(text)


class SteeredCheckpoint(Describer):
    """A trained holistic checkpoint whose own decoding is steered by the glove model: the same
    soft prompt and LoRA, plus the bag-of-words bonuses of the glove model's classes (two readers
    of the glove voting). ``generate --checkpoint X --steer FOLDER``."""

    design = "steered-checkpoint"

    def __init__(self, model, glove, options: SteerOptions = SteerOptions()):  # noqa: B008 - frozen
        from sensor2text.errors import Sensor2TextError

        if model.design != "holistic":
            raise Sensor2TextError(f"--steer on top of a checkpoint needs a holistic one (one soft prompt, e.g. "
                                   f"smollm2-135m-synth); this one is {model.design}.")  # fmt: skip
        if options.mode != "bow":
            raise ConfigError("--steer on top of a checkpoint takes --steer-mode bow.")
        self.model, self.glove, self.options = model, glove, options
        self.config, self.tokenizer, self.lm, self.profile = model.config, model.tokenizer, model.lm, model.profile
        self.words = class_words(model.tokenizer, glove.config.label_sets, glove.config.classes)

    def channel_scale(self) -> np.ndarray:
        return self.model.channel_scale()

    def _describe_batch(self, recordings: list[np.ndarray], options: DescribeOptions) -> list[Description]:
        from transformers import LogitsProcessorList

        weights = torch.from_numpy(self.glove.weights(recordings))
        steer = BagOfWordsSteering(self.words, weights, self.options.strength, prompt_length=0)  # new tokens only
        started = time.perf_counter()
        texts = self.model.generate(recordings, options.max_new_tokens, logits_processor=LogitsProcessorList([steer]))
        share = 1000 * (time.perf_counter() - started) / len(recordings)
        top = [self.glove.config.classes[int(i)] for i in weights.argmax(-1)]
        return [Description(text, steps={"glove": name}, timings={"describe_ms": share})
                for text, name in zip(texts, top)]  # fmt: skip

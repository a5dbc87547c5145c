"""Greedy decoding of one text that keeps its KV cache between calls and checks drafts in one pass.

The composer (:mod:`sensor2text.models.composer`) continues the same text several times: it
writes a few words, the program appends the fingers or an answer, and it goes on. Each
``generate`` call read the whole text again (about 70 ms per forward pass of the 135M LM on two
cores, however few tokens it reads: the weights stream from memory). :class:`GreedyContext`
keeps the text's cache, so a call reads only what was appended, and it takes **drafts**: whole
texts the caller expects (the program knows the fingers and the answers it will write). A
forward pass reads the appended tokens *and* the draft's tail, and records the LM's greedy
choice at every position where a choice will be asked, so the calls that follow cost nothing as
long as the LM chose what the draft says. Where it chose otherwise, its own choice is taken and
the draft is dropped from there: the output is greedy decoding's, whatever the draft (a wrong
draft only costs time).

Shapes: the LM reads ``(1, T)`` token ids; the cache holds ``(1, kv_heads, T, head_dim)`` per layer.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import torch


@dataclass
class Draft:
    """A whole token sequence the caller expects, and where the LM's choice will be asked.

    ``asked[p]`` is True when the greedy choice after ``ids[: p + 1]`` will be asked (the next
    token is the LM's to choose, not the program's); the last position is always asked.
    """

    ids: list[int]
    asked: list[bool] = field(default_factory=list)

    def __post_init__(self):
        if not self.asked:
            self.asked = [True] * len(self.ids)
        self.asked[-1] = True


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class GreedyContext:
    """One token sequence, its KV cache and the greedy choices known at its positions.

    ``adapter=False`` runs the LM with its LoRA adapter switched off (a peft model's
    ``disable_adapter``), as the composer's knowledge answers need.
    """

    def __init__(self, lm, adapter: bool = True):
        self.lm, self.adapter = lm, adapter
        self.ids: list[int] = []  # the tokens the cache holds
        self.cache = None
        self.choices: dict[int, tuple[int, float]] = {}  # position -> (greedy next token, its probability)
        self.drafts: list[Draft] = []
        self.forward_passes = 0
        self._cache_arg = _cache_argument(lm)

    def choice(self, ids: list[int]) -> tuple[int, float]:
        """The greedy next token after ``ids`` and its probability (a forward pass only when unknown)."""
        position = len(ids) - 1
        if position not in self.choices or self.ids[: len(ids)] != ids:
            self._read(ids)
        return self.choices[position]

    def _read(self, ids: list[int]) -> None:
        """Run the LM over what of ``ids`` (and of the first draft extending it) the cache lacks."""
        keep = min(common_prefix(self.ids, ids), len(ids) - 1)  # at least the last token is read
        self._cut(keep)
        draft = next((d for d in self.drafts if len(d.ids) > len(ids) and d.ids[: len(ids)] == ids), None)
        tail = draft.ids[len(ids) :] if draft else []
        asked = [len(ids) - 1] + [len(ids) + i for i in range(len(tail)) if draft.asked[len(ids) + i]]
        logits = self._forward(ids[keep:] + tail, keep, asked)
        probs = logits.float().softmax(-1)
        best = probs.max(-1)
        for position, token, prob in zip(asked, best.indices.tolist(), best.values.tolist()):
            self.choices[position] = (token, prob)
        self.ids = ids + tail

    def _cut(self, length: int) -> None:
        """Forget every token from ``length`` on (and the choices that read them)."""
        if self.cache is not None and len(self.ids) > length:
            self.cache.crop(length - len(self.ids))
        self.ids = self.ids[:length]
        self.choices = {p: c for p, c in self.choices.items() if p < length}

    @torch.no_grad()
    def _forward(self, new_ids: list[int], start: int, asked: list[int]) -> torch.Tensor:
        """Logits ``(len(asked), vocab)`` at absolute positions ``asked`` after reading ``new_ids``
        (positions ``start ..``) on top of the cache."""
        from transformers import DynamicCache

        if self.cache is None:
            self.cache = DynamicCache()
        keep = torch.tensor([p - start for p in asked])
        switch = self.lm.disable_adapter() if not self.adapter else contextlib.nullcontext()
        with switch:
            out = self.lm(input_ids=torch.tensor([new_ids]), use_cache=True, logits_to_keep=keep,
                          **{self._cache_arg: self.cache})  # fmt: skip
        self.forward_passes += 1
        return out.logits[0]


def _cache_argument(lm) -> str:
    """``cache`` (transformers 5) or ``past_key_values`` (4.x): the forward argument taking the KV cache."""
    model = lm.get_base_model() if hasattr(lm, "get_base_model") else lm
    return "cache" if "cache" in inspect.signature(type(model).forward).parameters else "past_key_values"


def ends_on_stop(text: str, last_token_start: int, stop_strings: list[str]) -> bool:
    """Whether a stop string ends inside the last token, having started at or before it (the
    rule of transformers' ``StopStringCriteria``: ``["st", "op"]`` and ``["st", "opera"]`` stop
    on ``"stop"``; ``["stop", "at"]`` does not)."""
    for stop in stop_strings:
        start = text.find(stop, max(0, last_token_start - len(stop) + 1))
        while start != -1 and start <= last_token_start:
            if start + len(stop) > last_token_start:
                return True
            start = text.find(stop, start + 1)
    return False


@dataclass
class Continuation:
    """What :func:`continue_greedy` wrote: its tokens, their texts and greedy probabilities."""

    ids: list[int]
    probs: list[float]
    interrupted: bool = False


def continue_greedy(context: GreedyContext, tokenizer, ids: list[int], max_new_tokens: int,
                    stop_strings: list[str] = (), on_text: Callable[[str], None] | None = None,
                    interrupt: Callable[[], bool] | None = None) -> Continuation:  # fmt: skip
    """Greedy continuation of ``ids`` until EOS, a stop string or ``max_new_tokens`` (as
    ``generate(do_sample=False, stop_strings=...)``); ``on_text`` receives each new piece of text."""
    out = Continuation([], [])
    shown = ""
    while len(out.ids) < max_new_tokens:
        if interrupt is not None and interrupt():
            out.interrupted = True
            break
        token, prob = context.choice(ids + out.ids)
        last_token_start = len(tokenizer.decode(ids + out.ids))
        out.ids.append(token)
        out.probs.append(prob)
        if token == tokenizer.eos_token_id:
            break
        text = tokenizer.decode(out.ids, skip_special_tokens=True)
        if on_text is not None and len(text) > len(shown):
            on_text(text[len(shown) :])
            shown = text
        if stop_strings and ends_on_stop(tokenizer.decode(ids + out.ids), last_token_start, list(stop_strings)):
            break
    return out

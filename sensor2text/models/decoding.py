"""Live decoding: text pieces to a callback as the LM writes them, and the greedy probabilities."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np


class TokenHooks:
    """Live decoding of one gesture: new text goes to ``on_text`` as tokens are generated, and
    the greedy token probabilities are recorded (``confidence``: their geometric mean)."""

    def __init__(self, tokenizer, on_text: Callable[[str], None], interrupt: Callable[[], bool] | None = None):
        """``interrupt()``, polled before each new token, ends the decoding early when True
        (``interrupted`` is then set): background work gives way to a new gesture."""
        import torch
        from transformers import (
            LogitsProcessor,
            LogitsProcessorList,
            StoppingCriteria,
            StoppingCriteriaList,
            TextStreamer,
        )

        hooks = self

        class _Streamer(TextStreamer):
            def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
                hooks.emit(text)

        class _Recorder(LogitsProcessor):
            """Changes nothing: notes the probability of the greedy choice."""

            def __call__(self, input_ids, scores):
                hooks.probs.append(float(scores.float().softmax(-1).max()))
                return scores

        class _Interrupt(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                hooks.interrupted = hooks.interrupted or bool(interrupt())
                return torch.full((input_ids.shape[0],), hooks.interrupted, dtype=torch.bool)

        self.on_text = on_text
        self.interrupt = interrupt
        self.probs: list[float] = []
        self.first_token_at: float | None = None
        self.interrupted = False
        self.kwargs = {"streamer": _Streamer(tokenizer, skip_prompt=True, skip_special_tokens=True),
                       "logits_processor": LogitsProcessorList([_Recorder()])}  # fmt: skip
        if interrupt is not None:
            self.kwargs["stopping_criteria"] = StoppingCriteriaList([_Interrupt()])

    @property
    def interrupt_kwargs(self) -> dict:
        """``generate`` arguments that only make a decoding give way (no streaming, no recording):
        for the knowledge answers, which the live text shows as one word."""
        return {k: v for k, v in self.kwargs.items() if k == "stopping_criteria"}

    def emit(self, text: str) -> None:
        if text:
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            self.on_text(text)

    @property
    def confidence(self) -> float | None:
        return geometric_mean(self.probs) if self.probs else None

    def first_token_ms(self, start: float) -> dict[str, float]:
        """``{"first_token_ms": ...}`` counted from ``start`` (perf_counter), or ``{}`` if nothing was written."""
        return {} if self.first_token_at is None else {"first_token_ms": 1000 * (self.first_token_at - start)}


def geometric_mean(probs: list[float]) -> float:
    """The confidence of a decoding: geometric mean of its decided tokens' probabilities."""
    return float(math.exp(np.mean(np.log(np.maximum(probs, 1e-12)))))

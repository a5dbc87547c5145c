"""The one interface every design implements, and the values it takes and returns.

Like whisper's ``DecodingOptions`` / ``DecodingResult``: options are one frozen dataclass, the
result one dataclass per recording. A design (``holistic``, ``stepwise``, ...; see
:mod:`sensor2text.models.registry`) subclasses :class:`Describer` and fills in the
``_describe_batch``, ``label_prompts`` and ``text_only_prompt`` hooks; callers (CLI, evaluator,
live stream, Python users) only use the methods defined here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sensor2text.labels import LabelSet


@dataclass(frozen=True)
class DescribeOptions:
    """How to describe recordings: decoding, batching, and live token output."""

    # None: the checkpoint's own ``max_new_tokens``.
    max_new_tokens: int | None = None
    # Greedy by default; sampling draws with this temperature.
    do_sample: bool = False
    temperature: float = 1.0
    # Recordings decoded in one LM batch.
    batch_size: int = 32
    # Steps whose words come from a closed vocabulary (the stepwise hand captions) are decoded
    # greedily restricted to it, in a few batched passes (sensor2text.models.closed), instead of
    # token by token; False decodes them freely. Sampling always decodes freely.
    closed_vocabulary: bool = True
    # Live decoding of one recording: called with each new piece of text as the LM writes it;
    # the description's ``confidence`` and ``timings["first_token_ms"]`` are filled in then.
    on_token: Callable[[str], None] | None = None
    # Called after each batch with how many recordings it described (a progress bar's advance).
    on_batch: Callable[[int], None] | None = None

    def __post_init__(self):
        if self.max_new_tokens is not None and self.max_new_tokens < 1:
            raise ValueError(f"describe: max_new_tokens must be at least 1, got {self.max_new_tokens}.")
        if self.batch_size < 1:
            raise ValueError(f"describe: batch_size must be at least 1, got {self.batch_size}.")
        if not self.temperature > 0:
            raise ValueError(f"describe: temperature must be positive, got {self.temperature}.")

    def generate_kwargs(self) -> dict:
        """Sampling arguments for ``transformers`` ``generate`` (none when greedy)."""
        return {"do_sample": True, "temperature": self.temperature} if self.do_sample else {}


@dataclass
class Description:
    """What a model says about one recording."""

    text: str
    # The intermediate steps, by name (stepwise: ``left``, ``right``, ``composer``); empty for one-step designs.
    steps: dict[str, str] = field(default_factory=dict)
    # Geometric mean of the greedy token probabilities (live decoding only; None otherwise).
    confidence: float | None = None
    # Milliseconds per stage: each recording's share of its batch (``hands_ms``, ``composer_ms``,
    # ``describe_ms``), and ``first_token_ms`` in live decoding.
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """``{"description", **steps, "confidence", "timings"}`` for JSON reports."""
        return {**self.steps, "description": self.text, "confidence": self.confidence, "timings": self.timings}


class Describer:
    """Base of every design: glove recordings ``[(T_i, C)]`` -> :class:`Description` s.

    Subclasses set ``design``, ``config`` (with ``label_sets``, ``trained_classes``,
    ``max_new_tokens``), ``tokenizer``, ``lm`` and ``profile``, and implement the hooks below.
    """

    design: str = ""
    # The precision the LMs run at, set by ``sensor2text.load_model`` (fp32, bf16, int8).
    precision: str = "fp32"

    # ---- describing ---------------------------------------------------------------------------
    def describe(self, recordings: list[np.ndarray], options: DescribeOptions | None = None) -> list[Description]:
        """Describe each raw recording ``(T_i, C)``, in order, in batches of ``options.batch_size``."""
        options = options or DescribeOptions()
        if options.on_token is not None and len(recordings) != 1:
            raise ValueError(f"describe: live token output (on_token) takes one recording, got {len(recordings)}.")
        descriptions = []
        for start in range(0, len(recordings), options.batch_size):
            batch = list(recordings[start : start + options.batch_size])
            descriptions += self._describe_batch(batch, options)
            if options.on_batch is not None:
                options.on_batch(len(batch))
        return descriptions

    def _describe_batch(self, recordings: list[np.ndarray], options: DescribeOptions) -> list[Description]:
        raise NotImplementedError

    # ---- inputs ----------------------------------------------------------------------------------
    @property
    def session_norm(self) -> bool:
        """Whether each session's input is standardised by its own statistics (then ``calibrate`` first)."""
        return False

    def calibrate(self, recordings) -> None:
        """Calibrate to one session's recordings (a folder, file or arrays): ``session_norm`` checkpoints only."""
        from sensor2text.errors import Sensor2TextError
        from sensor2text.inputs import NOT_SESSION_NORMED

        raise Sensor2TextError(NOT_SESSION_NORMED)

    def define_gestures(self, definitions, match: str = "reader", reader: str | None = None) -> None:
        """Add gestures defined in words (:mod:`sensor2text.models.definitions`): finger-word
        stepwise checkpoints and steered writers (``--steer``) only."""
        from sensor2text.errors import ConfigError

        raise ConfigError(f"--gestures needs a finger-word stepwise checkpoint (configs/fingers_smollm2.yaml) or "
                          f"--steer; this one is {self.design}.")  # fmt: skip

    # ---- scoring (the evaluator's LM scorer) --------------------------------------------------
    def label_prompts(self, recordings: list[np.ndarray]) -> list:
        """The prompt a label continues for each recording: ``[(1, P, H)]`` input embeddings."""
        raise NotImplementedError

    def text_only_prompt(self):
        """The same prompt without any glove evidence, ``(1, P, H)`` (the text-only baseline)."""
        raise NotImplementedError

    def label_ids(self, text: str) -> list[int]:
        """Token ids of a target: ``" " + text`` then EOS, so a label ends where the LM stops."""
        return self.tokenizer(" " + text, add_special_tokens=False).input_ids + [self.tokenizer.eos_token_id]

    @property
    def label_sets(self) -> dict[str, LabelSet]:
        """The label sets saved with the checkpoint, ``{class: LabelSet}``."""
        return {name: LabelSet(name, tuple(synonyms)) for name, synonyms in self.config.label_sets.items()}

    @property
    def trained_classes(self) -> list[str]:
        return list(self.config.trained_classes)

    @property
    def knowledge_corpus(self) -> str:
        """What declared text-knowledge corpus the model's LM was adapted on ("" for none)."""
        return ""

    # ---- what the live stream and the precision switch need ----------------------------------
    def lm_modules(self) -> list:
        """Every causal LM inside the model (the precision switch converts them)."""
        return [self.lm]

    def channel_scale(self) -> np.ndarray:
        """Per-channel scale ``(C,)`` of the model's glove (the training standard deviations)."""
        raise NotImplementedError

    def preferred_precision(self) -> str | None:
        """The precision ``--precision auto`` should keep for this checkpoint whatever the machine
        measures (e.g. the precision its shipped answers were made at), or None."""
        return None

    def save_caches(self) -> None:
        """Keep what idle work built (e.g. the stepwise composer memo) for the next session."""

    def warm_step(self, interrupt: Callable[[], bool] | None = None) -> bool:
        """Do one piece of idle work that makes later descriptions faster (the live stream calls
        it between gestures, giving way when ``interrupt()`` is True); False when nothing is left."""
        return False

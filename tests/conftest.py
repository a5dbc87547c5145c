"""Shared fixtures: a tiny GPT-2 and a tokenizer built locally (no hub), saved to a folder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sensor2text.labels import load_label_sets

# Words the tiny tokenizer knows: the template text and every synthetic synonym.
CORPUS_EXTRA = "Hand gesture : Meaning He made a gesture of the number"


def build_tiny_tokenizer():
    """A byte-level BPE tokenizer trained here on the label words, wrapped for transformers."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    words = [CORPUS_EXTRA] + [s for ls in load_label_sets().values() for s in ls.synonyms]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator([" " + w for w in words] * 5, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")


def save_tiny_lm(folder) -> str:
    """Save a randomly initialised tiny GPT-2 and its tokenizer (safetensors) to ``folder``."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    tokenizer = build_tiny_tokenizer()
    # a wide initializer lets the tiny model express peaked next-token distributions
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=256,  # finger captions and their reasoning are long in this small vocabulary
        n_embd=32,
        n_layer=2,
        n_head=2,
        initializer_range=0.3,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return str(folder)


def train_tiny_checkpoint(lm_dir: str, out) -> str:
    """A checkpoint trained for two steps on the tiny GPT-2 in ``lm_dir`` (fast; its descriptions are noise)."""
    from sensor2text.config import load_run_config
    from sensor2text.training.loop import train

    cfg = load_run_config(None, [
        "data.classes=[count_1, fist]", "data.train_subjects=1", "data.val_subjects=0",
        "data.test_subjects=0", "data.repetitions=2", "data.num_frames=8", "projector.hidden_dim=16",
        "projector.num_layers=1", "adapter.r=2", "training.max_steps=2", "training.batch_size=2",
        "training.save_every=0", f"training.base_model={lm_dir}", f"training.output_dir={out}",
    ])  # fmt: skip
    return str(train(cfg))


@pytest.fixture(scope="session")
def tiny_lm_dir(tmp_path_factory):
    """Folder holding a randomly initialised tiny GPT-2 and its tokenizer (safetensors)."""
    return save_tiny_lm(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_lm_dir, tmp_path_factory):
    """A checkpoint trained for two steps on a tiny GPT-2 (fast; its descriptions are noise)."""
    return train_tiny_checkpoint(tiny_lm_dir, tmp_path_factory.mktemp("tiny-run"))


@pytest.fixture(autouse=True)
def _private_memo(tmp_path_factory, monkeypatch):
    """The live stream's composer memo goes to a temporary folder, never the user's cache."""
    monkeypatch.setattr("sensor2text.models.memo.cache_dir", lambda: tmp_path_factory.getbasetemp() / "composer-memo")

"""Text-only LoRAs: the composer's (gesture texts) and the text-knowledge adapter (a declared
corpus with no hands, fingers or gestures), and the stepwise design's second training stage.

Both LoRAs take their steps in :func:`sensor2text.training.steps.optimize`, the loop the
projector uses too. What the composer does with them at inference is in
:mod:`sensor2text.models.composer`.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import torch

from sensor2text.assets import resolve_checkpoint
from sensor2text.config import ComposerConfig, RunConfig
from sensor2text.errors import ConfigError
from sensor2text.evaluation.accuracy import accuracy_report
from sensor2text.glove.synth import hand_words
from sensor2text.labels import LabelSet
from sensor2text.models.composer import (
    ANSWER_TOKENS,
    SHORT_ANSWER_TOKENS,
    finger_gesture_texts,
    fitted_share,
    gesture_texts,
    load_compose_template,
    target_text,
)
from sensor2text.models.fingers import FingerReader
from sensor2text.models.stepwise import Stepwise, StepwiseConfig, load_hand_states
from sensor2text.training.knowledge import (
    DEFAULT_SPLIT,
    Corpus,
    CorpusSplit,
    answer_accuracy,
    build_corpus,
    counting_probe,
)
from sensor2text.training.launch import ALONE, Share
from sensor2text.training.steps import optimize


def _batch(tokenizer, pairs: list[tuple[str, str]]):
    """Token ids, attention mask and labels, right-padded; -100 on the prompt, padding and
    untrained segments. ``pairs``: ``[(prompt, [(text, trained), ...])]``."""
    rows = []
    for prompt, segments in pairs:
        ids = tokenizer(prompt, add_special_tokens=False).input_ids if prompt else []
        labels = [-100] * len(ids)
        for text, trained in segments:
            piece = tokenizer(text, add_special_tokens=False).input_ids
            ids, labels = ids + piece, labels + (piece if trained else [-100] * len(piece))
        rows.append((ids + [tokenizer.eos_token_id], labels + [tokenizer.eos_token_id]))
    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id)
    labels = torch.full((len(rows), width), -100)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, (seq, lab) in enumerate(rows):
        ids[i, : len(seq)], labels[i, : len(lab)], mask[i, : len(seq)] = torch.tensor(seq), torch.tensor(lab), 1
    return ids, mask, labels


def trained_token_loss(model, tokenizer, batch: list[tuple], share: Share = ALONE) -> torch.Tensor:
    """Mean cross-entropy over the trained tokens of ``batch`` (``[(prompt, segments)]``), of which
    this process computes its ``share`` of rows: their summed loss over the whole batch's count of
    trained tokens, times the processes, so that the averaged gradient is the whole batch's."""
    ids, mask, labels = _batch(tokenizer, share.of(batch))
    whole = labels if share.world == 1 else _batch(tokenizer, batch)[2]
    total = int((whole[:, 1:] != -100).sum())
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
    summed = torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels[:, 1:].flatten(), ignore_index=-100,
                                               reduction="sum")  # fmt: skip
    return summed * share.world / max(total, 1)


def train_text_lora(lm, tokenizer, examples: list[tuple], steps: int, batch_size: int, learning_rate: float,
                    r: int, seed: int, log, name: str, init_from: str | Path | None = None, lora_dropout: float = 0.05,
                    share: Share = ALONE):  # fmt: skip
    """Add a LoRA to ``lm`` (new, or the saved adapter ``init_from`` to go on training) and fit it
    to ``[(prompt, segments)]`` examples (batches drawn with replacement, one-cycle schedule; in
    several processes each trains on its ``share`` of every batch); returns the peft model in eval mode."""
    from peft import LoraConfig, PeftModel, get_peft_model

    rng = random.Random(seed)
    torch.manual_seed(seed)
    lm.requires_grad_(False)
    if init_from is not None:
        model = PeftModel.from_pretrained(lm, str(init_from), is_trainable=True)
    else:
        model = get_peft_model(lm, LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=lora_dropout, task_type="CAUSAL_LM"))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=learning_rate)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, learning_rate, total_steps=steps, pct_start=0.1)
    model.train()
    started = time.time()

    def step_loss(step: int) -> torch.Tensor:
        return trained_token_loss(model, tokenizer, rng.choices(examples, k=batch_size), share)

    def after_step(done: int, loss: float) -> None:
        if share.main and (done % 25 == 0 or done == steps):
            log(f"{name} step {done}/{steps} loss {loss:.4f} ({time.time() - started:.0f} s)")

    optimize(step_loss, optimizer, steps, scheduler=scheduler, backward=share.backward(model.parameters()),
             after_step=after_step)  # fmt: skip
    return model.eval()


def corpus_examples(corpus: Corpus) -> list[tuple]:
    """The knowledge corpus as training examples; the loss is on each answer."""
    return [("", [(f" {clause}", False), (f" {answer}", True)]) for clause, answer in corpus.examples]


def train_knowledge(lm, tokenizer, cfg: ComposerConfig, split: CorpusSplit = DEFAULT_SPLIT, log=print,
                    init_from: str | Path | None = None, share: Share = ALONE):  # fmt: skip
    """The text-knowledge LoRA on the declared corpus (:mod:`sensor2text.training.knowledge`)."""
    return train_text_lora(lm, tokenizer, corpus_examples(build_corpus(split)), cfg.knowledge_steps,
                           2 * cfg.batch_size, cfg.learning_rate, cfg.r, cfg.seed, log, "knowledge",
                           init_from, cfg.lora_dropout, share)  # fmt: skip


def train_composer(lm, tokenizer, cfg: ComposerConfig, texts: list[tuple], log=print, share: Share = ALONE):
    """The composer LoRA on gesture texts alone (answers masked); ``lm`` may carry merged knowledge."""
    return train_text_lora(lm, tokenizer, texts, cfg.max_steps, cfg.batch_size, cfg.learning_rate, cfg.r, cfg.seed,
                           log, "composer", lora_dropout=cfg.lora_dropout, share=share)  # fmt: skip


def knowledge_report(lm, tokenizer, split: CorpusSplit = DEFAULT_SPLIT, sample: int = 300) -> dict[str, float]:
    """Accuracy on each held-out set of ``split`` and on a seeded sample of the training corpus."""
    corpus = build_corpus(split)
    seen = random.Random(split.seed).sample(corpus.examples, min(sample, len(corpus.examples)))
    tokens = ANSWER_TOKENS if split.worked else SHORT_ANSWER_TOKENS  # a one-word answer needs no more

    def accuracy(rows):
        return answer_accuracy(lm, tokenizer, rows, max_new_tokens=tokens)

    report = {f"held_out_{name}": accuracy(rows) for name, rows in corpus.held_out.items()}
    report["training_sample"] = accuracy(seen)
    for name, rows in counting_probe().items():
        report[f"fresh lists, {name}"] = accuracy(rows)
    return {name: round(value, 4) for name, value in report.items()}


def corpus_note(split: CorpusSplit) -> str:
    note = KNOWLEDGE_CORPUS_NOTE + ("; counts and sums answered step by step (counting on)" if split.worked else "")
    if not split.hold_out:
        return (f"{note}; every sum and phrasing is in the corpus (declared fallback: "
                "it has seen every pair that makes ten)")  # fmt: skip
    return (f"{note}; held out: the phrasings {list(split.held_out_phrasings)} and "
            f"{len(split.held_out_sums())} sums (every pair that makes ten, {split.extra_held_out_sums} more, "
            f"seed {split.seed})")  # fmt: skip


KNOWLEDGE_CORPUS_NOTE = (
    "generic text about numbers (sensor2text.training.knowledge): number words and digits to 20, "
    "counting list items, addition in 13 phrasings and subtraction; no hands, fingers or gestures"
)


def train_knowledge_adapter(base_model: str, out: str | Path, steps: int = 600, learning_rate: float = 2e-3,
                            r: int = 8, split: CorpusSplit = DEFAULT_SPLIT, log=print,
                            init_from: str | Path | None = None, measure_base: bool = True) -> dict:  # fmt: skip
    """Train the text-knowledge adapter on ``base_model`` (from scratch, or going on from the
    adapter ``init_from``) and save it (peft safetensors, a ``knowledge.json`` card and a README)
    to ``out``; returns its held-out report, with the base LM's alone beside it (unless not
    ``measure_base``: several minutes on a CPU, and the same for every adapter of one LM)."""
    from sensor2text.models.lm import adapter_front_matter, load_base_model, set_adapter_base
    from sensor2text.models.manifest import saving

    lm, tokenizer = load_base_model(base_model)
    started = time.time()
    base = knowledge_report(lm, tokenizer, split) if measure_base else None
    log(f"base LM alone: {base if measure_base else 'not measured (--skip-base)'}")
    cfg = ComposerConfig(knowledge_steps=steps, learning_rate=learning_rate, r=r)
    model = train_knowledge(lm, tokenizer, cfg, split, log=log, init_from=init_from)
    report = knowledge_report(model, tokenizer, split)
    log(f"with the adapter: {report}")
    card = {"corpus": corpus_note(split), "split": asdict(split), "accuracy": report, "base_lm_accuracy": base,
            "examples": len(build_corpus(split).examples), "steps": steps, "batch_size": 2 * cfg.batch_size,
            "base_model": base_model, "learning_rate": learning_rate, "r": r,
            "train_minutes": round((time.time() - started) / 60, 1),
            "continued_from": str(init_from) if init_from else None}  # fmt: skip
    with saving(out) as partial:  # a temporary folder renamed into place, its manifest written last
        model.save_pretrained(partial, safe_serialization=True, save_embedding_layers=False)
        set_adapter_base(partial / "adapter_config.json", base_model)
        (partial / "knowledge.json").write_text(json.dumps(card, indent=2) + "\n")
        readme = adapter_front_matter(base_model) + "\n" + _knowledge_readme(card, split, out, init_from)
        (partial / "README.md").write_text(readme)
    return report


def _knowledge_readme(card: dict, split: CorpusSplit, out, init_from) -> str:
    """The model card of a knowledge adapter: what it was trained on, its card, the command."""
    flag = ("" if split.hold_out else " --all-sums") + (f" --init-from {init_from}" if init_from else "")
    flag += (f" --long-lists {split.long_lists}" if split.long_lists else "") + (" --worked" if split.worked else "")
    return ("# sensor2text text-knowledge adapter\n\nA LoRA on the base LM trained on text alone: "
            f"{corpus_note(split)}. Stepwise checkpoints merge it under their composer (it stands "
            "in for knowledge a larger LM already has).\n\n```json\n" + json.dumps(card, indent=2) + "\n```\n"
            f"\nCommand: `sensor2text train-knowledge --out {out} --steps {card['steps']}{flag}`\n")  # fmt: skip


def build_stepwise(cfg, hands, label_sets: dict[str, LabelSet], lm, tokenizer, log=print,
                   share: Share = ALONE) -> Stepwise | None:  # fmt: skip
    """Train the composer stage of run config ``cfg`` on top of a trained hands model.

    With ``composer.arithmetic_corpus`` the LM first gets the knowledge adapter (reused from
    ``composer.knowledge_adapter`` or trained here), merged in; the composer LoRA goes on top.
    In several processes each trains on its ``share``; only the main process goes on to measure
    and build the model (the others get None).
    """
    template = load_compose_template(cfg.composer.template)
    texts = composer_texts(cfg, template, isinstance(hands, FingerReader), label_sets)
    knowledge_dir, report, note, worked = None, None, "", False
    if cfg.composer.arithmetic_corpus:
        lm, knowledge_dir, report, note, worked = knowledge_lm(cfg, lm, tokenizer, log, share)
    answer_tokens = ANSWER_TOKENS if worked else SHORT_ANSWER_TOKENS
    composer_lm = train_composer(lm, tokenizer, cfg.composer, texts, log=log, share=share)
    if not share.main:
        return None
    if report is None:
        with composer_lm.disable_adapter():
            report = knowledge_report(composer_lm, tokenizer)
    log(f"knowledge of the LM the composer asks: {report}")
    accuracy = report.get("held_out_both", report.get("training_sample", 0.0))
    fitted = fitted_share(composer_lm, tokenizer, texts, cfg.composer.max_new_tokens, answer_tokens)
    log(f"composer reproduces the meaning of {fitted:.1%} of its {len(texts)} gesture texts")
    config = StepwiseConfig(
        profile=cfg.data.profile, compose_template=template, max_new_tokens=cfg.composer.max_new_tokens,
        label_sets={name: list(ls.synonyms) for name, ls in label_sets.items()},
        trained_classes=list(cfg.data.classes), gesture_texts=[[p, target_text(t)] for p, t in texts],
        knowledge_corpus=note, knowledge_corpus_accuracy=round(accuracy, 4), knowledge_accuracy=report,
        composer_fit=round(fitted, 4), base_model=cfg.training.base_model, answer_tokens=answer_tokens,
    )  # fmt: skip
    return Stepwise(config, hands, composer_lm, tokenizer, knowledge_dir)


def composer_texts(cfg, template: str, fingers: bool, label_sets: dict[str, LabelSet]) -> list[tuple]:
    """The composer's training texts: finger captions read from the synthetic pose definitions
    (``fingers``), or the hand-state annotations of ``data.hand_states``."""
    classes = list(cfg.data.classes)
    if fingers:
        words = {name: hand_words(name, cfg.data.convention) for name in classes}
        return finger_gesture_texts(template, classes, words, label_sets, mirror=cfg.composer.mirror_texts)
    states = load_hand_states(cfg.data.hand_states)
    return gesture_texts(template, classes, states.for_classes(classes), states.captions, label_sets,
                         mirror=cfg.composer.mirror_texts)  # fmt: skip


def add_composer(cfg: RunConfig, hands, label_sets, val_items, base, metrics: dict, log=print,
                 share: Share = ALONE):  # fmt: skip
    """Stage 2 of the stepwise design on a trained hands model; adds its validation accuracy to
    ``metrics``. In several processes each trains on its ``share``; the others than the main get None."""
    started = time.time()
    model = build_stepwise(cfg, hands, label_sets, *base, log=log, share=share)
    if model is None:
        return None
    metrics["composer_train_minutes"] = round((time.time() - started) / 60, 2)
    if cfg.composer.remember_pairs:
        log(f"composer memo: {model.remember_caption_pairs()} caption pairs composed (saved with the checkpoint)")
    if val_items:
        metrics["stepwise_validation_accuracy"] = round(accuracy_report(model, val_items, label_sets)["accuracy"], 4)
    return model


def knowledge_lm(cfg, lm, tokenizer, log=print, share: Share = ALONE):
    """``(lm with the knowledge adapter merged in, adapter folder, knowledge report, corpus note,
    worked)``; the report and note are the adapter card's (``knowledge.json``) when it has them;
    ``worked``: the adapter answers step by step (its card's split says so)."""
    from peft import PeftModel

    from sensor2text.models.lm import same_base_model

    folder = resolve_checkpoint(cfg.composer.knowledge_adapter) if cfg.composer.knowledge_adapter else None
    if folder is not None and not (folder / "adapter_model.safetensors").is_file():
        raise ConfigError(f"composer.knowledge_adapter: {folder} has no adapter_model.safetensors.")
    trained_for = _adapter_base_model(folder) if folder is not None else None
    if folder is not None and not same_base_model(trained_for, cfg.training.base_model):
        log(f"knowledge adapter {folder} was trained for {trained_for!r}, not {cfg.training.base_model!r}: "
            f"training one for this LM ({cfg.composer.knowledge_steps} steps)")  # fmt: skip
        folder = None
    card = {}
    if folder is not None:
        model = PeftModel.from_pretrained(lm, str(folder))
        if (folder / "knowledge.json").is_file():
            card = json.loads((folder / "knowledge.json").read_text())
    else:
        model = train_knowledge(lm, tokenizer, cfg.composer, log=log, share=share)
        folder = Path(tempfile.mkdtemp(prefix="sensor2text-knowledge-"))
        model.save_pretrained(folder, safe_serialization=True, save_embedding_layers=False)
    report = card.get("accuracy") or (knowledge_report(model, tokenizer) if share.main else {})
    worked = bool(card.get("split", {}).get("worked", False))
    return model.merge_and_unload(), folder, report, card.get("corpus") or corpus_note(DEFAULT_SPLIT), worked


def _adapter_base_model(folder: Path) -> str | None:
    """The base LM a saved adapter was trained for (as the user named it), from peft's config."""
    try:
        return json.loads((folder / "adapter_config.json").read_text()).get("base_model_name_or_path")
    except (OSError, ValueError) as exc:
        raise ConfigError(f"composer.knowledge_adapter: {folder}/adapter_config.json is unreadable ({exc}).") from exc

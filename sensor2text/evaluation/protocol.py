"""Zero-shot evaluation run: generate, score every candidate label set, report.

Configured by a YAML file (``configs/zeroshot/*.yaml``) naming the training classes and the
unseen classes; writes ``report.json``, ``report.md``, ``confusion.png`` and
``similarity.png`` into the output folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np

from sensor2text.config import from_dict, help_field
from sensor2text.errors import ConfigError
from sensor2text.evaluation.zeroshot import (
    EmbeddingScorer,
    confusion_matrix,
    gzsl_metrics,
    leak_check,
    lm_label_scores,
    text_only_lm_scores,
    top_k_hits,
)
from sensor2text.labels import LabelSet, load_label_sets
from sensor2text.progress import progress, stage
from sensor2text.textfile import save_figure, write_text_atomic


@dataclass
class ZeroShotConfig:
    """A zero-shot protocol: which classes were trained on, which are held out, how to score."""

    train_classes: list[str] = help_field("Classes the checkpoint was trained on.", factory=list)
    unseen_classes: list[str] = help_field(
        "Classes held out of training; candidates include them. Empty = a seen-class benchmark.", factory=list
    )
    labels: str | None = help_field("Label-set YAML, or shipped: synthetic, auslan; null = synthetic.", None)
    embedding_model: str | None = help_field("sentence-transformers id or folder; null = embedded MiniLM.", None)
    aggregate: str = help_field("How synonym scores combine per label set: max or mean.", "max")
    lm_scorer: bool = help_field(
        "Also score with the LM's length-normalised log-likelihood given the glove "
        "(the text-only LM baseline always runs).",
        True,
    )
    samples: int = help_field("Sampled descriptions per recording besides the greedy one (0 = none).", 0)
    temperature: float = help_field("Sampling temperature of those descriptions.", 0.7)
    train_config: str | None = help_field(
        "Run config (configs/*.yaml) whose data section is the training split; the CNN+LSTM and "
        "contrastive baselines are trained on it. null = no trained baselines.",
        None,
    )
    baseline_steps: int = help_field("Optimiser steps of each trained baseline.", 600)

    def __post_init__(self):
        if not self.unseen_classes and not self.train_classes:
            raise ConfigError("zero-shot config: name the train_classes and/or the unseen_classes.")


def load_zeroshot_config(path: str | Path) -> ZeroShotConfig:
    """The zero-shot protocol in a YAML file; ConfigError naming the file for a missing,
    unreadable, non-UTF-8 or invalid file, or a bad field."""
    import os

    from sensor2text.config import relative_to_file
    from sensor2text.yamlfile import read_yaml

    data = read_yaml(path, "zero-shot config") or {}
    if isinstance(data, dict):  # paths relative to the config file when found there (else to the working directory)
        data = {k: relative_to_file(v, Path(path).parent) if k in ZEROSHOT_PATHS else v for k, v in data.items()}
    cfg = from_dict(ZeroShotConfig, data, str(path))
    if cfg.train_config and not Path(cfg.train_config).is_file():
        raise ConfigError(f"{path}: train_config '{cfg.train_config}' is not a file (looked in the config's folder "
                          f"{Path(path).parent} and the working directory {os.getcwd()}).")  # fmt: skip
    return cfg


ZEROSHOT_PATHS = ("labels", "embedding_model", "train_config")


def check_protocol(cfg: ZeroShotConfig, model, label_sets: dict[str, LabelSet]) -> None:
    """Leak check against the config, the checkpoint's own training classes and its template."""
    missing = [c for c in cfg.train_classes + cfg.unseen_classes if c not in label_sets]
    if missing:
        raise ConfigError(f"zero-shot config: class '{missing[0]}' has no label set.")
    trained = sorted(set(cfg.train_classes) | set(model.config.trained_classes))
    leak_check(cfg.unseen_classes, label_sets, trained, model.leak_texts)


def run_zeroshot(cfg: ZeroShotConfig, model, recordings: list, out_dir: str | Path, calibration=None,
                 quiet: bool = True) -> dict:  # fmt: skip
    """Score ``recordings`` (:class:`sensor2text.glove.recordings.Recording`, labelled) against every
    class in the label sets as a candidate; a ``session_norm`` model is calibrated per session
    (:func:`sensor2text.inputs.by_session`, ``calibration`` as there). Unless ``quiet``, stderr
    shows a progress bar while describing and a line as each scorer starts.

    Only recordings of the protocol's training or unseen classes are scored; others (say "ten"
    when a protocol holds out named gestures) are dropped, as they are neither seen nor declared.
    """
    from sensor2text.inputs import by_session
    from sensor2text.models.base import DescribeOptions

    label_sets = load_label_sets(cfg.labels)
    check_protocol(cfg, model, label_sets)
    kept = [r for r in recordings if r.label in cfg.train_classes or r.label in cfg.unseen_classes]
    if not kept:
        raise ConfigError("zero-shot run: no recording belongs to the protocol's training or unseen classes.")
    items = [(r.frames, r.label, r.source) for r in kept]
    classes = list(label_sets)
    candidates = [label_sets[c] for c in classes]
    truth = np.array([classes.index(label) for _, label, _ in items])
    seen = np.array([label not in cfg.unseen_classes for _, label, _ in items])
    def describe(what: str, **options) -> list[str]:
        with progress(len(kept), what, quiet) as advance:
            work = partial(model.describe, options=DescribeOptions(on_batch=advance, **options))
            return [d.text for d in by_session(model, kept, work, calibration)]

    descriptions = describe("describing")
    scorer = EmbeddingScorer(candidates, cfg.embedding_model, cfg.aggregate)
    scores = {"embedding": scorer(descriptions)}
    samples = [describe(f"sample {i + 1}/{cfg.samples}", do_sample=True, temperature=cfg.temperature)
               for i in range(cfg.samples)]  # fmt: skip
    if samples:
        runs = [scores["embedding"]] + [scorer(s) for s in samples]
        scores[f"embedding, greedy + {cfg.samples} samples"] = np.mean(runs, axis=0)
    if cfg.lm_scorer:
        stage(f"zero-shot: LM log-likelihood of every label set, {len(items)} recordings", quiet)
        prompts = by_session(model, kept, model.label_prompts, calibration)
        scores["lm"] = lm_label_scores(model, prompts, candidates, cfg.aggregate)
    scores["text-only lm (baseline)"] = text_only_lm_scores(model, len(items), candidates, cfg.aggregate)
    if cfg.train_config:
        stage(f"zero-shot: training the CNN+LSTM and contrastive baselines ({cfg.baseline_steps} steps each)", quiet)
        scores.update(trained_baselines(cfg, baseline_input(model, kept, calibration), classes, scorer.encoder,
                                        candidates))  # fmt: skip
    report = {"config": asdict(cfg), "classes": classes, "num_recordings": len(items),
              "chance": {"top1": 1 / len(classes), "top5": min(5, len(classes)) / len(classes)},
              "scorers": {name: gzsl_metrics(s, truth, seen) for name, s in scores.items()},
              "per_class": per_class_table(classes, truth, scores, descriptions),
              "knowledge_corpus": model.knowledge_corpus or "none",
              "rows": [{"path": src, "label": label, "description": d,
                        "samples": [run[i] for run in samples],
                        **{f"{n}_prediction": classes[int(s[i].argmax())] for n, s in scores.items()}}
                       for i, ((_, label, src), d) in enumerate(zip(items, descriptions))]}  # fmt: skip
    write_reports(report, scores["embedding"], truth, classes, Path(out_dir))
    return report


def baseline_input(model, recordings: list, calibration=None) -> list[np.ndarray]:
    """The recordings' frames as the baselines read them: standardised per session, as their
    training split is (``load_split``), when the model standardises sessions; raw otherwise."""
    if not model.session_norm:
        return [r.frames for r in recordings]
    from sensor2text.inputs import standardize_by_session

    return [r.frames for r in standardize_by_session(recordings, model.profile, calibration)]


def trained_baselines(cfg: ZeroShotConfig, recordings, classes, encoder, candidates) -> dict[str, np.ndarray]:
    """CNN+LSTM classifier and contrastive encoder, trained on the training split of ``train_config``."""
    from sensor2text.config import load_run_config
    from sensor2text.training.data import load_split

    run = load_run_config(cfg.train_config)
    train_items = load_split(run, "train", cfg.train_classes)
    if not train_items:
        raise ConfigError(f"{cfg.train_config}: its training split has no recording of the protocol's classes.")
    return run_baselines(run, train_items, recordings, classes, encoder, candidates, cfg.baseline_steps)


def run_baselines(run, train_items, recordings, classes, encoder, candidates, steps: int) -> dict[str, np.ndarray]:
    """Both baselines trained ``steps`` steps on ``train_items`` with the run config's window length,
    augmentation and seed; ``{name: (R, K)}`` scores of ``recordings`` against every class."""
    from sensor2text.evaluation.baselines import baseline_scores

    augment = (run.data.augment_gain, run.data.augment_offset, run.data.augment_shift)
    return baseline_scores(train_items, recordings, classes, encoder, candidates, run.data.num_frames, augment,
                           steps, seed=run.training.seed)  # fmt: skip


def per_class_table(classes, truth, scores, descriptions) -> dict:
    table = {}
    for k in np.unique(truth):
        rows = np.where(truth == k)[0]
        entry = {f"{n}_top1": float(top_k_hits(s[rows], truth[rows], 1).mean()) for n, s in scores.items()}
        entry["examples"] = sorted({descriptions[i] for i in rows})[:5]
        table[classes[k]] = entry
    return table


def write_reports(report: dict, similarity: np.ndarray, truth: np.ndarray, classes: list[str], out: Path) -> None:
    """report.json, report.md, confusion.png (embedding scorer), similarity.png (true vs best other)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "report.json", json.dumps(report, indent=2) + "\n")
    write_text_atomic(out / "report.md", markdown_report(report))
    matrix = confusion_matrix(truth, similarity.argmax(1), len(classes))
    fig, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=90, fontsize=7)
    ax.set_yticks(range(len(classes)), classes, fontsize=7)
    ax.set_xlabel("predicted (embedding scorer)")
    ax.set_ylabel("true")
    fig.tight_layout()
    save_figure(fig, out / "confusion.png")
    plt.close(fig)
    true_score = similarity[np.arange(len(truth)), truth]
    masked = similarity.copy()
    masked[np.arange(len(truth)), truth] = -np.inf
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist([true_score, masked.max(1)], bins=30, label=["true label set", "best other label set"])
    ax.set_xlabel("cosine similarity of the description")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, out / "similarity.png")
    plt.close(fig)


def markdown_report(report: dict) -> str:
    unseen = ", ".join(report["config"]["unseen_classes"]) or "none (every class was trained on)"
    lines = ["# Zero-shot report", "", f"Unseen classes: {unseen}; "
             f"{report['num_recordings']} recordings; chance top-1 {report['chance']['top1']:.1%}, "
             f"top-5 {report['chance']['top5']:.1%}.", "",
             f"Text-knowledge corpus of the checkpoint: {report.get('knowledge_corpus', 'none')}.", "",
             "| scorer | seen top-1 | unseen top-1 | harmonic top-1 | seen top-5 | unseen top-5 |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for name, m in report["scorers"].items():
        cells = [m["seen_top1"], m["unseen_top1"], m["harmonic_top1"], m["seen_top5"], m["unseen_top5"]]
        lines.append(f"| {name} | " + " | ".join("-" if c is None else f"{c:.1%}" for c in cells) + " |")
    lines += ["", "| class | " + " | ".join(f"{n} top-1" for n in report["scorers"]) + " | descriptions |",
              "|---|" + "---|" * (len(report["scorers"]) + 1)]  # fmt: skip
    for label, row in report["per_class"].items():
        unseen = " (unseen)" if label in report["config"]["unseen_classes"] else ""
        cells = " | ".join(f"{row[f'{n}_top1']:.0%}" for n in report["scorers"])
        lines.append(f"| `{label}`{unseen} | {cells} | {'; '.join(row['examples'])} |")
    return "\n".join(lines) + "\n"

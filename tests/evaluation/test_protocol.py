import json
import re
from pathlib import Path

import pytest

from sensor2text.errors import ConfigError
from sensor2text.evaluation.protocol import ZeroShotConfig, load_zeroshot_config, run_zeroshot
from sensor2text.glove.recordings import Recording
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.models.holistic import Sensor2Text

CONFIGS = sorted(p for p in (Path(__file__).resolve().parents[2] / "configs").rglob("*.yaml")
                 if p.parent.name == "zeroshot" or p.name.startswith("zeroshot"))  # fmt: skip


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_shipped_zeroshot_configs_load(path):
    cfg = load_zeroshot_config(path)
    assert cfg.unseen_classes or cfg.train_classes


def test_bad_zeroshot_configs(tmp_path):
    path = tmp_path / "zs.yaml"
    path.write_text("unseen_classes: [count_10]\nunseen_clases: [fist]\n")
    with pytest.raises(ConfigError, match="unknown key 'unseen_clases'"):
        load_zeroshot_config(path)
    with pytest.raises(ConfigError, match="name the train_classes and/or the unseen_classes"):
        ZeroShotConfig()


def _items(classes):
    spec = SynthSpec(seed=3, train_subjects=0, val_subjects=0, test_subjects=1, repetitions=1, classes=classes)
    return [Recording(r["frames"], f"{r['label']}.csv", r["label"], r["subject"]) for r in generate(spec)]


def test_run_writes_reports_and_consistent_metrics(tiny_checkpoint, tmp_path):
    model = Sensor2Text.from_pretrained(tiny_checkpoint)  # trained on count_1 and fist
    cfg = ZeroShotConfig(train_classes=["count_1", "fist"], unseen_classes=["count_10"])
    report = run_zeroshot(cfg, model, _items(("count_1", "fist", "count_10", "wave")), tmp_path)
    # wave is neither a training class nor declared unseen: not scored, but still a candidate
    assert report["classes"][0] == "count_0" and len(report["rows"]) == 3 and "wave" in report["classes"]
    for name in ("report.json", "report.md", "confusion.png", "similarity.png"):
        assert (tmp_path / name).is_file()
    saved = json.loads((tmp_path / "report.json").read_text())
    assert set(saved["scorers"]) == {"embedding", "lm", "text-only lm (baseline)"} and saved["num_recordings"] == 3
    assert saved["chance"]["top1"] == pytest.approx(1 / 23)
    rows = saved["rows"]
    unseen_hit = float(rows[2]["embedding_prediction"] == "count_10")
    assert saved["scorers"]["embedding"]["unseen_top1"] == unseen_hit
    assert "(unseen)" in (tmp_path / "report.md").read_text()


def test_run_refuses_a_leaking_protocol(tiny_checkpoint, tmp_path):
    model = Sensor2Text.from_pretrained(tiny_checkpoint)  # its checkpoint says it trained on fist
    cfg = ZeroShotConfig(train_classes=["count_1"], unseen_classes=["fist"])
    with pytest.raises(ConfigError, match=re.escape("leak: class 'fist' is both a training class and unseen")):
        run_zeroshot(cfg, model, _items(("fist",)), tmp_path)


def test_run_with_samples_and_trained_baselines(tiny_checkpoint, tmp_path):
    run_config = tmp_path / "run.yaml"
    run_config.write_text("data:\n  train_subjects: 1\n  val_subjects: 0\n  test_subjects: 0\n"
                          "  repetitions: 2\n  num_frames: 8\n")  # fmt: skip
    model = Sensor2Text.from_pretrained(tiny_checkpoint)
    cfg = ZeroShotConfig(train_classes=["count_1", "fist"], unseen_classes=["count_10"], samples=2,
                         train_config=str(run_config), baseline_steps=5, lm_scorer=False)  # fmt: skip
    report = run_zeroshot(cfg, model, _items(("count_1", "fist", "count_10")), tmp_path)
    assert set(report["scorers"]) == {
        "embedding",
        "embedding, greedy + 2 samples",
        "text-only lm (baseline)",
        "CNN+LSTM classifier (closed set)",
        "contrastive CLIP-style encoder",
    }
    assert report["scorers"]["CNN+LSTM classifier (closed set)"]["unseen_top5"] == 0.0
    assert all(len(row["samples"]) == 2 for row in report["rows"])

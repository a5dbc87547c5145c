"""Several training processes: how many a command starts, and that N processes train what one does."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from sensor2text.errors import ConfigError, Sensor2TextError
from sensor2text.training.launch import (
    child_argv,
    num_processes_flag,
    python_args,
    requested_processes,
    simple_launcher_processes,
)

REPO = Path(__file__).resolve().parents[2]
SIMPLE_LAUNCHER = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500", "ACCELERATE_MIXED_PRECISION": "no"}


def test_the_num_processes_flag_is_read_from_an_accelerate_command_line():
    assert num_processes_flag(["accelerate", "launch", "--num_processes", "2", "train.py"]) == 2
    assert num_processes_flag(["accelerate", "launch", "--num_processes=3", "train.py"]) == 3
    assert num_processes_flag(["accelerate", "launch", "train.py", "--config", "x.yaml"]) is None


def test_accelerates_simple_launcher_asked_for_several_processes_is_recognised():
    argv = ["python", "accelerate", "launch", "--num_processes", "2", "training/train.py"]
    assert simple_launcher_processes(SIMPLE_LAUNCHER, argv) == 2
    assert simple_launcher_processes({**SIMPLE_LAUNCHER, "WORLD_SIZE": "2"}, argv) is None  # torchrun's child
    assert simple_launcher_processes({}, argv) is None  # a plain run
    assert simple_launcher_processes(SIMPLE_LAUNCHER, ["accelerate", "launch", "--num_processes", "1", "t.py"]) is None
    with pytest.raises(Sensor2TextError, match="pass --num_processes N on the command line"):
        simple_launcher_processes(SIMPLE_LAUNCHER, ["accelerate", "launch", "t.py"])  # N from a config file


def test_requested_processes():
    assert requested_processes(2, {}) == 2
    assert requested_processes(1, {}) is None
    assert requested_processes(None, {}) is None
    assert requested_processes(2, {"WORLD_SIZE": "2"}) is None  # inside a started process
    assert requested_processes(2, {"SENSOR2TEXT_LAUNCHED": "1"}) is None
    with pytest.raises(ConfigError, match="--processes 0: expected 1 or more"):
        requested_processes(0, {})


def test_started_processes_run_the_command_line_without_processes():
    argv = ["/venv/bin/sensor2text", "train", "--processes", "2", "--config", "c.yaml", "--processes=2"]
    assert child_argv(argv) == ["/venv/bin/sensor2text", "train", "--config", "c.yaml"]
    assert python_args(["/x/sensor2text/__main__.py", "train", "--processes", "2"]) == ["-m", "sensor2text", "train"]
    assert python_args(["training/train.py", "--config", "c.yaml"]) == ["training/train.py", "--config", "c.yaml"]


def test_processes_refused_before_starting(tmp_path, capsys):
    from sensor2text.cli.main import main

    assert main(["train", "--processes", "2", "--set", "training.batch_size=3", "--output-dir", str(tmp_path)]) == 2
    assert "training.batch_size 3: does not split into 2 processes" in capsys.readouterr().err
    assert main(["train", "--processes", "2", "--config", str(REPO / "configs/fingers_smollm2.yaml"),
                 "--set", "fingers.batch_size=9", "--output-dir", str(tmp_path)]) == 2  # fmt: skip
    assert "fingers.batch_size 9: does not split into 2 processes" in capsys.readouterr().err
    assert main(["train", "--processes", "2", "--hands-checkpoint", str(tmp_path), "--output-dir", str(tmp_path)]) == 2
    assert "the composer stage alone) trains in one process" in capsys.readouterr().err


def _run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    env["OMP_NUM_THREADS"] = "1"
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _weights(run: Path) -> dict[str, torch.Tensor]:
    checkpoint = run / "checkpoint"
    weights = load_file(checkpoint / "projector.safetensors")
    weights.update({f"lora.{k}": v for k, v in load_file(checkpoint / "adapter" / "adapter_model.safetensors").items()})
    return weights


def _without_dropout(lm_dir: str, folder: Path) -> str:
    """A copy of the tiny GPT-2 with its dropouts at 0 (the random draws differ between processes)."""
    import json
    import shutil

    shutil.copytree(lm_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update({k: 0.0 for k in config if k.endswith("pdrop")})
    (folder / "config.json").write_text(json.dumps(config))
    return str(folder)


@pytest.mark.parametrize("launcher", ["sensor2text", "accelerate"])
def test_two_cpu_processes_train_what_one_process_trains(tiny_lm_dir, tmp_path, launcher):
    """One writer, one progress bar, the same weights up to float order (no dropout, no augmentation)."""
    lm_dir = _without_dropout(tiny_lm_dir, tmp_path / "lm")
    settings = ["data.classes=[count_1, count_2, fist]", "data.train_subjects=2", "data.val_subjects=0",
                "data.test_subjects=0", "data.repetitions=2", "data.num_frames=8", "projector.hidden_dim=16",
                "projector.num_layers=1", "projector.dropout=0", "adapter.r=2", "adapter.lora_dropout=0",
                "training.batch_size=4", "training.max_steps=3", "training.warmup_steps=1", "training.save_every=0",
                f"training.base_model={lm_dir}"]  # fmt: skip
    train = [sys.executable, "-m", "sensor2text", "train", "--set", *settings]
    _run([*train, "--output-dir", str(tmp_path / "one")], tmp_path)
    if launcher == "sensor2text":
        two = _run([*train, "--output-dir", str(tmp_path / "two"), "--processes", "2"], tmp_path)
    else:
        accelerate = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "2", "training/train.py"]
        two = _run([*accelerate, "--set", *settings, "--output-dir", str(tmp_path / "two")], tmp_path)
    assert "training in 2 CPU processes (gloo)" in two.stderr
    assert "2 processes (MULTI_CPU): 2 recordings each per step" in two.stdout  # they train together
    assert two.stdout.count("saved ") == 1  # one writer
    assert two.stderr.count("0/3 [00:00<?, ?it/s]") == 1  # one progress bar (its first drawing)
    one, both = _weights(tmp_path / "one"), _weights(tmp_path / "two")
    assert one.keys() == both.keys()
    for name in one:
        torch.testing.assert_close(both[name], one[name], rtol=1e-4, atol=1e-5, msg=name)


def test_two_cpu_processes_train_the_finger_word_design_as_one_does(tiny_lm_dir, tmp_path):
    """Finger reader, knowledge and composer LoRAs: each process trains on its half of every batch
    (drawn alike in both) and the gradients are averaged; one writer (no dropout anywhere)."""
    lm_dir = _without_dropout(tiny_lm_dir, tmp_path / "lm")
    settings = ["data.classes=[count_1, count_6, fist]", "data.train_subjects=1", "data.val_subjects=1",
                "data.test_subjects=0", "data.repetitions=1", "data.num_frames=8", "data.view=fingers",
                "fingers.steps=4", "fingers.hidden=4", "fingers.batch_size=8", "composer.enabled=true",
                "composer.max_steps=3", "composer.batch_size=4", "composer.max_new_tokens=4",
                "composer.knowledge_steps=2", "composer.lora_dropout=0", "composer.remember_pairs=false",
                f"training.base_model={lm_dir}"]  # fmt: skip
    train = [sys.executable, "-m", "sensor2text", "train", "--set", *settings]
    _run([*train, "--output-dir", str(tmp_path / "one")], tmp_path)
    two = _run([*train, "--output-dir", str(tmp_path / "two"), "--processes", "2"], tmp_path)
    assert "2 processes: 4 hands and 2 texts each per step" in two.stdout
    assert two.stdout.count("saved ") == 1 and two.stdout.count("composer step 3/3") == 1  # one writer, one log
    for part in ("fingers/fingers.safetensors", "composer/adapter_model.safetensors",
                 "knowledge/adapter_model.safetensors"):  # fmt: skip
        one, both = load_file(tmp_path / "one/checkpoint" / part), load_file(tmp_path / "two/checkpoint" / part)
        assert one.keys() == both.keys()
        for name in one:
            torch.testing.assert_close(both[name], one[name], rtol=1e-4, atol=1e-5, msg=f"{part}: {name}")

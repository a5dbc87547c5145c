"""CLI smoke runs and the bad-input contract: one clear line on stderr, exit code 2, no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sensor2text.cli.main import build_parser, main
from sensor2text.errors import Sensor2TextError
from sensor2text.glove.recordings import write_csv
from sensor2text.glove.schema import SYNTHETIC_JOINTS


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sensor2text", *args], capture_output=True, text=True, timeout=600)


def assert_clean_error(result: subprocess.CompletedProcess, *fragments: str):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("synth", "train", "generate", "evaluate", "plot"):
        assert command in result.stdout


def test_help_does_not_import_torch():
    code = "import sys; from sensor2text.cli.main import build_parser; build_parser(); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    assert (
        main(
            [
                "synth",
                "--out",
                str(out),
                "--seed",
                "1",
                "--train-subjects",
                "0",
                "--val-subjects",
                "0",
                "--test-subjects",
                "1",
                "--repetitions",
                "1",
                "--classes",
                "count_1",
                "fist",
                "wave",
            ]
        )
        == 0
    )
    return out


def test_synth_writes_csv_and_dataset(synth_dir):
    assert sorted(p.name for p in (synth_dir / "test" / "subject2000").glob("*-0.csv")) == [
        "count_1-0.csv",
        "fist-0.csv",
        "wave-0.csv",
    ]
    assert (synth_dir / "hf" / "dataset_dict.json").is_file()


def test_generate_json_gives_path_label_and_description(tiny_checkpoint, synth_dir, tmp_path):
    out = tmp_path / "out.json"
    args = ["generate", "--checkpoint", tiny_checkpoint, "--input", str(synth_dir / "test"), "--json", str(out)]
    assert main(args) == 0
    results = json.loads(out.read_text())
    assert [Path(r["path"]).name for r in results] == ["count_1-0.csv", "fist-0.csv", "wave-0.csv"]
    assert [r["label"] for r in results] == ["count_1", "fist", "wave"]
    assert all(isinstance(r["description"], str) and isinstance(r["correct"], bool) for r in results)


@pytest.mark.parametrize("precision", ["int8", "bf16", "fp32"])
def test_generate_at_each_precision(tiny_checkpoint, synth_dir, capsys, precision):
    args = ["generate", "--checkpoint", tiny_checkpoint, "--input", str(synth_dir / "test"), "--json", "-"]
    assert main([*args, "--precision", precision]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_unknown_precision_is_refused(tiny_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", tiny_checkpoint, "--input", "x.csv", "--precision", "fp16"])
    assert "invalid choice: 'fp16'" in capsys.readouterr().err


def test_generate_without_a_known_label(tiny_checkpoint, synth_dir, tmp_path, capsys):
    import shutil

    unknown = tmp_path / "my_recording.csv"
    shutil.copy(synth_dir / "test" / "subject2000" / "fist-0.csv", unknown)
    assert main(["generate", "--checkpoint", tiny_checkpoint, "--input", str(unknown), "--json", "-"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["label"] is None and result["correct"] is None


def test_generate_on_a_dataset_and_a_single_file(tiny_checkpoint, synth_dir, capsys):
    assert main(["generate", "--checkpoint", tiny_checkpoint, "--input", str(synth_dir / "hf"), "--json", "-"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    single = str(synth_dir / "test" / "subject2000" / "fist-0.csv")
    assert main(["generate", "--checkpoint", tiny_checkpoint, "--input", single]) == 0
    assert "fist" in capsys.readouterr().out


def test_evaluate_reports_per_class_accuracy(tiny_checkpoint, synth_dir, tmp_path):
    out = tmp_path / "report.json"
    assert main(["evaluate", "--checkpoint", tiny_checkpoint, "--data", str(synth_dir), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report["per_class"]) == {"count_1", "fist", "wave"}
    assert report["accuracy"] == np.mean([r["correct"] for r in report["rows"]])


def test_evaluate_keeps_only_the_named_subjects(tiny_checkpoint, synth_dir, tmp_path, capsys):
    import shutil

    for subject in ("tctodd6", "tctodd7"):
        shutil.copytree(synth_dir / "test" / "subject2000", tmp_path / "days" / subject)
    out = tmp_path / "report.json"
    args = ["evaluate", "--checkpoint", tiny_checkpoint, "--data", str(tmp_path / "days"), "--json", str(out)]
    assert main([*args, "--subjects", "tctodd7"]) == 0
    assert {Path(r["path"]).parent.name for r in json.loads(out.read_text())["rows"]} == {"tctodd7"}
    assert main([*args, "--subjects", "tctodd9"]) == 2
    assert "no recordings of subject 'tctodd9'" in capsys.readouterr().err


def test_evaluate_names_the_classes_it_leaves_out(tiny_checkpoint, synth_dir, tmp_path, capsys):
    import shutil

    folder = tmp_path / "day" / "tctodd9"
    shutil.copytree(synth_dir / "test" / "subject2000", folder)
    shutil.copy(folder / "fist-0.csv", folder / "banana-0.csv")
    out = tmp_path / "report.json"
    assert main(["evaluate", "--checkpoint", tiny_checkpoint, "--data", str(tmp_path / "day"), "--json", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 recordings left out" in err and "banana (1)" in err
    assert "banana" not in json.loads(out.read_text())["per_class"]


AUSLAN_FILE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "auslan_hq" / "tctodd1" / "alive-1.tsd"


@pytest.mark.skipif(not AUSLAN_FILE.is_file(), reason=f"the AUSLAN recordings are not at {AUSLAN_FILE}")
def test_plot_reads_a_real_auslan_file_with_its_own_profile(tmp_path):
    out = tmp_path / "alive.png"
    assert main(["plot", "--input", str(AUSLAN_FILE), "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_plot_writes_a_png(synth_dir, tmp_path):
    out = tmp_path / "wave.png"
    assert main(["plot", "--input", str(synth_dir / "test" / "subject2000" / "wave-0.csv"), "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_repeated_set_options_accumulate():
    args = build_parser().parse_args(
        ["train", "--set", "training.max_steps=5", "--set", "training.save_every=0", "data.num_frames=8"]
    )
    assert args.set == ["training.max_steps=5", "training.save_every=0", "data.num_frames=8"]


def test_train_cli_smoke(tiny_lm_dir, tmp_path):
    result = run_cli(
        "train",
        "--output-dir",
        str(tmp_path / "run"),
        "--set",
        "data.classes=[fist, wave]",
        "data.train_subjects=1",
        "data.val_subjects=0",
        "data.repetitions=1",
        "data.num_frames=8",
        "projector.hidden_dim=8",
        "projector.num_layers=1",
        "training.max_steps=1",
        "training.batch_size=2",
        "training.save_every=0",
        f"training.base_model={tiny_lm_dir}",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "run" / "checkpoint" / "config.json").is_file()


# ---- bad input ------------------------------------------------------------------------------
def _write_rows(path: Path, rows: list[str]) -> str:
    path.write_text("\n".join(["time_s," + ",".join(SYNTHETIC_JOINTS.channels), *rows]) + "\n")
    return str(path)


def test_wrong_channel_count(tiny_checkpoint, tmp_path):
    path = tmp_path / "few-0.csv"
    write_csv(path, np.zeros((5, 10)), profile=__import__("sensor2text.glove.schema", fromlist=["x"]).flex_profile(10))
    assert_clean_error(
        run_cli("generate", "--checkpoint", tiny_checkpoint, "--input", str(path)),
        str(path),
        "10 channels, expected 46",
    )


def test_nan_value(tiny_checkpoint, tmp_path):
    path = _write_rows(tmp_path / "nan-0.csv", ["0," + ",".join(["1"] * 20 + ["nan"] + ["1"] * 25)])
    assert_clean_error(
        run_cli("generate", "--checkpoint", tiny_checkpoint, "--input", path),
        path,
        "channel 'left_little_abd' is nan",
        "expected a finite number",
    )


def test_empty_file(tiny_checkpoint, tmp_path):
    path = tmp_path / "empty-0.csv"
    path.write_text("")
    assert_clean_error(run_cli("generate", "--checkpoint", tiny_checkpoint, "--input", str(path)), str(path), "empty")


def test_unknown_config_key(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("training:\n  max_steps: 2\n  learning_rat: 0.1\n")
    assert_clean_error(run_cli("train", "--config", str(config)), "run.yaml", "unknown key 'learning_rat'")


def test_checkpoint_missing_a_file(tiny_checkpoint, synth_dir, tmp_path):
    import shutil

    broken = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, broken)
    (broken / "projector.safetensors").unlink()
    assert_clean_error(
        run_cli("generate", "--checkpoint", str(broken), "--input", str(synth_dir / "test")),
        str(broken),
        "projector.safetensors is missing",
    )


def test_missing_input_path(tiny_checkpoint, tmp_path):
    assert_clean_error(
        run_cli("generate", "--checkpoint", tiny_checkpoint, "--input", str(tmp_path / "nope")),
        "no such file or folder",
    )


def test_python_api_reads_and_loads(tiny_checkpoint, synth_dir):
    import sensor2text

    frames = sensor2text.read_csv(synth_dir / "test" / "subject2000" / "fist-0.csv")
    assert frames.shape[1] == 46
    model = sensor2text.load_model(tiny_checkpoint)
    assert len(model.generate([frames])) == 1


def test_train_knowledge_writes_an_adapter_and_its_card(tiny_lm_dir, tmp_path):
    out = tmp_path / "knowledge"
    result = run_cli("train-knowledge", "--out", str(out), "--base-model", tiny_lm_dir, "--steps", "2")
    assert result.returncode == 0, result.stderr
    card = json.loads((out / "knowledge.json").read_text())
    assert {"held_out_sums", "held_out_phrasings", "held_out_both", "training_sample", "fresh lists, count 5"} <= set(
        card["accuracy"])
    assert all(0.0 <= value <= 1.0 for value in card["accuracy"].values()) and "no hands" in card["corpus"]
    assert card["split"]["hold_out"] and "held out" in card["corpus"]
    assert (out / "adapter_model.safetensors").is_file()
    assert "held_out_both" in result.stdout
    # the declared fallback, going on from the first adapter: every sum, no held-out sets
    more = tmp_path / "all-sums"
    result = run_cli("train-knowledge", "--out", str(more), "--base-model", tiny_lm_dir, "--steps", "2",
                     "--all-sums", "--init-from", str(out), "--worked", "--skip-base")  # fmt: skip
    assert result.returncode == 0, result.stderr
    card = json.loads((more / "knowledge.json").read_text())
    assert not any(name.startswith("held_out") for name in card["accuracy"]) and card["continued_from"] == str(out)
    assert "every pair that makes ten" in card["corpus"] and "--init-from" in (more / "README.md").read_text()
    assert card["split"]["worked"] and "step by step" in card["corpus"] and card["base_lm_accuracy"] is None
    assert "--worked" in (more / "README.md").read_text()


def test_generate_needs_input_or_stream(tiny_checkpoint):
    assert_clean_error(run_cli("generate", "--checkpoint", tiny_checkpoint), "--input", "--stream")


def test_simulate_unknown_gesture_is_a_clean_error():
    assert_clean_error(run_cli("simulate", "--gestures", "eleven", "--socket", "0"), "unknown gesture 'eleven'")


def test_replay_missing_file_is_a_clean_error(tmp_path):
    assert_clean_error(run_cli("replay", str(tmp_path / "gone.csv")), "gone.csv", "file not found")


def test_replay_streams_a_recording_as_json_lines(tiny_checkpoint, tmp_path):
    from sensor2text.live.simulate import gesture_script

    path = tmp_path / "live.csv"
    write_csv(path, gesture_script(["fist", "count_1"], seed=9, subject=68).frames)
    result = run_cli("replay", str(path), "--checkpoint", tiny_checkpoint, "--speed", "0", "--jsonl", "--window",
                     "100", "--hop", "100")  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1]["event"] == "end" and events[-1]["frames"] == len(path.read_text().splitlines()) - 1
    assert len([e for e in events if e["event"] == "description"]) == events[-1]["frames"] // 100


@pytest.fixture(scope="module")
def session_checkpoint(tiny_checkpoint, tmp_path_factory):
    """The tiny checkpoint marked as trained with data.session_norm (its weights are noise either way)."""
    import shutil

    from sensor2text.models.manifest import write_manifest

    folder = tmp_path_factory.mktemp("session-norm") / "checkpoint"
    shutil.copytree(tiny_checkpoint, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "session_norm": True}))
    write_manifest(folder)  # as if it had been saved so
    return str(folder)


def _descriptions(checkpoint: str, *args: str, capsys) -> list[str]:
    assert main(["generate", "--checkpoint", checkpoint, *args, "--json", "-", "--precision", "fp32"]) == 0
    return [r["description"] for r in json.loads(capsys.readouterr().out)]


def test_session_norm_checkpoint_ignores_a_sessions_calibration(session_checkpoint, synth_dir, tmp_path, capsys):
    from sensor2text.glove.recordings import read_csv

    session = synth_dir / "test" / "subject2000"
    moved = tmp_path / "recalibrated" / "subject2000"  # the same session with another offset and gain
    for file in sorted(session.glob("*-0.csv")):
        write_csv(moved / file.name, read_csv(file) * 0.8 + 5)
    descriptions = _descriptions(session_checkpoint, "--input", str(session), capsys=capsys)
    assert _descriptions(session_checkpoint, "--input", str(moved), capsys=capsys) == descriptions
    # a single file is calibrated on its own folder, or on the recordings given
    assert _descriptions(session_checkpoint, "--input", str(moved / "fist-0.csv"), capsys=capsys) == [descriptions[1]]
    given = ["--input", str(moved / "fist-0.csv"), "--calibration", str(session)]
    assert _descriptions(session_checkpoint, *given, capsys=capsys) != [descriptions[1]]


def test_calibration_is_refused_for_a_checkpoint_without_session_norm(tiny_checkpoint, synth_dir):
    data = str(synth_dir / "test")
    result = run_cli("generate", "--checkpoint", tiny_checkpoint, "--input", data, "--calibration", data)
    assert_clean_error(result, "--calibration", "without session standardisation")


def test_stream_of_a_session_norm_checkpoint_needs_calibration(session_checkpoint):
    result = run_cli("generate", "--checkpoint", session_checkpoint, "--stream", "loop://")
    assert_clean_error(result, "generate --stream", "give --calibration")


def test_replay_calibrates_a_session_norm_checkpoint_on_the_files_folder(session_checkpoint, synth_dir):
    file = synth_dir / "test" / "subject2000" / "fist-0.csv"
    result = run_cli("replay", str(file), "--checkpoint", session_checkpoint, "--speed", "0", "--jsonl", "--window",
                     "10", "--hop", "10")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert any(json.loads(line)["event"] == "description" for line in result.stdout.splitlines())


def test_probe_of_a_session_norm_checkpoint_needs_a_recordings_session(session_checkpoint, synth_dir):
    file = str(synth_dir / "test" / "subject2000" / "fist-0.csv")
    probe = ["probe", "--prompt", "He made a gesture of", "--checkpoint", session_checkpoint]
    ok = run_cli(*probe, "--recording", file)
    assert ok.returncode == 0, ok.stderr
    result = run_cli(*probe, "--gesture", "fist")
    assert_clean_error(result, "a synthesized gesture has no session", "give --recording")


def test_python_calibrate_matches_the_cli_and_replaces_an_earlier_call(session_checkpoint, tiny_checkpoint,
                                                                       synth_dir, capsys):  # fmt: skip
    import sensor2text

    session = synth_dir / "test" / "subject2000"
    file = session / "fist-0.csv"
    expected = _descriptions(session_checkpoint, "--input", str(file), capsys=capsys)
    model = sensor2text.load_model(session_checkpoint)
    with pytest.raises(Sensor2TextError, match="calibrate it first with sensor2text.calibrate"):
        model.generate([sensor2text.read_csv(file)])  # never a silently uncalibrated description
    sensor2text.calibrate(model, file)  # a poor calibration (one recording), then the right one
    sensor2text.calibrate(model, session)
    assert model.generate([sensor2text.read_csv(file)]) == expected


def test_one_bad_file_in_a_folder_does_not_stop_the_others(tiny_checkpoint, synth_dir, tmp_path):
    import shutil

    folder = tmp_path / "mixed" / "subject2000"
    folder.mkdir(parents=True)
    for name in ("fist-0.csv", "count_1-0.csv"):
        shutil.copy(synth_dir / "test" / "subject2000" / name, folder / name)
    (folder / "wave-0.csv").write_text("time_s,garbage\n\x1b[31mnot,a,number\n")
    out = tmp_path / "out.json"
    result = run_cli("generate", "--checkpoint", tiny_checkpoint, "--input", str(folder.parent), "--json", str(out),
                     "--precision", "fp32")  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "wave-0.csv" in result.stderr and "\x1b" not in result.stderr  # named, escapes not echoed
    assert_clean_error(result, "1 of 3 recordings could not be read", "wave-0.csv")
    assert sorted(Path(r["path"]).name for r in json.loads(out.read_text())) == ["count_1-0.csv", "fist-0.csv"]


def test_base_model_override_finds_a_base_lm_that_moved(tiny_checkpoint, tiny_lm_dir, synth_dir, tmp_path, capsys):
    import shutil

    from sensor2text.models.manifest import write_manifest

    folder = tmp_path / "moved"
    shutil.copytree(tiny_checkpoint, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "base_model_name_or_path": str(tmp_path / "gone")}))
    write_manifest(folder)
    recording = str(synth_dir / "test" / "subject2000" / "fist-0.csv")
    assert main(["generate", "--checkpoint", str(folder), "--input", recording, "--precision", "fp32"]) == 2
    assert "gone" in capsys.readouterr().err
    assert main(["generate", "--checkpoint", str(folder), "--input", recording, "--precision", "fp32",
                 "--base-model", tiny_lm_dir, "--json", "-"]) == 0  # fmt: skip
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_resume_needs_only_the_output_dir(tiny_lm_dir, tmp_path, capsys):
    run = str(tmp_path / "run")
    tiny = ["data.classes=[fist, wave]", "data.train_subjects=1", "data.val_subjects=0", "data.test_subjects=0",
            "data.repetitions=1", "data.num_frames=8", "projector.hidden_dim=8", "projector.num_layers=1",
            "training.batch_size=2", "training.save_every=1", f"training.base_model={tiny_lm_dir}"]  # fmt: skip
    assert main(["train", "--output-dir", run, "--set", *tiny, "training.max_steps=1"]) == 0
    capsys.readouterr()
    assert main(["train", "--output-dir", run, "--resume", "--set", "training.max_steps=2"]) == 0
    assert "resumed from" in capsys.readouterr().out


def test_resume_of_a_run_never_started_says_so(tmp_path, capsys, monkeypatch):
    assert main(["train", "--output-dir", str(tmp_path / "nothing"), "--resume"]) == 2
    assert "nothing/run_config.yaml not found" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)  # no --output-dir: the default run folder
    assert main(["train", "--resume"]) == 2
    assert "runs/default/run_config.yaml not found" in capsys.readouterr().err


def test_generate_shows_progress_on_stderr_unless_quiet(tiny_checkpoint, synth_dir, capsys):
    args = ["generate", "--checkpoint", tiny_checkpoint, "--input", str(synth_dir / "test"), "--json", "-"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "describing" in captured.err and "3/3" in captured.err  # one line in a log: the work's end
    assert len(json.loads(captured.out)) == 3  # stdout stays the JSON alone
    assert main([*args, "--quiet"]) == 0
    assert "describing" not in capsys.readouterr().err


def test_describe_reports_each_batch(tiny_checkpoint, synth_dir):
    from sensor2text.api import load_model, read_csv
    from sensor2text.models.base import DescribeOptions

    model = load_model(tiny_checkpoint)
    frames = [read_csv(path) for path in sorted((synth_dir / "test").rglob("*-0.csv"))]
    done = []
    model.describe(frames, DescribeOptions(batch_size=2, on_batch=done.append))
    assert done == [2, 1]

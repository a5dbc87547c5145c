"""Fault cases: recordings, configs and command-line values (issue items 1, 2, 4, 5).

Prefixes: ``config:`` (run configs, ``--gestures`` files), ``cli:`` (``train --set``),
``recording:`` (what ``generate --input`` / ``evaluate --data`` read), ``synth:``,
``folder:`` (folders with bad files among good ones), ``output:`` (``--json``, ``--out``).

A case that would train when its input were (wrongly) accepted trains the tiny GPT-2 for two
steps (``TINY``), never the embedded LM. The workspace runs as root here, so "unreadable" files
are made unreadable by the kernel for everyone (a symlink loop, a path under ``/proc``), not by
``chmod 000`` (root reads those; ``tests/glove/test_recordings.py`` covers PermissionError).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from harness import Case

# Overrides that make an accepted training run tiny (the tiny GPT-2 comes with --base-model).
TINY = ("data.classes=[count_1, fist]", "data.train_subjects=1", "data.val_subjects=0", "data.test_subjects=0",
        "data.repetitions=2", "data.num_frames=8", "projector.hidden_dim=16", "projector.num_layers=1",
        "adapter.r=2", "training.max_steps=2", "training.batch_size=2", "training.save_every=0",
        "training.eval_every=0")  # fmt: skip
CONTROL = {chr(c) for c in range(32) if chr(c) != "\n"} | {"\x7f"}


def _tiny(ws, mentioned: str = "") -> list[str]:
    """``--base-model`` tiny GPT-2 and the ``TINY`` overrides, less those of a key in ``mentioned``."""
    keep = [s for s in TINY if s.split("=")[0].split(".")[1] not in mentioned]
    return ["--output-dir", str(ws.folder / "out"), "--base-model", ws.lm, "--set", *keep]


def _config(ws, text: str | bytes, name: str = "run.yaml") -> list[str]:
    path = ws.folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    mentioned = text if isinstance(text, str) else text.decode("latin-1")
    return ["train", "--config", str(path), *_tiny(ws, mentioned)]


def _set(ws, *items: str) -> list[str]:
    return ["train", *_tiny(ws, " ".join(items)), *items]


def _zeroshot(ws, text: bytes) -> list[str]:
    (ws.folder / "zs.yaml").write_bytes(text)
    return ["evaluate", "--checkpoint", ws.checkpoint, "--data", str(ws.recordings), "--config",
            str(ws.folder / "zs.yaml"), "--out-dir", str(ws.folder / "report")]  # fmt: skip


def _probe_template(ws, text: bytes) -> list[str]:
    (ws.folder / "mine.txt").write_bytes(text)
    return ["probe", "--checkpoint", ws.checkpoint, "--gesture", "fist", "--template", str(ws.folder / "mine.txt")]


def _good(ws) -> Path:
    """A good recording of the shared folder (class fist)."""
    return next(p for p in ws.recordings.rglob("fist-*.csv") if not p.name.endswith(".keypoints.csv"))


def _good_text(ws) -> str:
    return _good(ws).read_text()


def _generate(ws, path, *extra: str) -> list[str]:
    return ["generate", "--checkpoint", ws.checkpoint, "--input", str(path), "--precision", "fp32", *extra]


def _recording(ws, text: str | bytes, name: str = "fist-0.csv") -> list[str]:
    path = ws.folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return _generate(ws, path)


def _lines(ws) -> list[str]:
    return _good_text(ws).splitlines()


def _with_cell(ws, line: int, column: int, value: str) -> str:
    """The good recording with one cell (``line`` 1-based, header = line 1) replaced."""
    lines = _lines(ws)
    cells = lines[line - 1].split(",")
    cells[column] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _frames(ws, count: int) -> str:
    return "\n".join(_lines(ws)[: count + 1]) + "\n"


def _cut_inside_last_value(ws) -> str:
    text = _good_text(ws).rstrip("\n")
    return text[: text.rindex(".") + 2]  # "...,12.3456" -> "...,12.3": a copy stopped mid-write


def _cut_at_comma(ws) -> str:
    text = _good_text(ws).rstrip("\n")
    return text[: text.rindex(",")]


def _noted_cut(ws, run) -> str | None:
    """The cut last line is left out with a note naming the file, never read as a frame."""
    if "fist-0.csv: the last line was cut short" not in run.stderr:
        return f"no note about the cut last line: {run.stderr.strip()[-200:]!r}"
    return None


def _drop_column(ws) -> str:
    return "\n".join(",".join(line.split(",")[:-1]) for line in _lines(ws)) + "\n"


def _clean_stderr(ws, run) -> str | None:
    found = sorted({repr(c) for c in run.stderr if c in CONTROL})
    return f"control characters reached the terminal: {', '.join(found)}" if found else None


def _symlink_loop(ws, name: str) -> Path:
    path = ws.folder / name
    os.symlink(path, path)
    return path


def _folder_with_bad(ws, bad: dict[str, str], good: int = 2) -> Path:
    """A folder ``mixed/<subject>/`` with ``good`` good recordings and the ``bad`` files."""
    folder = ws.folder / "mixed" / "subject1"
    folder.mkdir(parents=True)
    for path in sorted(ws.recordings.rglob("*.csv"))[: good * 2]:
        if not path.name.endswith(".keypoints.csv"):
            shutil.copy(path, folder / path.name)
    for name, text in bad.items():
        (folder / name).write_text(text)
    return folder.parent


def _good_ones_described(ws, run) -> str | None:
    """The --json report holds every good recording of the mixed folder."""
    out = ws.folder / "out.json"
    if not out.is_file():
        return "lost: the good recordings' descriptions were not written"
    good = sorted(p.name for p in (ws.folder / "mixed" / "subject1").glob("*.csv")
                  if not p.name.startswith(("bad", "wave", "broken")))  # fmt: skip
    rows = json.loads(out.read_text())
    rows = rows["rows"] if isinstance(rows, dict) else rows
    got = sorted(Path(r["path"]).name for r in rows)
    return None if got == good else f"lost: described {got}, expected {good}"


def _mixed(ws, bad: dict[str, str], command: str = "generate") -> list[str]:
    folder = _folder_with_bad(ws, bad)
    flag = "--input" if command == "generate" else "--data"
    return [command, "--checkpoint", ws.checkpoint, flag, str(folder), "--precision", "fp32", "--json",
            str(ws.folder / "out.json")]  # fmt: skip


def _gestures(ws, text: str | bytes) -> list[str]:
    path = ws.folder / "gestures.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return _generate(ws, _good(ws), "--gestures", str(path))


def _reader(ws, damage) -> list[str]:
    """generate with the shipped finger-word checkpoint, a good --gestures file and a damaged --reader."""
    import shutil

    from sensor2text.models.definition_reader import READER_CHECKPOINT

    gestures, reader = ws.folder / "gestures.yaml", ws.folder / "reader"
    gestures.write_text("gestures:\n  - name: hang ten\n    description: thumb and pinky out, the rest folded\n")
    shutil.copytree(READER_CHECKPOINT, reader)
    damage(reader)
    return ["generate", "--input", str(_good(ws)), "--gestures", str(gestures), "--reader", str(reader)]


def _synth(ws, *extra: str, out: Path | None = None) -> list[str]:
    small = ["--splits", "test", "--test-subjects", "1", "--repetitions", "1", "--classes", "fist"]
    given = {e for e in extra if e.startswith("--")}
    base = [a for i, a in enumerate(small) if not ({a, small[i - 1] if i else ""} & given)]
    return ["synth", "--out", str(out or ws.folder / "synth"), *base, *extra]


def _nothing_written(ws, run) -> str | None:
    written = [p for p in (ws.folder / "synth").rglob("*") if p.is_file()] if (ws.folder / "synth").exists() else []
    return f"wrote {len(written)} files although refused" if written else None


def _synth_csv_written(ws, run) -> str | None:
    files = [p for p in (ws.folder / "synth").rglob("*.csv") if not p.name.endswith(".keypoints.csv")]
    said = run.stdout.split("wrote ")[-1].split(" ")[0]
    return None if files and said == str(len(files)) else f"said 'wrote {said}', {len(files)} recordings on disk"


def _file(ws, name: str = "a-file") -> Path:
    path = ws.folder / name
    path.write_text("not a folder\n")
    return path


def _json_kept_symlink(ws, run) -> str | None:
    link, real = ws.folder / "link.json", ws.folder / "real.json"
    if not link.is_symlink():
        return "the symlink --json pointed through was replaced by a file"
    return None if isinstance(json.loads(real.read_text()), list) else "the symlink's target was not written"


def _stdout_is_json(ws, run) -> str | None:
    try:
        json.loads(run.stdout)
    except ValueError:
        return f"stdout is not JSON: {run.stdout[:120]!r}"
    return None


def _exists(name: str):
    def check(ws, run) -> str | None:
        return None if (ws.folder / name).is_file() else f"{name} was not written (stdout: {run.stdout.strip()!r})"

    return check


def _trained_with(key: str, value) -> callable:
    def check(ws, run) -> str | None:
        import yaml

        saved = ws.folder / "out" / "run_config.yaml"
        if not saved.is_file():
            return f"no {saved.name} was written"
        section, name = key.split(".")
        got = (yaml.safe_load(saved.read_text()).get(section) or {}).get(name)
        return None if got == value else f"{key} saved as {got!r}, expected {value!r}"

    return check


def _hf_with_bad_dict(ws) -> list[str]:
    folder = ws.folder / "hf"
    folder.mkdir()
    (folder / "dataset_dict.json").write_text('{"splits": ["test"')
    return ["evaluate", "--checkpoint", ws.checkpoint, "--data", str(folder), "--precision", "fp32"]


def _wrong_classes(ws) -> list[str]:
    folder = ws.folder / "data" / "subject1"
    folder.mkdir(parents=True)
    shutil.copy(_good(ws), folder / "mystery-0.csv")
    return ["evaluate", "--checkpoint", ws.checkpoint, "--data", str(folder.parent), "--precision", "fp32"]


def _probe(ws) -> list[str]:
    return ["probe", "--checkpoint", ws.checkpoint, "--gesture", "fist", "--template", "gesture"]


def _plot(ws, out: str, source=None) -> list[str]:
    return ["plot", "--input", str(source or _good(ws)), "--out", out]


# fmt: off
CONFIG = [
    Case("config: zero-shot config of invalid YAML", "traceback",
         lambda ws: _zeroshot(ws, b"unseen_classes: [ten\n"), names=("zs.yaml", "line 2")),  # fmt: skip
    Case("config: zero-shot config not UTF-8", "small",
         lambda ws: _zeroshot(ws, b"unseen_classes: [t\xe9n]\n"), names=("zs.yaml", "UTF-8")),  # fmt: skip
    Case("cli: probe template file not UTF-8", "small",
         lambda ws: _probe_template(ws, b"The hand \xff {glove} means"), names=("mine.txt", "UTF-8")),  # fmt: skip
    Case("config: invalid YAML", "traceback", lambda ws: _config(ws, "training: [unclosed\n"), names=("run.yaml",)),
    Case("config: negative max_steps", "silent", lambda ws: _config(ws, "training:\n  max_steps: -5\n"),
         names=("training.max_steps",)),  # fmt: skip
    Case("config: invalid YAML names its line", "traceback",
         lambda ws: _config(ws, "training:\n  max_steps: 5\n  seed: [1, 2\ndata:\n  seed: 3\n"),
         names=("run.yaml", "line 4")),  # fmt: skip
    Case("config: tab indentation", "traceback", lambda ws: _config(ws, "training:\n\tmax_steps: 5\n"),
         names=("run.yaml", "line 2")),  # fmt: skip
    Case("config: top-level list", "traceback", lambda ws: _config(ws, "- training\n- data\n"), names=("run.yaml",)),
    Case("config: top-level text", "traceback", lambda ws: _config(ws, "just some words\n"), names=("run.yaml",)),
    Case("config: null section", "traceback", lambda ws: _config(ws, "training:\ndata:\n  seed: 1\n"),
         names=("training",)),  # fmt: skip
    Case("config: section is a list", "traceback", lambda ws: _config(ws, "training: [1, 2]\n"), names=("training",)),
    Case("config: non-UTF-8 bytes", "small", lambda ws: _config(ws, b"# r\xe9glages\ntraining:\n  seed: 1\n"),
         names=("run.yaml", "UTF-8")),  # fmt: skip
    Case("config: UTF-16 file", "small", lambda ws: _config(ws, "training:\n  seed: 1\n".encode("utf-16")),
         names=("run.yaml",)),  # fmt: skip
    Case("config: python tag", "traceback",
         lambda ws: _config(ws, "training: !!python/object/apply:os.system ['echo pwned']\n"),
         names=("run.yaml",)),  # fmt: skip
    Case("config: duplicate key", "silent", lambda ws: _config(ws, "training:\n  seed: 1\n  seed: 2\n"),
         names=("run.yaml", "seed")),  # fmt: skip
    Case("config: duplicate section", "silent",
         lambda ws: _config(ws, "training:\n  seed: 1\ndata:\n  seed: 1\ntraining:\n  warmup_steps: 1\n"),
         names=("run.yaml", "training")),  # fmt: skip
    Case("config: data.classes is a number", "traceback", lambda ws: _config(ws, "data:\n  classes: 5\n"),
         names=("data.classes",)),  # fmt: skip
    Case("config: data.path is a number", "traceback", lambda ws: _config(ws, "data:\n  path: 5\n"),
         names=("data.path",)),  # fmt: skip
    Case("config: adapter.target_modules is a number", "traceback",
         lambda ws: _config(ws, "adapter:\n  target_modules: 5\n"), names=("adapter.target_modules",)),
    Case("config: max_steps is text", "traceback", lambda ws: _config(ws, "training:\n  max_steps: many\n"),
         names=("training.max_steps",)),  # fmt: skip
    Case("config: max_steps is a fraction", "silent", lambda ws: _config(ws, "training:\n  max_steps: 2.5\n"),
         names=("training.max_steps",)),  # fmt: skip
    Case("config: max_steps is yes", "silent", lambda ws: _config(ws, "training:\n  max_steps: yes\n"),
         names=("training.max_steps",)),  # fmt: skip
    Case("config: learning_rate -1", "silent", lambda ws: _config(ws, "training:\n  learning_rate: -1\n"),
         names=("training.learning_rate",)),  # fmt: skip
    Case("config: learning_rate .inf", "silent", lambda ws: _config(ws, "training:\n  learning_rate: .inf\n"),
         names=("training.learning_rate",)),  # fmt: skip
    Case("config: learning_rate .nan", "silent", lambda ws: _config(ws, "training:\n  learning_rate: .nan\n"),
         names=("training.learning_rate",)),  # fmt: skip
    Case("config: save_every -1", "silent", lambda ws: _config(ws, "training:\n  save_every: -1\n"),
         names=("training.save_every",)),  # fmt: skip
    Case("config: log_every 0", "traceback", lambda ws: _config(ws, "training:\n  log_every: 0\n"),
         names=("training.log_every",)),  # fmt: skip
    Case("config: batch_size 0", "traceback", lambda ws: _config(ws, "training:\n  batch_size: 0\n"),
         names=("training.batch_size",)),  # fmt: skip
    Case("config: negative hidden_dim", "traceback", lambda ws: _config(ws, "projector:\n  hidden_dim: -4\n"),
         names=("projector.hidden_dim",)),  # fmt: skip
    Case("config: negative num_frames", "traceback", lambda ws: _config(ws, "data:\n  num_frames: -1\n"),
         names=("data.num_frames",)),  # fmt: skip
    Case("config: LoRA rank 0", "traceback", lambda ws: _config(ws, "adapter:\n  r: 0\n"), names=("adapter.r",)),
    Case("config: dropout above 1", "silent", lambda ws: _config(ws, "projector:\n  dropout: 1.5\n"),
         names=("projector.dropout",)),  # fmt: skip
    Case("config: unknown key", "silent", lambda ws: _config(ws, "training:\n  max_step: 5\n"),
         names=("max_step",)),  # fmt: skip
    Case("config: unknown section", "silent", lambda ws: _config(ws, "trainer:\n  seed: 5\n"), names=("trainer",)),
    Case("config: file missing", "traceback",
         lambda ws: ["train", "--config", str(ws.folder / "nope.yaml"), *_tiny(ws)], names=("nope.yaml",)),
    Case("config: a folder given as the file", "traceback",
         lambda ws: ((ws.folder / "conf.d").mkdir(), ["train", "--config", str(ws.folder / "conf.d"), *_tiny(ws)])[1],
         names=("conf.d",)),  # fmt: skip
    Case("config: unreadable file (symlink loop)", "traceback",
         lambda ws: ["train", "--config", str(_symlink_loop(ws, "loop.yaml")), *_tiny(ws)], names=("loop.yaml",)),
    Case("config: gestures entry without description", "traceback",
         lambda ws: _gestures(ws, "gestures:\n  - name: shaka\n    synonyms: [hang loose]\n"),
         names=("gestures.yaml", "gestures[0]", "description")),  # fmt: skip
    Case("config: gestures empty description", "traceback",
         lambda ws: _gestures(ws, "gestures:\n  - name: shaka\n    description: '  '\n"),
         names=("gestures.yaml", "gestures[0]", "description")),  # fmt: skip
    Case("config: gestures duplicate name", "silent",
         lambda ws: _gestures(ws, "gestures:\n  - {name: shaka, description: thumb out}\n"
                                  "  - {name: shaka, description: little finger out}\n"),
         names=("gestures.yaml", "gestures[1]", "shaka")),  # fmt: skip
    Case("config: gestures name of a trained class", "silent",
         lambda ws: _gestures(ws, "gestures:\n  - {name: fist, description: all fingers folded}\n"),
         names=("gestures.yaml", "gestures[0]", "fist")),  # fmt: skip
    Case("config: gestures not a list", "traceback", lambda ws: _gestures(ws, "gestures: shaka\n"),
         names=("gestures.yaml",)),  # fmt: skip
    Case("config: gestures invalid YAML", "traceback", lambda ws: _gestures(ws, "gestures: [\n"),
         names=("gestures.yaml",)),  # fmt: skip
    Case("config: gestures non-UTF-8", "small", lambda ws: _gestures(ws, b"gestures:\n  - {name: caf\xe9}\n"),
         names=("gestures.yaml",)),  # fmt: skip
    Case("config: gestures --reader is not a reader", "traceback",
         lambda ws: _reader(ws, lambda folder: (folder / "adapter_model.safetensors").unlink()),
         names=("reader", "not a definition reader"), slow=True),  # fmt: skip
    Case("config: gestures --reader head truncated", "traceback",
         lambda ws: _reader(ws, lambda folder: (folder / "head.safetensors").write_bytes(b"\0" * 8)),
         names=("head.safetensors",), slow=True),  # fmt: skip
    Case("config: gestures file missing", "traceback",
         lambda ws: _generate(ws, _good(ws), "--gestures", str(ws.folder / "none.yaml")), names=("none.yaml",)),
]

CLI = [
    Case("cli: --set learning_rate=2e-3 is a float", "small", lambda ws: _set(ws, "training.learning_rate=2e-3"),
         expect="works", check=_trained_with("training.learning_rate", 0.002), timeout=120),  # fmt: skip
    Case("cli: --set without =", "traceback", lambda ws: _set(ws, "training.max_steps"), names=("training.max_steps",)),
    Case("cli: --set unknown key", "silent", lambda ws: _set(ws, "training.maxsteps=5"), names=("maxsteps",)),
    Case("cli: --set unknown section", "silent", lambda ws: _set(ws, "trainer.seed=5"), names=("trainer",)),
    Case("cli: --set empty key", "traceback", lambda ws: _set(ws, "=5"), names=("--set =5",)),
    Case("cli: --set section without key", "traceback", lambda ws: _set(ws, "training.=5"), names=("training.",)),
    Case("cli: --set key without section", "traceback", lambda ws: _set(ws, ".seed=5"), names=(".seed",)),
    Case("cli: --set section only", "traceback", lambda ws: _set(ws, "training=5"), names=("training",)),
    Case("cli: --set max_steps=abc", "traceback", lambda ws: _set(ws, "training.max_steps=abc"),
         names=("training.max_steps",)),  # fmt: skip
    Case("cli: --set max_steps empty", "traceback", lambda ws: _set(ws, "training.max_steps="),
         names=("training.max_steps",)),  # fmt: skip
    Case("cli: --set max_steps=-5", "silent", lambda ws: _set(ws, "training.max_steps=-5"),
         names=("training.max_steps",)),  # fmt: skip
    Case("cli: --set learning_rate=.inf", "silent", lambda ws: _set(ws, "training.learning_rate=.inf"),
         names=("training.learning_rate",)),  # fmt: skip
    Case("cli: --set log_every=0", "traceback", lambda ws: _set(ws, "training.log_every=0"),
         names=("training.log_every",)),  # fmt: skip
    Case("cli: --set data.classes=5", "traceback", lambda ws: _set(ws, "data.classes=5"), names=("data.classes",)),
    Case("cli: --set data.classes=fist (text, not a list)", "traceback", lambda ws: _set(ws, "data.classes=fist"),
         names=("data.classes",)),  # fmt: skip
    Case("cli: --set data.classes=[]", "traceback", lambda ws: _set(ws, "data.classes=[]"), names=("data.classes",)),
    Case("cli: --set unknown class", "traceback", lambda ws: _set(ws, "data.classes=[fist, jazz_hands]"),
         names=("data.classes", "jazz_hands")),  # fmt: skip
    Case("cli: --set unknown convention", "traceback", lambda ws: _set(ws, "data.convention=roman"),
         names=("data.convention", "roman")),  # fmt: skip
    Case("cli: --set unknown projector", "traceback", lambda ws: _set(ws, "projector.type=magic"),
         names=("projector.type", "magic")),  # fmt: skip
    Case("cli: --set unknown profile", "traceback", lambda ws: _set(ws, "data.profile=kinect"),
         names=("data.profile", "kinect")),  # fmt: skip
    Case("cli: --set data.path missing folder", "traceback", lambda ws: _set(ws, f"data.path={ws.folder}/none"),
         names=("none",)),  # fmt: skip
    Case("cli: --set data.path=5", "traceback", lambda ws: _set(ws, "data.path=5"), names=("data.path",)),
    Case("cli: --set adapter.target_modules=5", "traceback", lambda ws: _set(ws, "adapter.target_modules=5"),
         names=("adapter.target_modules",)),  # fmt: skip
    Case("cli: --set prompt template missing", "traceback", lambda ws: _set(ws, "prompt.template=nope"),
         names=("nope",)),  # fmt: skip
    Case("cli: train --processes 0", "traceback", lambda ws: [*_set(ws), "--processes", "0"], names=("--processes",)),
    Case("cli: train --processes 2, a batch of 3", "silent",
         lambda ws: [*_set(ws, "training.batch_size=3"), "--processes", "2"], names=("training.batch_size",)),
    Case("cli: record --profile glove file without fist", "traceback",
         lambda ws: _record_with_glove(ws, "profile: flex-3\nopen: [1, 2, 3]\n"), names=("glove.yaml", "fist")),
    Case("cli: record --profile glove file, two values for three channels", "traceback",
         lambda ws: _record_with_glove(ws, "profile: flex-3\nopen: [1, 2]\nfist: [4, 5, 6]\n"),
         names=("glove.yaml", "open")),  # fmt: skip
    Case("cli: calibrate-glove --seconds 0", "traceback",
         lambda ws: ["calibrate-glove", "--stream", "loop://", "--profile", "flex-3", "--out",
                     str(ws.folder / "g.yaml"), "--seconds", "0"], names=("--seconds",)),  # fmt: skip
    Case("cli: calibrate-glove --profile a calibrated file", "silent",
         lambda ws: ["calibrate-glove", "--stream", "loop://", "--profile", _glove_file(ws), "--out",
                     str(ws.folder / "g.yaml")], names=("glove.yaml", "layout")),  # fmt: skip
    Case("cli: generate --steer a folder without a steering model", "traceback",
         lambda ws: ["generate", "--steer", str(ws.folder), "--input", str(ws.recordings)], names=("steer.json",)),
    Case("cli: generate --steer with a damaged steer.json", "traceback",
         lambda ws: ["generate", "--steer", _steer_folder(ws, "{not json"), "--input", str(ws.recordings)],
         names=("steer",)),  # fmt: skip
    Case("cli: generate --steer-strength -1", "silent",
         lambda ws: ["generate", "--steer", _steer_folder(ws, "{}"), "--steer-strength", "-1", "--input",
                     str(ws.recordings)], names=("--steer-strength",)),  # fmt: skip
    Case("cli: generate --steer-min-tokens above the most tokens written", "silent",
         lambda ws: ["generate", "--steer", _steer_folder(ws, "{}"), "--steer-min-tokens", "99", "--input",
                     str(ws.recordings)], names=("--steer-min-tokens",)),  # fmt: skip
    Case("cli: replay --pose-images without --pose", "silent",
         lambda ws: ["replay", str(next(ws.recordings.rglob("*-0.csv"))), "--checkpoint", ws.checkpoint,
                     "--pose-images", str(ws.folder / "hands")], names=("--pose",)),  # fmt: skip
    Case("cli: replay --pose of a folder that is no pose model", "traceback",
         lambda ws: ["replay", str(next(ws.recordings.rglob("*-0.csv"))), "--checkpoint", ws.checkpoint,
                     "--speed", "0", "--pose", str(ws.folder)], names=("pose.json",)),  # fmt: skip
    Case("cli: train-steer --steps 0", "traceback",
         lambda ws: ["train-steer", "--config", _glove_file(ws), "--out", str(ws.folder / "s"), "--steps", "0"],
         names=("--steps",)),  # fmt: skip
    Case("cli: pose predict with a folder that is no pose model", "traceback",
         lambda ws: ["pose", "predict", "--checkpoint", str(ws.folder), "--input", str(ws.recordings), "--out",
                     str(ws.folder / "kp.csv")], names=("pose.json",)),  # fmt: skip
    Case("cli: pose train --steps 0", "traceback",
         lambda ws: ["pose", "train", "--out", str(ws.folder / "p"), "--steps", "0"], names=("--steps",)),
    Case("cli: plot --pose of a folder that is no pose model", "traceback",
         lambda ws: ["plot", "--input", str(next(ws.recordings.rglob("*-0.csv"))), "--pose", str(ws.folder),
                     "--out", str(ws.folder / "p.png")], names=("pose.json",)),  # fmt: skip
    Case("cli: generate --stream --profile of a glove the checkpoint cannot read", "silent",
         lambda ws: ["generate", "--checkpoint", ws.checkpoint, "--stream", "loop://", "--profile", _glove_file(ws),
                     "--max-gestures", "1"], names=("glove.yaml", "flex-3/unit")),  # fmt: skip
]


def _glove_file(ws, text: str = "profile: flex-3\nopen: [1, 2, 3]\nfist: [4, 5, 6]\n") -> str:
    (ws.folder / "glove.yaml").write_text(text)
    return str(ws.folder / "glove.yaml")


def _steer_folder(ws, config: str) -> str:
    folder = ws.folder / "steer"
    folder.mkdir(exist_ok=True)
    (folder / "steer.json").write_text(config)
    (folder / "steer.safetensors").write_bytes(b"")
    return str(folder)


def _record_with_glove(ws, text: str) -> list[str]:
    return ["record", "--stream", "loop://", "--profile", _glove_file(ws, text), "--out", str(ws.folder / "s"),
            "--gestures", "fist"]  # fmt: skip

RECORDING = [
    Case("recording: UTF-8 byte-order mark", "small", lambda ws: _recording(ws, "\ufeff" + _good_text(ws)),
         expect="works"),  # fmt: skip
    Case("recording: Windows line ends", "small", lambda ws: _recording(ws, _good_text(ws).replace("\n", "\r\n")),
         expect="works"),  # fmt: skip
    Case("recording: columns in another order", "small",
         lambda ws: _recording(ws, "\n".join(",".join(reversed(line.split(","))) for line in _lines(ws)) + "\n"),
         expect="works"),  # fmt: skip
    Case("recording: exactly the minimum frames", "small", lambda ws: _recording(ws, _frames(ws, 4)), expect="works"),
    # a last line cut mid-write is left out with a note naming the file; the frames before it are described
    Case("recording: line cut inside its last value", "small", lambda ws: _recording(ws, _cut_inside_last_value(ws)),
         expect="works", check=_noted_cut),  # fmt: skip
    Case("recording: line cut at a comma", "small", lambda ws: _recording(ws, _cut_at_comma(ws)),
         expect="works", check=_noted_cut),  # fmt: skip
    Case("recording: a channel missing", "traceback", lambda ws: _recording(ws, _drop_column(ws)),
         names=("fist-0.csv", "channels")),  # fmt: skip
    Case("recording: a row with an extra value", "traceback", lambda ws: _recording(ws, _with_cell(ws, 5, 3, "1,2")),
         names=("fist-0.csv", "line 5")),  # fmt: skip
    Case("recording: NaN", "silent", lambda ws: _recording(ws, _with_cell(ws, 4, 2, "nan")),
         names=("fist-0.csv", "frame 2")),  # fmt: skip
    Case("recording: inf", "silent", lambda ws: _recording(ws, _with_cell(ws, 4, 2, "-inf")),
         names=("fist-0.csv", "frame 2")),  # fmt: skip
    Case("recording: huge value", "silent", lambda ws: _recording(ws, _with_cell(ws, 4, 2, "1e30")),
         names=("fist-0.csv",)),  # fmt: skip
    Case("recording: empty file", "traceback", lambda ws: _recording(ws, ""), names=("fist-0.csv", "empty")),
    Case("recording: blank lines only", "traceback", lambda ws: _recording(ws, "\n \n\n"), names=("fist-0.csv",)),
    Case("recording: header only", "traceback", lambda ws: _recording(ws, _frames(ws, 0)),
         names=("fist-0.csv", "no frames")),  # fmt: skip
    Case("recording: non-numeric cell", "traceback", lambda ws: _recording(ws, _with_cell(ws, 3, 4, "twelve")),
         names=("fist-0.csv", "line 3")),  # fmt: skip
    Case("recording: decimal comma", "traceback", lambda ws: _recording(ws, _with_cell(ws, 3, 4, "12,5")),
         names=("fist-0.csv", "line 3")),  # fmt: skip
    Case("recording: empty cell", "traceback", lambda ws: _recording(ws, _with_cell(ws, 6, 7, "")),
         names=("fist-0.csv", "line 6")),  # fmt: skip
    Case("recording: semicolon separated", "traceback", lambda ws: _recording(ws, _good_text(ws).replace(",", ";")),
         names=("fist-0.csv",)),  # fmt: skip
    Case("recording: one frame", "silent", lambda ws: _recording(ws, _frames(ws, 1)),
         names=("fist-0.csv", "at least 4")),  # fmt: skip
    Case("recording: three frames", "silent", lambda ws: _recording(ws, _frames(ws, 3)),
         names=("fist-0.csv", "at least 4")),  # fmt: skip
    Case("recording: a channel named twice", "traceback",
         lambda ws: _recording(ws, _good_text(ws).replace("right_wrist_dev", "right_wrist_flex", 1)),
         names=("fist-0.csv", "right_wrist_dev")),  # fmt: skip
    Case("recording: binary garbage", "traceback", lambda ws: _recording(ws, os.urandom(4096)), names=("fist-0.csv",)),
    Case("recording: gzip file named .csv", "traceback",
         lambda ws: _recording(ws, __import__("gzip").compress(_good_text(ws).encode())), names=("fist-0.csv",)),
    Case("recording: UTF-16 file", "small", lambda ws: _recording(ws, _good_text(ws).encode("utf-16")),
         names=("fist-0.csv",)),  # fmt: skip
    Case("recording: non-UTF-8 header", "small",
         lambda ws: _recording(ws, _good_text(ws).replace("time_s", "temps_\xb0", 1).encode("latin-1")),
         names=("fist-0.csv",)),  # fmt: skip
    Case("recording: non-UTF-8 value", "small",
         lambda ws: _recording(ws, _with_cell(ws, 3, 2, "12\xb0").encode("latin-1")),
         names=("fist-0.csv", "line 3")),  # fmt: skip
    Case("recording: escape sequences in the header", "small",
         lambda ws: _recording(ws, _good_text(ws).replace("time_s", "\x1b[2J\x1b[31mtime_s", 1)),
         names=("fist-0.csv",), check=_clean_stderr),  # fmt: skip
    Case("recording: escape sequences in a value", "small",
         lambda ws: _recording(ws, _with_cell(ws, 3, 2, "\x1b]0;owned\x07\x1b[31m1.0")),
         names=("fist-0.csv", "line 3"), check=_clean_stderr),  # fmt: skip
    Case("recording: escape sequences in the file name", "small",
         lambda ws: _recording(ws, "garbage\n", name="fist\x1b[31m-0.csv"), names=("fist",), check=_clean_stderr),
    Case("recording: a line break in the file name", "small",
         lambda ws: _recording(ws, "garbage\n", name="fist\nerror: forged-0.csv"), names=("fist",),
         check=_clean_stderr),  # fmt: skip
    Case("recording: unreadable file (symlink loop)", "traceback",
         lambda ws: _generate(ws, _symlink_loop(ws, "fist-0.csv")), names=("fist-0.csv",)),
    Case("recording: dangling symlink", "traceback",
         lambda ws: (os.symlink(ws.folder / "gone.csv", ws.folder / "fist-0.csv"),
                     _generate(ws, ws.folder / "fist-0.csv"))[1], names=("fist-0.csv",)),  # fmt: skip
    Case("recording: a folder where the file should be", "traceback",
         lambda ws: ((ws.folder / "fist-0.csv").mkdir(), _generate(ws, ws.folder / "fist-0.csv"))[1],
         names=("fist-0.csv",)),  # fmt: skip
    Case("recording: missing file", "traceback", lambda ws: _generate(ws, ws.folder / "nope.csv"),
         names=("nope.csv",)),  # fmt: skip
    Case("recording: AUSLAN .tsd garbage", "traceback", lambda ws: _recording(ws, b"\x00\x01garbage", "fist-0.tsd"),
         names=("fist-0.tsd",)),  # fmt: skip
    Case("recording: empty folder", "traceback",
         lambda ws: ((ws.folder / "empty").mkdir(), _generate(ws, ws.folder / "empty"))[1], names=("empty",)),
    Case("recording: evaluate on an empty folder", "traceback",
         lambda ws: ["evaluate", "--checkpoint", ws.checkpoint, "--data", str(ws.folder), "--precision", "fp32"],
         names=("no recordings",)),  # fmt: skip
    Case("recording: evaluate on unknown classes only", "traceback", _wrong_classes, names=("data",)),
    Case("recording: evaluate --split that is not there", "silent",
         lambda ws: ["evaluate", "--checkpoint", ws.checkpoint, "--data", str(ws.recordings.parent), "--split",
                     "tset", "--precision", "fp32"], names=("tset",)),  # fmt: skip
    Case("recording: evaluate --subjects not there", "traceback",
         lambda ws: ["evaluate", "--checkpoint", ws.checkpoint, "--data", str(ws.recordings), "--subjects",
                     "nobody", "--precision", "fp32"], names=("nobody",)),  # fmt: skip
    Case("recording: HF dataset with broken dataset_dict.json", "small", _hf_with_bad_dict,
         names=("dataset_dict.json",)),  # fmt: skip
    Case("recording: plot a one-frame recording", "silent",
         lambda ws: (((ws.folder / "fist-0.csv").write_text(_frames(ws, 1))),
                     _plot(ws, str(ws.folder / "p.png"), ws.folder / "fist-0.csv"))[1],
         names=("fist-0.csv", "at least 4")),  # fmt: skip
]

FOLDER = [
    Case("folder: one bad file among good ones", "lost",
         lambda ws: _mixed(ws, {"wave-0.csv": "time_s,garbage\n\x1b[31mnot,a,number\n"}),
         names=("wave-0.csv",), check=_good_ones_described),  # fmt: skip
    Case("folder: two bad files among good ones", "lost",
         lambda ws: _mixed(ws, {"bad-0.csv": "", "broken-1.csv": "\x00\xff" * 40}),
         names=("bad-0.csv", "broken-1.csv"), check=_good_ones_described),  # fmt: skip
    Case("folder: a one-frame recording among good ones", "silent",
         lambda ws: _mixed(ws, {"bad-0.csv": _frames(ws, 1)}), names=("bad-0.csv",), check=_good_ones_described),
    Case("folder: evaluate with one bad file", "lost",
         lambda ws: _mixed(ws, {"wave-0.csv": "time_s\n1\n"}, command="evaluate"), names=("wave-0.csv",),
         check=_good_ones_described),  # fmt: skip
    Case("folder: only bad files", "traceback",
         lambda ws: ["generate", "--checkpoint", ws.checkpoint, "--input",
                     str(_folder_with_bad(ws, {"bad-0.csv": "", "bad-1.csv": "x\n"}, good=0)), "--precision", "fp32"],
         names=("no readable recording",)),  # fmt: skip
    Case("folder: an unreadable file among good ones", "lost",
         lambda ws: (_mixed(ws, {}), os.symlink("bad-0.csv", ws.folder / "mixed" / "subject1" / "bad-0.csv"))[0],
         names=("bad-0.csv",), check=_good_ones_described),  # fmt: skip
]

SYNTH = [
    Case("synth: --format parquet", "silent", lambda ws: _synth(ws, "--format", "parquet"),
         names=("--format", "parquet", "csv"), check=_nothing_written),  # fmt: skip
    Case("synth: --format CSV", "silent", lambda ws: _synth(ws, "--format", "CSV"), expect="works",
         check=_synth_csv_written),  # fmt: skip
    Case("synth: --format csv,parquet", "silent", lambda ws: _synth(ws, "--format", "csv,parquet"),
         names=("--format", "parquet"), check=_nothing_written),  # fmt: skip
    Case("synth: --format empty", "silent", lambda ws: _synth(ws, "--format", ""), names=("--format",),
         check=_nothing_written),  # fmt: skip
    Case("synth: --repetitions 0", "silent", lambda ws: _synth(ws, "--repetitions", "0"), names=("--repetitions",),
         check=_nothing_written),  # fmt: skip
    Case("synth: --repetitions -3", "silent", lambda ws: _synth(ws, "--repetitions", "-3"), names=("--repetitions",),
         check=_nothing_written),  # fmt: skip
    Case("synth: negative subjects", "silent", lambda ws: _synth(ws, "--test-subjects", "-1"),
         names=("--test-subjects",), check=_nothing_written),  # fmt: skip
    Case("synth: negative train subjects", "silent",
         lambda ws: _synth(ws, "--splits", "train", "--train-subjects", "-2"), names=("--train-subjects",),
         check=_nothing_written),  # fmt: skip
    Case("synth: unknown class", "traceback", lambda ws: _synth(ws, "--classes", "fist", "jazz_hands"),
         names=("jazz_hands",), check=_nothing_written),  # fmt: skip
    Case("synth: a class named twice", "silent", lambda ws: _synth(ws, "--classes", "fist", "fist",
                                                                  "--format", "csv"),
         expect="works", check=_synth_csv_written),  # fmt: skip
    Case("synth: unknown convention", "traceback", lambda ws: _synth(ws, "--convention", "roman"),
         names=("--convention", "roman"), check=_nothing_written),  # fmt: skip
    Case("synth: negative seed", "traceback", lambda ws: _synth(ws, "--seed", "-1"), names=("--seed",),
         check=_nothing_written),  # fmt: skip
    Case("synth: seed not a number", "traceback", lambda ws: _synth(ws, "--seed", "abc"), names=("--seed",)),
    Case("synth: a split with no subjects", "silent",
         lambda ws: _synth(ws, "--splits", "validation", "--val-subjects", "0"), names=("validation",),
         check=_nothing_written),  # fmt: skip
    Case("synth: --out is a file", "traceback", lambda ws: _synth(ws, "--format", "csv", out=_file(ws)),
         names=("a-file",)),  # fmt: skip
    Case("synth: --out under a file", "traceback",
         lambda ws: _synth(ws, "--format", "csv", out=_file(ws) / "sub"), names=("a-file",)),
]

OUTPUT = [
    Case("output: --json is a folder", "lost", lambda ws: _generate(ws, _good(ws), "--json", str(ws.folder)),
         names=("--json",)),  # fmt: skip
    Case("output: --json under a file", "lost",
         lambda ws: _generate(ws, _good(ws), "--json", str(_file(ws) / "out.json")), names=("--json", "a-file")),
    Case("output: --json where nothing can be written", "lost",
         lambda ws: _generate(ws, _good(ws), "--json", "/proc/sensor2text-out.json"),
         names=("--json", "/proc/sensor2text-out.json")),  # fmt: skip
    Case("output: --json name too long", "lost",
         lambda ws: _generate(ws, _good(ws), "--json", str(ws.folder / ("x" * 300 + ".json"))), names=("--json",)),
    Case("output: --json in folders not made yet", "lost",
         lambda ws: _generate(ws, _good(ws), "--json", str(ws.folder / "a" / "b" / "out.json")), expect="works",
         check=_exists("a/b/out.json")),  # fmt: skip
    Case("output: --json through a symlink", "lost",
         lambda ws: ((ws.folder / "real.json").write_text("[]"), os.symlink("real.json", ws.folder / "link.json"),
                     _generate(ws, _good(ws), "--json", str(ws.folder / "link.json")))[2],
         expect="works", check=_json_kept_symlink),  # fmt: skip
    Case("output: --json - prints JSON only", "small", lambda ws: _generate(ws, _good(ws), "--json", "-"),
         expect="works", check=_stdout_is_json),  # fmt: skip
    Case("output: evaluate --json is a folder", "lost",
         lambda ws: ["evaluate", "--checkpoint", ws.checkpoint, "--data", str(ws.recordings), "--precision", "fp32",
                     "--json", str(ws.folder)], names=("--json",)),  # fmt: skip
    Case("output: evaluate --json under a file", "lost",
         lambda ws: ["evaluate", "--checkpoint", ws.checkpoint, "--data", str(ws.recordings), "--precision", "fp32",
                     "--json", str(_file(ws) / "r.json")], names=("--json", "a-file")),  # fmt: skip
    Case("output: plot --out is a folder", "traceback", lambda ws: _plot(ws, str(ws.folder)), names=("--out",)),
    Case("output: plot --out under a file", "traceback", lambda ws: _plot(ws, str(_file(ws) / "p.png")),
         names=("--out", "a-file")),  # fmt: skip
    Case("output: plot --out unknown image type", "traceback", lambda ws: _plot(ws, str(ws.folder / "p.docx")),
         names=("--out", "p.docx")),  # fmt: skip
    Case("output: plot --out without a suffix", "silent", lambda ws: _plot(ws, str(ws.folder / "picture")),
         expect="works", check=_exists("picture")),  # fmt: skip
    Case("output: plot --out where nothing can be written", "traceback",
         lambda ws: _plot(ws, "/proc/sensor2text-plot.png"), names=("--out",)),
    Case("output: plot --profile unknown", "traceback",
         lambda ws: ["plot", "--input", str(_good(ws)), "--out", str(ws.folder / "p.png"), "--profile", "kinect"],
         names=("--profile", "kinect")),  # fmt: skip
    Case("output: probe --json is a folder", "lost",
         lambda ws: [*_probe(ws), "--json", str(ws.folder)],
         names=("--json",)),  # fmt: skip
    Case("output: probe --plot is a folder", "lost",
         lambda ws: [*_probe(ws), "--plot", str(ws.folder)],
         names=("--plot",)),  # fmt: skip
    Case("output: train --output-dir is a file", "traceback",
         lambda ws: ["train", *_tiny(ws)[2:], "--output-dir", str(_file(ws))], names=("a-file",)),
]
# fmt: on

def _shown_literally(ws, run) -> str | None:
    """The file name's markup brackets are printed as text, its escape character never reaches
    the terminal."""
    if "\x1b" in run.stdout:
        return "an escape character from the file name reached the terminal"
    if "[bold]" not in run.stdout.replace("\n", "").replace("│", "").replace(" ", ""):
        return f"the file name's '[bold]' was not shown as text: {run.stdout[-300:]!r}"
    return None


# Text from outside (file names, labels, the model's words) in the printed tables
SHOWN = [
    Case("output: a file name with markup and an escape character", "small",
         lambda ws: _recording(ws, _good_text(ws), name="fist-[bold]\x1b[31m.csv"), expect="works",
         check=_shown_literally),  # fmt: skip
]

CASES = CONFIG + CLI + RECORDING + FOLDER + SYNTH + OUTPUT + SHOWN

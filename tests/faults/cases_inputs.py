"""Fault cases: recordings, configs and command-line values (issue items 1, 2, 4, 5)."""

from __future__ import annotations

from harness import Case


def _config(ws, text: str) -> list[str]:
    path = ws.folder / "run.yaml"
    path.write_text(text)
    return ["train", "--config", str(path), "--output-dir", str(ws.folder / "out")]


CASES = [
    Case("config: invalid YAML", "traceback", lambda ws: _config(ws, "training: [unclosed\n"), names=("run.yaml",)),
    Case("config: negative max_steps", "silent", lambda ws: _config(ws, "training:\n  max_steps: -5\n"),
         names=("training.max_steps",)),  # fmt: skip
]

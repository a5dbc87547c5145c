"""Fault cases: checkpoints, loading and the network (issue items 1, 2, 3, 4)."""

from harness import Case  # noqa: F401

CASES: list = []

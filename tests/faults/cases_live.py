"""Fault cases: the live stream, signals and outputs (issue items 4, 5)."""

from harness import Case  # noqa: F401

CASES: list = []

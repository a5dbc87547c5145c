"""Where stream events go: JSON lines for piping, or a live terminal display (rich).

Events are dicts with an ``event`` key: ``connected``, ``disconnected``, ``gesture``, ``token``,
``description``, ``stats`` and, last, ``end`` (the final stats).

Text in events may come from outside (a port name, an error carrying bytes off the wire, the
model's words): the terminal sinks show it with control characters escaped and, in the rich
display, as text rather than markup (a ``[/bold]`` in an error must not break the panel).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque

from sensor2text.cli.common import printable, rich_safe

# Descriptions kept on screen.
SHOWN_DESCRIPTIONS = 8


class JsonlSink:
    """One JSON object per line on ``stream`` (stdout by default); thread-safe."""

    def __init__(self, stream=None, tokens: bool = True):
        self.stream = stream or sys.stdout
        self.tokens = tokens
        self.lock = threading.Lock()

    def __call__(self, event: dict) -> None:
        if event["event"] == "token" and not self.tokens:
            return
        with self.lock:
            self.stream.write(json.dumps({"time": round(time.time(), 3), **event}) + "\n")
            self.stream.flush()

    def close(self) -> None:
        pass


class PrintSink:
    """Plain lines on stdout (when it is not a terminal): connections, descriptions, the end."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def __call__(self, event: dict) -> None:
        kind = event["event"]
        if kind == "connected":
            line = f"connected to {event['port']}"
        elif kind == "disconnected":
            line = f"disconnected ({event['error']}); retrying in {event['retry_in_s']:.2g} s"
        elif kind == "description":
            confidence = "-" if event["confidence"] is None else f"{event['confidence']:.2f}"
            line = (f"[{event['start_s']:.1f}-{event['end_s']:.1f} s] {event['text']}   "
                    f"(confidence {confidence}, first token {event['first_token_ms']:.0f} ms, "
                    f"total {event['latency_ms']:.0f} ms)")  # fmt: skip
        elif kind == "gesture" and "hand" in event:
            line = "\n".join([f"[{event['start_s']:.1f}-{event['end_s']:.1f} s] the hand:", *event["hand"]])
        elif kind == "skipped":
            line = f"[{event['start_s']:.1f}-{event['end_s']:.1f} s] skipped: {event['reason']}"
        elif kind == "error":
            line = f"error: {event['error']}"
        elif kind == "end":
            line = (f"end: {event['frames']} frames, {event['bad_frames']} bad, {event['dropped_frames']} dropped, "
                    f"{event['skipped_gestures']} gestures skipped")  # fmt: skip
        else:
            return
        print(printable(line), file=self.stream, flush=True)

    def close(self) -> None:
        pass


class LiveDisplay:
    """A rich ``Live`` panel: port and segmenter state, frame rate, bad frames, the text being
    generated, and the last descriptions with confidence and latency."""

    def __init__(self, title: str, console=None):
        from rich.console import Console
        from rich.live import Live

        self.title = title
        self.console = console or Console(stderr=False)
        self.lock = threading.Lock()
        self.port = "connecting"
        self.stats: dict = {}
        self.partial = ""
        self.hand: list[str] = []  # the last gesture's hand, when a pose model draws it
        self.descriptions: deque[dict] = deque(maxlen=SHOWN_DESCRIPTIONS)
        self.live = Live(self._render(), console=self.console, refresh_per_second=8, transient=False)
        self.live.start()

    def __call__(self, event: dict) -> None:
        with self.lock:
            self._apply({k: rich_safe(v) if isinstance(v, str) else v for k, v in event.items()})
            self.live.update(self._render())

    def _apply(self, event: dict) -> None:
        kind = event["event"]
        if kind == "connected":
            self.port = "connected"
        elif kind == "disconnected":
            self.port = f"[red]disconnected[/red] ({event['error']}); retrying in {event['retry_in_s']:.2g} s"
        elif kind in ("stats", "end"):
            self.stats = event
        elif kind == "gesture":
            self.partial = ""
            self.hand = event.get("hand", self.hand)
        elif kind == "token":
            self.partial += event["text"]
        elif kind == "description":
            self.partial = ""
            self.descriptions.appendleft(event)
        elif kind == "skipped":
            self.descriptions.appendleft({**event, "text": "(skipped: newer gesture)", "confidence": None,
                                          "first_token_ms": float("nan"), "latency_ms": float("nan")})

    def _render(self):
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        s = self.stats
        reasons = ", ".join(f"{k} {v}" for k, v in s.get("bad_reasons", {}).items())
        head = (f"port: {self.port}   state: {s.get('state', '-')}   {s.get('fps', 0):.0f} frames/s   "
                f"frames {s.get('frames', 0)}   bad {s.get('bad_frames', 0)}{f' ({reasons})' if reasons else ''}   "
                f"dropped {s.get('dropped_frames', 0)}   skipped gestures {s.get('skipped_gestures', 0)}")  # fmt: skip
        table = Table(expand=True)
        for column in ("time s", "description", "confidence", "first token ms", "lag: total ms"):
            table.add_column(column)
        for d in self.descriptions:
            confidence = "-" if d["confidence"] is None else f"{d['confidence']:.2f}"
            table.add_row(f"{d['start_s']:.1f}-{d['end_s']:.1f}", f"[bold]{d['text']}[/bold]", confidence,
                          f"{d['first_token_ms']:.0f}", f"{d['latency_ms']:.0f}")  # fmt: skip
        live = f"> {self.partial}" if self.partial else "> (waiting for a gesture)"
        parts = [head, live] + ([Text("\n".join(self.hand), style="cyan")] if self.hand else []) + [table]
        return Panel(Group(*parts), title=self.title)

    def close(self) -> None:
        self.live.stop()

"""A simulated glove for the live fault cases: a local socket (``socket://127.0.0.1:PORT``) that
sends chosen bytes, good frames mixed with hostile ones, and what a case then checks.

``Glove(folder, sessions)`` serves each session (a list of byte chunks) to one reader connection,
closing the connection between sessions (the glove vanishing; the stream reconnects). After the
last session it writes ``folder/glove.done`` and keeps the connection open until the reader
leaves (``linger``), so that the stream sits idle until the case signals it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from pathlib import Path

import numpy as np

from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.live.simulate import gesture_script
from sensor2text.live.wire import csv_header, encode_binary, encode_csv

CHANNELS = SYNTHETIC_JOINTS.channels
# Seconds pyserial's socket:// takes to flush its input after connecting (bytes sent before are lost).
CONNECT_GRACE_S = 0.3
# How long a glove waits for its reader before giving up (a case that never connects).
ACCEPT_TIMEOUT_S = 240.0


def good_frames(count: int = 300, seed: int = 0) -> np.ndarray:
    """``count`` frames ``(count, 46)`` of one simulated person resting and gesturing."""
    frames = gesture_script(["fist", "count_1", "thumbs_up"], seed=seed, subject=3).frames
    return frames[:count].astype(np.float32)


def csv_lines(frames: np.ndarray, header: bool = True) -> list[bytes]:
    return ([csv_header(CHANNELS)] if header else []) + [encode_csv(f) for f in frames]


def binary_packets(frames: np.ndarray, first_seq: int = 0) -> list[bytes]:
    return [encode_binary(first_seq + i, f) for i, f in enumerate(frames)]


class Glove(threading.Thread):
    """Serves ``sessions`` (lists of byte chunks) on a free local port, ``per_second`` chunks a second."""

    def __init__(self, folder: Path, sessions: list[list[bytes]], per_second: float = 1000.0, linger: bool = True):
        super().__init__(daemon=True, name="fault-glove")
        self.folder, self.sessions, self.period, self.linger = folder, sessions, 1.0 / per_second, linger
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(ACCEPT_TIMEOUT_S)
        self.url = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        self.start()

    def run(self) -> None:
        with contextlib.suppress(OSError):
            for i, chunks in enumerate(self.sessions):
                connection, _ = self.server.accept()
                time.sleep(CONNECT_GRACE_S)
                self._send(connection, chunks)
                if i < len(self.sessions) - 1:
                    connection.close()  # the glove vanishes; the reader reconnects
            if not self.linger:
                connection.close()
                self.server.close()  # gone for good: reconnects are refused
            (self.folder / "glove.done").write_text(str(time.time()))
            if self.linger:
                connection.settimeout(ACCEPT_TIMEOUT_S)
                while connection.recv(4096):  # idle until the reader leaves
                    pass

    def _send(self, connection: socket.socket, chunks: list[bytes]) -> None:
        start = time.perf_counter()
        for n, chunk in enumerate(chunks):
            delay = start + n * self.period - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            connection.sendall(chunk)


def glove_done(ws, after_s: float = 1.5) -> bool:
    """The glove sent everything ``after_s`` seconds ago (time for the stream to read it)."""
    done = ws.folder / "glove.done"
    return done.exists() and time.time() - float(done.read_text() or 0) >= after_s


def expect(ws, frames: np.ndarray, bad: int = 0, dropped: int = 0) -> None:
    """What the stream must keep: ``frames (N, 46)`` in order, at least ``bad`` bad frames counted."""
    np.save(ws.folder / "expected.npy", frames)
    (ws.folder / "expected.json").write_text(json.dumps({"bad": bad, "dropped": dropped}))


def events_of(stdout: str) -> list[dict]:
    events = []
    for line in stdout.splitlines():
        with contextlib.suppress(ValueError):
            event = json.loads(line)
            if isinstance(event, dict):
                events.append(event)
    return events


def recorded_frames(path: Path) -> tuple[np.ndarray | None, str | None]:
    """``(frames (T, 46), problem)`` of a ``--record`` file."""
    if not path.exists():
        return None, "lost: no record file"
    text = path.read_text()
    if text and not text.endswith("\n"):
        return None, "lost: the record file ends inside a line (torn)"
    lines = text.splitlines()
    if not lines or lines[0].split(",")[0] != "time_s":
        return None, "lost: the record file has no header"
    rows = [line.split(",") for line in lines[1:]]
    if any(len(r) != len(CHANNELS) + 1 for r in rows):
        return None, "lost: a record line has the wrong number of values"
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(CHANNELS) + 1)[:, 1:], None


def kept_every_frame(ws, run) -> str | None:
    """Every frame the case expects is in ``rec.csv`` in order, the end event counts them and
    the bad frames, and no terminal escape reached the user."""
    expected = np.load(ws.folder / "expected.npy")
    meta = json.loads((ws.folder / "expected.json").read_text())
    frames, problem = recorded_frames(ws.folder / "rec.csv")
    if problem:
        return problem
    if len(frames) != len(expected):
        return f"lost: {len(expected) - len(frames)} of {len(expected)} frames not recorded ({len(frames)} kept)"
    if len(frames) and not np.allclose(frames, expected, atol=2e-3):
        return "lost: the recorded frames are not the frames sent (values or order)"
    return end_event_problem(ws, run, len(expected), meta) or escape_problem(run)


def end_event_problem(ws, run, frames: int, meta: dict) -> str | None:
    ends = [e for e in events_of(run.stdout) if e.get("event") == "end"]
    if not ends:
        plain = [line for line in run.stdout.splitlines() if line.startswith("end: ")]
        if not plain:
            return "lost: no end event"
        return None if plain[-1].startswith(f"end: {frames} frames") else f"lost: end line says {plain[-1]!r}"
    end = ends[-1]
    if end["frames"] != frames:
        return f"lost: the end event counts {end['frames']} frames, {frames} were kept"
    if end["bad_frames"] < meta.get("bad", 0):
        return f"{end['bad_frames']} bad frames counted, expected at least {meta['bad']}"
    if end["dropped_frames"] != meta.get("dropped", 0):
        return f"{end['dropped_frames']} dropped frames counted, expected {meta['dropped']}"
    return None


def escape_problem(run) -> str | None:
    if "\x1b" in run.stdout or "\x1b" in run.stderr:
        return "a terminal escape sequence from the stream reached the terminal"
    return None

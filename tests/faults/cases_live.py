"""Fault cases: the live stream, signals and outputs (issue items 4, 5).

Most run a real stream process on a simulated glove (``live_glove.Glove``, a local socket) and
are slow. A stream runs until it is stopped, so a case that expects it to keep going stops it
with a signal once the glove has sent everything, then checks the ``--record`` file against the
frames sent (``kept_every_frame``): every good frame in order, the bad ones counted, the end
event written. Names start with ``stream:``, ``signal:`` or ``json:``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from harness import Case
from live_glove import (
    CHANNELS,
    Glove,
    binary_packets,
    csv_lines,
    escape_problem,
    events_of,
    expect,
    glove_done,
    good_frames,
    kept_every_frame,
    recorded_frames,
)

from sensor2text.live.wire import SYNC, csv_header, encode_csv

SLOW = {"slow": True, "timeout": 120.0}


def _generate(ws, url: str, *extra: str, wire: str = "csv", record: bool = True) -> list[str]:
    """``generate --stream`` on the tiny checkpoint, windows of 100 frames, JSON lines out."""
    argv = ["generate", "--checkpoint", ws.checkpoint, "--stream", url, "--wire", wire, "--precision", "fp32",
            "--window", "100", "--hop", "100", "--no-speculate", "--jsonl"]  # fmt: skip
    return argv + (["--record", str(ws.folder / "rec.csv")] if record else []) + list(extra)


def csv_stream(bad_lines: dict[int, bytes], count: int = 300, header: bool = True, *extra: str):
    """A build: ``count`` good CSV frames with ``bad_lines`` inserted before the given frame
    indices; the stream must keep every good frame and count one bad frame per bad line."""

    def build(ws):
        frames = good_frames(count)
        lines = csv_lines(frames, header=False)
        for at in sorted(bad_lines, reverse=True):
            lines.insert(at, bad_lines[at])
        chunks = ([csv_header(CHANNELS)] if header else []) + lines
        expect(ws, frames, bad=len(bad_lines))
        return _generate(ws, Glove(ws.folder, [chunks]).url, *extra)

    return build


def stream_case(name: str, build, **kwargs) -> Case:
    """A stream that must survive its hostile input: stopped by SIGINT once the glove is done."""
    options = {"item": "lost", "expect": "works", "check": kept_every_frame, "signals": ("SIGINT",),
               "ready": glove_done, **SLOW, **kwargs}  # fmt: skip
    return Case(name, build=build, **options)


def _frame_line(values) -> bytes:
    return (",".join(values) + "\n").encode()


GOOD = [f"{v:.3f}" for v in good_frames(1)[0]]


def _cut_then_glued(ws):
    """A line cut inside its last value (the glove reset mid-line), glued to the next line."""
    frames = good_frames(300)
    lines = csv_lines(frames)
    cut = encode_csv(frames[100])[:-3]  # '...,12.3' of '...,12.345\n', no line end
    lines[101] = cut  # frame 100 is cut; frame 101 follows on the same line
    expect(ws, np.delete(frames, [100, 101], axis=0), bad=1)
    return _generate(ws, Glove(ws.folder, [lines]).url)


def _cut_before_vanishing(ws):
    """The glove vanishes after half a line; a new session starts with whole lines."""
    frames = good_frames(300)
    first = csv_lines(frames[:150]) + [encode_csv(frames[150])[:-4]]
    second = csv_lines(frames[151:])
    expect(ws, np.delete(frames, [150], axis=0))
    return _generate(ws, Glove(ws.folder, [first, second]).url)


def _reordered(bom: bool):
    def build(ws):
        frames = good_frames(300)
        order = list(reversed(range(len(CHANNELS))))
        header = (b"\xef\xbb\xbf" if bom else b"") + csv_header(tuple(CHANNELS[i] for i in order))
        expect(ws, frames)
        return _generate(ws, Glove(ws.folder, [[header] + [encode_csv(f[order]) for f in frames]]).url)

    return build


def _line_ends(end: bytes):
    def build(ws):
        frames = good_frames(300)
        chunks = [line.replace(b"\n", end) for line in csv_lines(frames)]
        expect(ws, frames)
        return _generate(ws, Glove(ws.folder, [chunks]).url)

    return build


def _trailing_commas(ws):
    frames = good_frames(300)
    expect(ws, frames)
    chunks = [csv_header(CHANNELS)] + [encode_csv(f).replace(b"\n", b",\n") for f in frames]
    return _generate(ws, Glove(ws.folder, [chunks]).url)


def _binary(bad: dict[int, bytes], count: int = 300, expected_bad: int | None = None, dropped: int = 0,
            skip_seq: tuple[int, ...] = ()):  # fmt: skip
    def build(ws):
        frames = good_frames(count)
        packets = binary_packets(frames)
        kept = [i for i in range(count) if i not in skip_seq]
        packets = [packets[i] for i in kept]
        for at in sorted(bad, reverse=True):
            packets.insert(at, bad[at])
        expect(ws, frames[kept], bad=len(bad) if expected_bad is None else expected_bad, dropped=dropped)
        return _generate(ws, Glove(ws.folder, [packets]).url, wire="binary")

    return build


def _bad_crc() -> bytes:
    packet = bytearray(binary_packets(good_frames(1), first_seq=999)[0])
    packet[-1] ^= 0xFF
    return bytes(packet)


def _binary_values(values: np.ndarray, seq: int) -> bytes:
    """A packet with a valid CRC numbered ``seq``: the glove numbers its packets in order, so a bad
    one inserted before good packet ``seq`` repeats that number (no sequence gap is counted)."""
    from sensor2text.live.wire import encode_binary

    return encode_binary(seq, values)


def _sync_flood(ws):
    """Half a megabyte of sync bytes between two runs of good packets."""
    frames = good_frames(300)
    packets = binary_packets(frames)
    flood = [SYNC * 4096] * 64  # 512 kB
    expect(ws, frames, bad=1)
    return _generate(ws, Glove(ws.folder, [packets[:150] + flood + packets[150:]]).url, wire="binary")


def _vanish_and_return(ws):
    frames = good_frames(400)
    expect(ws, frames)
    sessions = [csv_lines(frames[:200]), csv_lines(frames[200:])]
    return _generate(ws, Glove(ws.folder, sessions).url)


def _vanish_for_good(ws):
    frames = good_frames(300)
    expect(ws, frames)
    return _generate(ws, Glove(ws.folder, [csv_lines(frames)], linger=False).url)


def _fast_glove(ws):
    """A glove sending 2000 frames a second for two seconds (the fps figure must reach it)."""
    frames = np.tile(good_frames(200), (20, 1))
    expect(ws, frames)
    return _generate(ws, Glove(ws.folder, [csv_lines(frames)], per_second=2000.0).url)


def _fps_reached(ws, run) -> str | None:
    lost = kept_every_frame(ws, run)
    if lost:
        return lost
    fps = max((e.get("fps", 0) for e in events_of(run.stdout) if e.get("event") == "stats"), default=0)
    return None if fps >= 1000 else f"the fps figure peaked at {fps:g}, the glove sent 2000 frames a second"


def _wrong_wire(ws):
    """Binary packets read as CSV: nothing is a frame, and the stream says so."""
    expect(ws, np.zeros((0, len(CHANNELS)), np.float32), bad=1)
    return _generate(ws, Glove(ws.folder, [binary_packets(good_frames(300))]).url)


def _escape_garbage(ws):
    """A garbage line carrying terminal escapes (clear screen, set title), with plain output."""
    frames = good_frames(300)
    lines = csv_lines(frames)
    lines.insert(50, b"\x1b[2J\x1b]0;pwned\x07oops\n")
    expect(ws, frames, bad=1)
    return [a for a in _generate(ws, Glove(ws.folder, [lines]).url) if a != "--jsonl"]


# ---- the port: URLs and flags refused at once ------------------------------------------------------
def _refused_port(url_or_build, *extra: str):
    def build(ws):
        url = url_or_build(ws) if callable(url_or_build) else url_or_build
        return _generate(ws, url, *extra, record=False)

    return build


def _at_once(ws, run) -> str | None:
    return escape_problem(run) or (None if run.seconds < 30 else f"refused only after {run.seconds:.0f} s")


def _closed_port(ws) -> str:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    return f"socket://127.0.0.1:{port}"


def _regular_file(ws) -> str:
    path = ws.folder / "gesture.csv"
    path.write_text("time_s,a\n0,1\n")
    return str(path)


def _folder(ws) -> str:
    (ws.folder / "glovedir").mkdir()
    return str(ws.folder / "glovedir")


def port_case(name: str, url, names: tuple[str, ...], *extra: str, **kwargs) -> Case:
    return Case(name, kwargs.pop("item", "small"), _refused_port(url, *extra), names=names, check=_at_once,
                **{**SLOW, "timeout": 60.0, **kwargs})  # fmt: skip


def _missing_port_keeps_waiting(ws):
    return _generate(ws, "/dev/sensor2text-no-such-glove")


def _closed_port_keeps_waiting(ws):
    url = _closed_port(ws)
    (ws.folder / "port").write_text(url)
    return _generate(ws, url)


def _streaming_for(seconds: float):
    """Ready once the stream has run ``seconds`` (its --record file is made as it starts)."""
    return lambda ws: (ws.folder / "rec.csv").exists() and _since(ws, "streaming", seconds)


def _waiting_named(ws, run) -> str | None:
    port = (ws.folder / "port").read_text() if (ws.folder / "port").exists() else "sensor2text-no-such-glove"
    if port not in run.stdout:
        return "the stream never said which port it is waiting for"
    return None if any(e.get("event") == "end" for e in events_of(run.stdout)) else "lost: no end event"


# ---- --record --------------------------------------------------------------------------------------
def _record_into(ws, target: str, prepare=None) -> list[str]:
    if prepare:
        prepare(ws)
    return _generate(ws, "loop://", record=False) + ["--record", str(ws.folder / target)]


def _existing_record(ws) -> None:
    (ws.folder / "rec.csv").write_text("time_s,a\n0,1\n")


def _record_kept(ws, run) -> str | None:
    return None if (ws.folder / "rec.csv").read_text() == "time_s,a\n0,1\n" else "lost: the earlier recording"


def _file_named(name: str):
    def prepare(ws):
        (ws.folder / name).write_text("not a folder\n")

    return prepare


# ---- signals ---------------------------------------------------------------------------------------
def _signalled(wire: str = "csv", plain: bool = False):
    def build(ws):
        frames = good_frames(450)
        expect(ws, frames)
        chunks = csv_lines(frames) if wire == "csv" else binary_packets(frames)
        argv = _generate(ws, Glove(ws.folder, [chunks]).url, wire=wire)
        return [a for a in argv if a != "--jsonl"] if plain else argv

    return build


def signal_case(name: str, signals: tuple[str, ...], build=None, **kwargs) -> Case:
    options = {"item": "lost", "expect": "works", "check": kept_every_frame, "signals": signals,
               "ready": glove_done, **SLOW, **kwargs}  # fmt: skip
    return Case(name, build=build or _signalled(), **options)


def _replay(ws):
    from sensor2text.glove.recordings import write_csv

    write_csv(ws.folder / "long.csv", np.tile(good_frames(300), (10, 1)))  # 30 s at 100 Hz
    (ws.folder / "started").write_text(str(time.time()))
    return ["replay", str(ws.folder / "long.csv"), "--checkpoint", ws.checkpoint, "--precision", "fp32",
            "--window", "100", "--hop", "100", "--no-speculate", "--jsonl", "--record", str(ws.folder / "rec.csv")]


def _replay_started(ws) -> bool:
    record = ws.folder / "rec.csv"
    return record.exists() and time.time() - record.stat().st_mtime < 60 and _since(ws, "record.seen", 2.0)


def _since(ws, marker: str, seconds: float) -> bool:
    path = ws.folder / marker
    if not path.exists():
        path.write_text(str(time.time()))
    return time.time() - float(path.read_text()) >= seconds


def _replay_kept(ws, run) -> str | None:
    """The record holds exactly the frames the end event counts, the first ones of the file, in order."""
    frames, problem = recorded_frames(ws.folder / "rec.csv")
    if problem:
        return problem
    ends = [e for e in events_of(run.stdout) if e.get("event") == "end"]
    if not ends:
        return "lost: no end event"
    if ends[-1]["frames"] != len(frames):
        return f"lost: the end event counts {ends[-1]['frames']} frames, the record holds {len(frames)}"
    sent = np.tile(good_frames(300), (10, 1))[: len(frames)]
    return None if np.allclose(frames, sent, atol=2e-3) else "lost: the record is not the replayed frames"


def _record_takes(ws):
    """``record`` from a glove streaming for a minute; the signal comes during the second take."""
    frames = np.tile(good_frames(300), (20, 1))
    glove = Glove(ws.folder, [csv_lines(frames)], per_second=100.0)
    return ["record", "--stream", glove.url, "--profile", "synthetic-joints", "--out", str(ws.folder / "alice1"),
            "--gestures", "fist", "count_1", "--takes", "3", "--seconds", "1", "--pause", "0.3"]


def _first_take_written(ws) -> bool:
    return (ws.folder / "alice1" / "fist-0.csv").exists() and _since(ws, "take.seen", 0.5)


def _takes_whole(ws, run) -> str | None:
    takes = sorted((ws.folder / "alice1").glob("*.csv"))
    if not takes:
        return "lost: no take written"
    for take in takes:
        frames, problem = recorded_frames(take)
        if problem or len(frames) != 100:
            return f"lost: {take.name} is torn ({problem or f'{len(frames)} frames, expected 100'})"
    if f"{len(takes)} takes in" not in run.stderr:
        return f"the interrupted record did not say how many takes it kept: {run.stderr[-200:]!r}"
    return escape_problem(run)


def _loading(ws):
    (ws.folder / "started").write_text(str(time.time()))
    return _generate(ws, "loop://")


def _json_output(ws):
    (ws.folder / "started").write_text(str(time.time()))
    return ["generate", "--checkpoint", ws.checkpoint, "--input", str(ws.recordings), "--precision", "fp32",
            "--json", str(ws.folder / "out.json")]


def _after(seconds: float):
    return lambda ws: time.time() - float((ws.folder / "started").read_text()) >= seconds


def _no_torn_json(ws, run) -> str | None:
    leftovers = [p.name for p in ws.folder.iterdir() if p.name.startswith(".out.json")]
    if leftovers:
        return f"lost: temporary files left beside the output: {leftovers}"
    out = ws.folder / "out.json"
    if out.exists():
        try:
            json.loads(out.read_text())
        except ValueError:
            return "lost: out.json is torn"
    return None


def _simulate(ws):
    (ws.folder / "started").write_text(str(time.time()))
    return ["simulate", "--socket", "0", "--gestures", "fist"]


# ---- --json written by two processes at once, read meanwhile --------------------------------------
class _Reader(threading.Thread):
    """Reads ``path`` as often as it can, counting reads that are not valid JSON."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.reads, self.torn, self.stop = path, 0, 0, threading.Event()
        self.start()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                text = self.path.read_text()
            except OSError:
                continue
            self.reads += 1
            try:
                json.loads(text)
            except ValueError:
                self.torn += 1


_RACES: dict[str, tuple[subprocess.Popen, _Reader]] = {}
_KEPT: list[socket.socket] = []  # sockets a case keeps open while it runs


def _json_race(ws):
    out = ws.folder / "out.json"
    out.write_text(json.dumps([{"earlier": "results"}] * 500))
    argv = ["generate", "--checkpoint", ws.checkpoint, "--input", str(ws.recordings), "--precision", "fp32",
            "--json", str(out)]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    other = subprocess.Popen([sys.executable, "-m", "sensor2text", *argv], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    _RACES[str(ws.folder)] = (other, _Reader(out))
    return argv


def _race_clean(ws, run) -> str | None:
    other, reader = _RACES.pop(str(ws.folder))
    other.wait(timeout=120)
    time.sleep(0.2)
    reader.stop.set()
    reader.join()
    if other.returncode != 0:
        return f"the other writer failed (exit {other.returncode})"
    if reader.torn:
        return f"lost: {reader.torn} of {reader.reads} reads saw torn JSON"
    return _no_torn_json(ws, run) or _readable(ws, run)


def _readable(ws, run) -> str | None:
    mode = (ws.folder / "out.json").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    wanted = 0o666 & ~umask
    return None if mode == wanted else f"out.json has mode {oct(mode)}, expected {oct(wanted)} (the umask's)"


def _json_generate(ws, target: str, prepare=None) -> list[str]:
    if prepare:
        prepare(ws)
    return ["generate", "--checkpoint", ws.checkpoint, "--input", str(ws.recordings), "--precision", "fp32",
            "--json", str(ws.folder / target)]  # fmt: skip


# ---- simulate and record flags ---------------------------------------------------------------------
def _simulate_with(*flags: str, prepare=None):
    def build(ws):
        extra = prepare(ws) if prepare else []
        return ["simulate", "--gestures", "fist", *flags, *extra]

    return build


def _busy_port(ws) -> list[str]:
    server = socket.create_server(("127.0.0.1", 0))
    _KEPT.append(server)  # kept open while the case runs
    return ["--socket", str(server.getsockname()[1])]


def _record_with(*flags: str, url: str = "loop://", prepare=None):
    def build(ws):
        if prepare:
            prepare(ws)
        base = {"--stream": url, "--profile": "synthetic-joints", "--out": str(ws.folder / "alice1"),
                "--gestures": "fist", "--pause": "0", "--seconds": "0.5"}  # fmt: skip
        for flag, value in zip(flags[::2], flags[1::2]):
            base[flag] = value.format(folder=ws.folder)
        argv = ["record"]
        for flag, value in base.items():
            argv += [flag, *value.split(" ")]
        return argv

    return build


def _record_from_glove(chunks_of):
    def build(ws):
        glove = Glove(ws.folder, [chunks_of()], per_second=100.0)
        return _record_with("--stream", glove.url)(ws)

    return build


def _wrong_channels() -> list[bytes]:
    return [b"512,230,801,799,640\n"] * 2000


def _escapes_only() -> list[bytes]:
    return [b"\x1b[2J\x1b]0;pwned\x07\n"] * 2000


def _replay_of(prepare, *flags: str):
    def build(ws):
        path = prepare(ws)
        return ["replay", str(path), "--checkpoint", ws.checkpoint, "--precision", "fp32", "--speed", "0", "--jsonl",
                "--window", "50", "--hop", "50", "--no-speculate", *flags]  # fmt: skip

    return build


def _good_recording(ws) -> Path:
    from sensor2text.glove.recordings import write_csv

    write_csv(ws.folder / "fist-0.csv", good_frames(120))
    return ws.folder / "fist-0.csv"


def _cut_recording(ws) -> Path:
    """A record file of a stream killed mid-write: its last line ends inside its last value."""
    path = _good_recording(ws)
    text = path.read_text()
    path.write_text(text[: len(text) - 3])  # '...,12.3' of '...,12.345\n'
    return path


def _replayed_all_but_the_cut_line(ws, run) -> str | None:
    ends = [e for e in events_of(run.stdout) if e.get("event") == "end"]
    if not ends:
        return "lost: no end event"
    return None if ends[-1]["frames"] == 119 else f"the cut line was replayed as a frame ({ends[-1]['frames']} frames)"


CASES = [
    # -- signals: SIGTERM and SIGHUP end a stream like Ctrl-C, nothing lost ------------------------
    signal_case("signal: SIGINT on generate --stream --record keeps every frame", ("SIGINT",)),
    signal_case("signal: SIGTERM on generate --stream --record keeps every frame", ("SIGTERM",)),
    signal_case("signal: SIGHUP on generate --stream --record keeps every frame", ("SIGHUP",)),
    signal_case("signal: SIGTERM on a binary stream keeps every frame", ("SIGTERM",), _signalled("binary")),
    signal_case("signal: SIGTERM with plain output prints the end line", ("SIGTERM",), _signalled(plain=True)),
    signal_case("signal: SIGTERM twice keeps every frame", ("SIGTERM", "SIGTERM")),
    signal_case("signal: SIGINT then SIGTERM keeps every frame", ("SIGINT", "SIGTERM")),
    signal_case("signal: SIGTERM while the glove is gone keeps the frames before", ("SIGTERM",), _vanish_for_good,
                ready=lambda ws: glove_done(ws, 2.5)),  # fmt: skip
    signal_case("signal: SIGTERM on replay --record keeps every replayed frame", ("SIGTERM",), _replay,
                ready=_replay_started, check=_replay_kept),  # fmt: skip
    signal_case("signal: SIGHUP on replay --record keeps every replayed frame", ("SIGHUP",), _replay,
                ready=_replay_started, check=_replay_kept),  # fmt: skip
    signal_case("signal: SIGTERM on record keeps the finished takes whole", ("SIGTERM",), _record_takes,
                ready=_first_take_written, check=_takes_whole, expect="stopped"),  # fmt: skip
    signal_case("signal: SIGHUP on record keeps the finished takes whole", ("SIGHUP",), _record_takes,
                ready=_first_take_written, check=_takes_whole, expect="stopped"),  # fmt: skip
    signal_case("signal: SIGINT on record keeps the finished takes whole", ("SIGINT",), _record_takes,
                ready=_first_take_written, check=_takes_whole, expect="stopped"),  # fmt: skip
    signal_case("signal: SIGTERM while the model loads stops cleanly", ("SIGTERM",), _loading, ready=_after(2.0),
                check=lambda ws, run: escape_problem(run), expect="stopped"),  # fmt: skip
    signal_case("signal: SIGTERM on simulate waiting for a reader stops cleanly", ("SIGTERM",), _simulate,
                ready=_after(2.0), check=lambda ws, run: None, expect="stopped"),  # fmt: skip
    signal_case("signal: SIGTERM on generate --json leaves no torn or temporary file", ("SIGTERM",), _json_output,
                ready=_after(3.0), check=_no_torn_json, expect="stopped"),  # fmt: skip
    # -- --json: atomic, readable, refused up front ---------------------------------------------
    Case("json: two writers and a reader race on one --json", "lost", _json_race, expect="works", check=_race_clean,
         **SLOW),  # fmt: skip
    Case("json: --json is written with the umask's permissions", "small", lambda ws: _json_generate(ws, "out.json"),
         expect="works", check=_readable),  # fmt: skip
    Case("json: --json under a path whose folder is a file", "traceback",
         lambda ws: _json_generate(ws, "notes.txt/out.json", _file_named("notes.txt")), names=("notes.txt/out.json",)),
    Case("json: --json naming a folder", "small", lambda ws: _json_generate(ws, "."), names=("--json",)),
    # -- the stream survives every bad frame, good frames kept in order ----------------------------
    stream_case("stream: garbage bytes between frames", csv_stream({40: b"\x00\xff\xfe\x13\x37garbage\n"})),
    stream_case("stream: a short line", csv_stream({60: b"12,3\n"})),
    stream_case("stream: a NaN value", csv_stream({70: _frame_line(GOOD[:-1] + ["nan"])})),
    stream_case("stream: an infinite value", csv_stream({70: _frame_line(["inf"] + GOOD[1:])})),
    stream_case("stream: a value far out of range", csv_stream({80: _frame_line(GOOD[:-1] + ["1e30"])})),
    stream_case("stream: one value too many mid-stream", csv_stream({90: _frame_line(GOOD + ["1.0"])})),
    stream_case("stream: one value too few mid-stream", csv_stream({90: _frame_line(GOOD[:-1])})),
    stream_case("stream: an empty value", csv_stream({95: _frame_line(GOOD[:-2] + ["", GOOD[-1]])})),
    # its line end comes after 20 kB (MAX_LINE_BYTES is 8 kB); without one, the next frame would be glued to it
    stream_case("stream: a garbage line of 20 kB", csv_stream({100: b"7," * 10000 + b"\n"})),
    stream_case("stream: non-ASCII bytes in a line", csv_stream({110: "45°,12°\n".encode("latin-1")})),
    stream_case("stream: NUL bytes on a line of their own", csv_stream({120: b"\x00" * 16 + b"\n"})),
    stream_case("stream: a hex value", csv_stream({130: _frame_line(["0x1F"] + GOOD[1:])})),
    stream_case("stream: a header lacking a channel mid-stream", csv_stream({140: csv_header(CHANNELS[:-1])})),
    stream_case("stream: a line cut inside its last value, glued to the next", _cut_then_glued),
    stream_case("stream: a line cut inside its last value when the glove vanishes", _cut_before_vanishing),
    stream_case("stream: a header reordering the channels", _reordered(bom=False)),
    stream_case("stream: a UTF-8 BOM before a header reordering the channels", _reordered(bom=True)),
    stream_case("stream: CRLF line ends", _line_ends(b"\r\n")),
    stream_case("stream: CR line ends", _line_ends(b"\r")),
    stream_case("stream: a trailing comma on every line", _trailing_commas),
    stream_case("stream: frames without a header", csv_stream({}, 300, False)),
    stream_case("stream: binary packet with a bad CRC", _binary({50: _bad_crc()})),
    stream_case("stream: binary packet with 45 channels", _binary({60: _binary_values(good_frames(1)[0][:-1], 60)})),
    stream_case("stream: binary packet holding a NaN",
                _binary({70: _binary_values(np.full(46, np.nan, np.float32), 70)})),  # fmt: skip
    stream_case("stream: binary garbage between packets", _binary({80: bytes(range(256)) * 4}, expected_bad=1)),
    stream_case("stream: binary packets lost on the way are counted", _binary({}, dropped=5,
                                                                             skip_seq=(20, 21, 22, 23, 24))),
    stream_case("stream: a flood of sync bytes", _sync_flood),
    stream_case("stream: binary packets read as CSV (wrong --wire)", _wrong_wire),
    stream_case("stream: the glove vanishes and comes back", _vanish_and_return),
    stream_case("stream: the fps figure follows a 2000 Hz glove", _fast_glove, check=_fps_reached),
    stream_case("stream: terminal escapes in a garbage line are not echoed", _escape_garbage),
    stream_case("stream: a local port nobody serves (yet) is waited for, named", _closed_port_keeps_waiting,
                check=_waiting_named, ready=_streaming_for(4.0)),  # fmt: skip
    stream_case("stream: a missing port is waited for, named", _missing_port_keeps_waiting, check=_waiting_named,
                ready=_streaming_for(4.0)),  # fmt: skip
    # -- the port and stream flags: refused at once, in one line ------------------------------
    port_case("stream: --stream bogus://x (unknown scheme)", "bogus://x", ("bogus://",)),
    port_case("stream: --stream socket:// with a port that is not a number", "socket://127.0.0.1:glove",
              ("socket://127.0.0.1:glove",)),
    port_case("stream: --stream socket:// with a port out of range", "socket://127.0.0.1:99999",
              ("socket://127.0.0.1:99999",)),
    port_case("stream: --stream socket:// without host or port", "socket://", ("socket://",)),
    port_case("stream: --stream loop:// with an unknown option", "loop://?glove=1", ("loop://?glove=1",)),
    port_case("stream: --stream a regular file (a recording, not a port)", _regular_file, ("gesture.csv",)),
    port_case("stream: --stream a folder", _folder, ("glovedir",)),
    port_case("stream: --stream a port name carrying terminal escapes", "/dev/tty\x1b[31mUSB0", ("--stream", "USB0")),
    port_case("stream: --baud 0", "loop://", ("--baud",), "--baud", "0"),
    port_case("stream: --baud -9600", "loop://", ("--baud",), "--baud", "-9600"),
    port_case("stream: --read-timeout 0", "loop://", ("--read-timeout",), "--read-timeout", "0"),
    port_case("stream: --read-timeout nan", "loop://", ("--read-timeout",), "--read-timeout", "nan"),
    port_case("stream: --window 0 --hop 0", "loop://", ("--window",), "--window", "0", "--hop", "0"),
    port_case("stream: --window -5", "loop://", ("--window",), "--window", "-5", "--hop", "1"),
    port_case("stream: --min-hold -1", "loop://", ("--min-hold",), "--min-hold", "-1"),
    port_case("stream: --min-hold nan", "loop://", ("--min-hold",), "--min-hold", "nan"),
    port_case("stream: --max-gestures -1", "loop://", ("--max-gestures",), "--max-gestures", "-1", item="silent"),
    port_case("stream: --max-gestures 0", "loop://", ("--max-gestures",), "--max-gestures", "0", item="silent"),
    Case("stream: --record under a path whose folder is a file", "traceback",
         lambda ws: _record_into(ws, "notes.txt/rec.csv", _file_named("notes.txt")), names=("notes.txt/rec.csv",),
         **SLOW),  # fmt: skip
    Case("stream: --record naming a folder", "traceback", lambda ws: _record_into(ws, "."), names=("--record",),
         **SLOW),  # fmt: skip
    Case("stream: --record over an earlier recording", "lost", lambda ws: _record_into(ws, "rec.csv", _existing_record),
         names=("rec.csv",), check=_record_kept, **SLOW),  # fmt: skip
    # -- replay -------------------------------------------------------------------------------------
    Case("stream: replay a recording cut inside its last value", "small", _replay_of(_cut_recording), expect="works",
         check=_replayed_all_but_the_cut_line, **SLOW),  # fmt: skip
    Case("stream: replay --speed -1", "silent", _replay_of(_good_recording, "--speed", "-1"), names=("--speed",),
         **SLOW),  # fmt: skip
    Case("stream: replay --speed nan", "silent", _replay_of(_good_recording, "--speed", "nan"), names=("--speed",),
         **SLOW),  # fmt: skip
    # -- simulate ---------------------------------------------------------------------------------
    Case("stream: simulate --speed 0", "traceback", _simulate_with("--speed", "0", "--socket", "0"),
         names=("--speed",), **{**SLOW, "timeout": 30.0}),  # fmt: skip
    Case("stream: simulate --speed -2", "silent", _simulate_with("--speed", "-2", "--socket", "0"),
         names=("--speed",), **{**SLOW, "timeout": 30.0}),  # fmt: skip
    Case("stream: simulate --random -3", "small", lambda ws: ["simulate", "--random", "-3", "--socket", "0"],
         names=("--random",), **{**SLOW, "timeout": 30.0}),  # fmt: skip
    Case("stream: simulate --socket 70000", "traceback", _simulate_with("--socket", "70000"), names=("--socket",),
         **{**SLOW, "timeout": 30.0}),  # fmt: skip
    Case("stream: simulate --socket on a port in use", "traceback", _simulate_with(prepare=_busy_port),
         names=("--socket",), **{**SLOW, "timeout": 30.0}),  # fmt: skip
    # -- record -----------------------------------------------------------------------------------
    Case("stream: record --takes 0", "small", _record_with("--takes", "0"), names=("--takes",)),
    Case("stream: record --seconds nan", "small", _record_with("--seconds", "nan"), names=("--seconds",)),
    Case("stream: record --pause -1", "small", _record_with("--pause", "-1"), names=("--pause",)),
    Case("stream: record --profile of no glove", "small", _record_with("--profile", "flex-0"), names=("--profile",)),
    Case("stream: record --gestures with a slash", "small", _record_with("--gestures", "a/b"), names=("a/b",)),
    Case("stream: record --out naming a file", "traceback", _record_with("--out", "{folder}/notes.txt",
         prepare=_file_named("notes.txt")), names=("notes.txt",), **SLOW),  # fmt: skip
    Case("stream: record --stream bogus://x", "small", _record_with("--stream", "bogus://x"), names=("bogus://",)),
    Case("stream: record from a port that does not exist", "small",
         _record_with("--stream", "/dev/sensor2text-no-such-glove"), names=("/dev/sensor2text-no-such-glove",),
         **SLOW),  # fmt: skip
    Case("stream: record from a glove of another channel count", "small", _record_from_glove(_wrong_channels),
         names=("socket://127.0.0.1", "channels"), **SLOW),  # fmt: skip
    Case("stream: record from a glove sending only terminal escapes", "small", _record_from_glove(_escapes_only),
         names=("socket://",), check=lambda ws, run: escape_problem(run), **SLOW),  # fmt: skip
]

"""The live stream end to end: simulator -> local socket -> reader -> segments -> model -> events."""

import contextlib
import csv
import socket
import threading
import time

import numpy as np
import pytest
import serial
from test_segment import SCALE

from sensor2text.errors import Sensor2TextError
from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.live.segment import HoldSegmenter, WindowSegmenter
from sensor2text.live.simulate import gesture_script, play, wire_chunks
from sensor2text.live.stream import FramePipeline, PortSource, ReplaySource, StreamOptions, run
from sensor2text.live.wire import FrameStats
from sensor2text.models.registry import load_checkpoint

SCRIPT = ["count_3", "fist", "thumbs_up"]


class Events(list):
    """Collects emitted events (thread-safe enough for list.append)."""

    def __call__(self, event):
        self.append(event)

    def of(self, kind):
        return [e for e in self if e["event"] == kind]


def _serve(chunks_per_session, speed=10.0):
    """A glove on a free local port: one session per chunk list, the connection closed after each."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        with server:
            for chunks in chunks_per_session:
                connection, _ = server.accept()
                time.sleep(0.3)  # pyserial's socket:// flushes its input just after connecting
                with connection, contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    play(iter(chunks), connection.sendall, 100.0, speed)  # the reader may leave first

    threading.Thread(target=serve, daemon=True).start()
    return f"socket://127.0.0.1:{port}"


def _pipeline(model, events, record=None, scale=SCALE):
    """Hold segmentation; the tiny test model's own scale (fitted on 4 recordings) is not a glove's."""
    segmenter = HoldSegmenter(model.channel_scale() if scale is None else scale, 100.0)
    return FramePipeline(model.profile, segmenter, FrameStats(), events, record)


def _wait(condition, timeout=20.0):
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(0.02)
    return condition()


@pytest.fixture(scope="module")
def tiny_model(tiny_checkpoint):
    return load_checkpoint(tiny_checkpoint)


def test_simulator_to_descriptions_with_bad_lines_and_a_recording(tiny_model, tmp_path):
    """Every scripted gesture gives one description; garbage lines are counted, never fatal."""
    script = gesture_script(SCRIPT, seed=9, subject=60)
    chunks = list(wire_chunks(script.frames, "csv", SYNTHETIC_JOINTS.channels))
    for at in (50, 150, 250):
        chunks.insert(at, b"\x00\xffnoise,1,2\n")
    url = _serve([chunks])
    events = Events()
    pipeline = _pipeline(tiny_model, events, record=str(tmp_path / "live.csv"))
    source = PortSource(StreamOptions(url=url), pipeline)
    deadline = time.time() + 60
    descriptions = run(tiny_model, pipeline, source, events, len(SCRIPT), should_stop=lambda: time.time() > deadline)
    assert len(descriptions) == len(SCRIPT)
    gestures = events.of("gesture")
    assert [[label for label, start, _ in script.spans if start <= g["end_s"] * 100][-1] for g in gestures] == SCRIPT
    assert events.of("token") and all(d["latency_ms"] >= d["first_token_ms"] >= 0 for d in descriptions)
    assert all(0 < d["confidence"] <= 1 for d in descriptions)
    end = events.of("end")[0]
    assert end["bad_frames"] == 3 and end["bad_reasons"] == {"garbage": 3}
    rows = list(csv.reader((tmp_path / "live.csv").open()))
    assert rows[0][0] == "time_s" and len(rows) - 1 == end["frames"] >= script.spans[-1][1]


def test_replay_of_a_recording_cuts_the_same_gestures(tiny_model):
    script = gesture_script(SCRIPT, seed=9, subject=61)
    events = Events()
    pipeline = _pipeline(tiny_model, events)
    pipeline.max_pending = None  # a replay waits for the model
    descriptions = run(tiny_model, pipeline, ReplaySource(script.frames, pipeline, speed=0), events)
    assert len(descriptions) == len(SCRIPT)
    assert events.of("end")[0]["frames"] == len(script.frames)


@pytest.mark.parametrize("ahead", [True, False])
def test_a_hold_described_while_it_was_being_confirmed(tiny_model, ahead):
    """In real time, the candidate (hand just stopped) is described during the 0.3 s the hold
    takes to confirm; the confirmed hold then reuses it instead of describing it again."""
    script = gesture_script(["thumbs_up"], seed=9, subject=67)
    events = Events()
    pipeline = _pipeline(tiny_model, events)
    source = ReplaySource(script.frames, pipeline, speed=1.0)
    [description] = run(tiny_model, pipeline, source, events, speculate_holds=ahead)
    assert description.get("speculated", False) is ahead  # reused, not described again
    assert description["text"]  # how much sooner it comes is measured by benchmarks/stream_latency.py


def test_reconnects_after_the_glove_goes_away():
    frames = np.zeros((120, 46), dtype=np.float32)
    session = list(wire_chunks(frames, "csv", SYNTHETIC_JOINTS.channels))
    url = _serve([session, session])
    events = Events()
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(50, 50), FrameStats(), events)
    source = PortSource(StreamOptions(url=url), pipeline)
    source.start()
    try:
        assert _wait(lambda: len(events.of("connected")) == 2 and pipeline.frames == 240)  # not a frame lost
    finally:
        source.stop()
        source.join(2.0)
    assert source.connects == 2 and pipeline.stats.bad == 0
    assert events.of("disconnected")[0]["retry_in_s"] > 0


def test_a_missing_port_is_retried_with_backoff_not_raised():
    events = Events()
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(5, 5), FrameStats(), events)
    source = PortSource(StreamOptions(url="/dev/no-such-glove"), pipeline)
    source.start()
    assert _wait(lambda: len(events.of("disconnected")) >= 3, timeout=5.0)
    source.stop()
    source.join(2.0)
    delays = [e["retry_in_s"] for e in events.of("disconnected")]
    assert delays[:3] == [0.25, 0.5, 1.0] and "no-such-glove" in events.of("disconnected")[0]["error"]


def test_loop_url_through_pyserial():
    """``loop://`` (pyserial's loopback): what is written comes back as frames."""
    port = serial.serial_for_url("loop://", timeout=0.01)
    # 20 frames: pyserial's loop buffer holds 4096 bytes
    port.write(b"".join(wire_chunks(np.ones((20, 46), np.float32), "binary", SYNTHETIC_JOINTS.channels)))
    events = Events()
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(5, 5), FrameStats(), events)
    source = PortSource(StreamOptions(url="loop://", wire_format="binary"), pipeline, open_port=lambda *a, **k: port)
    source.start()
    assert _wait(lambda: pipeline.frames == 20)
    source.stop()
    source.join(2.0)
    assert pipeline.gestures.qsize() == 1  # four windows of 5 frames; nobody described them: the newest waits
    assert pipeline.skipped == 3
    skipped = events.of("skipped")
    assert [e["start_s"] for e in skipped] == [0.0, 0.05, 0.1] and "newer gesture" in skipped[0]["reason"]


def test_ctrl_c_stops_cleanly_and_flushes_the_recording(tmp_path):
    class Interrupted:
        profile, tokenizer = SYNTHETIC_JOINTS, None

        def describe(self, recordings, options=None):
            raise KeyboardInterrupt

    events = Events()
    record = tmp_path / "partial.csv"
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(20, 20), FrameStats(), events, str(record))
    frames = np.zeros((130, 46), dtype=np.float32)
    run(Interrupted(), pipeline, ReplaySource(frames, pipeline, speed=0), events)
    assert events[-1]["event"] == "end"
    assert len(record.read_text().splitlines()) == 1 + pipeline.frames


class _Idle:
    """A source that never sends a frame."""

    def __init__(self):
        self.finished = threading.Event()

    def start(self):
        pass

    def stop(self):
        pass

    def join(self, timeout=None):
        pass


def test_idle_work_runs_while_nothing_is_described_and_its_failure_is_not_fatal():
    events, steps = Events(), []
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(20, 20), FrameStats(), events)

    def work():
        steps.append(1)
        return len(steps) < 3

    deadline = time.time() + 0.3
    run(None, pipeline, _Idle(), events, should_stop=lambda: time.time() > deadline, idle_work=work)
    assert len(steps) == 3  # it stopped asking once the work said it was done

    def broken():
        raise RuntimeError("cache full")

    events = Events()
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(20, 20), FrameStats(), events)
    deadline = time.time() + 0.3
    run(None, pipeline, _Idle(), events, should_stop=lambda: time.time() > deadline, idle_work=broken)
    assert [e["error"] for e in events.of("error")] == ["background work stopped: cache full"]
    assert events[-1]["event"] == "end"


@pytest.mark.slow
def test_shipped_checkpoint_describes_a_live_scripted_sequence():
    """Simulator -> socket -> stream -> the shipped stepwise checkpoint: the right words, "ten" too."""
    from sensor2text.api import DEFAULT_CHECKPOINT

    model = load_checkpoint(DEFAULT_CHECKPOINT)
    script = gesture_script(["count_3", "count_10", "thumbs_up"], seed=9, subject=62)
    url = _serve([list(wire_chunks(script.frames, "csv", SYNTHETIC_JOINTS.channels))], speed=2.0)
    events = Events()
    pipeline = _pipeline(model, events, scale=None)
    pipeline.max_pending = None  # the words are tested here; keeping up at 2x speed is a benchmark's job
    deadline = time.time() + 300
    source = PortSource(StreamOptions(url=url), pipeline)
    descriptions = run(model, pipeline, source, events, max_gestures=3, should_stop=lambda: time.time() > deadline)
    texts = [d["text"] for d in descriptions]
    label_sets = model.label_sets
    assert all(label_sets[c].matches(t) for c, t in zip(["count_3", "count_10", "thumbs_up"], texts)), texts


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="pseudo-terminals are POSIX only")
def test_simulator_pty_is_read_like_a_serial_port():
    import os

    from sensor2text.live.simulate import open_pty

    writer, path = open_pty()
    frames = np.zeros((60, 46), dtype=np.float32)
    events = Events()
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(20, 20), FrameStats(), events)
    source = PortSource(StreamOptions(url=path), pipeline)
    source.start()
    try:
        assert _wait(lambda: events.of("connected"))
        for chunk in wire_chunks(frames, "csv", SYNTHETIC_JOINTS.channels):
            os.write(writer, chunk)
        assert _wait(lambda: pipeline.frames == 60)
    finally:
        source.stop()
        source.join(2.0)
        os.close(writer)


def test_an_unknown_port_url_scheme_is_refused_instead_of_retried():
    with pytest.raises(ValueError, match="unknown port URL scheme 'bogus://'"):
        StreamOptions(url="bogus://x")
    StreamOptions(url="socket://127.0.0.1:1")  # known schemes and devices pass
    StreamOptions(url="/dev/ttyUSB0")


def test_fps_follows_a_fast_glove_not_capped():
    """The frame rate is counted over the last second of arrivals, however many (was capped at 512)."""
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(10_000, 10_000), FrameStats(), Events())
    pipeline.on_frames(np.zeros((2000, 46), np.float32))
    assert pipeline.fps() == 2000.0


def test_the_record_file_holds_whole_lines_and_never_replaces_a_recording(tmp_path):
    from sensor2text.live.stream import Recorder

    path = tmp_path / "take.csv"
    recorder = Recorder(str(path), SYNTHETIC_JOINTS, 100.0)
    for i in range(150):
        recorder.write(np.full(46, i, np.float32))
    lines = path.read_text().splitlines(keepends=True)
    assert len(lines) == 101 and all(line.endswith("\n") for line in lines)  # 100 frames written, 50 waiting
    recorder.close()
    assert len(path.read_text().splitlines()) == 151
    with pytest.raises(FileExistsError):
        Recorder(str(path), SYNTHETIC_JOINTS, 100.0)


def test_a_second_signal_waits_for_the_cleanup():
    import os
    import signal

    from sensor2text.live.stream import signals_deferred

    with signals_deferred():
        os.kill(os.getpid(), signal.SIGINT)  # ignored: the program is already stopping
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)


def test_a_port_failing_for_good_stops_the_stream_with_its_reason():
    def malformed(*args, **kwargs):
        raise ValueError("bad option")

    events = Events()
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(5, 5), FrameStats(), events)
    source = PortSource(StreamOptions(url="loop://"), pipeline, open_port=malformed)
    with pytest.raises(Sensor2TextError, match="loop://: cannot be opened"):
        run(None, pipeline, source, events)
    assert events[-1]["event"] == "end"


def test_bytes_sent_just_before_the_glove_closes_its_socket_are_kept():
    """pyserial's socket read drops what it holds when the peer closes mid-call: a burst, then close."""
    frames = np.arange(300 * 46, dtype=np.float32).reshape(300, 46) % 90
    url = _serve([list(wire_chunks(frames, "csv", SYNTHETIC_JOINTS.channels))], speed=1000.0)
    events = Events()
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(10_000, 10_000), FrameStats(), events)
    source = PortSource(StreamOptions(url=url), pipeline)
    source.start()
    try:
        assert _wait(lambda: len(events.of("disconnected")) >= 1, timeout=20.0)
    finally:
        source.stop()
        source.join(2.0)
    assert pipeline.frames == 300 and pipeline.stats.bad == 0


def test_gesture_events_carry_what_annotate_adds_and_survive_its_failure():
    events = Events()
    calls = []

    def annotate(frames):
        calls.append(len(frames))
        if len(calls) == 2:
            raise ValueError("no hand today")
        return {"hand": ["o"]}

    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(50, 50), FrameStats(), events, max_pending=None,
                             annotate=annotate)
    pipeline.on_frames(np.zeros((150, 46), np.float32))
    gestures = events.of("gesture")
    assert calls == [50, 50, 50] and [g.get("hand") for g in gestures] == [["o"], None, ["o"]]
    assert "no hand today" in events.of("error")[0]["error"] and pipeline.gestures.qsize() == 3

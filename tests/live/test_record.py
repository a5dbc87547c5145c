"""``sensor2text record``: cued takes from a live glove, written as a session folder of recordings."""

import contextlib
import socket
import threading
import time

import numpy as np
import pytest

from sensor2text.cli.main import main
from sensor2text.errors import Sensor2TextError
from sensor2text.glove.recordings import iter_recordings
from sensor2text.glove.schema import flex_profile
from sensor2text.live.record import (
    FrameBuffer,
    check_gestures,
    check_session,
    next_take,
    record_session,
    write_take,
)

PROFILE = flex_profile(3)  # 3 bend channels; no sample rate, so takes count 100 frames a second


def counting_buffer(frames: int) -> FrameBuffer:
    """A buffer holding ``frames`` frames whose every channel is the frame's index."""
    buffer = FrameBuffer(PROFILE, emit=lambda event: None)
    buffer.on_frames(np.full(3, i, dtype=np.float32) for i in range(frames))
    return buffer


def test_takes_are_consecutive_frames_written_as_labelled_recordings(tmp_path):
    out = tmp_path / "train" / "alice1"
    said = []
    written = record_session(counting_buffer(500), out, ["count_1", "flash-light"], takes=2, seconds=0.5,
                             pause=0, say=said.append)  # fmt: skip
    assert [p.name for p in written] == ["count_1-0.csv", "flash-light-0.csv", "count_1-1.csv", "flash-light-1.csv"]
    recordings = {r.source: r for r in iter_recordings(tmp_path / "train", PROFILE)}
    firsts = []
    for path in written:
        recording = recordings[str(path)]
        assert recording.frames.shape == (50, 3) and recording.subject == "alice1"
        assert recording.label == path.name.rsplit("-", 1)[0]  # 'flash-light' keeps its own '-'
        np.testing.assert_array_equal(np.diff(recording.frames[:, 0]), np.ones(49))  # no frame lost or repeated
        firsts.append(recording.frames[0, 0])
    assert firsts == [0, 50, 100, 150]
    assert "[2/2] now: flash-light (0.5 s)" in said


def test_a_second_sitting_adds_takes_instead_of_overwriting(tmp_path):
    record_session(counting_buffer(100), tmp_path, ["fist"], takes=1, seconds=0.5, pause=0, say=lambda s: None)
    (tmp_path / "fist-notes.csv").write_text("not a take")
    assert next_take(tmp_path, "fist") == 1
    assert next_take(tmp_path, "fi") == 0  # 'fist-0.csv' is not a take of 'fi'
    second = record_session(counting_buffer(100), tmp_path, ["fist"], takes=1, seconds=0.5, pause=0,
                            say=lambda s: None)  # fmt: skip
    assert [p.name for p in second] == ["fist-1.csv"]


def test_the_rest_before_a_take_is_dropped(tmp_path):
    buffer = counting_buffer(10)  # waiting frames, as if they had come during the rest
    feeder = threading.Timer(0.1, lambda: buffer.on_frames(np.full(3, 99, dtype=np.float32) for _ in range(60)))
    feeder.start()
    written = record_session(buffer, tmp_path, ["fist"], takes=1, seconds=0.2, pause=0.05, say=lambda s: None)
    feeder.join()
    frames = next(iter_recordings(tmp_path, PROFILE)).frames
    assert len(written) == 1 and frames.shape == (20, 3) and (frames == 99).all()


def test_a_silent_glove_and_bad_arguments_are_clear_errors(tmp_path):
    with pytest.raises(Sensor2TextError, match="no frames from the glove for 0.05 s"):
        record_session(counting_buffer(10), tmp_path, ["fist"], seconds=0.5, pause=0, say=lambda s: None,
                       timeout_s=0.05)  # fmt: skip
    with pytest.raises(Sensor2TextError, match="gesture 'thumbs up': use letters"):
        check_gestures(["fist", "thumbs up"])
    with pytest.raises(Sensor2TextError, match="--takes must be at least 1"):
        record_session(counting_buffer(10), tmp_path, ["fist"], takes=0, say=lambda s: None)


def _glove(lines: list[str]) -> str:
    """A glove on a free local port sending ``lines`` at about 1000 frames a second, then idling."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        connection, _ = server.accept()
        time.sleep(0.3)  # pyserial's socket:// flushes its input just after connecting
        with connection, contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for line in lines:
                connection.sendall(line.encode() + b"\n")
                time.sleep(0.001)
            time.sleep(5)
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"socket://127.0.0.1:{server.getsockname()[1]}"


def test_record_command_reads_a_live_glove_and_skips_a_bad_frame(tmp_path, capsys):
    lines = [f"{i},{i},{i}" for i in range(400)]
    lines[5] = "1,2,oops"  # one bad frame: counted and skipped, the recording goes on
    url = _glove(lines)
    out = tmp_path / "train" / "bob1"
    code = main(["record", "--stream", url, "--profile", "flex-3", "--out", str(out), "--gestures", "fist", "count_2",
                 "--takes", "2", "--seconds", "0.3", "--pause", "0"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert sorted(p.name for p in out.iterdir()) == ["count_2-0.csv", "count_2-1.csv", "fist-0.csv", "fist-1.csv"]
    assert "4 takes in" in captured.err and "1 bad frames skipped" in captured.err
    frames = {r.source: r.frames for r in iter_recordings(out, flex_profile(3))}
    assert all(f.shape == (30, 3) for f in frames.values())


def test_record_command_without_frames_exits_with_one_clear_line(tmp_path, capsys):
    url = _glove([])
    code = main(["record", "--stream", url, "--profile", "flex-3", "--out", str(tmp_path), "--gestures", "fist",
                 "--seconds", "0.1", "--pause", "0"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"no frames from {url} for 5 s" in err and "Traceback" not in err


def test_bad_session_flags_are_named_before_the_glove_is_opened(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    for flags, named in (((0, 1.0, 0.0), "--takes"), ((1, float("nan"), 0.0), "--seconds"),
                         ((1, 1.0, -1.0), "--pause")):  # fmt: skip
        with pytest.raises(Sensor2TextError, match=named):
            check_session(*flags)
    with pytest.raises(Sensor2TextError, match="--out .*notes.txt: a file"):
        check_session(1, 1.0, 0.0, tmp_path / "notes.txt")


def test_a_take_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    def interrupted(path, frames, profile):
        path.write_text("time_s,flex_0\n0.0,1")  # half written when the signal comes
        raise KeyboardInterrupt

    monkeypatch.setattr("sensor2text.live.record.write_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_take(tmp_path / "fist-0.csv", np.zeros((5, 3), np.float32), PROFILE)
    assert list(tmp_path.iterdir()) == []


def test_the_timeout_names_the_port_and_its_last_error():
    buffer = FrameBuffer(PROFILE, emit=lambda event: None, port="/dev/ttyGLOVE")
    buffer.emit({"event": "disconnected", "error": "cannot open /dev/ttyGLOVE: no such file", "retry_in_s": 1})
    buffer.stats.reject("channels", "5 values, expected 3")
    with pytest.raises(Sensor2TextError, match=r"no frames from /dev/ttyGLOVE .*channels: 5 values.*no such file"):
        buffer.take(1, timeout_s=0.01)


class PhasedBuffer:
    """A buffer whose every ``take_for`` returns the next canned phase (no glove, no clock)."""

    def __init__(self, phases):
        self.phases, self.dropped = list(phases), []

    def drop_for(self, seconds):
        self.dropped.append(seconds)

    def take_for(self, seconds):
        return self.phases.pop(0)


def test_calibration_phases_are_cued_in_order_with_a_pause_before_each():
    from sensor2text.glove.calibration import PHASES
    from sensor2text.live.record import measure_phases

    said = []
    canned = [np.full((10, 3), v, np.float32) for v in (1.0, 2.0, 3.0)]
    phases, rate = measure_phases(PhasedBuffer(canned), PHASES, 0.5, 0.25, say=said.append)
    assert list(phases) == ["open", "fist", "move"] and phases["fist"][0, 0] == 2.0 and rate > 0
    assert said[0].startswith("get ready: open your hand") and said[1].startswith("now (0.5 s): open your hand")
    assert len(said) == 6


def test_calibrating_a_glove_whose_sensor_never_moves_names_the_channel_and_writes_nothing(tmp_path, capsys):
    url = _glove(["500,500,500"] * 3000)
    out = tmp_path / "alice.yaml"
    code = main(["calibrate-glove", "--stream", url, "--profile", "flex-3", "--out", str(out),
                 "--seconds", "0.2", "--pause", "0"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2 and "channel 'flex_0' reads the same with the hand open and in a fist" in captured.err
    assert "now (0.2 s): make a tight fist" in captured.out and "Traceback" not in captured.err
    assert not out.exists()


def test_recording_with_a_glove_profile_file_writes_calibrated_takes(tmp_path, capsys):
    from sensor2text.glove.calibration import save_glove_profile
    from sensor2text.glove.schema import get_profile

    glove = tmp_path / "alice.yaml"
    save_glove_profile(glove, PROFILE, {"open": [100, 100, 100], "fist": [300, 300, 300]}, None)
    url = _glove(["200,100,300"] * 400)
    out = tmp_path / "train" / "alice1"
    code = main(["record", "--stream", url, "--profile", str(glove), "--out", str(out), "--gestures", "fist",
                 "--takes", "1", "--seconds", "0.1", "--pause", "0"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "data.profile flex-3/unit" in captured.err
    [recording] = iter_recordings(out, get_profile("flex-3/unit"))
    np.testing.assert_allclose(recording.frames, np.tile([0.5, 0.0, 1.0], (10, 1)))


def test_a_stream_profile_must_calibrate_to_what_the_checkpoint_reads(tmp_path):
    from types import SimpleNamespace

    from sensor2text.cli.live import stream_profile
    from sensor2text.glove.calibration import save_glove_profile
    from sensor2text.glove.schema import get_profile

    glove = tmp_path / "alice.yaml"
    save_glove_profile(glove, PROFILE, {"open": [100, 100, 100], "fist": [300, 300, 300]}, 50.0)
    model = SimpleNamespace(profile=get_profile("flex-3/unit"))
    assert stream_profile(SimpleNamespace(profile=str(glove)), model).calibration is not None
    assert stream_profile(SimpleNamespace(profile=None), model) is model.profile
    with pytest.raises(Sensor2TextError, match="the glove's frames are flex-3/unit; the checkpoint reads flex-5"):
        stream_profile(SimpleNamespace(profile=str(glove)), SimpleNamespace(profile=get_profile("flex-5")))

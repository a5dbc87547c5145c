import time

import numpy as np
import pytest

from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.live.simulate import gesture_script, play, random_labels, wire_chunks
from sensor2text.live.wire import CsvParser, make_parser


def test_script_places_gestures_between_rests():
    script = gesture_script(["count_2", "wave"], seed=0)
    assert [label for label, _, _ in script.spans] == ["count_2", "wave"]
    (_, a, b), (_, c, _) = script.spans
    assert a == 100 and b < c and script.frames.shape[1] == 46  # one second of rest first
    assert np.isfinite(script.frames).all()


def test_script_is_deterministic_and_subjects_differ():
    one = gesture_script(["fist"], seed=3, subject=0).frames
    np.testing.assert_array_equal(one, gesture_script(["fist"], seed=3, subject=0).frames)
    assert not np.array_equal(one[:50], gesture_script(["fist"], seed=3, subject=1).frames[:50])


def test_unknown_gesture_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown gesture 'eleven'"):
        gesture_script(["eleven"])


def test_random_labels_are_known_classes():
    assert len(random_labels(5, seed=0)) == 5


@pytest.mark.parametrize("wire_format", ["csv", "binary"])
def test_wire_chunks_parse_back(wire_format):
    frames = gesture_script(["ok_sign"], seed=0).frames[:50]
    parser = make_parser(wire_format, SYNTHETIC_JOINTS)
    out = [f for chunk in wire_chunks(frames, wire_format, SYNTHETIC_JOINTS.channels) for f in parser.feed(chunk)]
    np.testing.assert_allclose(np.stack(out), frames, atol=1e-3)


def test_csv_without_header_is_in_profile_order():
    frames = gesture_script(["fist"], seed=0).frames[:3]
    chunks = list(wire_chunks(frames, "csv", SYNTHETIC_JOINTS.channels, header=False))
    assert len(chunks) == 3
    assert len(CsvParser(SYNTHETIC_JOINTS).feed(b"".join(chunks))) == 3


def test_play_keeps_the_rate():
    written = []
    started = time.perf_counter()
    assert play(iter([b"x"] * 50), written.append, rate_hz=500.0) == 50
    assert time.perf_counter() - started >= 49 / 500
    assert play(iter([b"x"] * 50), written.append, rate_hz=500.0, should_stop=lambda: len(written) >= 60) == 10

import numpy as np
import pytest

from sensor2text.glove.schema import Normalizer
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.live.segment import HoldOptions, HoldSegmenter, WindowSegmenter
from sensor2text.live.simulate import gesture_script

# Per-channel scale as the stepwise model has it (stream.channel_scale): standard deviations of one
# hand's channels over training recordings, both hands pooled, for each hand.
_TRAIN = [r["frames"] for r in generate(SynthSpec(train_subjects=2, val_subjects=0, test_subjects=0, repetitions=1))]
SCALE = np.tile(Normalizer.fit([f[:, :23] for f in _TRAIN] + [f[:, 23:] for f in _TRAIN]).std, 2)


def _segments(frames, segmenter, candidates=False):
    """Segments cut from ``frames`` (candidates only when asked)."""
    out = [s for s in (segmenter.push(f) for f in frames) if s is not None]
    return out if candidates else [s for s in out if s.reason != "candidate"]


def _span_of(script, segment) -> str:
    """The scripted gesture that was under way when the segment was cut."""
    return [label for label, start, _ in script.spans if start <= segment.end][-1]


@pytest.mark.parametrize("subject", [63, 64, 65])
def test_one_segment_per_scripted_gesture(subject):
    labels = ["count_3", "count_10", "thumbs_up", "wave", "fist", "come_here", "open_palm"]
    script = gesture_script(labels, seed=9, subject=subject)
    segments = _segments(script.frames, HoldSegmenter(SCALE, 100.0))
    assert [_span_of(script, s) for s in segments] == labels
    reasons = dict(zip(labels, (s.reason for s in segments)))
    assert reasons["count_3"] == "hold" and reasons["wave"] == "return"  # the wave never stops moving
    for segment, (_, start, stop) in zip(segments, script.spans):
        assert segment.frames.shape[1] == 46
        assert start - 40 <= segment.start < stop  # starts just before the movement, not in the last gesture
        assert segment.end - segment.start + 1 == len(segment.frames)


def test_each_hold_is_announced_by_a_matching_candidate():
    script = gesture_script(["count_3", "thumbs_up", "wave"], seed=9, subject=66)
    segments = _segments(script.frames, HoldSegmenter(SCALE, 100.0), candidates=True)
    holds = [s for s in segments if s.reason == "hold"]
    candidates = {(s.start, s.still_from): s for s in segments if s.reason == "candidate"}
    assert len(holds) == 2
    for hold in holds:
        candidate = candidates[(hold.start, hold.still_from)]  # same onset, no movement since it stopped
        assert candidate.end < hold.end and len(candidate.frames) < len(hold.frames)


def test_a_held_gesture_is_described_once_while_held():
    script = gesture_script(["pointing"], seed=0, subject=1)
    frames = script.frames
    _, start, stop = script.spans[0]
    hold = frames[start + (stop - start) // 2]
    long_hold = np.concatenate([frames[: start + (stop - start) // 2], np.repeat(hold[None], 500, 0), frames[stop:]])
    segments = _segments(long_hold, HoldSegmenter(SCALE, 100.0))
    assert len(segments) == 1 and segments[0].reason == "hold"


def test_no_gesture_before_a_rest_pose_is_known():
    segmenter = HoldSegmenter(SCALE, 100.0)
    assert segmenter.state == "waiting for rest"
    assert _segments(np.zeros((100, 46)), segmenter) == []
    assert segmenter.state == "rest"


def test_straight_from_one_gesture_to_another_gives_two_segments():
    still = lambda value, n: np.full((n, 46), value, dtype=np.float32)
    ramp = lambda a, b: np.linspace(a, b, 30)[:, None] * np.ones((1, 46), np.float32)
    frames = np.concatenate([still(0, 100), ramp(0, 40), still(40, 100), ramp(40, -40), still(-40, 100)])
    segments = _segments(frames, HoldSegmenter(SCALE, 100.0))
    assert [s.reason for s in segments] == ["hold", "hold"]


def test_window_segmenter_emits_every_hop():
    segments = _segments(np.arange(100)[:, None].repeat(3, 1), WindowSegmenter(window=40, hop=20))
    assert [s.start for s in segments] == [0, 20, 40, 60]
    assert segments[1].frames[0, 0] == 20 and len(segments[1].frames) == 40


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="still_threshold < move_threshold"):
        HoldOptions(still_threshold=3.0, move_threshold=1.0)
    with pytest.raises(ValueError, match="window and hop"):
        WindowSegmenter(0, 5)

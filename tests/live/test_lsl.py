"""generate --stream lsl://NAME: an LSL outlet in this process stands in for a glove rig."""

import time
import uuid

import numpy as np
import pytest

from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.live.lsl import LslSource, check_lsl_url
from sensor2text.live.segment import WindowSegmenter
from sensor2text.live.stream import FramePipeline
from sensor2text.live.wire import FrameStats

pylsl = pytest.importorskip("pylsl")


def outlet(channels: int):
    name = f"glove-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "Glove", channels, 100, "float32", name)
    return name, pylsl.StreamOutlet(info)


def wait_for(condition, seconds: float = 10.0) -> bool:
    end = time.time() + seconds
    while time.time() < end and not condition():
        time.sleep(0.05)
    return condition()


def test_frames_of_an_outlet_reach_the_pipeline_and_a_bad_one_is_counted():
    name, out = outlet(SYNTHETIC_JOINTS.num_channels)
    events = []
    pipeline = FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(50, 50), FrameStats(), events.append)
    source = LslSource(f"lsl://{name}", pipeline)
    source.start()
    try:
        assert wait_for(lambda: source.connects == 1)
        frames = np.random.default_rng(0).uniform(-10, 90, (120, SYNTHETIC_JOINTS.num_channels))
        frames[7, 3] = np.nan
        for _ in range(20):  # LSL drops what is sent before the inlet's stream is open: send until it arrives
            out.push_chunk(frames.tolist())
            if wait_for(lambda: pipeline.frames > 0, 0.5):
                break
        assert wait_for(lambda: pipeline.frames >= 119)
        assert pipeline.frames == 119 and pipeline.stats.bad == 1 and pipeline.stats.good == 119
        assert any(e["event"] == "gesture" for e in events)  # 50-frame windows were cut from the samples
    finally:
        source.stop()
        source.join(5)


def test_an_outlet_of_another_channel_count_stops_the_stream_in_one_line():
    name, _out = outlet(5)
    source = LslSource(f"lsl://{name}", FramePipeline(SYNTHETIC_JOINTS, WindowSegmenter(50, 50), FrameStats(),
                                                      lambda event: None))  # fmt: skip
    source.start()
    source.join(10)
    assert source.fatal == (f"--stream lsl://{name}: the outlet sends 5 channels, the checkpoint's profile "
                            "synthetic-joints reads 46.")  # fmt: skip


def test_lsl_urls_are_checked_before_anything_runs():
    check_lsl_url("lsl://glove")
    for bad in ("lsl://", "lsl://a/b", "lsl://bad\x1bname"):
        with pytest.raises(ValueError, match="expected lsl://NAME"):
            check_lsl_url(bad)

import numpy as np
import pytest

from sensor2text.models.base import DescribeOptions, Description
from sensor2text.models.registry import load_checkpoint


def test_options_are_frozen_and_checked():
    options = DescribeOptions()
    with pytest.raises(AttributeError):
        options.batch_size = 2  # frozen
    assert options.generate_kwargs() == {}
    assert DescribeOptions(do_sample=True, temperature=0.5).generate_kwargs() == {"do_sample": True, "temperature": 0.5}
    for bad in ({"batch_size": 0}, {"max_new_tokens": 0}, {"temperature": 0.0}):
        with pytest.raises(ValueError, match="describe:"):
            DescribeOptions(**bad)


def test_description_to_dict_keeps_steps_first():
    d = Description("ten", {"left": "five", "right": "five"}, 0.9, {"hands_ms": 1.0})
    assert list(d.to_dict()) == ["left", "right", "description", "confidence", "timings"]


def test_holistic_describe_batches_streams_and_times(tiny_checkpoint):
    from sensor2text.glove.synth import SynthSpec, generate

    model = load_checkpoint(tiny_checkpoint)
    spec = SynthSpec(seed=5, train_subjects=0, val_subjects=0, test_subjects=1, repetitions=1,
                     classes=("fist", "count_1", "wave"))  # fmt: skip
    frames = [r["frames"] for r in generate(spec)]
    whole = model.describe(frames)
    assert [d.text for d in model.describe(frames, DescribeOptions(batch_size=1))] == [d.text for d in whole]
    assert all(d.timings["describe_ms"] > 0 and d.confidence is None and d.steps == {} for d in whole)
    shown = []
    [live] = model.describe(frames[:1], DescribeOptions(on_token=shown.append))
    assert "".join(shown).strip() == live.text and 0 < live.confidence <= 1
    with pytest.raises(ValueError, match="takes one recording"):
        model.describe(frames, DescribeOptions(on_token=shown.append))
    assert np.asarray(model.channel_scale()).shape == (model.profile.num_channels,)

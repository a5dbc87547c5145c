import numpy as np
import pytest
import torch

from sensor2text.errors import CheckpointError, ConfigError
from sensor2text.glove.handshape import FINGERS, HandWords
from sensor2text.glove.schema import get_profile
from sensor2text.models.fingers import (
    FingerReader,
    FingerReaderConfig,
    channel_groups,
    finger_accuracy,
    loss,
    targets_of,
)

ONE_HAND = get_profile("synthetic-joints").one_hand()


def _reader(**kwargs) -> FingerReader:
    torch.manual_seed(0)
    return FingerReader(FingerReaderConfig(profile=ONE_HAND.name, channels=list(ONE_HAND.channels), num_frames=16,
                                           hidden=8, **kwargs))


def test_channel_groups_follow_the_finger_names():
    groups = channel_groups(list(ONE_HAND.channels))
    assert [len(groups[f]) for f in FINGERS] == [5, 4, 4, 4, 4] and len(groups["wrist"]) == 2
    with pytest.raises(ConfigError, match="index"):  # a 5DT hand calls the index 'fore'
        channel_groups(["thumb", "fore", "middle", "ring", "little", "x"])


def test_forward_shapes_and_read():
    reader = _reader()
    logits = reader(torch.randn(3, 16, len(ONE_HAND.channels)))
    assert logits["states"].shape == (3, 5, 3) and logits["touch"].shape == (3, 2) and logits["motion"].shape == (3, 3)
    words = reader.read([np.random.randn(40, len(ONE_HAND.channels)).astype(np.float32)] * 2)
    assert len(words) == 2 and all(isinstance(w, HandWords) for w in words)
    assert reader.read([]) == []


def test_each_finger_state_reads_only_that_fingers_channels():
    """The composition that lets an unseen hand shape get the right words: moving the middle
    finger's channels changes no other finger's state."""
    reader = _reader().eval()
    x = torch.randn(2, 16, len(ONE_HAND.channels))
    changed = x.clone()
    changed[..., channel_groups(list(ONE_HAND.channels))["middle"]] += 5.0
    before, after = reader(x)["states"], reader(changed)["states"]
    middle = FINGERS.index("middle")
    others = [i for i in range(5) if i != middle]
    assert torch.equal(before[:, others], after[:, others])
    assert not torch.equal(before[:, middle], after[:, middle])


def test_save_and_load_give_the_same_words(tmp_path):
    reader = _reader()
    reader.normalizer.mean = [1.0] * len(ONE_HAND.channels)
    reader.save_pretrained(tmp_path / "fingers")
    loaded = FingerReader.from_pretrained(tmp_path / "fingers")
    x = torch.randn(2, 16, len(ONE_HAND.channels))
    assert torch.equal(reader.eval()(x)["states"], loaded(x)["states"])
    assert loaded.normalizer.mean[0] == 1.0
    (tmp_path / "fingers" / "fingers.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(CheckpointError, match="fingers.safetensors"):
        FingerReader.from_pretrained(tmp_path / "fingers")
    (tmp_path / "fingers" / "fingers.json").write_text("{")
    with pytest.raises(CheckpointError, match="fingers.json"):
        FingerReader.from_pretrained(tmp_path / "fingers")


def test_loss_and_accuracy():
    words = [HandWords(("curled", "extended", "curled", "curled", "curled")),
             HandWords(("extended",) * 5, motion="waving")]
    reader = _reader()
    value = loss(reader(torch.randn(2, 16, len(ONE_HAND.channels))), targets_of(words))
    assert value.ndim == 0 and value.item() > 0
    report = finger_accuracy([words[0], words[0]], words)
    assert report == {"finger_states": 0.6, "touching": 1.0, "motion": 0.5, "whole_hand": 0.5}


def test_reader_refuses_a_recording_too_short_to_hold_a_gesture():
    from sensor2text.errors import RecordingError

    with pytest.raises(RecordingError, match="recording 1"):
        _reader().read([np.zeros((20, len(ONE_HAND.channels)), np.float32), np.zeros((2, len(ONE_HAND.channels)))])
    reader = _reader()
    assert reader.lm_modules() == [] and np.array_equal(reader.channel_scale(), np.ones(len(ONE_HAND.channels)))


def test_a_damaged_reader_folder_is_named_before_it_is_built(tmp_path):
    import json

    from safetensors.torch import load_file, save_file


    folder = tmp_path / "fingers"
    _reader().save_pretrained(folder)
    config = json.loads((folder / "fingers.json").read_text())
    std = config["normalizer"]["std"]
    (folder / "fingers.json").write_text(json.dumps({**config, "normalizer": {**config["normalizer"],
                                                                               "std": [0.0] * len(std)}}))
    with pytest.raises(CheckpointError, match="fingers.json: normalizer: std holds 0.0"):
        FingerReader.from_pretrained(folder)
    (folder / "fingers.json").write_text(json.dumps(config))
    weights = load_file(folder / "fingers.safetensors")
    name = sorted(weights)[0]
    save_file({**weights, name: torch.zeros(*[s + 1 for s in weights[name].shape])}, folder / "fingers.safetensors")
    with pytest.raises(CheckpointError, match=f"fingers.safetensors: tensor {name} has shape"):
        FingerReader.from_pretrained(folder)

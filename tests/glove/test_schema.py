import numpy as np
import pytest

from sensor2text.errors import RecordingError
from sensor2text.glove.schema import (
    FIVE_DT_TWO_HAND,
    SYNTHETIC_JOINTS,
    Normalizer,
    get_profile,
    resample,
    validate_recording,
)


def test_profiles_have_named_channels_and_hands():
    assert SYNTHETIC_JOINTS.num_channels == 46
    assert SYNTHETIC_JOINTS.channels[0] == "left_thumb_cmc_flex"
    assert SYNTHETIC_JOINTS.hand_slices == ((0, 23), (23, 46))
    assert FIVE_DT_TWO_HAND.num_channels == 22
    assert get_profile("flex-5").channels == ("flex_0", "flex_1", "flex_2", "flex_3", "flex_4")


def test_unknown_profile_names_the_choices():
    with pytest.raises(ValueError, match="unknown device profile 'nope'.*synthetic-joints"):
        get_profile("nope")


def test_validate_rejects_wrong_channel_count():
    with pytest.raises(RecordingError, match="rec.csv: found 45 channels, expected 46"):
        validate_recording(np.zeros((10, 45)), SYNTHETIC_JOINTS, "rec.csv")


def test_validate_rejects_nan_and_names_frame_and_channel():
    frames = np.zeros((10, 46))
    frames[3, 2] = np.nan
    with pytest.raises(RecordingError, match="frame 3, channel 'left_thumb_rot' is nan"):
        validate_recording(frames, SYNTHETIC_JOINTS, "rec.csv")


def test_validate_rejects_empty_and_out_of_range():
    with pytest.raises(RecordingError, match="empty"):
        validate_recording(np.zeros((0, 46)), SYNTHETIC_JOINTS, "x")
    with pytest.raises(RecordingError, match=r"values must lie in \[-180.0, 180.0\]"):
        validate_recording(np.full((2, 46), 500.0), SYNTHETIC_JOINTS, "x")


def test_resample_keeps_endpoints_and_interpolates():
    frames = np.stack([np.arange(5.0), np.arange(5.0) * 2], axis=1)
    out = resample(frames, 9)
    assert out.shape == (9, 2)
    np.testing.assert_allclose(out[:, 0], np.linspace(0, 4, 9))
    np.testing.assert_allclose(out[[0, -1], 1], [0, 8])
    assert resample(frames[:1], 4).shape == (4, 2)


def test_normalizer_standardises_and_round_trips_through_dict(rng):
    recordings = [rng.normal(5.0, 2.0, size=(50, 3)) for _ in range(4)]
    norm = Normalizer.fit(recordings)
    pooled = norm(np.concatenate(recordings))
    np.testing.assert_allclose(pooled.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(pooled.std(0), 1, atol=1e-4)
    assert Normalizer(**norm.to_dict()) == norm


def test_normalizer_then_equals_applying_both_in_turn(rng):
    first = Normalizer(mean=[1.0, -2.0], std=[2.0, 0.5])
    second = Normalizer(mean=[0.3, 0.1], std=[1.5, 3.0])
    frames = rng.normal(size=(10, 2)).astype(np.float32)
    np.testing.assert_allclose(first.then(second)(frames), second(first(frames)), rtol=1e-5, atol=1e-6)


def test_a_recording_too_short_to_hold_a_gesture_is_refused():
    from sensor2text.glove.schema import MIN_RECORDING_FRAMES

    with pytest.raises(RecordingError, match=f"one.csv: 1 frames; at least {MIN_RECORDING_FRAMES} are needed"):
        validate_recording(np.zeros((1, 46)), SYNTHETIC_JOINTS, "one.csv")
    assert validate_recording(np.zeros((MIN_RECORDING_FRAMES, 46)), SYNTHETIC_JOINTS, "ok.csv").shape[0] == 4

import numpy as np
import pytest

from sensor2text.errors import RecordingError, Sensor2TextError
from sensor2text.glove.recordings import Recording, iter_recordings, read_csv, write_csv
from sensor2text.glove.schema import SYNTHETIC_JOINTS, Normalizer, resample
from sensor2text.inputs import (
    Preprocessor,
    augment,
    by_session,
    calibrate_for_session,
    session_groups,
    standardize_by_session,
    standardize_sessions,
)


def _recording(rng, subject, offset=0.0, scale=1.0, frames=40):
    return Recording(rng.normal(offset, scale, (frames, 3)).astype(np.float32), f"{subject}/x.csv", "fist", subject)


def test_windows_resample_then_normalise(rng):
    trained = Normalizer(mean=[1.0, 2.0, 3.0], std=[2.0, 2.0, 4.0])
    raw = [rng.normal(size=(50, 3)).astype(np.float32), rng.normal(size=(7, 3)).astype(np.float32)]
    windows = Preprocessor(16, trained).windows(raw)
    assert windows.shape == (2, 16, 3) and windows.dtype == np.float32
    np.testing.assert_allclose(windows[1], trained(resample(raw[1], 16)), rtol=1e-6)


def test_session_norm_preprocessor_refuses_until_calibrated_and_replaces_calibrations(rng):
    pre = Preprocessor(8, Normalizer.identity(3), session_norm=True)
    with pytest.raises(Sensor2TextError, match="calibrate it first"):
        pre.windows([np.zeros((10, 3), dtype=np.float32)])
    shifted = [rng.normal(5.0, 2.0, (200, 3)).astype(np.float32)]
    pre.calibrate(shifted)
    first = pre.session
    np.testing.assert_allclose(pre.session.mean, shifted[0].mean(axis=0), rtol=1e-5)
    expected = (resample(shifted[0], 8) - shifted[0].mean(axis=0)) / shifted[0].std(axis=0)
    np.testing.assert_allclose(pre.windows(shifted)[0], expected, rtol=1e-4, atol=1e-5)
    pre.calibrate([rng.normal(size=(200, 3)).astype(np.float32)])
    assert pre.session is not first  # a second calibration replaces the first
    assert pre.trained == Normalizer.identity(3)  # the saved normaliser never changes


def test_a_checkpoint_without_session_norm_takes_no_calibration(rng):
    pre = Preprocessor(8, Normalizer.identity(3))
    with pytest.raises(Sensor2TextError, match="trained without session standardisation"):
        pre.calibrate([np.zeros((4, 3), dtype=np.float32)])


def test_augment_draws_gain_then_offset_per_channel():
    import torch

    window = torch.ones(5, 3)
    assert torch.equal(augment(window), window)
    torch.manual_seed(0)
    out = augment(window, gain=0.1, offset=1.0)
    torch.manual_seed(0)
    expected = window * (1 + 0.1 * torch.randn(3)) + 1.0 * torch.randn(3)
    assert torch.allclose(out, expected) and torch.equal(out[0], out[4])  # the same per channel over time


def test_session_groups_follow_folders_or_one_calibration(rng, tmp_path):
    recordings = [_recording(rng, "a"), _recording(rng, "b"), _recording(rng, "a")]
    groups = session_groups(recordings)
    assert [index for _, index in groups] == [[0, 2], [1]]
    assert len(groups[0][0]) == 2  # calibrated on the session's own recordings
    assert session_groups(recordings, tmp_path) == [(tmp_path, [0, 1, 2])]
    lone = Recording(np.zeros((4, 3), dtype=np.float32), str(tmp_path / "x.csv"), "fist", None)
    assert session_groups([lone]) == [(tmp_path, [0])]


class _SessionModel:
    """Stands in for a session_norm model: describes each window by its mean after calibration."""

    session_norm = True
    profile = SYNTHETIC_JOINTS

    def __init__(self):
        self.preprocessor = Preprocessor(10, Normalizer.identity(3), session_norm=True)

    def calibrate(self, recordings):
        self.preprocessor.calibrate(recordings)

    def describe(self, recordings):
        return [float(w.mean()) for w in self.preprocessor.windows(recordings)]


def test_by_session_equals_standardising_each_session_first(rng):
    """One mechanism: calibrating the model per session gives what data-level standardisation gave."""
    recordings = [_recording(rng, "a", 5.0, 2.0), _recording(rng, "b", -3.0, 0.5), _recording(rng, "a", 5.0, 2.0)]
    model = _SessionModel()
    folded = by_session(model, recordings, model.describe)
    standardised = standardize_by_session(recordings, SYNTHETIC_JOINTS)
    plain = Preprocessor(10, Normalizer.identity(3)).windows([r.frames for r in standardised])
    np.testing.assert_allclose(folded, plain.mean(axis=(1, 2)), atol=1e-5)


def test_one_session_policy_names_the_command(rng, tmp_path):
    model = _SessionModel()
    with pytest.raises(Sensor2TextError, match="replay: this checkpoint standardises each session"):
        calibrate_for_session(model, command="replay")

    class Plain:
        session_norm = False

    with pytest.raises(Sensor2TextError, match="--calibration: this checkpoint was trained without"):
        calibrate_for_session(Plain(), calibration=tmp_path)
    calibrate_for_session(Plain())  # nothing to do


def test_arrays_too_short_or_of_the_wrong_shape_are_refused_by_index():
    from sensor2text.errors import RecordingError

    pre = Preprocessor(8, Normalizer.identity(3))
    good = np.zeros((10, 3), dtype=np.float32)
    with pytest.raises(RecordingError, match=r"recording 1: shape \(1, 3\); expected \(frames, channels\) with at"):
        pre.windows([good, np.zeros((1, 3), dtype=np.float32)])
    with pytest.raises(RecordingError, match="recording 0: shape \\(10,\\)"):
        pre.windows([np.zeros(10, dtype=np.float32)])


def _synthetic_frames(rng, n=20):
    """Joint angles of the synthetic glove, inside its valid range."""
    return rng.uniform(0, 60, (n, 46)).astype(np.float32)


def test_calibrate_a_single_file_on_its_folder_or_on_given_recordings(tmp_path, rng):
    for i in range(3):
        write_csv(tmp_path / "s1" / f"fist-{i}.csv", _synthetic_frames(rng))
    write_csv(tmp_path / "other" / "fist-0.csv", _synthetic_frames(rng) * 0.5 + 20)
    folder = list(iter_recordings(tmp_path / "s1"))
    single = list(iter_recordings(tmp_path / "s1" / "fist-1.csv"))
    assert single[0].subject is None
    by_folder = standardize_by_session(folder, SYNTHETIC_JOINTS)
    np.testing.assert_allclose(standardize_by_session(single, SYNTHETIC_JOINTS)[0].frames, by_folder[1].frames)
    other = read_csv(tmp_path / "other" / "fist-0.csv")
    calibrated = standardize_by_session(single, SYNTHETIC_JOINTS, calibration=tmp_path / "other")[0].frames
    expected = (single[0].frames - other.mean(0)) / other.std(0)
    np.testing.assert_allclose(calibrated, expected, rtol=1e-4, atol=1e-4)


def _sessions(rng):
    """Two sessions of three recordings, the second with another offset and gain on every channel."""
    base = [rng.uniform(0, 60, size=(15 + i, 46)).astype(np.float32) for i in range(3)]
    shifted = [f * 1.5 + 10 for f in base]
    return [Recording(f, f"a/{i}.csv", "fist", "a") for i, f in enumerate(base)] + [
        Recording(f, f"b/{i}.csv", "fist", "b") for i, f in enumerate(shifted)
    ]


def test_standardize_sessions_uses_each_sessions_own_statistics(rng):
    recordings = _sessions(rng)
    out = standardize_sessions(recordings)
    assert [r.frames.shape for r in out] == [r.frames.shape for r in recordings]
    assert [r.source for r in out] == [r.source for r in recordings]
    for session in ("a", "b"):
        pooled = np.concatenate([r.frames for r in out if r.subject == session])
        np.testing.assert_allclose(pooled.mean(0), 0, atol=1e-4)
        np.testing.assert_allclose(pooled.std(0), 1, atol=1e-3)
    # the second session is the first one re-calibrated: standardised, they are the same recordings
    for a, b in zip(out[:3], out[3:]):
        np.testing.assert_allclose(a.frames, b.frames, atol=1e-4)


def test_standardize_sessions_needs_every_recordings_session(rng):
    with pytest.raises(RecordingError, match="x.csv: session standardisation needs the recording's session"):
        standardize_sessions([Recording(_synthetic_frames(rng), "x.csv", "fist", None)])
    with pytest.raises(RecordingError, match="session 'a': 3 recordings, at least 4"):
        standardize_sessions(_sessions(rng), min_recordings=4)

"""A new glove's calibration: measured phases, the glove profile file, calibrated frames."""

import numpy as np
import pytest

from sensor2text.errors import ConfigError, Sensor2TextError
from sensor2text.glove.calibration import load_glove_profile, measure, resolve_profile, save_glove_profile
from sensor2text.glove.schema import flex_profile, get_profile

PROFILE = flex_profile(3)


def phases(rng, open_=(300, 800, 500), fist=(700, 200, 900), frames=40):
    """Noisy phases of a 3-sensor glove; the second sensor reads less when bent (wired the other way)."""
    noise = lambda: rng.normal(0, 2, (frames, 3))  # noqa: E731
    move = np.linspace(open_, fist, frames) + noise()
    return {"open": np.asarray(open_) + noise(), "fist": np.asarray(fist) + noise(), "move": move}


def test_open_and_fist_are_the_medians_of_their_phases_and_the_range_ignores_a_spike(rng):
    measured_phases = phases(rng)
    measured_phases["move"][7, 0] = 5000.0  # one frame's spike
    measured = measure(measured_phases, PROFILE)
    np.testing.assert_allclose(measured["open"], [300, 800, 500], atol=2)
    np.testing.assert_allclose(measured["fist"], [700, 200, 900], atol=2)
    assert measured["range"]["max"][0] < 720 and measured["frames"] == 120


def test_a_channel_that_does_not_move_is_named(rng):
    with pytest.raises(Sensor2TextError, match="channel 'flex_2' reads the same with the hand open and in a fist"):
        measure(phases(rng, fist=(700, 200, 500)), PROFILE)
    with pytest.raises(Sensor2TextError, match="no frames for phase 'fist'"):
        measure({**phases(rng), "fist": np.zeros((0, 3))}, PROFILE)


def test_a_saved_glove_profile_reads_frames_from_open_0_to_fist_1(rng, tmp_path):
    path = tmp_path / "gloves" / "alice.yaml"
    path.parent.mkdir()
    save_glove_profile(path, PROFILE, measure(phases(rng), PROFILE), 50.0)
    glove = resolve_profile(str(path))
    assert glove.name == "flex-3" and glove.sample_rate_hz == 50.0
    open_, fist = np.asarray(glove.calibration.open), np.asarray(glove.calibration.fist)
    calibrated = glove.calibration.apply(np.stack([open_, fist, (open_ + fist) / 2]))
    np.testing.assert_allclose(calibrated, [[0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5]], atol=1e-6)
    assert calibrated.dtype == np.float32
    units = glove.in_units()
    assert (units.name, units.channels, units.calibration) == ("flex-3/unit", PROFILE.channels, None)
    assert get_profile("flex-3/unit").units == ("1",) * 3 and resolve_profile("flex-3").calibration is None


@pytest.mark.parametrize(("text", "named"), [
    ("profile: flex-3\nopen: [1, 2, 3]\n", "'fist' missing"),
    ("profile: flex-3\nopen: [1, 2]\nfist: [4, 5, 6]\n", "open: expected a list of 3 numbers"),
    ("profile: flex-3\nopen: [1, 2, .nan]\nfist: [4, 5, 6]\n", "open: expected finite numbers"),
    ("profile: flex-3\nopen: [1, 2, 3]\nfist: [4, 2, 6]\n", "channel 'flex_1' has the same open and fist value"),
    ("profile: kinect\nopen: [1]\nfist: [2]\n", "profile: unknown device profile 'kinect'"),
    ("profile: flex-3\nopen: [1, 2, 3]\nfist: [4, 5, 6]\nsample_rate_hz: -5\n", "sample_rate_hz: expected a positive"),
    ("- just a list\n", "expected a glove profile"),
])  # fmt: skip
def test_a_bad_glove_profile_file_is_one_line_naming_file_and_field(tmp_path, text, named):
    path = tmp_path / "glove.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"{path}: .*{named}".replace("[", r"\[")):
        load_glove_profile(path)

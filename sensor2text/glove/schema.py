"""Glove schema: channel names, units, sample rates, device profiles, normalisation, resampling.

All glove-format knowledge lives here, as constants and small functions with no I/O.
A recording is a float array of shape ``(frames, channels)`` in the profile's channel order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensor2text.errors import RecordingError

# Hands, in channel order: two-hand profiles put the left hand's channels first.
HANDS = ("left", "right")
# Finger names, thumb first, as used in channel names.
FINGERS = ("thumb", "index", "middle", "ring", "little")
# Joint-angle channels of one hand for the synthetic kinematic glove (degrees), 23 per hand:
# thumb CMC flexion/abduction/rotation (opposition), MCP and IP flexion; for each long finger
# MCP/PIP/DIP flexion and MCP abduction (spread); wrist flexion and radial/ulnar deviation.
HAND_JOINTS = (
    "thumb_cmc_flex", "thumb_cmc_abd", "thumb_rot", "thumb_mcp_flex", "thumb_ip_flex",
    "index_mcp_flex", "index_pip_flex", "index_dip_flex", "index_abd",
    "middle_mcp_flex", "middle_pip_flex", "middle_dip_flex", "middle_abd",
    "ring_mcp_flex", "ring_pip_flex", "ring_dip_flex", "ring_abd",
    "little_mcp_flex", "little_pip_flex", "little_dip_flex", "little_abd",
    "wrist_flex", "wrist_dev",
)  # fmt: skip
# 5DT-style glove with a Flock-of-Birds tracker, per hand: position, orientation, 5 bends in [0, 1].
FIVE_DT_HAND = ("x", "y", "z", "roll", "pitch", "yaw", "thumb", "fore", "middle", "ring", "little")
# Nintendo PowerGlove (right hand), its documented channels: position, roll, four finger bends.
POWERGLOVE_CHANNELS = ("x", "y", "z", "roll", "thumb", "fore", "middle", "ring")
# Default synthetic sample rate: the glove is sampled at 100 Hz.
SYNTHETIC_SAMPLE_RATE_HZ = 100.0
# Frames every recording is resampled to before the projector sees it (about 1 s at 100 Hz).
DEFAULT_NUM_FRAMES = 32
# Profile-name suffix meaning "one hand of this two-hand glove" (per-hand models).
ONE_HAND_SUFFIX = "/hand"
# Smallest standard deviation used when normalising, so constant channels do not blow up.
MIN_STD = 1e-3
# Profile-name suffix of a glove's channels after its calibration (sensor2text calibrate-glove):
# each channel a fraction of its calibrated range, 0 = the hand open, 1 = the fist.
UNIT_SUFFIX = "/unit"
# How far past its calibrated range a calibrated channel may read (a tighter fist than at calibration).
UNIT_RANGE = (-1.0, 2.0)
# Fewest frames a recording may have to be described: 4 frames are 40 ms at 100 Hz (the shortest
# AUSLAN PowerGlove sign has 6); fewer hold no gesture, and describing them would only guess.
MIN_RECORDING_FRAMES = 4


@dataclass(frozen=True)
class Calibration:
    """Per channel, the raw value with the hand open (``open``) and in a fist (``fist``), as
    ``sensor2text calibrate-glove`` measured them on one glove; either may be the larger."""

    open: tuple[float, ...]
    fist: tuple[float, ...]

    def apply(self, frames: np.ndarray) -> np.ndarray:
        """Raw frames ``(..., C)`` -> each channel's share of the way from open (0) to fist (1), float32."""
        open_, fist = np.asarray(self.open, np.float32), np.asarray(self.fist, np.float32)
        return ((np.asarray(frames, np.float32) - open_) / (fist - open_)).astype(np.float32)


@dataclass(frozen=True)
class DeviceProfile:
    """What a glove sends: channel names and units, per-channel valid range, sample rate.

    ``hand_slices`` gives, per hand, the contiguous channel range it owns (per-hand projectors
    use it); one-hand gloves have a single slice.
    """

    name: str
    channels: tuple[str, ...]
    units: tuple[str, ...]
    valid_range: tuple[float, float]
    sample_rate_hz: float | None
    hand_slices: tuple[tuple[int, int], ...] = field(default=())
    description: str = ""
    calibration: Calibration | None = None  # a calibrated glove's (a glove profile file's): see in_units

    @property
    def num_channels(self) -> int:
        return len(self.channels)

    def in_units(self) -> DeviceProfile:
        """The profile of this glove's frames after calibration, ``<name>/unit``: the same channels,
        each in units of its calibrated range (what a model trained on calibrated recordings reads)."""
        return DeviceProfile(
            name=f"{self.name}{UNIT_SUFFIX}",
            channels=self.channels,
            units=("1",) * self.num_channels,
            valid_range=UNIT_RANGE,
            sample_rate_hz=self.sample_rate_hz,
            hand_slices=self.hand_slices,
            description=f"Calibrated (0 = hand open, 1 = fist): {self.description}",
        )

    def one_hand(self) -> DeviceProfile:
        """The profile of one hand of this glove (hands must share a channel layout), ``<name>/hand``."""
        if len(self.hand_slices) == 1:
            return self
        sizes = {stop - start for start, stop in self.hand_slices}
        if len(sizes) != 1:
            raise ValueError(f"profile '{self.name}': hands have different channel counts")
        start, stop = self.hand_slices[0]
        names = tuple(c.split("_", 1)[1] if "_" in c else c for c in self.channels[start:stop])
        return DeviceProfile(
            name=f"{self.name}{ONE_HAND_SUFFIX}",
            channels=names,
            units=self.units[start:stop],
            valid_range=self.valid_range,
            sample_rate_hz=self.sample_rate_hz,
            hand_slices=((0, stop - start),),
            description=f"One hand of: {self.description}",
        )


def _two_hand(per_hand: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{hand}_{name}" for hand in HANDS for name in per_hand)


def _halves(n: int) -> tuple[tuple[int, int], ...]:
    return ((0, n // 2), (n // 2, n))


SYNTHETIC_JOINTS = DeviceProfile(
    name="synthetic-joints",
    channels=_two_hand(HAND_JOINTS),
    units=("deg",) * (2 * len(HAND_JOINTS)),
    valid_range=(-180.0, 180.0),
    sample_rate_hz=SYNTHETIC_SAMPLE_RATE_HZ,
    hand_slices=_halves(2 * len(HAND_JOINTS)),
    description="Synthetic two-hand kinematic glove: 23 joint angles per hand in degrees, 100 Hz.",
)
FIVE_DT_TWO_HAND = DeviceProfile(
    name="5dt-2h",
    channels=_two_hand(FIVE_DT_HAND),
    units=("m", "m", "m", "turn", "turn", "turn", "1", "1", "1", "1", "1") * 2,
    valid_range=(-10.0, 10.0),
    sample_rate_hz=100.0,
    hand_slices=_halves(2 * len(FIVE_DT_HAND)),
    description="Two 5DT gloves + position trackers: 11 channels per hand, bends in [0, 1].",
)
POWERGLOVE = DeviceProfile(
    name="powerglove",
    channels=POWERGLOVE_CHANNELS,
    units=("1",) * len(POWERGLOVE_CHANNELS),
    valid_range=(-10.0, 10.0),
    sample_rate_hz=None,  # not stated in the AUSLAN release (about 25 Hz is usual for this glove)
    hand_slices=((0, len(POWERGLOVE_CHANNELS)),),
    description="Nintendo PowerGlove, right hand: x, y, z, roll in [-1, 1], four finger bends in [0, 1].",
)
PROFILES = {p.name: p for p in (SYNTHETIC_JOINTS, FIVE_DT_TWO_HAND, POWERGLOVE)}


def flex_profile(num_sensors: int, sample_rate_hz: float | None = None) -> DeviceProfile:
    """A generic one-hand glove with ``num_sensors`` flex sensors (raw ADC-like values)."""
    if num_sensors < 1:
        raise ValueError(f"a flex glove needs at least one sensor, got {num_sensors}")
    return DeviceProfile(
        name=f"flex-{num_sensors}",
        channels=tuple(f"flex_{i}" for i in range(num_sensors)),
        units=("raw",) * num_sensors,
        valid_range=(-1e6, 1e6),
        sample_rate_hz=sample_rate_hz,
        hand_slices=((0, num_sensors),),
        description=f"Generic glove with {num_sensors} flex sensors.",
    )


def get_profile(name: str) -> DeviceProfile:
    """Look up a device profile by name (``flex-N`` builds a generic N-sensor glove; a
    ``/hand`` suffix gives one hand of a two-hand profile, ``/unit`` its channels after
    calibration). A glove profile file is read by :func:`sensor2text.glove.calibration.resolve_profile`."""
    if name.endswith(ONE_HAND_SUFFIX):
        return get_profile(name[: -len(ONE_HAND_SUFFIX)]).one_hand()
    if name.endswith(UNIT_SUFFIX):
        return get_profile(name[: -len(UNIT_SUFFIX)]).in_units()
    if name in PROFILES:
        return PROFILES[name]
    if name.startswith("flex-") and name[5:].isdigit():
        return flex_profile(int(name[5:]))
    known = ", ".join([*PROFILES, "flex-N", "<profile>/unit"])
    raise ValueError(f"unknown device profile '{name}'; expected one of: {known}")


def validate_recording(frames: np.ndarray, profile: DeviceProfile, source: str) -> np.ndarray:
    """Check a ``(frames, channels)`` array against ``profile``; return it as float32.

    Raises RecordingError naming ``source`` for an empty recording, a wrong channel count,
    a NaN/inf value, or a value outside the profile's valid range.
    """
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim != 2 or frames.shape[0] == 0:
        raise RecordingError(f"{source}: the recording is empty; expected at least one frame.")
    if frames.shape[1] != profile.num_channels:
        raise RecordingError(
            f"{source}: found {frames.shape[1]} channels, expected {profile.num_channels} "
            f"for device profile '{profile.name}'."
        )
    bad = ~np.isfinite(frames)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise RecordingError(
            f"{source}: frame {row}, channel '{profile.channels[col]}' is {frames[row, col]}; expected a finite number."
        )
    low, high = profile.valid_range
    if frames.min() < low or frames.max() > high:
        raise RecordingError(
            f"{source}: values must lie in [{low}, {high}] {profile.units[0]} "
            f"for profile '{profile.name}', found [{frames.min():.3g}, {frames.max():.3g}]."
        )
    if frames.shape[0] < MIN_RECORDING_FRAMES:
        raise RecordingError(f"{source}: {frames.shape[0]} frames; at least {MIN_RECORDING_FRAMES} are needed "
                             "to hold a gesture.")  # fmt: skip
    return frames


def resample(frames: np.ndarray, num_frames: int) -> np.ndarray:
    """Linearly resample ``(T, C)`` to ``(num_frames, C)`` over the recording's full duration."""
    length = frames.shape[0]
    if length == 1:
        return np.repeat(frames, num_frames, axis=0)
    source_t = np.linspace(0.0, 1.0, length)
    target_t = np.linspace(0.0, 1.0, num_frames)
    columns = [np.interp(target_t, source_t, frames[:, c]) for c in range(frames.shape[1])]
    return np.stack(columns, axis=1).astype(np.float32)


@dataclass
class Normalizer:
    """Per-channel standardisation, fitted on training recordings and saved with the model."""

    mean: list[float]
    std: list[float]

    @classmethod
    def fit(cls, recordings: list[np.ndarray]) -> Normalizer:
        """Fit on a list of ``(T_i, C)`` arrays (all frames pooled)."""
        stacked = np.concatenate(recordings, axis=0)
        std = np.maximum(stacked.std(axis=0), MIN_STD)
        return cls(mean=stacked.mean(axis=0).tolist(), std=std.tolist())

    @classmethod
    def identity(cls, num_channels: int) -> Normalizer:
        return cls(mean=[0.0] * num_channels, std=[1.0] * num_channels)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """``(..., C) -> (..., C)`` standardised, float32."""
        mean = np.asarray(self.mean, dtype=np.float32)
        std = np.asarray(self.std, dtype=np.float32)
        return ((frames - mean) / std).astype(np.float32)

    def then(self, second: Normalizer) -> Normalizer:
        """One normaliser equal to this one followed by ``second`` (both are per-channel affine)."""
        mean, std = np.asarray(self.mean), np.asarray(self.std)
        return Normalizer(mean=(mean + std * np.asarray(second.mean)).tolist(),
                          std=(std * np.asarray(second.std)).tolist())  # fmt: skip

    def to_dict(self) -> dict:
        return {"mean": list(self.mean), "std": list(self.std)}

"""A new glove's calibration: per channel, the raw value with the hand open and in a fist.

``sensor2text calibrate-glove`` cues the wearer (hand open, fist, then every finger alone),
measures each phase (:func:`measure`) and writes a **glove profile file**::

    # sensor2text glove profile (sensor2text calibrate-glove)
    profile: flex-5                 # the channel layout the glove sends
    sample_rate_hz: 50.0            # frames a second, as measured
    channels: [flex_0, flex_1, flex_2, flex_3, flex_4]
    open: [301.0, 288.5, 310.0, 295.0, 305.5]   # raw, hand open and flat
    fist: [702.0, 690.0, 731.5, 688.0, 640.0]   # raw, a fist (smaller than open for a reversed sensor)
    range: {min: [...], max: [...]}             # the raw extremes seen while every finger moved
    frames: 450

``--profile FILE`` (``record``, ``generate --stream``) then reads that glove: each frame becomes
each channel's share of the way from open (0) to fist (1), in the profile ``<profile>/unit``
(:meth:`sensor2text.glove.schema.DeviceProfile.in_units`), so models trained on calibrated
recordings read any glove of the same layout once it is calibrated.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import yaml

from sensor2text.errors import ConfigError, Sensor2TextError
from sensor2text.glove.schema import Calibration, DeviceProfile, get_profile
from sensor2text.textfile import write_text_atomic
from sensor2text.yamlfile import read_yaml

# The cues of a calibration, in order: (phase, what the wearer is asked to do).
PHASES = (
    ("open", "open your hand flat, fingers straight and together, and hold it"),
    ("fist", "make a tight fist, thumb over the fingers, and hold it"),
    ("move", "bend and straighten every finger alone, thumb to little finger, then all together"),
)
# Frames of the running median that steadies a phase (a one-frame spike never sets an extreme).
STEADY_FRAMES = 5
# Smallest open-to-fist difference of a channel, as a share of the largest channel's: below it the
# channel did not move between open hand and fist (a loose wire, a sensor on no finger).
MIN_SPAN_SHARE = 0.02
FILE_KEYS = ("profile", "sample_rate_hz", "channels", "open", "fist", "range", "frames")


def steady(frames: np.ndarray) -> np.ndarray:
    """``(N, C)`` -> ``(N - 4, C)`` running median over ``STEADY_FRAMES`` frames (fewer frames: as is)."""
    if len(frames) < STEADY_FRAMES:
        return frames
    windows = np.lib.stride_tricks.sliding_window_view(frames, STEADY_FRAMES, axis=0)
    return np.median(windows, axis=-1)


def measure(phases: dict[str, np.ndarray], profile: DeviceProfile) -> dict:
    """The calibration of one glove from its phases' raw frames ``{phase: (N, C)}`` (see PHASES):
    ``open`` and ``fist`` are the median of their phase; ``range`` the steadied extremes of all.

    Sensor2TextError naming the channel that did not move between open hand and fist."""
    missing = [name for name, _ in PHASES if len(phases.get(name, ())) == 0]
    if missing:
        raise Sensor2TextError(f"calibration: no frames for phase '{missing[0]}'.")
    open_, fist = np.median(phases["open"], axis=0), np.median(phases["fist"], axis=0)
    span = np.abs(fist - open_)
    still = [c for c, s in zip(profile.channels, span) if s <= MIN_SPAN_SHARE * max(span.max(), 1e-12)]
    if still:
        raise Sensor2TextError(
            f"calibration: channel '{still[0]}' reads the same with the hand open and in a fist "
            f"({open_[profile.channels.index(still[0])]:g}); check its sensor and wiring, then calibrate again.")
    every = steady(np.concatenate([phases[name] for name, _ in PHASES]))
    return {
        "open": [round(float(v), 4) for v in open_],
        "fist": [round(float(v), 4) for v in fist],
        "range": {"min": [round(float(v), 4) for v in every.min(0)], "max": [round(float(v), 4) for v in every.max(0)]},
        "frames": int(sum(len(f) for f in phases.values())),
    }


def save_glove_profile(path: str | Path, profile: DeviceProfile, measured: dict, rate_hz: float | None) -> None:
    """Write the glove profile file (whole or not at all)."""
    body = {"profile": profile.name, "sample_rate_hz": rate_hz, "channels": list(profile.channels), **measured}
    header = "# sensor2text glove profile (sensor2text calibrate-glove); read with --profile FILE\n"
    write_text_atomic(path, header + yaml.safe_dump(body, sort_keys=False, default_flow_style=None))


def load_glove_profile(path: str | Path) -> DeviceProfile:
    """The calibrated glove of a profile file: its layout's profile with ``calibration`` set (and
    the measured sample rate). ConfigError naming the file and the field for a bad file."""
    data = read_yaml(path, "glove profile file")
    where = str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a glove profile (keys {', '.join(FILE_KEYS)}).")
    missing = [k for k in ("profile", "open", "fist") if k not in data]
    if missing:
        raise ConfigError(f"{where}: '{missing[0]}' missing; write the file with sensor2text calibrate-glove.")
    try:
        base = get_profile(str(data["profile"]))
    except ValueError as error:
        raise ConfigError(f"{where}: profile: {error}") from None
    open_, fist = (_values(data, key, base, where) for key in ("open", "fist"))
    same = [c for c, a, b in zip(base.channels, open_, fist) if a == b]
    if same:
        raise ConfigError(f"{where}: channel '{same[0]}' has the same open and fist value; calibrate again.")
    rate = data.get("sample_rate_hz", base.sample_rate_hz)
    if rate is not None and not (isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0):
        raise ConfigError(f"{where}: sample_rate_hz: expected a positive number of frames a second, got {rate!r}.")
    rate = float(rate) if rate is not None else None
    return dataclasses.replace(base, sample_rate_hz=rate, calibration=Calibration(open_, fist))


def _values(data: dict, key: str, profile: DeviceProfile, where: str) -> tuple[float, ...]:
    values = data[key]
    if not isinstance(values, list) or len(values) != profile.num_channels:
        raise ConfigError(f"{where}: {key}: expected a list of {profile.num_channels} numbers, one per channel of "
                          f"{profile.name}.")  # fmt: skip
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in values):
        raise ConfigError(f"{where}: {key}: expected finite numbers, got {values!r}.")
    return tuple(float(v) for v in values)


def is_profile_file(name: str) -> bool:
    """True when a ``--profile`` value names a glove profile file rather than a profile."""
    return name.endswith((".yaml", ".yml")) or Path(name).is_file()


def resolve_profile(name: str) -> DeviceProfile:
    """A ``--profile`` value: a profile name (``flex-5``) or a glove profile file (calibrated)."""
    return load_glove_profile(name) if is_profile_file(name) else get_profile(name)

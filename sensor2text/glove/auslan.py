"""Readers for the UCI AUSLAN sign recordings (M. W. Kadous, PhD thesis, UNSW, 2002).

Two layouts, read from wherever the user keeps them (default ``../shared/data``, never copied)::

    auslan_hq/tctodd<D>/<sign>-<n>.tsd                 two 5DT gloves + trackers, one signer, day D
        one frame per line, 22 whitespace-separated floats: 11 per hand (x, y, z, roll, pitch,
        yaw, thumb, fore, middle, ring, little), columns 0-10 = left, 11-21 = right (inferred)
    auslan_powerglove/<signer><session>/<sign><n>.sign  one PowerGlove, right hand, 4 signers
        one frame per line, 15 comma-separated fields; the documented channels are x, y, z,
        roll (fields 0-3) and the thumb, fore, middle, ring bends (fields 6-9)

Each file becomes a ``(frames, channels)`` float32 array in the profile's channel order
(``5dt-2h``: 22 channels, ``powerglove``: 8). Class names come from the file stem,
regularised by :func:`class_from_stem` to the ids of ``assets/auslan_labels.yaml``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from sensor2text.errors import RecordingError
from sensor2text.glove.schema import FIVE_DT_TWO_HAND, POWERGLOVE, DeviceProfile, validate_recording
from sensor2text.textfile import read_user_text

TSD_SUFFIX = ".tsd"
SIGN_SUFFIX = ".sign"
# Fields of a .sign line that hold the documented PowerGlove channels (4-5 are always -1,
# 10 is undocumented, 11-14 are hex status fields).
POWERGLOVE_FIELDS = (0, 1, 2, 3, 6, 7, 8, 9)
SIGN_FIELDS = 15
# PowerGlove calibration recordings (cal-full-forward0.sign, ...), not signs.
CALIBRATION_PREFIX = "cal-"
# Label-set file of the 95 signs, shipped with the package.
AUSLAN_LABELS_FILE = "auslan_labels.yaml"
# The PowerGlove set's name for the sign the 5DT set calls his_hers.
_ALIASES = {"her": "his_hers"}


def profile_for(path: Path) -> DeviceProfile:
    """The device profile of an AUSLAN file, by its suffix."""
    return FIVE_DT_TWO_HAND if path.suffix == TSD_SUFFIX else POWERGLOVE


def class_from_stem(stem: str, suffix: str) -> str:
    """``change_mind_-2`` (.tsd) or ``change(mind)3`` (.sign) -> ``change_mind``."""
    name = stem.rsplit("-", 1)[0] if suffix == TSD_SUFFIX else re.sub(r"\d+$", "", stem)
    name = name.replace("(", "_").replace(")", "").rstrip("_")
    return _ALIASES.get(name, name)


def is_calibration(path: Path) -> bool:
    return path.suffix == SIGN_SUFFIX and path.name.startswith(CALIBRATION_PREFIX)


def _lines(path: Path) -> list[str]:
    lines = [line.strip() for line in read_user_text(path, "recording file", RecordingError).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise RecordingError(f"{path}: the file is empty; expected one frame per line.")
    return lines


def _floats(fields: list[str], path: Path, number: int) -> list[float]:
    try:
        return [float(v) for v in fields]
    except ValueError:
        bad = next(v for v in fields if not _is_float(v))
        raise RecordingError(f"{path}, line {number}: '{bad[:30]}' is not a number.") from None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_tsd(path: str | Path) -> np.ndarray:
    """A high-quality (5DT) recording as ``(frames, 22)`` float32, left hand first."""
    path = Path(path)
    width = FIVE_DT_TWO_HAND.num_channels
    rows = []
    for number, line in enumerate(_lines(path), start=1):
        fields = line.split()
        if len(fields) != width:
            raise RecordingError(f"{path}, line {number}: found {len(fields)} values, expected {width} "
                                 "whitespace-separated numbers (11 per hand).")  # fmt: skip
        rows.append(_floats(fields, path, number))
    return validate_recording(np.asarray(rows, np.float32), FIVE_DT_TWO_HAND, str(path))


def read_sign(path: str | Path) -> np.ndarray:
    """A PowerGlove recording as ``(frames, 8)`` float32: x, y, z, roll, thumb, fore, middle, ring."""
    path = Path(path)
    rows = []
    for number, line in enumerate(_lines(path), start=1):
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != SIGN_FIELDS:
            raise RecordingError(f"{path}, line {number}: found {len(fields)} comma-separated fields, "
                                 f"expected {SIGN_FIELDS}.")  # fmt: skip
        rows.append(_floats([fields[i] for i in POWERGLOVE_FIELDS], path, number))
    return validate_recording(np.asarray(rows, np.float32), POWERGLOVE, str(path))


def read_auslan(path: str | Path) -> np.ndarray:
    """Read a ``.tsd`` or ``.sign`` file (by suffix)."""
    path = Path(path)
    return read_tsd(path) if path.suffix == TSD_SUFFIX else read_sign(path)

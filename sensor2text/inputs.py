"""The model's input path, one for every caller: raw recording ``(T, C)`` -> model window ``(F, C)``.

    resample to F frames -> session statistics (``session_norm`` checkpoints) -> trained normaliser

A model owns one :class:`Preprocessor` and saves its trained normaliser with the checkpoint
(``normalization.json``). Calibrating to a session is one call, ``model.calibrate(recordings)``,
used alike by ``evaluate``, ``generate``, the live stream, ``replay``, ``probe`` and Python; for
folders that hold many sessions, :func:`by_session` calibrates per session. Training-time
augmentation (:func:`augment`) draws the nuisances a new calibration brings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from sensor2text.errors import RecordingError, Sensor2TextError
from sensor2text.glove.schema import MIN_RECORDING_FRAMES, Normalizer, resample

UNCALIBRATED = ("this checkpoint standardises each session (session_norm): calibrate it first with "
                "sensor2text.calibrate(model, recordings of this glove and wearer), or describe a folder "
                "session by session with sensor2text.inputs.by_session.")  # fmt: skip
NO_CALIBRATION_TAKEN = ("--calibration: this checkpoint was trained without session standardisation "
                        "(data.session_norm), so it takes no calibration recordings.")  # fmt: skip
NOT_SESSION_NORMED = ("calibrate: this checkpoint was trained without session standardisation "
                      "(data.session_norm); it takes no calibration recordings.")  # fmt: skip


class Preprocessor:
    """Resampling, the session's statistics and the trained normaliser of one model.

    ``trained`` is fitted on the training windows and saved with the checkpoint; ``session`` is
    the current calibration (``session_norm`` checkpoints only), which nothing saves.
    """

    def __init__(self, num_frames: int, trained: Normalizer, session_norm: bool = False, profile=None):
        self.num_frames, self.trained, self.session_norm, self.profile = num_frames, trained, session_norm, profile
        self.session: Normalizer | None = None

    @property
    def normalizer(self) -> Normalizer:
        """The whole per-channel standardisation of raw frames: session, then trained."""
        return self.session.then(self.trained) if self.session is not None else self.trained

    def calibrate(self, recordings: str | Path | list[np.ndarray]) -> None:
        """Fit the session statistics on ``recordings`` (a folder or file of this glove and wearer,
        or ``(T_i, C)`` arrays); a second call replaces the first. No labels are used."""
        if not self.session_norm:
            raise Sensor2TextError(NOT_SESSION_NORMED)
        self.session = session_statistics(recordings, self.profile)

    def calibrate_to(self, statistics: Normalizer) -> None:
        """Set the session statistics directly (training passes identity for recordings it
        already standardised per session)."""
        if not self.session_norm:
            raise Sensor2TextError(NOT_SESSION_NORMED)
        self.session = statistics

    def windows(self, recordings: list[np.ndarray]) -> np.ndarray:
        """Raw recordings ``[(T_i, C)]`` -> ``(B, F, C)`` float32 model input."""
        if self.session_norm and self.session is None:
            raise Sensor2TextError(UNCALIBRATED)
        for i, recording in enumerate(recordings):
            if np.ndim(recording) != 2 or len(recording) < MIN_RECORDING_FRAMES:
                raise RecordingError(f"recording {i}: shape {np.shape(recording)}; expected (frames, channels) with "
                                     f"at least {MIN_RECORDING_FRAMES} frames to hold a gesture.")  # fmt: skip
        normalizer = self.normalizer
        return np.stack([normalizer(resample(r, self.num_frames)) for r in recordings])

    def __call__(self, recordings: list[np.ndarray], device=None) -> torch.Tensor:
        """:meth:`windows` as a tensor on ``device``."""
        return torch.from_numpy(self.windows(recordings)).to(device)


def augment(window: torch.Tensor, gain: float = 0.0, offset: float = 0.0) -> torch.Tensor:
    """A raw window ``(F, C)`` as a new sensor calibration would give it: a random per-channel
    gain ``1 + gain * N(0, 1)`` and offset ``offset * N(0, 1)`` (training only)."""
    channels = window.shape[1]
    if gain:
        window = window * (1 + gain * torch.randn(channels))
    if offset:
        window = window + offset * torch.randn(channels)
    return window


def session_groups(recordings, calibration: str | Path | None = None) -> list[tuple[object, list[int]]]:
    """``[(calibration source, indices)]``: which recordings share a session, and what calibrates it.

    With ``calibration`` (a folder or file of the same glove and wearer) every recording is one
    session calibrated on it. Without, a recording's session is its folder (``Recording.subject``):
    the session's own recordings calibrate it; a lone file is calibrated on its folder.
    """
    if calibration is not None:
        return [(calibration, list(range(len(recordings))))]
    groups: dict[str, list[int]] = {}
    for i, recording in enumerate(recordings):
        key = recording.subject if recording.subject is not None else str(Path(recording.source).parent)
        groups.setdefault(key, []).append(i)
    out = []
    for key, index in groups.items():
        first = recordings[index[0]]
        source = [recordings[i].frames for i in index] if first.subject is not None else Path(key)
        out.append((source, index))
    return out


def session_statistics(source, profile) -> Normalizer:
    """Channel statistics of a session: fitted on ``(T_i, C)`` arrays, or on every recording
    under a folder or file path (no labels used)."""
    if isinstance(source, (str, Path)):
        from sensor2text.glove.recordings import iter_recordings

        source = [r.frames for r in iter_recordings(source, profile)]
    return Normalizer.fit(list(source))


def standardize_by_session(recordings: list, profile, calibration: str | Path | None = None) -> list:
    """The recordings' frames standardised by their sessions' statistics, at the data level (shape
    ``(T_i, C)`` kept; sessions as in :func:`session_groups`): for models outside this input path,
    the evaluator's baselines, which are trained on session-standardised recordings."""
    out = list(recordings)
    for source, index in session_groups(recordings, calibration):
        normalizer = session_statistics(source, profile)
        for i in index:
            out[i] = replace(recordings[i], frames=normalizer(recordings[i].frames))
    return out


def standardize_sessions(recordings: list, min_recordings: int = 1) -> list:
    """Each session's recordings standardised by that session's own channel mean/std (training data).

    A session is a ``subject`` (the recording's folder: ``adam2``, ``tctodd7``): one wearer with one
    glove fit on one day. Fitting its statistics needs no labels, only its recordings, so this is an
    unlabelled calibration that removes the offsets and gains that differ between sessions.
    Frames ``(T_i, C)`` keep their shape. RecordingError if a recording has no session, or a session
    has fewer than ``min_recordings`` recordings.
    """
    lone = next((r for r in recordings if r.subject is None), None)
    if lone is not None:
        raise RecordingError(f"{lone.source}: session standardisation needs the recording's session "
                             "(its folder); read a folder, or give calibration recordings.")  # fmt: skip
    for _, index in session_groups(recordings):
        if len(index) < min_recordings:
            raise RecordingError(f"session '{recordings[index[0]].subject}': {len(index)} recordings, at least "
                                 f"{min_recordings} are needed to fit its channel statistics.")  # fmt: skip
    return standardize_by_session(recordings, profile=None)


def by_session(model, recordings, work: Callable[[list[np.ndarray]], list], calibration=None) -> list:
    """``work(frames of one session)`` with ``model`` calibrated to that session, for every session
    among ``recordings`` (:class:`sensor2text.glove.recordings.Recording`); results in input order.

    A model without session standardisation runs ``work`` once on all the frames (and refuses
    ``calibration``). E.g. ``by_session(model, recordings, model.describe)``.
    """
    if not model.session_norm:
        if calibration is not None:
            raise Sensor2TextError(NO_CALIBRATION_TAKEN)
        return work([r.frames for r in recordings])
    results: list = [None] * len(recordings)
    for source, index in session_groups(recordings, calibration):
        model.calibrate(source)
        for i, result in zip(index, work([recordings[i].frames for i in index])):
            results[i] = result
    return results


def calibrate_for_session(model, calibration=None, default=None, command: str = "describe") -> None:
    """The calibration policy of the one-session paths (stream, replay, probe): a ``session_norm``
    model is calibrated on ``calibration``, else on ``default`` (e.g. a replayed file's folder),
    else refused; any other model takes none (an error if ``calibration`` was given)."""
    if not model.session_norm:
        if calibration is not None:
            raise Sensor2TextError(NO_CALIBRATION_TAKEN)
        return
    source = calibration if calibration is not None else default
    if source is None:
        raise Sensor2TextError(f"{command}: this checkpoint standardises each session (data.session_norm); "
                               "give --calibration with recordings of this glove and wearer (e.g. one saved "
                               "with --record).")  # fmt: skip
    model.calibrate(source)

"""Glove simulator: a scripted or random gesture sequence from the synthetic generator, in real time.

``sensor2text simulate`` writes the frames of one synthetic subject, at the glove's rate (100 Hz),
in a wire format (:mod:`sensor2text.live.wire`) to a pseudo-terminal it creates (printing its path,
POSIX only) or to a local TCP socket that ``sensor2text generate --stream socket://HOST:PORT``
connects to. Between gestures the hand rests for a random 0.6-1.2 s, so that the stream's
segmenter sees rest -> gesture -> rest as in the training recordings.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.glove.synth import ALL_CLASSES, REST, Subject, pose_to_angles, synthesize
from sensor2text.live.wire import csv_header, encode_binary, encode_csv

# Subject indices of simulated people (outside the train/validation/test ranges of synth.py).
SIMULATOR_SUBJECT_OFFSET = 5000
# Wait after a reader connects before sending: pyserial's socket:// flushes its input on opening.
ACCEPT_GRACE_S = 0.3
# Rest between two gestures, seconds (uniform).
REST_GAP_S = (0.6, 1.2)


@dataclass(frozen=True)
class Script:
    """Frames ``(T, 46)`` of a gesture sequence and where each gesture lies: ``(label, start, stop)``."""

    frames: np.ndarray
    spans: list[tuple[str, int, int]]


def rest_frames(subject: Subject, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` frames ``(count, 46)`` of both hands resting, through the subject's sensors."""
    track = np.tile(REST, (count, 1))
    angles = np.concatenate([pose_to_angles(track, subject.range_of_motion)] * 2, axis=1)
    noise = rng.normal(0.0, subject.noise_deg, angles.shape)
    return (angles * subject.gain + subject.offset + noise).astype(np.float32)


def gesture_script(labels: list[str], seed: int = 0, subject: int = 0, lead_s: float = 1.0) -> Script:
    """Synthesize ``labels`` in order by one simulated subject, with rests between them."""
    unknown = [label for label in labels if label not in ALL_CLASSES]
    if unknown:
        raise ValueError(f"simulate: unknown gesture '{unknown[0]}'; expected names from {', '.join(ALL_CLASSES)}")
    index = SIMULATOR_SUBJECT_OFFSET + subject
    person = Subject.draw(f"simulated{index}", np.random.default_rng([seed, index, 0]))
    rng = np.random.default_rng([seed, index, 1])
    rate = SYNTHETIC_JOINTS.sample_rate_hz
    parts, spans, at = [rest_frames(person, int(lead_s * rate), rng)], [], int(lead_s * rate)
    for label in labels:
        frames = synthesize(label, person, rng)
        parts.append(frames)
        spans.append((label, at, at + len(frames)))
        gap = rest_frames(person, int(rng.uniform(*REST_GAP_S) * rate), rng)
        parts.append(gap)
        at += len(frames) + len(gap)
    return Script(np.concatenate(parts), spans)


def random_labels(count: int, seed: int, classes: tuple[str, ...] = ALL_CLASSES) -> list[str]:
    rng = np.random.default_rng([seed, 7])
    return [str(c) for c in rng.choice(classes, size=count)]


def wire_chunks(frames: np.ndarray, wire_format: str, channels: tuple[str, ...],
                header: bool = True) -> Iterator[bytes]:  # fmt: skip
    """The bytes of each frame in ``wire_format`` (a CSV header first when ``header``)."""
    if wire_format == "csv":
        if header:
            yield csv_header(channels)
        for frame in frames:
            yield encode_csv(frame)
    else:
        for seq, frame in enumerate(frames):
            yield encode_binary(seq, frame)


def play(chunks: Iterator[bytes], write: Callable[[bytes], object], rate_hz: float, speed: float = 1.0,
         should_stop: Callable[[], bool] = lambda: False) -> int:  # fmt: skip
    """Write one chunk per frame period on an absolute schedule (no drift); returns chunks written."""
    period = 1.0 / (rate_hz * speed)
    start, written = time.perf_counter(), 0
    for chunk in chunks:
        if should_stop():
            break
        delay = start + written * period - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        write(chunk)
        written += 1
    return written


def open_pty() -> tuple[int, str]:
    """A pseudo-terminal in raw mode: ``(writer fd, path a serial reader opens)``."""
    import tty

    writer, reader = os.openpty()
    tty.setraw(reader)
    return writer, os.ttyname(reader)


def accept_one(host: str, port: int, on_listen: Callable[[int], object] = lambda port: None) -> socket.socket:
    """Listen on ``host:port`` (0 picks a free port), report the port, accept one client."""
    with socket.create_server((host, port)) as server:
        on_listen(server.getsockname()[1])
        connection, _ = server.accept()
    time.sleep(ACCEPT_GRACE_S)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection

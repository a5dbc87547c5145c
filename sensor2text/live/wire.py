"""Wire formats of a live glove: CSV text lines and a framed binary format. No I/O here.

**CSV lines** (what Arduino/ESP32 flex-sensor sketches print)::

    thumb,index,middle,ring,little          <- optional header naming the channels
    512,230,801,799,640\\n                   <- one frame per line, values in the profile's units

Without a header the values are in the device profile's channel order. A header may name the
channels in any order and add columns the profile does not know (``time_s``, ``ms``), which are
ignored. Blank lines and ``#`` comments are skipped. Lines may end in ``\n``, ``\r\n`` or ``\r``,
and in one trailing comma (an Arduino loop printing ``value,`` per channel); a UTF-8 byte-order
mark before a line is dropped. A line is parsed only once its line end has arrived: a line cut
short (the port lost, a glove reset) is never a frame.

**Binary frames** (little-endian)::

    A5 5A | seq: uint16 | n: uint8 | n x float32 | crc: uint16

``crc`` is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF: ``binascii.crc_hqx``) over seq, n and
the payload. After garbage or a bad CRC the parser resynchronises on the next sync bytes; a gap
in ``seq`` counts the frames the glove sent but we never received. A packet start is searched
for with a regular expression that also requires a plausible channel count, so that a flood of
sync bytes is skipped at C speed rather than checked byte pair by byte pair.

Parsers take bytes as they arrive (``feed``) and return the complete, valid frames ``(C,)`` in
the profile's channel order. Every bad frame (garbage, wrong channel count, not a number, NaN,
out of the profile's range, bad CRC) is counted in :class:`FrameStats` by reason, never raised.
"""

from __future__ import annotations

import binascii
import codecs
import math
import re
import struct
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from sensor2text.glove.schema import DeviceProfile

WIRE_FORMATS = ("csv", "binary")
SYNC = b"\xa5\x5a"
_HEADER = struct.Struct("<HB")  # sequence number, channel count
_CRC = struct.Struct("<H")
# A CSV line longer than this without a newline is garbage (a glove at the wrong baud rate).
MAX_LINE_BYTES = 8192
# A binary packet announcing more channels than this (or than the profile has, if more) is not
# a packet start: its CRC is not even checked (a flood of sync bytes announces 0xA5 = 165).
MAX_WIRE_CHANNELS = 64
# Longest sample of a bad line kept in FrameStats.last_error.
SAMPLE_CHARS = 60
# Columns a CSV header may carry besides the channels (ignored).
IGNORED_COLUMNS = ("time_s", "time", "t", "ms", "millis", "timestamp")


@dataclass
class FrameStats:
    """Counts of good and bad frames, by reason; ``dropped`` counts sequence-number gaps."""

    good: int = 0
    bad: int = 0
    dropped: int = 0
    reasons: Counter = field(default_factory=Counter)
    last_error: str = ""

    def reject(self, reason: str, detail: str = "") -> None:
        """Count one bad frame; ``detail`` (maybe bytes off the wire) is kept with its control
        characters escaped, so that showing it never sends escape sequences to a terminal."""
        self.bad += 1
        self.reasons[reason] += 1
        self.last_error = f"{reason}: {shown(detail)}" if detail else reason


def shown(text: str) -> str:
    """``text`` cut to ``SAMPLE_CHARS``, control and non-ASCII characters escaped (``\\x1b``)."""
    return ascii(text[:SAMPLE_CHARS])[1:-1]


def check_frame(values: list[float] | np.ndarray, profile: DeviceProfile) -> str | None:
    """The reason a frame is bad (``"channels"``, ``"nan"``, ``"range"``), or None when it is good."""
    if len(values) != profile.num_channels:
        return "channels"
    low, high = profile.valid_range
    for v in values:
        if not math.isfinite(v):
            return "nan"
        if v < low or v > high:
            return "range"
    return None


def make_parser(wire_format: str, profile: DeviceProfile, stats: FrameStats | None = None):
    """A :class:`CsvParser` or :class:`BinaryParser` by name; a calibrated glove's frames come out
    calibrated (:class:`CalibratedParser`)."""
    parsers = {"csv": CsvParser, "binary": BinaryParser}
    if wire_format not in parsers:
        raise ValueError(f"stream: unknown wire format '{wire_format}'; expected one of {WIRE_FORMATS}")
    parser = parsers[wire_format](profile, stats)
    return CalibratedParser(parser, profile.calibration) if profile.calibration else parser


class CalibratedParser:
    """A parser whose raw frames (checked against the glove's raw range) come out as each
    channel's share of the way from open hand (0) to fist (1)."""

    def __init__(self, parser, calibration):
        self.parser, self.calibration = parser, calibration
        self.stats = parser.stats

    def feed(self, data: bytes) -> list[np.ndarray]:
        return [self.calibration.apply(frame) for frame in self.parser.feed(data)]

    def reset(self) -> None:
        self.parser.reset()


class CsvParser:
    """CSV text lines -> frames ``(C,)`` float32 in ``profile`` channel order."""

    def __init__(self, profile: DeviceProfile, stats: FrameStats | None = None):
        self.profile = profile
        self.stats = stats or FrameStats()
        self.pending = b""
        self.order: list[int] | None = None  # column of each profile channel, set by a header
        self.width = profile.num_channels

    def feed(self, data: bytes) -> list[np.ndarray]:
        self.pending += data.replace(b"\r", b"\n")  # CR, CRLF (a blank line) and LF all end a line
        *lines, self.pending = self.pending.split(b"\n")
        if len(self.pending) > MAX_LINE_BYTES:
            self.stats.reject("garbage", f"{len(self.pending)} bytes without a line end")
            self.pending = b""
        frames = []
        for raw in lines:
            frame = self._parse_line(raw.removeprefix(codecs.BOM_UTF8).decode("ascii", errors="replace").strip())
            if frame is not None:
                frames.append(frame)
        return frames

    def _parse_line(self, line: str) -> np.ndarray | None:
        if not line or line.startswith("#"):
            return None
        fields = [f.strip() for f in line.split(",")]
        if len(fields) > 1 and not fields[-1]:
            fields.pop()  # one trailing comma
        try:
            values = [float(f) for f in fields]
        except ValueError:
            return self._header_or_garbage(fields, line)
        if len(values) != self.width:
            self.stats.reject("channels", f"{len(values)} values, expected {self.width}")
            return None
        if self.order is not None:
            values = [values[i] for i in self.order]
        reason = check_frame(values, self.profile)
        if reason:
            self.stats.reject(reason, line)
            return None
        self.stats.good += 1
        return np.asarray(values, dtype=np.float32)

    def reset(self) -> None:
        """Forget a partial line (after a reconnect: it was cut short, counted as ``cut``); the
        header mapping is kept."""
        if self.pending.strip():
            self.stats.reject("cut", self.pending.decode("ascii", errors="replace"))
        self.pending = b""

    def _header_or_garbage(self, fields: list[str], line: str) -> None:
        known = [f for f in fields if f in self.profile.channels]
        if len(known) < len(fields) - sum(f.lower() in IGNORED_COLUMNS for f in fields) or not known:
            self.stats.reject("garbage", line)
            return None
        missing = [c for c in self.profile.channels if c not in fields]
        if missing:
            self.stats.reject("header", f"lacks channel '{missing[0]}' of profile '{self.profile.name}'")
            return None
        self.order = [fields.index(c) for c in self.profile.channels]
        self.width = len(fields)
        return None


def encode_csv(values: np.ndarray) -> bytes:
    """One frame ``(C,)`` as a CSV line."""
    return (",".join(f"{v:.3f}" for v in values) + "\n").encode("ascii")


def csv_header(channels: tuple[str, ...]) -> bytes:
    return (",".join(channels) + "\n").encode("ascii")


def encode_binary(seq: int, values: np.ndarray) -> bytes:
    """One frame ``(C,)`` as a binary packet (sync, seq, n, float32 payload, CRC16)."""
    body = _HEADER.pack(seq & 0xFFFF, len(values)) + np.asarray(values, dtype="<f4").tobytes()
    return SYNC + body + _CRC.pack(binascii.crc_hqx(body, 0xFFFF))


def packet_start(max_channels: int) -> re.Pattern:
    """Sync bytes, any sequence number, then a channel count in ``1..max_channels``."""
    return re.compile(re.escape(SYNC) + b"..[\\x01-" + b"\\x%02x" % min(max_channels, 255) + b"]", re.DOTALL)


class BinaryParser:
    """Binary packets -> frames ``(C,)``; resynchronises on the sync bytes after garbage."""

    def __init__(self, profile: DeviceProfile, stats: FrameStats | None = None):
        self.profile = profile
        self.stats = stats or FrameStats()
        self.pending = bytearray()
        self.last_seq: int | None = None
        self.start = packet_start(max(MAX_WIRE_CHANNELS, profile.num_channels))

    def feed(self, data: bytes) -> list[np.ndarray]:
        self.pending += data
        frames = []
        while True:
            found = self.start.search(self.pending)
            if found is None:
                # keep the bytes that may begin a packet start still arriving
                self._skip(max(len(self.pending) - len(SYNC) - _HEADER.size + 1, 0))
                return frames
            self._skip(found.start())
            packet = self._packet()
            if packet is None:
                return frames  # incomplete: wait for more bytes
            if packet is not False:
                frames.append(packet)

    def _skip(self, count: int) -> None:
        if count:
            self.stats.reject("garbage", f"{count} bytes before a sync")
            del self.pending[:count]

    def _packet(self):
        """The frame at the buffer start; None if incomplete, False if bad (one byte dropped)."""
        if len(self.pending) < len(SYNC) + _HEADER.size:
            return None
        seq, count = _HEADER.unpack_from(self.pending, len(SYNC))
        size = len(SYNC) + _HEADER.size + 4 * count + _CRC.size
        if len(self.pending) < size:
            return None
        body = bytes(self.pending[len(SYNC) : size - _CRC.size])
        (crc,) = _CRC.unpack_from(self.pending, size - _CRC.size)
        if crc != binascii.crc_hqx(body, 0xFFFF):
            self.stats.reject("crc")
            del self.pending[:1]  # the sync may have been a payload byte pair: look again from the next byte
            return False
        del self.pending[:size]
        self._count_gap(seq)
        values = np.frombuffer(body, dtype="<f4", offset=_HEADER.size).astype(np.float32)
        reason = check_frame(values, self.profile)
        if reason:
            self.stats.reject(reason, f"seq {seq}")
            return False
        self.stats.good += 1
        return values

    def _count_gap(self, seq: int) -> None:
        if self.last_seq is not None:
            gap = (seq - self.last_seq - 1) & 0xFFFF
            if gap < 0x8000:  # a larger jump backwards is a glove restarting its counter, not a loss
                self.stats.dropped += gap
        self.last_seq = seq

    def reset(self) -> None:
        """Forget partial bytes and the sequence number (after a reconnect)."""
        self.pending.clear()
        self.last_seq = None

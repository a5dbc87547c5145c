import binascii

import numpy as np
import pytest

from sensor2text.glove.schema import SYNTHETIC_JOINTS, flex_profile
from sensor2text.live.wire import (
    SYNC,
    BinaryParser,
    CsvParser,
    csv_header,
    encode_binary,
    encode_csv,
    make_parser,
)

FLEX5 = flex_profile(5)


def test_crc_is_ccitt_false():
    """The documented CRC-16/CCITT-FALSE check value of "123456789" is 0x29B1."""
    assert binascii.crc_hqx(b"123456789", 0xFFFF) == 0x29B1


def test_csv_lines_split_across_reads():
    parser = CsvParser(FLEX5)
    data = b"1,2,3,4,5\n6,7,8,9,10\n11,12"
    frames = [f for i in range(0, len(data), 4) for f in parser.feed(data[i : i + 4])]
    assert [f.tolist() for f in frames] == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    assert parser.feed(b",13,14,15\r\n")[0].tolist() == [11, 12, 13, 14, 15]
    assert parser.stats.good == 3 and parser.stats.bad == 0


def test_csv_header_reorders_channels_and_ignores_extra_columns():
    parser = CsvParser(FLEX5)
    frames = parser.feed(b"ms,flex_4,flex_3,flex_2,flex_1,flex_0\n100,5,4,3,2,1\n# a comment\n\n")
    assert frames[0].tolist() == [1, 2, 3, 4, 5]
    assert parser.stats.bad == 0


def test_csv_header_missing_a_channel_is_counted_not_raised():
    parser = CsvParser(FLEX5)
    assert parser.feed(b"flex_0,flex_1,flex_2,flex_3\n") == []
    assert parser.stats.reasons["header"] == 1
    assert "flex_4" in parser.stats.last_error


@pytest.mark.parametrize(
    ("line", "reason"),
    [(b"1,2,3\n", "channels"), (b"1,2,x,4,5\n", "garbage"), (b"1,2,nan,4,5\n", "nan"), (b"1,2,3,4,1e9\n", "range")],
)
def test_csv_bad_lines_are_counted_by_reason(line, reason):
    parser = CsvParser(FLEX5)
    assert parser.feed(line + b"1,2,3,4,5\n")[0].tolist() == [1, 2, 3, 4, 5]
    assert parser.stats.reasons == {reason: 1}
    assert parser.stats.good == 1


def test_csv_endless_line_is_dropped_as_garbage():
    parser = CsvParser(FLEX5)
    parser.feed(b"7" * 10_000)
    assert parser.stats.reasons["garbage"] == 1
    assert parser.feed(b"\n1,2,3,4,5\n")[0].tolist() == [1, 2, 3, 4, 5]


def test_binary_round_trip_and_dropped_frames_from_sequence_gaps():
    parser = BinaryParser(FLEX5)
    packets = [encode_binary(seq, np.arange(5) + seq) for seq in (0, 1, 4, 5)]
    frames = parser.feed(b"".join(packets))
    assert [f[0] for f in frames] == [0, 1, 4, 5]
    assert parser.stats.dropped == 2 and parser.stats.bad == 0


def test_binary_resynchronises_after_garbage_and_bad_crc():
    parser = BinaryParser(FLEX5)
    good, corrupt = encode_binary(1, np.ones(5)), bytearray(encode_binary(2, np.ones(5)))
    corrupt[8] ^= 0xFF
    frames = parser.feed(b"\x00\xa5garbage" + SYNC + bytes(corrupt) + good)
    assert len(frames) == 1
    assert parser.stats.reasons["crc"] >= 1 and parser.stats.reasons["garbage"] >= 1


def test_binary_wrong_channel_count_and_nan_are_bad():
    parser = BinaryParser(FLEX5)
    assert parser.feed(encode_binary(0, np.ones(3)) + encode_binary(1, [1, 2, np.nan, 4, 5])) == []
    assert parser.stats.reasons == {"channels": 1, "nan": 1}


@pytest.mark.parametrize("wire_format", ["csv", "binary"])
def test_a_calibrated_glove_sends_frames_from_open_0_to_fist_1_and_bad_frames_stay_bad(wire_format):
    import dataclasses

    from sensor2text.glove.schema import Calibration

    glove = dataclasses.replace(FLEX5, calibration=Calibration((100.0,) * 5, (300.0, 300.0, 300.0, 300.0, 50.0)))
    parser = make_parser(wire_format, glove)
    encode = (lambda i, v: encode_csv(v)) if wire_format == "csv" else encode_binary
    frames = parser.feed(encode(0, np.array([100, 200, 300, 100, 75.0])) + encode(1, [1, 2, np.nan, 4, 5]))
    assert len(frames) == 1 and frames[0].tolist() == [0.0, 0.5, 1.0, 0.0, 0.5]  # the last sensor reversed
    assert parser.stats.good == 1 and parser.stats.reasons == {"nan": 1}


def test_unknown_wire_format():
    with pytest.raises(ValueError, match="unknown wire format 'json'"):
        make_parser("json", FLEX5)


def _corrupt_csv(frame: np.ndarray, kind: int, rng) -> bytes:
    line = encode_csv(frame)
    if kind == 0:
        return line.replace(b",", b";", 1)  # not numbers
    if kind == 1:
        return encode_csv(frame[:-1])  # a channel missing
    if kind == 2:
        return line.replace(line.split(b",")[0], b"nan", 1)
    if kind == 3:
        return encode_csv(np.full_like(frame, 1e6))  # out of range
    cut = int(rng.integers(1, len(line) - 1))
    return line[:cut] + bytes(rng.integers(97, 123, 3, dtype=np.uint8)) + line[cut:]  # letters inside


def _feed_in_random_reads(parser, data: bytes, rng) -> list[np.ndarray]:
    """Feed ``data`` in reads of 1-4095 bytes, as a serial port delivers it; returns the frames."""
    out, at = [], 0
    while at < len(data):
        step = int(rng.integers(1, 4096))
        out += parser.feed(data[at : at + step])
        at += step
    return out


def test_fuzz_csv_100k_frames_every_bad_frame_counted():
    """100,000 frames, a third corrupted in five ways, fed in random chunk sizes: no exception,
    every good frame returned unchanged, every bad one counted."""
    rng = np.random.default_rng(0)
    profile = SYNTHETIC_JOINTS
    frames = rng.uniform(-90, 90, (100_000, profile.num_channels)).round(3).astype(np.float32)
    bad = rng.random(len(frames)) < 1 / 3
    kinds = rng.integers(0, 5, len(frames))
    data = csv_header(profile.channels) + b"".join(
        _corrupt_csv(f, k, rng) if b else encode_csv(f) for f, b, k in zip(frames, bad, kinds)
    )
    parser = CsvParser(profile)
    out = _feed_in_random_reads(parser, data, rng)
    assert parser.stats.good == len(out) == int((~bad).sum())
    assert parser.stats.bad == int(bad.sum())
    np.testing.assert_allclose(np.stack(out), frames[~bad], atol=1e-3)


def test_fuzz_binary_100k_frames_every_bad_frame_counted():
    rng = np.random.default_rng(1)
    frames = rng.uniform(-90, 90, (100_000, 8)).astype(np.float32)
    profile = flex_profile(8)
    bad = rng.random(len(frames)) < 0.2
    chunks = []
    for seq, (frame, is_bad) in enumerate(zip(frames, bad)):
        packet = bytearray(encode_binary(seq, frame))
        if is_bad:
            packet[int(rng.integers(2, len(packet)))] ^= int(rng.integers(1, 256))  # one corrupted byte
        chunks.append(bytes(packet))
        if rng.random() < 0.05:
            chunks.append(bytes(rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8)))  # line noise
    data = b"".join(chunks)
    parser = BinaryParser(profile)
    out = _feed_in_random_reads(parser, data, rng)
    assert len(out) == parser.stats.good == int((~bad).sum())
    np.testing.assert_array_equal(np.stack(out), frames[~bad])
    assert parser.stats.bad >= int(bad.sum())  # each corrupted packet is rejected (crc, or its bytes as garbage)
    assert parser.stats.dropped == int(bad.sum())  # the glove sent them; they never arrived intact


@pytest.mark.parametrize("wire_format", ["csv", "binary"])
def test_fuzz_random_bytes_never_raise(wire_format):
    rng = np.random.default_rng(2)
    parser = make_parser(wire_format, FLEX5)
    for _ in range(2000):
        parser.feed(bytes(rng.integers(0, 256, int(rng.integers(1, 600)), dtype=np.uint8)))
    assert parser.stats.bad > 0


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_csv_any_line_end_and_one_trailing_comma(end):
    parser = CsvParser(FLEX5)
    data = b"1,2,3,4,5" + end + b"6,7,8,9,10," + end
    frames = [f for i in range(0, len(data), 3) for f in parser.feed(data[i : i + 3])]  # CRLF split across reads
    assert [f.tolist() for f in frames] == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    assert parser.stats.bad == 0


def test_csv_byte_order_mark_before_a_header_is_not_part_of_its_first_name():
    parser = CsvParser(FLEX5)
    frames = parser.feed(b"\xef\xbb\xbfflex_4,flex_3,flex_2,flex_1,flex_0\n5,4,3,2,1\n")
    assert frames[0].tolist() == [1, 2, 3, 4, 5] and parser.stats.bad == 0


def test_csv_line_cut_by_a_reconnect_is_counted_never_a_frame():
    parser = CsvParser(FLEX5)
    assert len(parser.feed(b"1,2,3,4,5\n1,2,3,4,5.2")) == 1  # the second line has no end yet
    parser.reset()  # the port went away with '5.2' of '5.25' received
    assert parser.stats.reasons == {"cut": 1}
    assert [f.tolist() for f in parser.feed(b"6,7,8,9,10\n")] == [[6, 7, 8, 9, 10]]


def test_a_bad_line_is_kept_with_its_control_characters_escaped():
    parser = CsvParser(FLEX5)
    parser.feed(b"\x1b[2J\x1b]0;title\x07,1\n")
    assert "\x1b" not in parser.stats.last_error and "\\x1b[2J" in parser.stats.last_error


def test_binary_flood_of_sync_bytes_is_skipped_fast_and_good_packets_kept():
    """A glove at the wrong baud rate can send runs of 0xA5 0x5A: each announces 165 channels, so
    none is taken for a packet start (their CRC is not even computed). Was 0.3 MB/s."""
    import time

    frames = np.arange(20 * 5, dtype=np.float32).reshape(20, 5)
    packets = [encode_binary(i, f) for i, f in enumerate(frames)]
    data = b"".join(packets[:10]) + SYNC * (512 * 1024) + b"".join(packets[10:])  # a 1 MB flood
    parser = BinaryParser(FLEX5)
    start = time.perf_counter()
    got = [f for i in range(0, len(data), 4096) for f in parser.feed(data[i : i + 4096])]
    seconds = time.perf_counter() - start
    np.testing.assert_array_equal(np.stack(got), frames)
    assert parser.stats.good == 20 and set(parser.stats.reasons) <= {"garbage", "crc"}
    assert len(data) / seconds > 2e6  # bytes a second; about 20-40 MB/s on a laptop core


def test_binary_packet_of_another_channel_count_is_still_named():
    parser = BinaryParser(FLEX5)
    assert parser.feed(encode_binary(0, np.ones(4, np.float32)) + encode_binary(1, np.ones(5, np.float32)))
    assert parser.stats.reasons == {"channels": 1}

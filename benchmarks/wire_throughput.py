"""Throughput of the live wire parsers (MB/s of bytes fed), 4 kB reads, one core: good binary
packets, good CSV lines, and a flood of binary sync bytes (a glove at the wrong baud rate).

    .venv/bin/python benchmarks/wire_throughput.py

A 46-channel glove at 100 Hz sends about 19 kB/s (binary) or 30 kB/s (CSV).
"""

from __future__ import annotations

import platform
import time

import numpy as np

from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.live.wire import SYNC, BinaryParser, CsvParser, encode_binary, encode_csv

READ = 4096  # bytes per feed, as a port read of a busy glove returns


def megabytes_per_second(parser, data: bytes, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        parser.pending = type(parser.pending)()
        start = time.perf_counter()
        for i in range(0, len(data), READ):
            parser.feed(data[i : i + READ])
        best = min(best, time.perf_counter() - start)
    return len(data) / best / 1e6


def main() -> None:
    frames = np.random.default_rng(0).uniform(-90, 90, (5000, 46)).astype(np.float32)
    inputs = {
        "binary packets": (BinaryParser, b"".join(encode_binary(i, f) for i, f in enumerate(frames))),
        "CSV lines": (CsvParser, b"".join(encode_csv(f) for f in frames)),
        "sync-byte flood (1 MB)": (BinaryParser, SYNC * (512 * 1024)),
    }
    print(f"| input | MB/s |  ({platform.processor() or platform.machine()}, Python {platform.python_version()})")
    print("| --- | --- |")
    for name, (parser, data) in inputs.items():
        print(f"| {name} | {megabytes_per_second(parser(SYNTHETIC_JOINTS), data):.2f} |")


if __name__ == "__main__":
    main()

"""Live-stream benchmark: parser throughput, dropped frames at 100 Hz, gesture-to-text latency.

1. Parser: frames/s that the CSV and binary parsers sustain on 46-channel frames fed in 4 KiB reads.
2. Stream: the simulator sends a random gesture sequence at 100 Hz (real time) over a local socket
   for at least ``--seconds``; ``generate --stream``'s pipeline reads, segments and describes it with
   the checkpoint while frames keep arriving. Reports frames sent / received / dropped (sequence
   gaps of the binary format), and latency from the detected hold (the moment the segmenter cuts
   the gesture) to the first generated token and to the full description, p50 and p95, and their
   ratio to the floor: the plain LM's ``generate`` of as many tokens as it writes for the
   gestures of the script (stepwise: the composer's whole text), batch 1, measured in the same run
   (under ``--load`` too).

    .venv/bin/python benchmarks/stream_latency.py --seconds 60              # default checkpoint, --precision auto
    .venv/bin/python benchmarks/stream_latency.py --seconds 60 --no-speculate --precision fp32  # the eager path
    .venv/bin/python benchmarks/stream_latency.py --seconds 60 --cold-memo    # a new machine: no memo cache on disk
    .venv/bin/python benchmarks/stream_latency.py --seconds 60 --empty-memo   # not even the checkpoint's memo
    .venv/bin/python benchmarks/stream_latency.py --seconds 60 --precision int8 \
        --checkpoint smollm2-135m-synth

The gestures are drawn from the synthetic glove's 23 gestures among the checkpoint's label sets
(trained ones and those it never saw: "ten", the named gestures), as a person would make them.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial

import numpy as np
import torch
from describe_latency import floor_ms  # noqa: E402  (benchmarks/, run as a script)

from sensor2text.api import DEFAULT_CHECKPOINT
from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.glove.synth import ALL_CLASSES
from sensor2text.live.governor import ThreadGovernor
from sensor2text.live.segment import HoldSegmenter
from sensor2text.live.simulate import gesture_script, play, random_labels, wire_chunks
from sensor2text.live.stream import FramePipeline, PortSource, StreamOptions, run
from sensor2text.live.wire import FrameStats, make_parser
from sensor2text.models.memo import ComposerMemo
from sensor2text.models.precision import AUTO, PRECISIONS, set_precision
from sensor2text.models.registry import load_checkpoint

RATE_HZ = 100.0


def parser_rate(wire_format: str, frames: np.ndarray) -> float:
    """Frames per second parsed, feeding the encoded stream in 4 KiB reads."""
    data = b"".join(wire_chunks(frames, wire_format, SYNTHETIC_JOINTS.channels))
    parser = make_parser(wire_format, SYNTHETIC_JOINTS)
    started, count = time.perf_counter(), 0
    for at in range(0, len(data), 4096):
        count += len(parser.feed(data[at : at + 4096]))
    assert count == len(frames) and parser.stats.bad == 0
    return count / (time.perf_counter() - started)


def serve(chunks: list[bytes]) -> tuple[str, dict]:
    """Send ``chunks`` at 100 Hz to the first client of a free local port; returns its URL."""
    server = socket.create_server(("127.0.0.1", 0))
    result = {"release": threading.Event()}  # the connection stays open until the reader is done

    def send():
        with server:
            connection, _ = server.accept()
            time.sleep(0.3)  # pyserial's socket:// flushes its input just after connecting
            with connection:
                result["sent"] = play(iter(chunks), connection.sendall, RATE_HZ)
                result["done_at"] = time.perf_counter()
                result["release"].wait(60)

    threading.Thread(target=send, daemon=True).start()
    return f"socket://127.0.0.1:{server.getsockname()[1]}", result


def stream_run(model, seconds: float, seed: int, speculate: bool = True) -> dict:
    """Stream a random gesture script through ``generate --stream``'s pipeline, the model's idle
    work (the stepwise composer memo) running between gestures as the CLI runs it."""
    gestures = tuple(c for c in model.label_sets if c in ALL_CLASSES)
    labels = random_labels(max(4, int(seconds / 3)), seed, classes=gestures)
    script = gesture_script(labels, seed=seed, subject=90)
    url, sender = serve(list(wire_chunks(script.frames, "binary", SYNTHETIC_JOINTS.channels)))
    events = []
    pipeline = FramePipeline(model.profile, HoldSegmenter(model.channel_scale(), RATE_HZ), FrameStats(), events.append)
    source = PortSource(StreamOptions(url=url, wire_format="binary"), pipeline)
    stop = lambda: "done_at" in sender and pipeline.gestures.empty() and time.perf_counter() - sender["done_at"] > 1
    descriptions = run(model, pipeline, source, events.append, should_stop=stop, speculate_holds=speculate,
                       idle_work=partial(model.warm_step, interrupt=pipeline.has_work),
                       governor=ThreadGovernor())  # fmt: skip
    sender["release"].set()
    correct = [model.label_sets[label].matches(d["text"]) for d, label in _matched(descriptions, script)]
    return {"labels": labels, "seconds": len(script.frames) / RATE_HZ, "sent": sender.get("sent", 0),
            "received": pipeline.frames, "dropped": pipeline.stats.dropped, "bad": pipeline.stats.bad,
            "skipped": pipeline.skipped, "descriptions": descriptions, "correct": correct,
            "script": script}  # fmt: skip


def written_texts(model, script) -> list[str]:
    """What the LM writes for each scripted gesture (stepwise: the composer's whole text, reasoning
    and answers included): the floor's token counts."""
    described = model.describe([script.frames[start:end] for _, start, end in script.spans])
    return [d.steps.get("composer", d.text) for d in described]


def _matched(descriptions: list[dict], script) -> list[tuple[dict, str]]:
    """Each description with the scripted gesture under way when it was cut."""
    out = []
    for d in descriptions:
        started = [label for label, start, _ in script.spans if start <= d["end_s"] * RATE_HZ]
        if started:
            out.append((d, started[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("--precision", default=AUTO, choices=[AUTO, *PRECISIONS], help="LM weights (as generate)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the streamed sequence (at least)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-speculate", action="store_true", help="describe only after the hold is confirmed")
    parser.add_argument("--verbose", action="store_true", help="print every gesture's description and latency")
    parser.add_argument("--load", action="store_true", help="run a CPU-bound process beside the stream")
    parser.add_argument("--cold-memo", action="store_true",
                        help="stepwise: no composer memo cached on disk (a first run on a new machine; the "
                             "checkpoint's own memo of its training pairs still seeds it)")  # fmt: skip
    parser.add_argument("--empty-memo", action="store_true",
                        help="stepwise: start from an empty composer memo (not even the checkpoint's)")
    args = parser.parse_args()
    if args.cold_memo:
        os.environ["SENSOR2TEXT_CACHE"] = tempfile.mkdtemp(prefix="sensor2text-cold-")
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    frames = np.random.default_rng(0).uniform(-90, 90, (100_000, 46)).astype(np.float32)
    print("| parser | frames/s |\n|---|---|")
    for wire_format in ("csv", "binary"):
        print(f"| {wire_format} | {parser_rate(wire_format, frames):,.0f} |")
    model = load_checkpoint(args.checkpoint)
    print(f"precision: {set_precision(model, args.precision)}")
    if model.design == "stepwise":
        if args.empty_memo:
            model.memo = ComposerMemo()
        memo = model.use_memo()
        print(f"composer memo: {len(memo.entries)} of {len(model.caption_pairs())} caption pairs known")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.load else None
    try:
        result = stream_run(model, args.seconds, args.seed, speculate=not args.no_speculate)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the stream's, before the floor's LM
        floor = float(np.percentile(floor_ms(model, written_texts(model, result["script"])), 50))
    finally:
        if busy is not None:
            busy.kill()
    ahead = sum(d.get("speculated", False) for d in result["descriptions"])
    print(f"\nstream: {result['seconds']:.0f} s at {RATE_HZ:.0f} Hz, {len(result['labels'])} gestures; "
          f"frames sent {result['sent']}, received {result['received']}, dropped {result['dropped']}, "
          f"bad {result['bad']}; gestures described {len(result['descriptions'])}, skipped {result['skipped']}, "
          f"right {sum(result['correct'])}/{len(result['correct'])}, "
          f"described ahead of the confirmed hold {ahead}")  # fmt: skip
    if args.verbose:
        print("\n| gesture | description | reason | described ahead | latency ms |\n|---|---|---|---|---|")
        for d, label in _matched(result["descriptions"], result["script"]):
            print(f"| {label} | {d['text']} | {d['reason']} | {d.get('speculated', False)} | {d['latency_ms']:.0f} |")
    print(f"peak resident memory: {peak_mb:.0f} MB{' (a CPU-bound process beside it)' if args.load else ''}")
    print("\n| latency from the detected hold | p50 ms | p95 ms |\n|---|---|---|")
    for key, name in (("first_token_ms", "first token"), ("latency_ms", "full description")):
        values = [d[key] for d in result["descriptions"]]
        p50, p95 = np.percentile(values, 50), np.percentile(values, 95)
        print(f"| {name} | {p50:.0f} ({p50 / floor:.2f}x floor) | {p95:.0f} ({p95 / floor:.2f}x floor) |")
    print(f"| floor: plain `generate` of the description's tokens (+EOS), batch 1, same run | {floor:.0f} | - |")


if __name__ == "__main__":
    main()

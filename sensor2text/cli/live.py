"""The live commands of the CLI: ``generate --stream``, ``simulate``, ``replay`` and ``record``.

    sensor2text simulate --socket 8765 --gestures count_3 count_10 thumbs_up      # terminal 1
    sensor2text generate --stream socket://127.0.0.1:8765                         # terminal 2
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from functools import partial

from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.live.lsl import SCHEME as LSL_SCHEME


def add_stream_arguments(p: argparse.ArgumentParser) -> None:
    """Flags shared by ``generate --stream`` and ``replay``: segmentation and output."""
    p.add_argument("--window", type=int, help="sliding windows of this many frames instead of hold detection")
    p.add_argument("--hop", type=int, help="frames between two sliding windows (with --window)")
    p.add_argument("--min-hold", type=float, default=0.3, help="seconds the hand must be still to count as a hold")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per event on stdout, for piping")
    p.add_argument("--record", help="save the raw frames to this CSV recording (replay it later)")
    p.add_argument("--max-gestures", type=int, help="stop after describing this many gestures")
    p.add_argument("--no-speculate", action="store_true",
                   help="do not describe a gesture ahead of time, while its hold is being confirmed")  # fmt: skip
    p.add_argument("--no-memo", action="store_true",
                   help="stepwise checkpoints: do not remember the composer's answer per caption pair")  # fmt: skip
    p.add_argument("--pose", metavar="FOLDER",
                   help="a pose model (sensor2text pose train): show the hand it sees at each gesture "
                        "(the synthetic two-hand glove)")  # fmt: skip
    p.add_argument("--pose-images", metavar="FOLDER", help="with --pose: also write hand-<n>.png per gesture here")


CALIBRATION_HELP = ("session_norm checkpoints: recordings of this glove and wearer (a folder or file) whose "
                    "channel statistics standardise the input; default: each recording's own folder "
                    "(required with --stream)")  # fmt: skip


# The choices of sensor2text.models.precision.resolve_precision, spelt out so that --help does not import torch.
PRECISION_CHOICES = ("auto", "fp32", "bf16", "int8")


BASE_MODEL_HELP = ("replace the base LM the checkpoint names: a local folder (e.g. one that moved) or a hub id "
                   "(downloaded if not cached); default: the checkpoint's own")  # fmt: skip


def add_precision_argument(p: argparse.ArgumentParser, default: str) -> None:
    """``--precision`` and ``--base-model``: how the checkpoint's LM is loaded."""
    p.add_argument("--base-model", help=BASE_MODEL_HELP)
    p.add_argument("--precision", default=default, choices=PRECISION_CHOICES,
                   help=f"LM weights at inference (default {default}; auto = bf16 on a CPU with native bf16, "
                        "else fp32; int8 is faster still but less accurate, see BENCHMARKS.md)")  # fmt: skip


def add_simulate_parser(sub) -> None:
    from sensor2text.glove.synth import ALL_CLASSES

    p = sub.add_parser("simulate", help="a synthetic glove streaming gestures in real time (pty or local socket)")
    p.add_argument("--gestures", nargs="+", metavar="CLASS",
                   help=f"script: gestures in order ({', '.join(ALL_CLASSES)})")  # fmt: skip
    p.add_argument("--random", type=int, default=20, help="without --gestures: this many random gestures")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subject", type=int, default=0, help="which simulated person")
    p.add_argument("--socket", type=int, metavar="PORT",
                   help="serve on 127.0.0.1:PORT (0 = any free port) instead of a pty")  # fmt: skip
    p.add_argument("--wire", default="csv", choices=["csv", "binary"])
    p.add_argument("--no-header", action="store_true", help="CSV without the header line naming the channels")
    p.add_argument("--speed", type=float, default=1.0, help="play faster (2) or slower (0.5) than real time")
    p.set_defaults(func=cmd_simulate)


def add_replay_parser(sub, default_checkpoint: str) -> None:
    p = sub.add_parser("replay", help="play a recording (CSV, AUSLAN .tsd/.sign) back as a live stream")
    p.add_argument("file", help="a recording, e.g. one saved with generate --stream --record")
    p.add_argument("--checkpoint",
                   help=f"a checkpoint folder or a shipped name (default {os.path.basename(default_checkpoint)})")
    p.add_argument("--speed", type=float, default=1.0, help="1 = real time, 0 = as fast as possible")
    p.add_argument("--calibration", help=CALIBRATION_HELP)
    add_stream_arguments(p)
    add_precision_argument(p, "auto")
    from sensor2text.cli.steer import add_steer_arguments

    add_steer_arguments(p)
    p.set_defaults(func=cmd_replay, default_checkpoint=default_checkpoint)


def add_record_parser(sub) -> None:
    from sensor2text.glove.schema import PROFILES

    p = sub.add_parser("record", help="record a training set from a live glove, cued gesture by gesture "
                                      "(no checkpoint needed)")  # fmt: skip
    p.add_argument("--stream", required=True, metavar="URL", help="the glove: a serial port or pyserial URL")
    p.add_argument("--profile", required=True,
                   help=f"the glove's channels: {', '.join(PROFILES)}, flex-N (N bend sensors), or a glove profile "
                        "file from calibrate-glove (takes are then written calibrated)")  # fmt: skip
    p.add_argument("--out", required=True, help="session folder for <gesture>-<take>.csv, e.g. data/mine/train/alice1")
    p.add_argument("--gestures", nargs="+", required=True, metavar="NAME", help="gestures to cue, in order")
    p.add_argument("--takes", type=int, default=3, help="rounds through the gestures")
    p.add_argument("--seconds", type=float, default=2.0, help="length of one take")
    p.add_argument("--pause", type=float, default=2.0, help="seconds of rest before each take (not saved)")
    add_port_arguments(p)
    p.set_defaults(func=cmd_record)


def add_port_arguments(p: argparse.ArgumentParser) -> None:
    """How to read the glove's port (``record``, ``calibrate-glove``): baud rate, wire format, read timeout."""
    p.add_argument("--baud", type=int, default=115200, help="serial baud rate")
    p.add_argument("--wire", default="csv", choices=["csv", "binary"], help="wire format of the glove")
    p.add_argument("--read-timeout", type=float, default=0.01, help="seconds one port read waits for bytes")


def open_glove(args, profile):
    """Check ``--stream`` and start reading it into a frame queue: ``(FrameBuffer, PortSource)``;
    the port's events (connected, disconnected) go to stderr. Stop the source when done."""
    from sensor2text.cli.common import printable
    from sensor2text.live.ports import check_port
    from sensor2text.live.record import FrameBuffer
    from sensor2text.live.stream import PortSource, StreamOptions

    options = StreamOptions(url=args.stream, baudrate=args.baud, wire_format=args.wire,
                            read_timeout_s=args.read_timeout)  # fmt: skip
    check_port(options)
    events = lambda event: print(printable(" ".join(f"{k}={v}" for k, v in event.items())), file=sys.stderr)
    buffer = FrameBuffer(profile, events, port=args.stream)
    source = PortSource(options, buffer)
    source.start()
    return buffer, source


def cmd_record(args) -> None:
    """``record``: cue the wearer and save each take as a recording of the session folder.
    Stopped midway (Ctrl-C, SIGTERM, SIGHUP), it says how many takes it kept; each is whole."""
    from sensor2text.live.record import check_gestures, check_session, record_session

    check_gestures(args.gestures)
    check_session(args.takes, args.seconds, args.pause, args.out)
    profile = _profile(args.profile)
    buffer, source = open_glove(args, profile)
    written = []
    try:
        record_session(buffer, args.out, args.gestures, args.takes, args.seconds, args.pause,
                       say=lambda text: print(text, flush=True), written=written)  # fmt: skip
    except KeyboardInterrupt:
        print(f"stopped: {len(written)} takes in {args.out}, each whole (the take under way was not saved)",
              file=sys.stderr)  # fmt: skip
        raise
    finally:
        source.stop()
    layout = profile.in_units().name if profile.calibration else profile.name
    print(f"{len(written)} takes in {args.out} ({buffer.stats.bad} bad frames skipped); train on them with data.path "
          f"set to the folder above the session folder and data.profile {layout}", file=sys.stderr)  # fmt: skip


def _profile(name: str):
    """A ``--profile`` value: a profile name or a glove profile file (calibrate-glove)."""
    from sensor2text.glove.calibration import resolve_profile

    try:
        return resolve_profile(name)
    except ValueError as error:
        raise ValueError(f"--profile {name}: {error}") from None


def stream_profile(args, model):
    """What the glove of ``generate --stream`` sends: ``--profile`` (a calibrated glove's file, or a
    profile name), else the checkpoint's profile. Sensor2TextError when it is not what the
    checkpoint reads."""
    from sensor2text.errors import Sensor2TextError

    if not getattr(args, "profile", None):
        return model.profile
    glove = _profile(args.profile)
    reads = glove.in_units().name if glove.calibration else glove.name
    if reads != model.profile.name:
        raise Sensor2TextError(f"--profile {args.profile}: the glove's frames are {reads}; the checkpoint reads "
                               f"{model.profile.name}.")  # fmt: skip
    return glove


def add_calibrate_parser(sub) -> None:
    from sensor2text.glove.schema import PROFILES

    p = sub.add_parser("calibrate-glove", help="measure a new glove (hand open, fist, every finger) into a glove "
                                               "profile file for --profile")  # fmt: skip
    p.add_argument("--stream", required=True, metavar="URL", help="the glove: a serial port or pyserial URL")
    p.add_argument("--profile", required=True,
                   help=f"the glove's channels: {', '.join(PROFILES)} or flex-N (N bend sensors)")  # fmt: skip
    p.add_argument("--out", required=True, help="the glove profile file to write, e.g. gloves/alice.yaml")
    p.add_argument("--seconds", type=float, default=3.0, help="length of each phase (open, fist, every finger)")
    p.add_argument("--pause", type=float, default=2.0, help="seconds to get ready before each phase (not measured)")
    add_port_arguments(p)
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> None:
    """``calibrate-glove``: cue the phases, measure each, write the glove profile file."""
    from sensor2text.cli.common import check_writable
    from sensor2text.glove.calibration import PHASES, measure, save_glove_profile
    from sensor2text.live.record import measure_phases

    for flag, value in (("--seconds", args.seconds), ("--pause", args.pause)):
        if not (math.isfinite(value) and value >= 0) or (flag == "--seconds" and value == 0):
            raise ValueError(f"calibrate-glove: {flag} must be a positive number of seconds, got {value}")
    check_writable(args.out, "--out")
    profile = _profile(args.profile)
    if profile.calibration:
        raise ValueError(f"--profile {args.profile}: give the glove's layout (e.g. flex-5), not a calibrated file.")
    buffer, source = open_glove(args, profile)
    try:
        phases, rate = measure_phases(buffer, PHASES, args.seconds, args.pause, say=lambda t: print(t, flush=True))
    finally:
        source.stop()
    rate = round(rate, 1)
    measured = measure(phases, profile)
    save_glove_profile(args.out, profile, measured, profile.sample_rate_hz or rate)
    print(f"saved {args.out}: {measured['frames']} frames, about {rate:g} a second; use it with --profile {args.out} "
          f"(record, generate --stream); models read it as {profile.in_units().name}", file=sys.stderr)  # fmt: skip


def check_stream_args(args, url: str = "") -> None:
    """Refuse bad stream flags in one line each, before the model loads: the port (an unknown
    scheme, a malformed URL, a file), --window/--hop, --min-hold, --max-gestures, --record."""
    from sensor2text.cli.common import check_writable
    from sensor2text.errors import Sensor2TextError
    from sensor2text.live.lsl import check_lsl_url
    from sensor2text.live.ports import check_port

    if not (math.isfinite(args.min_hold) and args.min_hold > 0):
        raise ValueError(f"--min-hold must be a positive number of seconds, got {args.min_hold}")
    if args.max_gestures is not None and args.max_gestures < 1:
        raise ValueError(f"--max-gestures must be at least 1, got {args.max_gestures}")
    options = _options(args, url)
    if url.startswith(LSL_SCHEME):
        check_lsl_url(url)
    elif url:
        check_port(options)
    if args.pose_images and not args.pose:
        raise Sensor2TextError("--pose-images draws what a pose model sees; give the model with --pose FOLDER.")
    check_writable(args.pose_images, "--pose-images", folder=True)
    if args.record:
        check_writable(args.record, "--record")
        if os.path.lexists(args.record):
            raise Sensor2TextError(f"--record {args.record}: the file exists (an earlier recording is never "
                                   "overwritten); give a new file name.")  # fmt: skip


def _options(args, url: str = ""):
    from sensor2text.live.segment import HoldOptions
    from sensor2text.live.stream import StreamOptions

    port = {"baudrate": args.baud, "wire_format": args.wire, "read_timeout_s": args.read_timeout} if url else {}
    return StreamOptions(url=url, window=args.window, hop=args.hop, hold=HoldOptions(min_hold_s=args.min_hold),
                         record=args.record, **port)  # fmt: skip


def _sink(args, title: str):
    from sensor2text.live.display import JsonlSink, LiveDisplay, PrintSink

    if args.jsonl:
        return JsonlSink()
    return LiveDisplay(title) if sys.stdout.isatty() else PrintSink()


def _serve(model, args, options, make_source, title: str, live: bool = True) -> None:
    from sensor2text.live.governor import ThreadGovernor
    from sensor2text.live.stream import (
        MAX_PENDING_GESTURES,
        FramePipeline,
        make_segmenter,
        run,
    )
    from sensor2text.live.wire import FrameStats

    profile = stream_profile(args, model)
    rate = profile.sample_rate_hz or 100.0
    warm = _attach_memo(model, args)
    view = _hand_view(args, profile)
    sink = _sink(args, title)
    try:
        segmenter = make_segmenter(options, model.channel_scale(), rate)
        pending = MAX_PENDING_GESTURES if live else None  # a replay can wait for the model
        pipeline = FramePipeline(profile, segmenter, FrameStats(), sink, options.record, pending, view)
        idle_work = partial(model.warm_step, interrupt=pipeline.has_work) if warm else None
        run(model, pipeline, make_source(pipeline), sink, max_gestures=args.max_gestures,
            speculate_holds=not args.no_speculate, idle_work=idle_work, governor=ThreadGovernor())  # fmt: skip
    finally:
        if view is not None:
            view.close()
        sink.close()
        model.save_caches()
    if options.record:
        print(f"recording saved to {options.record}", file=sys.stderr)


def _hand_view(args, profile):
    """``--pose FOLDER``: the hand a pose model sees at each gesture (None without)."""
    if not args.pose:
        return None
    from sensor2text.errors import Sensor2TextError
    from sensor2text.pose.train import load_pose
    from sensor2text.pose.view import HandView

    if profile.name != "synthetic-joints":
        raise Sensor2TextError(f"--pose: pose models read the synthetic two-hand glove (synthetic-joints); this "
                               f"stream sends {profile.name}.")  # fmt: skip
    return HandView(load_pose(args.pose), args.pose_images)


def _attach_memo(model, args) -> bool:
    """Give a stepwise model its composer memo on disk (``--no-memo``: none); True when it has one to fill."""
    if model.design != "stepwise":
        return False
    if args.no_memo:
        model.disable_memo()
        return False
    memo = model.use_memo()
    known, pairs = len(memo.entries), len(model.caption_pairs())
    print(f"composer memo: {known} of {pairs} caption pairs known ({memo.path}); "
          "the rest are composed while the glove is idle", file=sys.stderr)  # fmt: skip
    return True


def cmd_stream(args, model) -> None:
    """``generate --stream URL``: describe a live glove until Ctrl-C."""
    from sensor2text.inputs import calibrate_for_session
    from sensor2text.live.lsl import LslSource
    from sensor2text.live.stream import PortSource

    options = _options(args, args.stream)
    calibrate_for_session(model, args.calibration, command="generate --stream")
    if args.stream.startswith(LSL_SCHEME):
        source = lambda pipeline: LslSource(args.stream, pipeline)  # noqa: E731
    else:
        source = lambda pipeline: PortSource(options, pipeline)  # noqa: E731
    _serve(model, args, options, source, f"sensor2text: {args.stream}")


def cmd_replay(args) -> None:
    from pathlib import Path

    from sensor2text.cli.common import load_model
    from sensor2text.errors import RecordingError
    from sensor2text.glove.recordings import read_recording
    from sensor2text.inputs import calibrate_for_session
    from sensor2text.live.stream import ReplaySource

    if not Path(args.file).is_file():
        raise RecordingError(f"{args.file}: file not found.")
    if not (math.isfinite(args.speed) and args.speed >= 0):
        raise ValueError(f"replay: --speed must be 0 (as fast as possible) or a positive factor of real time, "
                         f"got {args.speed}")  # fmt: skip
    check_stream_args(args)
    args.checkpoint_given, args.checkpoint = args.checkpoint is not None, args.checkpoint or args.default_checkpoint
    if args.steer:
        from sensor2text.cli.steer import load_steered

        model = load_steered(args)
    else:
        model = load_model(args.checkpoint, args.precision, args.base_model)
    frames, _ = read_recording(Path(args.file), model.profile)
    calibrate_for_session(model, args.calibration, default=Path(args.file).parent, command="replay")
    options = _options(args)
    source = lambda pipeline: ReplaySource(frames, pipeline, args.speed)
    _serve(model, args, options, source, f"replay: {args.file}", live=False)


def cmd_simulate(args) -> None:
    from sensor2text.live.simulate import gesture_script, open_pty, play, random_labels, wire_chunks

    _check_simulate_args(args)
    labels = args.gestures or random_labels(args.random, args.seed)
    script = gesture_script(labels, seed=args.seed, subject=args.subject)
    rate = SYNTHETIC_JOINTS.sample_rate_hz
    chunks = wire_chunks(script.frames, args.wire, SYNTHETIC_JOINTS.channels, header=not args.no_header)
    plan = ", ".join(f"{label} at {start / rate:.1f} s" for label, start, _ in script.spans)
    print(f"simulating {len(labels)} gestures over {len(script.frames) / rate:.0f} s: {plan}", file=sys.stderr)
    if args.socket is not None:
        connection = _accept(args.socket)
        write, close = connection.sendall, connection.close
    else:
        fd, path = open_pty()
        print(f"glove on {path}  (sensor2text generate --stream {path})", flush=True)
        write, close = (lambda data: os.write(fd, data)), (lambda: os.close(fd))
    try:
        sent = play(chunks, write, rate, args.speed)
        print(f"sent {sent} chunks", file=sys.stderr)
    except (BrokenPipeError, ConnectionResetError):
        print("the reader went away", file=sys.stderr)
    finally:
        close()


def _check_simulate_args(args) -> None:
    if not (math.isfinite(args.speed) and args.speed > 0):
        raise ValueError(f"simulate: --speed must be a positive factor of real time (2 = twice as fast), "
                         f"got {args.speed}")  # fmt: skip
    if not args.gestures and args.random < 1:
        raise ValueError(f"simulate: --random must be at least 1 gesture, got {args.random}")
    if args.socket is not None and not 0 <= args.socket <= 65535:
        raise ValueError(f"simulate: --socket must be a port number 0-65535 (0: any free port), got {args.socket}")


def _accept(port: int):
    """The connection of the first reader on 127.0.0.1:``port``; one line if it cannot listen there."""
    from sensor2text.errors import Sensor2TextError
    from sensor2text.live.simulate import accept_one

    announce = lambda port: print(f"waiting for a reader on socket://127.0.0.1:{port}", flush=True)
    try:
        return accept_one("127.0.0.1", port, announce)
    except OSError as error:
        raise Sensor2TextError(f"simulate: --socket {port}: cannot listen on 127.0.0.1:{port} "
                               f"({error.strerror or error}).") from None  # fmt: skip

"""The ``sensor2text`` command line. Thin: parse arguments, call the library.

Heavy imports (torch, transformers) happen inside the command functions, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from sensor2text import __version__
from sensor2text.api import DEFAULT_CHECKPOINT
from sensor2text.cli.common import (
    check_image_path,
    check_writable,
    load_model,
    printable,
    quiet_libraries,
    rich_safe,
    stop_on_signals,
    write_json,
)
from sensor2text.cli.live import (
    CALIBRATION_HELP,
    add_calibrate_parser,
    add_precision_argument,
    add_record_parser,
    add_replay_parser,
    add_simulate_parser,
    add_stream_arguments,
)
from sensor2text.cli.pose import add_pose_parser
from sensor2text.cli.steer import add_steer_arguments, add_train_steer_parser, load_steered
from sensor2text.errors import Sensor2TextError
from sensor2text.models.lm import EMBEDDED_MODEL_NAME
from sensor2text.progress import progress

CHECKPOINT_HELP = ("a checkpoint folder, or the name of a shipped one (smollm2-135m-fingers, "
                   "smollm2-135m-stepwise, smollm2-135m-synth, smollm2-135m-auslan-hq); "
                   "default: the shipped finger-word checkpoint")  # fmt: skip


SUBJECT_FLAGS = {"train": "--train-subjects", "validation": "--val-subjects", "test": "--test-subjects"}


def cmd_synth(args) -> None:
    from sensor2text.glove.recordings import parse_synth_formats, save_synthetic
    from sensor2text.glove.synth import ALL_CLASSES, PAIR_CLASSES, SynthSpec, generate

    formats = parse_synth_formats(args.format)
    check_writable(args.out, "--out", folder=True)
    classes = tuple(dict.fromkeys(tuple(args.classes or ()) + (PAIR_CLASSES if args.finger_pairs else ())))
    spec = SynthSpec(seed=args.seed, train_subjects=args.train_subjects, val_subjects=args.val_subjects,
                     test_subjects=args.test_subjects, repetitions=args.repetitions,
                     classes=classes or ALL_CLASSES, convention=args.convention)  # fmt: skip
    records = [r for r in generate(spec) if not args.splits or r["split"] in args.splits]
    if not records:
        chosen = args.splits or list(SUBJECT_FLAGS)
        raise Sensor2TextError(f"nothing to write: no subjects in split {', '.join(chosen)} "
                               f"({', '.join(f'{SUBJECT_FLAGS[s]} 0' for s in chosen)}).")  # fmt: skip
    save_synthetic(records, Path(args.out), formats)
    print(f"wrote {len(records)} recordings ({len({r['subject'] for r in records})} subjects) to {args.out}")


def resumed_config(resume: bool, overrides: list[str]) -> Path | None:
    """``--resume`` without ``--config``: the run config saved by the run in
    ``training.output_dir`` (``--output-dir``, ``--set`` or the default)."""
    from sensor2text.config import load_run_config

    if not resume:
        return None
    run_dir = Path(load_run_config(None, overrides).training.output_dir)
    saved = run_dir / "run_config.yaml"
    if not saved.is_file():
        raise Sensor2TextError(f"--resume: {saved} not found (no run was started in {run_dir}); "
                               "pass --config to start one.")  # fmt: skip
    return saved


def cmd_train(args) -> None:
    from sensor2text.config import load_run_config
    from sensor2text.training.launch import requested_processes, run_processes
    from sensor2text.training.loop import train

    quiet_libraries()
    overrides = list(args.set)
    if args.output_dir:
        overrides.append(f"training.output_dir={args.output_dir}")
    if args.base_model:
        overrides.append(f"training.base_model={args.base_model}")
    cfg = load_run_config(args.config or resumed_config(args.resume, overrides), overrides)
    check_writable(cfg.training.output_dir, "training.output_dir", folder=True)
    if processes := requested_processes(args.processes):
        check_processes(cfg, processes, args.hands_checkpoint)
        run_processes(processes)
    elif args.hands_checkpoint:
        from sensor2text.training.loop import train_composer_stage

        train_composer_stage(cfg, args.hands_checkpoint)
    else:
        train(cfg, resume=args.resume)


def check_processes(cfg, processes: int, hands_checkpoint: str | None) -> None:
    """Before any process starts: batches that split evenly (ConfigError); the composer stage alone
    (``--hands-checkpoint``) trains in one process (Sensor2TextError)."""
    from sensor2text.training.loop import check_batches

    if hands_checkpoint:
        raise Sensor2TextError("--hands-checkpoint (the composer stage alone) trains in one process; run it "
                               "without --processes / accelerate launch.")  # fmt: skip
    check_batches(cfg, processes)


def cmd_train_knowledge(args) -> None:
    """Train the text-knowledge adapter (numbers, counting, arithmetic; held-out parts) once, for reuse."""
    from sensor2text.training.knowledge import CorpusSplit
    from sensor2text.training.text import train_knowledge_adapter

    quiet_libraries()
    split = CorpusSplit(seed=args.seed, hold_out=not args.all_sums, long_lists=args.long_lists, worked=args.worked)
    report = train_knowledge_adapter(args.base_model, args.out, args.steps, args.learning_rate, args.r, split,
                                     init_from=args.init_from, measure_base=not args.skip_base)  # fmt: skip
    print(f"saved {args.out}: " + ", ".join(f"{name} {value:.1%}" for name, value in report.items()))


def cmd_train_reader(args) -> None:
    """Train the definition reader (hand-shape descriptions, finger by finger; held-out parts) once."""
    from sensor2text.training.reader import HELD_OUT_STYLES, ReaderSplit, train_reader

    quiet_libraries()
    styles = HELD_OUT_STYLES if args.hold_out_styles is None else tuple(args.hold_out_styles)
    split = ReaderSplit(held_out_styles=styles, per_shape=args.per_shape, seed=args.seed)
    report = train_reader(args.out, args.steps, args.learning_rate, args.r, split=split)
    print(f"saved {args.out}: " + ", ".join(f"{name} {part['whole_hands']:.1%} of {part['n']} hands"
                                            for name, part in report.items() if part))  # fmt: skip


def _read_recordings(model, path, args) -> list:
    """The recordings under ``path`` (``--split``, ``--subjects``); the files of a folder that
    cannot be read are named on stderr and kept in ``args.unreadable``, the others are read."""
    from sensor2text.glove.recordings import iter_recordings

    args.unreadable = []
    recordings = list(iter_recordings(path, model.profile, split=args.split, subjects=args.subjects,
                                      bad=args.unreadable))  # fmt: skip
    for _, reason in args.unreadable:
        print(f"skipped: {printable(reason, newlines=False)}", file=sys.stderr)
    if not recordings:
        named = f" ({len(args.unreadable)} could not be read, named above)" if args.unreadable else ""
        raise Sensor2TextError(f"{path}: no readable recording{named}.")
    args.read_count = len(recordings)
    return recordings


def _fail_if_unreadable(args) -> None:
    """After the good recordings were described and written: a non-zero exit if some were not."""
    if getattr(args, "unreadable", None):
        names = [Path(file).name for file, _ in args.unreadable]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise Sensor2TextError(f"{len(names)} of {len(names) + args.read_count} recordings could not be read "
                               f"({shown}; reasons above); the others were described.")  # fmt: skip


def _describe(model, recordings, args) -> list:
    """Descriptions of ``recordings``, the model calibrated per session when it standardises sessions."""
    from sensor2text.inputs import by_session
    from sensor2text.models.base import DescribeOptions

    with progress(len(recordings), "describing", args.quiet) as advance:
        options = DescribeOptions(on_batch=advance)
        return by_session(model, recordings, partial(model.describe, options=options), args.calibration)


def cmd_generate(args) -> None:
    from sensor2text.evaluation.accuracy import description_rows

    args.checkpoint_given, args.checkpoint = args.checkpoint is not None, args.checkpoint or str(DEFAULT_CHECKPOINT)
    if bool(args.input) == bool(args.stream):
        raise ValueError("generate: give --input (recordings) or --stream (a live glove), not both or neither.")
    if args.stream:
        from sensor2text.cli.live import check_stream_args

        check_stream_args(args, args.stream)  # before the model loads: a bad port or flag fails at once
    model = load_steered(args) if args.steer else load_model(args.checkpoint, args.precision, args.base_model)
    _define_gestures(model, args)
    if args.stream:
        from sensor2text.cli.live import cmd_stream

        return cmd_stream(args, model)
    recordings = _read_recordings(model, args.input, args)
    results = description_rows(model, recordings, _describe(model, recordings, args))
    if args.json:
        write_json(args.json, results)
    if args.json != "-":
        _print_descriptions(results, set(model.config.trained_classes))
    _fail_if_unreadable(args)


def _define_gestures(model, args) -> None:
    """``--gestures FILE``: gestures defined in words, matched (``--match``) when the glove shows an
    unseen hand shape."""
    if args.gestures:
        from sensor2text.models.definitions import load_definitions

        trained = {name: model.label_sets[name] for name in model.trained_classes if name in model.label_sets}
        model.define_gestures(load_definitions(args.gestures, trained), args.match, args.reader)


def _print_descriptions(results: list[dict], trained: set[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    stepwise = any("composer" in r for r in results)
    table = Table("recording", "true label", *(["left hand", "right hand", "reasoning"] if stepwise else []),
                  "description", "right?")  # fmt: skip
    for r in results:
        mark = {True: "[green]yes[/]", False: "[red]no[/]", None: "-"}[r["correct"]]
        label = rich_safe(r["label"] or "?")
        if r["label"] and trained and r["label"] not in trained:
            label += " [yellow](unseen)[/]"
        reasoning = r["composer"].split("Meaning:")[0].strip() if stepwise else ""
        if "definition" in r:  # named after a gesture defined in words
            reasoning = f"defined in words: {r['definition'].split(':')[0]}"
        steps = [rich_safe(r["left"]), rich_safe(r["right"]), rich_safe(reasoning)] if stepwise else []
        table.add_row(rich_safe(str(Path(*Path(r["path"]).parts[-2:]))), label, *steps, rich_safe(r["description"]),
                      mark)  # fmt: skip
    Console(width=None if sys.stdout.isatty() else 200).print(table)  # piped output: don't wrap at 80
    for name, wanted in (("trained-class", True), ("unseen-class", False)):
        scored = [r["correct"] for r in results if r["correct"] is not None and (r["label"] in trained) == wanted]
        if scored and trained:
            print(f"{sum(scored)}/{len(scored)} {name} descriptions match a synonym of their label set")


def cmd_evaluate(args) -> None:
    from sensor2text.evaluation.accuracy import score_descriptions

    model = load_model(args.checkpoint, args.precision, args.base_model)
    _define_gestures(model, args)
    if args.config:
        return _evaluate_zeroshot(args, model)
    label_sets = model.label_sets
    recordings = _with_label_sets(_read_recordings(model, args.data, args), label_sets, args.data,
                                  "the checkpoint's label sets")  # fmt: skip
    descriptions = [d.text for d in _describe(model, recordings, args)]
    report = score_descriptions(descriptions, [r.label for r in recordings], label_sets,
                                seen=model.config.trained_classes or None)  # fmt: skip
    report["rows"] = [{"path": r.source, **row} for r, row in zip(recordings, report["rows"])]
    if args.json:
        write_json(args.json, report)
    _print_report(report)
    _fail_if_unreadable(args)


def _evaluate_zeroshot(args, model) -> None:
    from sensor2text.evaluation.protocol import load_zeroshot_config, markdown_report, run_zeroshot
    from sensor2text.labels import load_label_sets

    cfg = load_zeroshot_config(args.config)
    known = load_label_sets(cfg.labels)
    recordings = _with_label_sets(_read_recordings(model, args.data, args), known, args.data,
                                  f"the label sets '{cfg.labels}'")  # fmt: skip
    report = run_zeroshot(cfg, model, recordings, args.out_dir, args.calibration, quiet=args.quiet)
    if args.json:
        write_json(args.json, report)
    print(markdown_report(report))
    print(f"reports written to {args.out_dir}")
    _fail_if_unreadable(args)


def _with_label_sets(recordings, label_sets, data: str, where: str) -> list:
    """Keep the recordings whose class has a label set; say on stderr which classes were left out."""
    from sensor2text.evaluation.accuracy import split_by_label_sets

    kept, left_out = split_by_label_sets(recordings, label_sets)
    if not kept:
        raise Sensor2TextError(f"{data}: no recording has a class of {where}.")
    if left_out:
        classes = ", ".join(f"{label} ({n})" for label, n in sorted(left_out.items()))
        print(f"note: {sum(left_out.values())} recordings left out, their class has no label set in {where}: "
              f"{classes}", file=sys.stderr)  # fmt: skip
    return kept


def _print_report(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    seen = {r["label"] for r in report["rows"] if r["seen"]}
    table = Table("class", "trained on", "n", "accuracy", "most common descriptions")
    for label, row in sorted(report["per_class"].items()):
        table.add_row(rich_safe(label), "yes" if label in seen else "[yellow]no[/]", str(row["n"]),
                      f"{row['accuracy']:.1%}", rich_safe("; ".join(row["examples"])))  # fmt: skip
    Console().print(table)
    for name in ("seen", "unseen"):
        rows = [r for r in report["rows"] if r["seen"] == (name == "seen")]
        if rows:
            print(f"{name}-class accuracy: {report[name + '_accuracy']:.2%} over {len(rows)} recordings")


def cmd_plot(args) -> None:
    from sensor2text.glove.plot import plot_recording
    from sensor2text.glove.recordings import iter_recordings
    from sensor2text.glove.schema import get_profile

    check_image_path(args.out, "--out")
    if args.animate:
        check_writable(args.animate, "--animate")
        if not args.animate.lower().endswith(".gif"):
            raise Sensor2TextError(f"--animate {args.animate}: expected a .gif file name.")
    try:
        profile = get_profile(args.profile) if args.profile else _native_profile(Path(args.input))
    except ValueError as exc:
        raise Sensor2TextError(f"--profile: {exc}.") from None
    recording = next(iter_recordings(args.input, profile))
    predicted = None
    if args.pose:
        from sensor2text.pose.train import load_pose, predict_both_hands

        if profile.name != "synthetic-joints":
            raise Sensor2TextError(f"--pose: pose models read the synthetic two-hand glove; {args.input} is "
                                   f"{profile.name}.")  # fmt: skip
        predicted = predict_both_hands(load_pose(args.pose), recording.frames)
    plot_recording(recording.frames, profile, args.out, title=Path(recording.source).name, predicted=predicted)
    if args.animate:
        from sensor2text.glove.plot import animate_hands

        if profile.name != "synthetic-joints":
            raise Sensor2TextError(f"--animate: the skeleton is drawn for the synthetic two-hand glove; "
                                   f"{args.input} is {profile.name}.")  # fmt: skip
    print(f"wrote {args.out}")
    if args.animate:
        count = animate_hands(recording.frames, args.animate, predicted, rate_hz=profile.sample_rate_hz or 100.0)
        print(f"wrote {args.animate} ({count} images)")


def _native_profile(path: Path):
    """The profile a file's format implies: AUSLAN ``.tsd`` / ``.sign``, else the synthetic glove."""
    from sensor2text.glove.auslan import SIGN_SUFFIX, TSD_SUFFIX, profile_for
    from sensor2text.glove.schema import SYNTHETIC_JOINTS

    return profile_for(path) if path.suffix in (TSD_SUFFIX, SIGN_SUFFIX) else SYNTHETIC_JOINTS


def cmd_probe(args) -> None:
    from sensor2text.api import probe
    from sensor2text.evaluation.probe_report import plot_bars, print_report, write_json

    quiet_libraries()
    check_image_path(args.plot, "--plot")
    steer = None
    if args.steer:
        from sensor2text.steering.glove import SteerGlove

        if args.checkpoint:
            raise Sensor2TextError("probe: --steer steers the base LM (--base-model); leave out --checkpoint.")
        steer = (SteerGlove.from_pretrained(args.steer), args.steer_mode, args.steer_strength)
    result = probe(args.prompt, args.template, args.recording, args.gesture, args.checkpoint, args.base_model,
                   args.top_k, args.seed, steer)  # fmt: skip
    print_report(result, args.labels)
    if args.json:
        write_json(result, args.json)
    if args.plot:
        plot_bars(result, args.plot)


def _add_synth(sub) -> None:
    p = sub.add_parser("synth", help="write synthetic two-hand glove recordings (CSV + HF dataset)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=at_least(0), default=0)
    p.add_argument("--train-subjects", type=at_least(0), default=8)
    p.add_argument("--val-subjects", type=at_least(0), default=2)
    p.add_argument("--test-subjects", type=at_least(0), default=2)
    p.add_argument("--repetitions", type=at_least(1), default=5, help="recordings per subject and class")
    p.add_argument("--classes", nargs="*", help="classes to write (default: all 23)")
    p.add_argument("--finger-pairs", action="store_true",
                   help="also write every left/right pair of 0-5 raised fingers (pair_<left>_<right>, 36 classes)")
    p.add_argument("--splits", nargs="*", choices=["train", "validation", "test"], help="only these splits")
    p.add_argument("--convention", default="two-hand", choices=["two-hand", "two-hand-thumb", "asl"])
    p.add_argument("--format", default="csv,hf", help="csv, hf, or csv,hf (any case)")
    p.set_defaults(func=cmd_synth)


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train projector + LoRA (accelerate; CPU by default)")
    p.add_argument("--config", help="YAML run config (see configs/)")
    p.add_argument("--set", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                   help="overrides, e.g. training.max_steps=50; may be repeated")
    p.add_argument("--output-dir", help="shortcut for training.output_dir")
    p.add_argument("--base-model", help="shortcut for training.base_model: a hub id (gpt2), a folder, or the default")
    p.add_argument("--resume", action="store_true", help="continue from the latest saved state")
    p.add_argument("--hands-checkpoint", help="stepwise configs: reuse this trained hands model, train the composer")
    p.add_argument("--processes", type=int, metavar="N",
                   help="train in N processes on this machine (gloo on CPUs; each step's batch split between them)")
    p.set_defaults(func=cmd_train)


def _add_train_reader(sub) -> None:
    p = sub.add_parser("train-reader", help="train the definition reader (reads hand-shape descriptions) once")
    p.add_argument("--out", required=True, help="reader folder to write")
    p.add_argument("--steps", type=int, default=1200)
    p.add_argument("--seed", type=int, default=0, help="seed of the corpus' descriptions")
    p.add_argument("--per-shape", type=int, default=60, help="descriptions per hand shape in the corpus")
    p.add_argument("--hold-out-styles", nargs="*", metavar="STYLE",
                   help="phrasing families kept out of training (sensor2text.training.hand_descriptions.STYLES; "
                        "default: sensor2text.training.reader.HELD_OUT_STYLES, two drawn with seed 0; none: hold "
                        "out no family)")
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--r", type=int, default=16)
    p.set_defaults(func=cmd_train_reader)


def _add_train_knowledge(sub) -> None:
    p = sub.add_parser("train-knowledge", help="train the text-knowledge adapter (numbers, counting, arithmetic) once")
    p.add_argument("--out", required=True, help="adapter folder to write")
    p.add_argument("--base-model", default=EMBEDDED_MODEL_NAME)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--seed", type=int, default=0, help="seed of the held-out sums and the corpus' lists")
    p.add_argument("--init-from", help="go on training this saved knowledge adapter (same base LM), not a new one")
    p.add_argument("--long-lists", type=int, default=0, help="extra counting examples per list length 3-10")
    p.add_argument("--skip-base", action="store_true",
                   help="do not measure the base LM alone first (minutes; the same for every adapter of one LM)")
    p.add_argument("--worked", action="store_true",
                   help="answer counts and sums step by step ('five, six one, seven two, so seven')")
    p.add_argument("--all-sums", action="store_true",
                   help="hold nothing out (the declared fallback: the corpus then has every pair that makes ten)")
    p.add_argument("--learning-rate", type=float, default=2e-3)
    p.add_argument("--r", type=int, default=8)
    p.set_defaults(func=cmd_train_knowledge)


QUIET_HELP = "no progress bar on stderr (results and errors are still printed)"
GESTURES_HELP = ("gestures defined in words (YAML: name, synonyms, description), named when the glove shows a "
                 "hand shape never trained; finger-word checkpoints (configs/gestures/)")


def add_gestures_arguments(p) -> None:
    """``--gestures FILE`` and how its definitions are matched (``--match``, ``--reader``)."""
    from sensor2text.models.definitions import MATCHERS

    p.add_argument("--gestures", help=GESTURES_HELP)
    p.add_argument("--match", default=MATCHERS[0], choices=MATCHERS,
                   help="--gestures: match by the definition reader (the likelihood of the glove's finger "
                        "answers under what it read; default) or by sentence-embedding similarity")
    p.add_argument("--reader", help="--gestures: a definition reader folder (sensor2text train-reader); default: "
                                    "the shipped one")


def _add_generate(sub) -> None:
    p = sub.add_parser("generate", help="describe recordings, or a live glove (--stream), with a trained checkpoint")
    p.add_argument("--checkpoint", help=CHECKPOINT_HELP)
    p.add_argument("--input", help="a .csv recording, a folder of them, or a saved HF dataset")
    p.add_argument("--split", help="only this split of a folder or dataset")
    p.add_argument("--subjects", nargs="+", help="only recordings in these subject folders (tctodd7, adam1 ...)")
    p.add_argument("--json", help="write one object per recording to this file ('-' = stdout)")
    p.add_argument("--stream", metavar="PORT",
                   help="live glove: /dev/ttyUSB0, COM3, socket://HOST:PORT, loop://, or lsl://NAME (an LSL outlet)")
    p.add_argument("--baud", type=int, default=115200, help="serial baud rate (--stream)")
    p.add_argument("--wire", default="csv", choices=["csv", "binary"], help="wire format of the glove (--stream)")
    p.add_argument("--read-timeout", type=float, default=0.01, help="seconds one port read waits for bytes (--stream)")
    p.add_argument("--profile", help="--stream: a glove profile file from calibrate-glove (the glove's frames are "
                                     "calibrated before the checkpoint reads them); default: the checkpoint's profile")
    add_gestures_arguments(p)
    p.add_argument("--calibration", help=CALIBRATION_HELP)
    add_steer_arguments(p)
    add_stream_arguments(p)
    add_precision_argument(p, "auto")
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    p.set_defaults(func=cmd_generate)


def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="accuracy of generated descriptions; zero-shot protocols with --config")
    p.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT), help=CHECKPOINT_HELP)
    p.add_argument("--data", required=True, help="a folder of recordings or a saved HF dataset")
    p.add_argument("--split", help="only this split")
    p.add_argument("--subjects", nargs="+", help="only recordings in these subject folders (tctodd7, adam1 ...)")
    p.add_argument("--json", help="write the full report to this file")
    p.add_argument("--config", help="zero-shot protocol YAML (configs/zeroshot/); scores every candidate label set")
    p.add_argument("--out-dir", default="runs/zeroshot", help="where the zero-shot reports and plots go")
    add_gestures_arguments(p)
    p.add_argument("--calibration", help=CALIBRATION_HELP)
    add_precision_argument(p, "fp32")
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    p.set_defaults(func=cmd_evaluate)


def _add_probe(sub) -> None:
    p = sub.add_parser("probe", help="next-token probabilities for a gesture prompt, with and without the glove")
    p.add_argument("--prompt", help="probe text; {glove} marks where the soft prompt goes (default: first)")
    p.add_argument("--template", help="a shipped probe template (gesture, number, sign, fingers) or a path")
    p.add_argument("--recording", help="a .csv glove recording to add as soft prompt")
    p.add_argument("--gesture", help="synthesize one recording of this class (e.g. count_10, v_sign) instead")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthesized gesture")
    p.add_argument("--checkpoint", help="checkpoint folder (default: the shipped one when a glove input is given)")
    p.add_argument("--base-model", help="base LM when no checkpoint is used (default: the embedded one)")
    p.add_argument("--top-k", type=int, default=20)
    p.add_argument("--labels", nargs="*", help="classes whose synonym ranks are listed per condition")
    p.add_argument("--json", help="write the full result to this file")
    p.add_argument("--plot", help="write a bar chart PNG")
    p.add_argument("--steer", metavar="FOLDER", help="a steering glove model: show the base LM's next token "
                                                    "before and after the glove steers it (no checkpoint)")
    p.add_argument("--steer-mode", default="bow", choices=["bow", "pplm"], help="how the glove steers (--steer)")
    p.add_argument("--steer-strength", type=float, default=6.0, help="bow: logit bonus of a class of weight 1")
    p.set_defaults(func=cmd_probe)


def _add_plot(sub) -> None:
    p = sub.add_parser("plot", help="joint-angle heatmap + hand skeleton PNG for one recording")
    p.add_argument("--input", required=True, help="a recording: .csv, or AUSLAN .tsd / .sign")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--profile", help="device profile (default: from the file type; .csv = synthetic-joints)")
    p.add_argument("--pose", metavar="FOLDER", help="a pose model (sensor2text pose train): its predicted skeleton "
                                                  "is drawn dashed beside the glove's")
    p.add_argument("--animate", metavar="GIF", help="also write an animation of the hands (synthetic glove) as a GIF")
    p.set_defaults(func=cmd_plot)


def _add_push(sub) -> None:
    p = sub.add_parser("push", help="publish a checkpoint folder on the Hugging Face Hub (needs a token and network)")
    p.add_argument("--checkpoint", required=True, help="a checkpoint folder (checked against its manifest first)")
    p.add_argument("--repo-id", required=True, help="model repository, e.g. your-name/sensor2text-fingers")
    p.add_argument("--private", action="store_true", help="create the repository private")
    p.set_defaults(func=cmd_push)


def _add_auslan_dataset(sub) -> None:
    p = sub.add_parser("auslan-dataset", help="write an AUSLAN set (auslan_hq, auslan_powerglove) as a Hugging Face "
                                              "DatasetDict with its card")  # fmt: skip
    p.add_argument("--data", required=True, help="the set's folder, e.g. ../shared/data/auslan_hq (read, never copied)")
    p.add_argument("--out", required=True, help="folder to write (datasets.load_from_disk reads it; so does --data)")
    p.add_argument("--split", action="append", metavar="NAME=SUBJECTS",
                   help="a split and its subject folders, e.g. test=tctodd7 (repeat; default: one train split)")
    p.set_defaults(func=cmd_auslan_dataset)


def cmd_auslan_dataset(args) -> None:
    from sensor2text.glove.auslan_dataset import parse_splits, save_auslan_dataset

    splits = parse_splits(args.split)
    check_writable(args.out, "--out", folder=True)
    if Path(args.out).exists() and any(Path(args.out).iterdir()):
        raise Sensor2TextError(f"--out {args.out}: the folder is not empty; give a new folder.")
    unreadable = []
    print(f"reading {args.data} ...", file=sys.stderr, flush=True)
    dataset = save_auslan_dataset(args.data, args.out, splits, bad=unreadable)
    for _, reason in unreadable:
        print(f"skipped: {printable(reason, newlines=False)}", file=sys.stderr)
    sizes = ", ".join(f"{split} {len(part)}" for split, part in dataset.items())
    print(f"saved {args.out}: {sizes} recordings (datasets.load_from_disk, or --data {args.out})")


def cmd_push(args) -> None:
    from sensor2text.assets import resolve_checkpoint
    from sensor2text.models.hub import push_checkpoint

    print(push_checkpoint(resolve_checkpoint(args.checkpoint), args.repo_id, private=args.private))


class Parser(argparse.ArgumentParser):
    """argparse whose refusal is one ``error:`` line (after the usage), like every other refusal."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {self.prog}: {printable(message, newlines=False)}\n")


def at_least(least: int):
    """An argparse type: a whole number no smaller than ``least``."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"expected at least {least}, got {value}")
        return value

    return whole_number


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="sensor2text", description="Describe glove gestures with a language model.")
    parser.add_argument("--version", action="version", version=f"sensor2text {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_synth(sub)
    _add_train(sub)
    _add_train_knowledge(sub)
    _add_train_reader(sub)
    add_train_steer_parser(sub)
    _add_generate(sub)
    add_simulate_parser(sub)
    add_replay_parser(sub, str(DEFAULT_CHECKPOINT))
    add_record_parser(sub)
    add_calibrate_parser(sub)
    _add_evaluate(sub)
    _add_probe(sub)
    _add_plot(sub)
    _add_push(sub)
    _add_auslan_dataset(sub)
    add_pose_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    stop_on_signals()
    try:
        check_writable(getattr(args, "json", None))
        args.func(args)
    except (Sensor2TextError, ValueError) as exc:
        print(f"error: {printable(str(exc), newlines=False)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0

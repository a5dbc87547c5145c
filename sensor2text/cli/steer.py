"""The steering commands of the CLI: ``train-steer``, and ``--steer`` on ``generate``, ``replay``
and the stream (a steering glove model and a frozen base LM instead of a checkpoint)."""

from __future__ import annotations

from sensor2text.cli.common import check_writable, quiet_libraries
from sensor2text.models.lm import EMBEDDED_MODEL_NAME


def load_steered(args):
    """``--steer FOLDER``: a steering glove model and a frozen base LM (``--base-model``, default the
    embedded one; no checkpoint, no soft prompt, no LoRA) writing steered sentences; with an explicit
    ``--checkpoint``, that (holistic) checkpoint's own decoding steered instead."""
    from sensor2text.models.lm import load_base_model
    from sensor2text.steering.glove import SteerGlove
    from sensor2text.steering.writer import SteeredWriter, SteerOptions

    given = {} if args.steer_min_tokens is None else {"min_new_tokens": args.steer_min_tokens}
    options = SteerOptions(mode=args.steer_mode, strength=args.steer_strength, prompt=args.steer_prompt, **given)
    glove = SteerGlove.from_pretrained(args.steer)
    quiet_libraries()
    if args.checkpoint_given:  # on top of a trained checkpoint
        from sensor2text.cli.common import load_model
        from sensor2text.steering.writer import SteeredCheckpoint

        return SteeredCheckpoint(load_model(args.checkpoint, args.precision, args.base_model), glove, options)
    return SteeredWriter(glove, *load_base_model(args.base_model or EMBEDDED_MODEL_NAME), options)


def add_steer_arguments(p) -> None:
    """``--steer`` and its options (generate, generate --stream)."""
    p.add_argument("--steer", metavar="FOLDER",
                   help="steer a frozen base LM (--base-model, default the embedded one) with this steering glove "
                        "model (sensor2text train-steer) instead of describing with --checkpoint")  # fmt: skip
    p.add_argument("--steer-mode", default="bow", choices=["bow", "pplm", "none"],
                   help="bow: logit bonuses for the label sets' words (no gradients); pplm: gradient steps on the "
                        "past (slow); none: the same prompt unsteered")  # fmt: skip
    p.add_argument("--steer-strength", type=float, default=6.0, help="bow: logit bonus of a class of weight 1")
    p.add_argument("--steer-prompt", default="person", help="the open prompt: a name in prompts/steer/ or a file")
    p.add_argument("--steer-min-tokens", type=int,
                   help="end at the first sentence end once this many tokens are written (0: one sentence; "
                        "default: SteerOptions.min_new_tokens)")  # fmt: skip


def add_train_steer_parser(sub) -> None:
    p = sub.add_parser("train-steer", help="train a steering glove model (a small classifier, no LM) for --steer")
    p.add_argument("--config", required=True, help="a run config: its training split, classes and label sets")
    p.add_argument("--out", required=True, help="folder to write (steer.json + steer.safetensors)")
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_train_steer)


def cmd_train_steer(args) -> None:
    from sensor2text.config import load_run_config
    from sensor2text.steering.glove import train_steer_glove

    if args.steps < 1:
        raise ValueError(f"train-steer: --steps must be at least 1, got {args.steps}")
    check_writable(args.out, "--out", folder=True)
    train_steer_glove(load_run_config(args.config), args.steps, args.seed).save_pretrained(args.out)
    print(f"saved {args.out}; use it with: sensor2text generate --steer {args.out} --input ...")

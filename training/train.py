"""Train a sensor2text model (projector + LoRA on a frozen causal LM).

    .venv/bin/python training/train.py --config configs/synthetic_smollm2.yaml --output-dir runs/smollm2-synth

In N processes (GPUs, or CPUs over gloo; see ``sensor2text.training.launch``):

    accelerate launch --num_processes 2 training/train.py --config configs/synthetic_smollm2.yaml --output-dir runs/two

Identical to ``sensor2text train``; any flag of that command works here.
"""

import sys

from sensor2text.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["train", *sys.argv[1:]]))

"""Seen-class accuracy of generated descriptions, per class, on any folder or dataset.

    .venv/bin/sensor2text synth --out runs/test-data --seed 0 --splits test --format csv
    .venv/bin/python eval/evaluate.py --checkpoint smollm2-135m-synth --data runs/test-data

Identical to ``sensor2text evaluate``.
"""

import sys

from sensor2text.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["evaluate", *sys.argv[1:]]))

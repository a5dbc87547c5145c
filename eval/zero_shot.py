"""Zero-shot evaluation: score generated descriptions against every candidate label set.

    S=.venv/bin/sensor2text
    $S synth --out runs/heldout --seed 0 --val-subjects 4 --test-subjects 4 --splits validation test --format csv
    .venv/bin/python eval/zero_shot.py --config configs/zeroshot/ten.yaml --data runs/heldout --split test \
        --out-dir runs/zs-ten

Identical to ``sensor2text evaluate --config ...``.
"""

import sys

from sensor2text.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["evaluate", *sys.argv[1:]]))

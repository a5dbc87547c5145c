"""The steering glove model: a small CNN+LSTM classifier (no LM) whose softmax weights the label sets.

    glove = train_steer_glove(load_run_config("configs/synthetic_smollm2.yaml"))
    glove.save_pretrained("runs/steer")          # steer.json + steer.safetensors
    weights = SteerGlove.from_pretrained("runs/steer").weights(recordings)   # (B, K), rows sum to 1

It is the evaluator's closed-set baseline (:mod:`sensor2text.evaluation.baselines`) trained on a
run config's training split and saved; it trains in seconds on a CPU and never touches the LM.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from sensor2text.errors import CheckpointError
from sensor2text.glove.schema import Normalizer, get_profile, resample

CONFIG_FILE = "steer.json"
WEIGHTS_FILE = "steer.safetensors"


@dataclass
class SteerGloveConfig:
    """What a steering glove model reads and names: profile, window length, classes, label sets."""

    profile: str
    num_frames: int
    classes: list[str]
    label_sets: dict[str, list[str]]
    hidden: int = 64
    normalizer: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


class SteerGlove:
    """Glove recordings -> weights over the label sets ``(B, K)`` (softmax of the classifier)."""

    def __init__(self, config: SteerGloveConfig, network: torch.nn.Module):
        self.config, self.network = config, network.eval()
        self.profile = get_profile(config.profile)
        self.normalizer = Normalizer(**config.normalizer)

    @torch.no_grad()
    def weights(self, recordings: list[np.ndarray]) -> np.ndarray:
        """Raw recordings ``[(T_i, C)]`` -> ``(B, K)`` class weights in ``config.classes`` order."""
        windows = np.stack([self.normalizer(resample(r, self.config.num_frames)) for r in recordings])
        return self.network(torch.from_numpy(windows).float()).softmax(-1).numpy()

    def save_pretrained(self, folder: str | Path) -> None:
        """``steer.json`` (config) + ``steer.safetensors`` (the classifier's weights)."""
        from safetensors.torch import save_file

        from sensor2text.textfile import write_text_atomic

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in self.network.state_dict().items()}, str(folder / WEIGHTS_FILE))
        write_text_atomic(folder / CONFIG_FILE, json.dumps(asdict(self.config), indent=1))

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> SteerGlove:
        """Load a saved steering glove model (safetensors + JSON only). CheckpointError naming the
        file when it is missing or damaged."""
        from safetensors.torch import load_file

        from sensor2text.evaluation.baselines import TemporalEncoder

        folder = Path(folder)
        for name in (CONFIG_FILE, WEIGHTS_FILE):
            if not (folder / name).is_file():
                raise CheckpointError(f"{folder / name}: not found; expected a steering glove model (sensor2text "
                                      "steer train --out FOLDER).")  # fmt: skip
        try:
            config = SteerGloveConfig(**json.loads((folder / CONFIG_FILE).read_text()))
            network = TemporalEncoder(get_profile(config.profile).num_channels, len(config.classes), config.hidden)
            network.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
        except (ValueError, TypeError, KeyError, RuntimeError, OSError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CheckpointError(f"{folder}: not a readable steering glove model ({reason}).") from None
        return cls(config, network)


def train_steer_glove(cfg, steps: int = 600, seed: int = 0, log=print) -> SteerGlove:
    """Train the classifier on run config ``cfg``'s training split (its classes and label sets,
    the calibration augmentation it sets); reports validation accuracy when there is a validation split."""
    from sensor2text.evaluation.baselines import WindowSet, train_classifier
    from sensor2text.training.data import checked_label_sets, load_split

    label_sets = checked_label_sets(cfg)
    items, validation = load_split(cfg, "train"), load_split(cfg, "validation")
    classes = [c for c in cfg.data.classes if any(label == c for _, label in items)]
    data = WindowSet([f for f, _ in items], cfg.data.num_frames, cfg.data.augment_gain, cfg.data.augment_offset)
    labels = torch.tensor([classes.index(label) for _, label in items])
    network = train_classifier(data, labels, len(classes), steps, seed=seed)
    config = SteerGloveConfig(profile=cfg.data.profile, num_frames=cfg.data.num_frames, classes=classes,
                              label_sets={c: list(label_sets[c].synonyms) for c in classes},
                              normalizer=data.normalizer.to_dict())  # fmt: skip
    glove = SteerGlove(config, network)
    if validation:
        predicted = glove.weights([f for f, _ in validation]).argmax(-1)
        right = sum(classes[p] == label for p, (_, label) in zip(predicted, validation))
        config.metrics = {"validation_accuracy": round(right / len(validation), 4), "validation_n": len(validation)}
    log(f"steering glove model: {len(classes)} classes, {len(items)} training recordings, {config.metrics}")
    return glove

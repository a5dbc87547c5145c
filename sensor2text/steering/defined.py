"""Steering toward gestures defined in words: weights over the steering glove model's classes and
over the definitions of a ``--gestures`` file, with no training for the new gestures.

A finger reader (the default checkpoint's, :mod:`sensor2text.models.fingers`) reads each hand's
extended fingers, contact and motion. A recording whose hands show the outline of one of the glove
model's classes keeps that model's weights; any other hand shape is weighed over the definitions
by the definition reader (:class:`~sensor2text.models.definitions.ReaderMatcher`): the posterior of
each definition given the glove's six finger answers, from equal priors.

    glove = DefinedGestures(SteerGlove.from_pretrained("runs/steer"), load_definitions("named4_a.yaml"))
    glove.weights(recordings)        # (B, K + D): K trained classes, then the D definitions
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensor2text.errors import ConfigError

# The finger reader used unless one is given: the default checkpoint's first stage.
DEFAULT_FINGERS = ("smollm2-135m-fingers", "fingers")


@dataclass
class DefinedConfig:
    """What the writer reads of its glove model: the classes (trained, then defined) and label sets."""

    classes: list[str]
    label_sets: dict[str, list[str]]
    metrics: dict = field(default_factory=dict)


def trained_outlines(classes: list[str]) -> set[tuple]:
    """The two hands' outlines (:meth:`HandWords.outline`) of the synthetic classes among ``classes``."""
    from sensor2text.glove.synth import ALL_CLASSES, hand_words

    return {tuple(hand.outline() for hand in hand_words(name)) for name in classes if name in ALL_CLASSES}


class DefinedGestures:
    """A steering glove model widened by gestures defined in words (``weights -> (B, K + D)``)."""

    def __init__(self, glove, definitions, reader=None, fingers=None):
        from sensor2text.assets import resolve_checkpoint
        from sensor2text.models.definitions import ReaderMatcher
        from sensor2text.models.fingers import FingerReader

        if glove.profile.name != "synthetic-joints":
            raise ConfigError(f"--gestures with --steer reads finger states of the synthetic two-hand glove; the "
                              f"steering model reads {glove.profile.name}.")  # fmt: skip
        self.glove, self.definitions = glove, list(definitions)
        self.profile, self.normalizer = glove.profile, glove.normalizer
        checkpoint, stage = DEFAULT_FINGERS
        self.fingers = fingers or FingerReader.from_pretrained(resolve_checkpoint(checkpoint) / stage)
        self.matcher = ReaderMatcher(self.definitions, reader)
        self.known = trained_outlines(glove.config.classes)
        names = [d.name for d in self.definitions]
        sets = {d.name: list(d.label_set.synonyms) for d in self.definitions}
        self.config = DefinedConfig(list(glove.config.classes) + names, {**glove.config.label_sets, **sets},
                                    dict(glove.config.metrics))  # fmt: skip

    def hands(self, recordings: list[np.ndarray]):
        """Each recording's ``(left, right)`` finger words (:class:`HandWords`)."""
        from sensor2text.models.stepwise import split_hands

        halves = [h for r in recordings for h in split_hands(r, self.profile.hand_slices)]
        words = self.fingers.read(halves)
        return list(zip(words[0::2], words[1::2]))

    def weights(self, recordings: list[np.ndarray]) -> np.ndarray:
        """Raw recordings ``[(T_i, C)]`` -> ``(B, K + D)``: the glove model's weights (definitions 0)
        for a trained hand shape, else the definitions' posterior (trained classes 0)."""
        import torch

        from sensor2text.models.definition_reader import QUESTIONS

        trained = self.glove.weights(recordings)
        hands = self.hands(recordings)
        scores = self.matcher.scores([(left.caption(), right.caption()) for left, right in hands]) * len(QUESTIONS)
        defined = torch.from_numpy(scores).softmax(1).numpy()  # the posterior, from equal priors
        novel = np.array([(left.outline(), right.outline()) not in self.known for left, right in hands])[:, None]
        return np.concatenate([np.where(novel, 0.0, trained), np.where(novel, defined, 0.0)], 1).astype(np.float32)

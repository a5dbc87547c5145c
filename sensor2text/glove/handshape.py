"""Finger-level words for one hand: each finger's state, thumb-index contact and motion.

The stepwise design's first stage reads these from the glove (:mod:`sensor2text.models.fingers`)
and writes them as a caption the LM reads::

    extended: pointer, middle; curled: thumb, ring, little
    extended: none; bent: thumb, pointer; curled: middle, ring, little; thumb touches pointer
    extended: thumb, pointer, middle, ring, little; moving: waving

The caption names fingers and states only; it never says how many fingers are up (counting
them is the LM's job) or what gesture the hand makes. It calls the index finger "pointer"
(:data:`CAPTION_WORDS`): "index" is also a common noun the LM reads as a position ("counting
index gives" was answered "zero" by the knowledge adapter for every one-finger hand, while
"counting pointer gives" was answered "one"; dev probe of the shipped knowledge adapter, no
glove data).
"""

from __future__ import annotations

from dataclasses import dataclass

FINGERS = ("thumb", "index", "middle", "ring", "little")
CAPTION_WORDS = dict(zip(FINGERS, ("thumb", "pointer", "middle", "ring", "little")))
CAPTION_FINGERS = {word: finger for finger, word in CAPTION_WORDS.items()}
TOUCHING = f"thumb touches {CAPTION_WORDS['index']}"
FINGER_STATES = ("extended", "bent", "curled")
MOTIONS = ("still", "waving", "beckoning")
# Curl (0 straight .. 1 fully flexed) thresholds of the synthetic pose definitions' states.
EXTENDED_BELOW, CURLED_ABOVE = 0.2, 0.7


@dataclass(frozen=True)
class HandWords:
    """What one hand does: ``states[i]`` for ``FINGERS[i]``, thumb-index contact, motion."""

    states: tuple[str, ...]
    touching: bool = False
    motion: str = "still"

    def __post_init__(self):
        if len(self.states) != len(FINGERS) or not set(self.states) <= set(FINGER_STATES):
            raise ValueError(f"HandWords: expected {len(FINGERS)} states among {FINGER_STATES}, got {self.states}.")
        if self.motion not in MOTIONS:
            raise ValueError(f"HandWords: motion must be one of {MOTIONS}, got '{self.motion}'.")

    def fingers(self, state: str) -> list[str]:
        """The fingers (names of :data:`FINGERS`) in ``state``, thumb first."""
        return [finger for finger, s in zip(FINGERS, self.states) if s == state]

    def words(self, state: str) -> list[str]:
        """The caption's words (:data:`CAPTION_WORDS`) for the fingers in ``state``, thumb first."""
        return [CAPTION_WORDS[finger] for finger in self.fingers(state)]

    def outline(self) -> tuple[tuple[str, ...], bool, str]:
        """What the hand shows at the level the reader is surest of: the extended fingers, contact
        and motion (bent vs curled, its least sure distinction, is left out: the OK sign's index
        is read "curled" as often as "bent")."""
        return tuple(self.fingers("extended")), self.touching, self.motion

    def caption(self) -> str:
        """``"extended: pointer, middle; curled: thumb, ring, little"`` (see the module docstring)."""
        parts = [f"extended: {', '.join(self.words('extended')) or 'none'}"]
        parts += [f"{state}: {', '.join(self.words(state))}" for state in FINGER_STATES[1:] if self.fingers(state)]
        if self.touching:
            parts.append(TOUCHING)
        if self.motion != "still":
            parts.append(f"moving: {self.motion}")
        return "; ".join(parts)


def finger_state(curl: float) -> str:
    """A finger's word for a curl of the pose definitions (0 straight .. 1 fully flexed)."""
    if curl < EXTENDED_BELOW:
        return "extended"
    return "curled" if curl > CURLED_ABOVE else "bent"


def words_of_pose(curls, opposition: float, motion: str = "still") -> HandWords:
    """Finger words of a synthetic hold pose: five curls (thumb first) and thumb opposition.

    The thumb touches the index when it is opposed (``opposition >= 0.8``) and the index is
    half bent towards it (the OK ring, a pinch, the ASL O shape).
    """
    states = tuple(finger_state(c) for c in curls)
    touching = bool(opposition >= 0.8) and states[0] == "bent" and states[1] == "bent"
    return HandWords(states, touching, motion)


def parse_caption(caption: str) -> HandWords:
    """Inverse of :meth:`HandWords.caption` (for reports and tests); ``ValueError`` if malformed."""
    states, touching, motion = {}, False, "still"
    for part in (p.strip() for p in caption.split(";")):
        if part == TOUCHING:
            touching = True
        elif part.startswith("moving: "):
            motion = part.removeprefix("moving: ")
        else:
            state, _, fingers = part.partition(": ")
            if state not in FINGER_STATES:
                raise ValueError(f"not a finger caption: '{caption}' (part '{part}').")
            words = [w for w in fingers.split(", ") if w != "none"]
            if not set(words) <= set(CAPTION_FINGERS):
                raise ValueError(f"not a finger caption: '{caption}' (part '{part}').")
            states.update({CAPTION_FINGERS[w]: state for w in words})
    if set(states) != set(FINGERS):
        raise ValueError(f"not a finger caption: '{caption}' (fingers {sorted(states)}).")
    return HandWords(tuple(states[f] for f in FINGERS), touching, motion)

"""Synthetic two-hand glove: a kinematic hand model producing joint angles (degrees, 100 Hz).

A gesture is a *pose track*: per hand and frame, 9 pose parameters (see ``POSE_PARAMS``) that
go rest -> gesture -> rest, with motion added during the hold for dynamic gestures. Poses map
to the 23 joint angles per hand of ``glove.HAND_JOINTS``; a per-subject sensor model (gain,
offset, noise) then turns true angles into what the glove reports.

Counting conventions (``COUNTING_CONVENTIONS``):

| count | two-hand (default) | asl (one hand, right) |
|---|---|---|
| 0 | two fists | O shape |
| 1-5 | right hand shows 1-5 fingers (index first, thumb last), left fist | ASL 1-5 |
| 6-9 | right hand open, left shows 1-4 fingers | ASL 6-9 (thumb touches little..index) |
| 10 | both hands open | thumbs up, shaken |

``two-hand-thumb`` is the two-hand convention counting thumb first (thumb, +index, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor2text.glove.handshape import HandWords, words_of_pose
from sensor2text.glove.schema import HAND_JOINTS, SYNTHETIC_SAMPLE_RATE_HZ

# Pose parameters per hand: curl of each finger (0 straight .. 1 fully flexed), finger spread
# (0..1), thumb opposition (0..1), wrist flexion and deviation in degrees.
POSE_PARAMS = ("thumb", "index", "middle", "ring", "little", "spread", "opp", "wrist_flex", "wrist_dev")
COUNTING_CONVENTIONS = ("two-hand", "two-hand-thumb", "asl")
# Named one-hand gestures (right hand; the left hand rests).
NAMED_GESTURES = (
    "v_sign", "thumbs_up", "ok_sign", "pointing", "fist", "open_palm",
    "horns", "shaka", "i_love_you", "pinch", "wave", "come_here",
)  # fmt: skip
COUNT_CLASSES = tuple(f"count_{n}" for n in range(11))
ALL_CLASSES = COUNT_CLASSES + NAMED_GESTURES
# Every left/right pair of 0-5 raised fingers in a counting convention (``pair_<left>_<right>``):
# an evaluation set of 36 combinations, most of which no counting gesture uses.
PAIR_CLASSES = tuple(f"pair_{left}_{right}" for left in range(6) for right in range(6))
# Peak flexion (deg) of MCP, PIP, DIP of a long finger at curl 1 and full range of motion.
FINGER_FLEX_DEG = (85.0, 100.0, 65.0)
# Spread (deg) of each long finger's MCP abduction at spread 1.
FINGER_SPREAD_DEG = {"index": -12.0, "middle": -2.0, "ring": 8.0, "little": 18.0}


def pose(curls=(0, 0, 0, 0, 0), spread=0.5, opp=0.0, wrist_flex=0.0, wrist_dev=0.0) -> np.ndarray:
    """A hand pose vector ``(9,)`` in ``POSE_PARAMS`` order."""
    return np.array([*curls, spread, opp, wrist_flex, wrist_dev], dtype=np.float64)


REST = pose((0.25, 0.3, 0.35, 0.4, 0.45), spread=0.2, opp=0.2, wrist_flex=10.0)
FIST = pose((0.85, 1, 1, 1, 1), spread=0.0, opp=0.5)
OPEN = pose((0, 0, 0, 0, 0), spread=1.0)
TUCKED_THUMB = 0.8  # thumb curl when it is folded over the curled fingers


def fingers_up(up: str, spread: float = 0.7, thumb_opp: float = 0.6) -> np.ndarray:
    """Pose with the named fingers (letters t, i, m, r, l) straight and the others curled."""
    curls = [0.0 if letter in up else 1.0 for letter in "timrl"]
    if "t" not in up:
        curls[0] = TUCKED_THUMB
    return pose(curls, spread=spread, opp=0.0 if "t" in up else thumb_opp)


def touching(finger: int, others_up: str) -> np.ndarray:
    """Thumb tip touching finger ``finger`` (1=index..4=little), ``others_up`` straight (ASL 6-9)."""
    hand = fingers_up(others_up, spread=0.5)
    hand[0], hand[finger], hand[6] = 0.45, 0.55, 1.0
    return hand


ONE_HAND_COUNTS = {"two-hand": ("", "i", "im", "imr", "imrl", "timrl"),
                   "two-hand-thumb": ("", "t", "ti", "tim", "timr", "timrl")}  # fmt: skip
ASL_COUNTS = {
    0: pose((0.45, 0.55, 0.55, 0.55, 0.55), spread=0.1, opp=1.0), 1: fingers_up("i"),
    2: fingers_up("im", spread=0.8), 3: fingers_up("tim"), 4: fingers_up("imrl"), 5: OPEN,
    6: touching(4, "imr"), 7: touching(3, "iml"), 8: touching(2, "irl"), 9: touching(1, "mrl"),
}  # fmt: skip
NAMED_POSES = {
    "v_sign": fingers_up("im", spread=1.0),
    "thumbs_up": pose((0, 1, 1, 1, 1), spread=0.0, wrist_dev=-25.0),
    "ok_sign": pose((0.45, 0.55, 0, 0, 0), spread=0.6, opp=0.8),
    "pointing": fingers_up("i", spread=0.3),
    "fist": FIST,
    "open_palm": OPEN,
    "horns": fingers_up("il", spread=0.8),
    "shaka": pose((0, 1, 1, 1, 0), spread=1.0),
    "i_love_you": pose((0, 0, 1, 1, 0), spread=0.8),
    "pinch": pose((0.45, 0.5, 0.9, 0.95, 0.95), spread=0.1, opp=0.8),
    "wave": OPEN,
    "come_here": pose((TUCKED_THUMB, 0.1, 1, 1, 1), spread=0.2, opp=0.6, wrist_flex=-25.0),
}


def count_poses(count: int, convention: str) -> tuple[np.ndarray, np.ndarray]:
    """``(left, right)`` hold poses for a count 0-10 in ``convention``."""
    if convention == "asl":
        return REST, ASL_COUNTS[count] if count < 10 else NAMED_POSES["thumbs_up"]
    fingers = ONE_HAND_COUNTS[convention]
    if count <= 5:
        return FIST, fingers_up(fingers[count]) if 0 < count < 5 else (FIST if count == 0 else OPEN)
    left = OPEN if count == 10 else fingers_up(fingers[count - 5])
    return left, OPEN


def one_hand_count(count: int, convention: str) -> np.ndarray:
    """Hold pose of one hand showing 0-5 fingers in a two-hand convention."""
    return FIST if count == 0 else OPEN if count == 5 else fingers_up(ONE_HAND_COUNTS[convention][count])


def motion(label: str, convention: str, t: np.ndarray, tempo: float) -> np.ndarray:
    """Pose offsets ``(T, 9)`` of the right hand during the hold (zero for static gestures)."""
    offset = np.zeros((len(t), len(POSE_PARAMS)))
    if label == "wave" or (label == "count_10" and convention == "asl"):
        offset[:, 8] = 25.0 * np.sin(2 * np.pi * 2.5 / tempo * t)
    elif label == "come_here":
        offset[:, 1] = 0.4 * (1 - np.cos(2 * np.pi * 1.5 / tempo * t))
    return offset


@dataclass(frozen=True)
class Subject:
    """Per-subject variation of hand, movement and sensors (drawn once per subject)."""

    name: str
    hand_scale: float  # hand size relative to an average adult hand
    range_of_motion: float  # fraction of the full flexion this person reaches
    max_curl: np.ndarray  # (2, 5) incomplete flexion: the curl each finger really reaches
    gain: np.ndarray  # (46,) sensor gain per channel
    offset: np.ndarray  # (46,) sensor offset per channel, degrees
    noise_deg: float  # sensor noise standard deviation, degrees
    tempo: float  # >1 means slower movements

    @classmethod
    def draw(cls, name: str, rng: np.random.Generator) -> Subject:
        channels = 2 * len(HAND_JOINTS)
        return cls(
            name=name,
            hand_scale=rng.uniform(0.85, 1.15),
            range_of_motion=rng.uniform(0.8, 1.05),
            max_curl=rng.uniform(0.75, 1.0, size=(2, 5)),
            gain=rng.normal(1.0, 0.07, size=channels),
            offset=rng.normal(0.0, 3.0, size=channels),
            noise_deg=rng.uniform(0.3, 1.5),
            tempo=rng.uniform(0.8, 1.25),
        )


def pose_to_angles(poses: np.ndarray, rom: float) -> np.ndarray:
    """Pose track ``(T, 9)`` of one hand -> joint angles ``(T, 23)`` in degrees."""
    curl = np.clip(poses[:, :5], 0.0, 1.0) * rom
    spread, opp = poses[:, 5], poses[:, 6]
    thumb = curl[:, 0]
    columns = [15 + 25 * thumb, 10 + 45 * (1 - thumb) * (1 - 0.5 * opp), 70 * opp, 50 * thumb, 70 * thumb]
    for k, finger in enumerate(("index", "middle", "ring", "little"), start=1):
        c = curl[:, k]
        columns += [deg * c for deg in FINGER_FLEX_DEG]
        columns.append(FINGER_SPREAD_DEG[finger] * spread * (1 - c))
    columns += [poses[:, 7], poses[:, 8]]
    return np.stack(columns, axis=1)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _envelope(rng: np.random.Generator, tempo: float) -> tuple[np.ndarray, np.ndarray]:
    """Time axis and 0..1 gesture envelope (rest -> gesture -> rest) at the glove's rate."""
    phases = np.array([rng.uniform(0.15, 0.35), rng.uniform(0.2, 0.35), rng.uniform(0.7, 1.1),
                       rng.uniform(0.2, 0.35), rng.uniform(0.1, 0.3)]) * tempo  # fmt: skip
    edges = np.cumsum(phases)
    t = np.arange(0.0, edges[-1], 1.0 / SYNTHETIC_SAMPLE_RATE_HZ)
    rise = _smoothstep((t - edges[0]) / phases[1])
    fall = 1 - _smoothstep((t - edges[2]) / phases[3])
    return t, np.minimum(rise, fall)


def _hold_poses(label: str, convention: str) -> tuple[np.ndarray, np.ndarray]:
    if label in PAIR_CLASSES:
        left, right = (int(n) for n in label.split("_")[1:])
        pair = "two-hand" if convention == "asl" else convention
        return one_hand_count(left, pair), one_hand_count(right, pair)
    if label.startswith("count_"):
        return count_poses(int(label.split("_")[1]), convention)
    if label not in NAMED_POSES:
        raise ValueError(f"unknown synthetic gesture '{label}'; expected one of {ALL_CLASSES} or pair_<0-5>_<0-5>")
    return REST, NAMED_POSES[label]


def motion_word(label: str, convention: str) -> str:
    """The right hand's motion during the hold, in the words of ``glove.handshape.MOTIONS``."""
    if label == "wave" or (label == "count_10" and convention == "asl"):
        return "waving"
    return "beckoning" if label == "come_here" else "still"


def hand_words(label: str, convention: str = "two-hand") -> tuple[HandWords, HandWords]:
    """``(left, right)`` finger words of a gesture, read from its pose definition (the per-finger
    training labels of the finger reader, :mod:`sensor2text.models.fingers`)."""
    left, right = _hold_poses(label, convention)
    return (words_of_pose(left[:5], left[6]), words_of_pose(right[:5], right[6], motion_word(label, convention)))


def synthesize(label: str, subject: Subject, rng: np.random.Generator,
               convention: str = "two-hand") -> np.ndarray:  # fmt: skip
    """One recording of ``label`` by ``subject``: glove readings ``(T, 46)`` in degrees."""
    return synthesize_with_angles(label, subject, rng, convention)[1]


def synthesize_with_angles(label: str, subject: Subject, rng: np.random.Generator,
                           convention: str = "two-hand") -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """One recording: ``(true joint angles (T, 46), glove readings (T, 46))`` in degrees; the
    readings are the angles through the subject's sensor gain, offset and noise."""
    tempo = subject.tempo * rng.uniform(0.9, 1.1)
    t, envelope = _envelope(rng, tempo)
    hands = []
    for h, target in enumerate(_hold_poses(label, convention)):
        target = target.copy()
        target[:5] = np.minimum(target[:5] + rng.normal(0, 0.04, 5), subject.max_curl[h])
        target[7:] += rng.normal(0, 4.0, 2)
        track = REST + envelope[:, None] * (target - REST)
        if h == 1:
            track += envelope[:, None] * motion(label, convention, t, tempo)
        hands.append(pose_to_angles(track, subject.range_of_motion))
    angles = np.concatenate(hands, axis=1)
    noise = rng.normal(0.0, subject.noise_deg, angles.shape)
    return angles.astype(np.float32), (angles * subject.gain + subject.offset + noise).astype(np.float32)


@dataclass(frozen=True)
class SynthSpec:
    """What to synthesize: subjects and their split, classes, repetitions, counting convention."""

    seed: int = 0
    train_subjects: int = 8
    val_subjects: int = 2
    test_subjects: int = 2
    repetitions: int = 5
    classes: tuple[str, ...] = ALL_CLASSES
    convention: str = "two-hand"

    def __post_init__(self):
        if self.convention not in COUNTING_CONVENTIONS:
            raise ValueError(f"convention must be one of {COUNTING_CONVENTIONS}, got '{self.convention}'")
        unknown = set(self.classes) - set(ALL_CLASSES) - set(PAIR_CLASSES)
        if unknown:
            raise ValueError(f"unknown synthetic classes {sorted(unknown)}; known: {ALL_CLASSES} and pair_<0-5>_<0-5>")

    def subjects(self) -> list[tuple[int, str]]:
        """``[(subject index, split), ...]``: disjoint index ranges per split.

        Validation and test subjects have their own index ranges, so changing the number of
        training subjects never changes who is held out.
        """
        out = []
        for split, count in (("train", self.train_subjects), ("validation", self.val_subjects),
                             ("test", self.test_subjects)):  # fmt: skip
            out += [(SPLIT_OFFSETS[split] + i, split) for i in range(count)]
        return out


# First subject index of each split (subject names are subject<index>).
SPLIT_OFFSETS = {"train": 0, "validation": 1000, "test": 2000}


def generate(spec: SynthSpec, true_angles: bool = False):
    """Yield one dict per recording: subject, split, label, repetition, ``frames (T, 46)`` (with
    ``true_angles``, also ``angles (T, 46)``, the joint angles before the sensors).

    Deterministic for ``spec``: every subject has its own random stream seeded from
    ``(spec.seed, subject index)``, so adding subjects never changes existing ones.
    """
    for index, split in spec.subjects():
        name = f"subject{index:04d}"
        subject = Subject.draw(name, np.random.default_rng([spec.seed, index, 0]))
        rng = np.random.default_rng([spec.seed, index, 1])
        for label in spec.classes:
            for rep in range(spec.repetitions):
                angles, frames = synthesize_with_angles(label, subject, rng, spec.convention)
                record = {"subject": name, "split": split, "label": label, "repetition": rep,
                          "frames": frames, "hand_scale": subject.hand_scale}  # fmt: skip
                yield {**record, "angles": angles} if true_angles else record

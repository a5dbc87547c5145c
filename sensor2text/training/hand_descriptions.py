"""Plain-language descriptions of hand shapes with exact per-finger labels: a corpus for reading them.

Gestures can be defined in words: a user writes how a new gesture's hand looks ("make a fist, then lift
the pinky and the thumb") and a small LM reads, for each finger, whether it is extended, and whether the
thumb tip touches the index fingertip. This module writes the corpus a LoRA learns that reading from:
every :class:`Shape` (:func:`all_shapes`: the 32 sets of extended fingers, plus the 8 shapes whose thumb
and index tips touch) said in many phrasing families (:data:`STYLES`: plain lists, "only", from a fist,
from an open hand, "all but", instructions, dictionary entries, narrative, ...) with many synonyms for
fingers ("pointer", "forefinger", "the last two fingers") and states ("sticking out", "tucked in").

Labels are exact by construction: a family is given the shape and builds its text from the shape's own
finger sets (what it calls extended is ``shape.extended``, what it calls curled is the rest); nothing
is labelled after the text is written. Every description settles every finger: each is named, or a
phrase covers the unnamed ones ("the rest are curled", "make a fist, then ...", "open hand, but ...").
Palm orientation, movement and place are decoration that carries no finger state, so the reader learns
to look past them. The corpus never names a gesture (:data:`BANNED_NAMES`, :func:`check_no_names`):
it teaches finger words, so that a new gesture described in words is read, not recalled.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

from sensor2text.glove.handshape import FINGERS

TOUCH_PAIR = frozenset({"thumb", "index"})
MIN_WORDS, MAX_WORDS = 5, 40
_TRIES = 60  # draws of one style before giving up on the word range
_ATTEMPTS = 25  # draws per wanted description in corpus(), for distinct texts

# Gesture names (and letters of a manual alphabet) the corpus must never contain: it describes fingers.
BANNED_NAMES = (
    "ok", "okay", "o.k", "peace", "victory", "horns", "rock", "rock on", "shaka", "hang loose", "love",
    "thumbs up", "thumbs-up", "thumb's up", "thumbs down", "thumbs-down", "fist bump", "call me", "metal",
    "high five", "high-five", "v sign", "v-sign", "finger gun", "gun", "pistol", "salute", "vulcan", "live long",
    "spock", "crossed fingers", "fingers crossed", "the bird", "flip off", "hitchhike", "hitchhiker", "loser",
    "heart", "wave", "waving", "beckon", "beckoning", "come here", "phone", "telephone", "count", "counting",
    "number", "devil", "bunny", "spider-man", "spiderman", "aloha", "stop", "halt", "pinky promise",
    "pinky swear", "perfect", "chef's kiss", "hook 'em", "stone", "thumb up", "thumb down", "thumbs",
)  # fmt: skip
_NAME = re.compile(rf"(?<![\w'])(?:{'|'.join(map(re.escape, BANNED_NAMES))})(?![\w'])", re.IGNORECASE)
_LETTER = re.compile(r"(?<![\w'’.])[b-z](?![\w'’])", re.IGNORECASE)  # a lone letter other than "a"

# --- vocabulary -------------------------------------------------------------------------------------

NOUNS = {
    "thumb": ("thumb",),
    "index": ("index finger", "index finger", "pointer finger", "pointer", "forefinger", "first finger",
              "pointing finger", "index"),
    "middle": ("middle finger", "middle finger", "long finger", "second finger"),
    "ring": ("ring finger", "ring finger", "third finger"),
    "little": ("little finger", "pinky", "pinky", "pinkie", "smallest finger", "baby finger", "fifth finger",
               "pinky finger"),
}  # fmt: skip
ADJECTIVES = {"index": ("index", "pointer"), "middle": ("middle", "long"), "ring": ("ring",),
              "little": ("little", "baby")}  # fmt: skip
ORDINALS = {"index": ("first",), "middle": ("second",), "ring": ("third",)}
BARE = {
    "thumb": ("thumb",),
    "index": ("index", "index", "pointer", "index finger", "forefinger"),
    "middle": ("middle", "middle", "middle finger"),
    "ring": ("ring", "ring", "ring finger"),
    "little": ("pinky", "pinky", "little", "pinkie", "little finger"),
}
GROUPS = {
    frozenset({"middle", "ring"}): ("{d} two middle fingers",),
    frozenset({"index", "middle"}): ("{d} first two fingers",),
    frozenset({"ring", "little"}): ("{d} last two fingers",),
    frozenset({"index", "middle", "ring"}): ("{d} three middle fingers",),
    frozenset({"index", "middle", "ring", "little"}): ("all four fingers", "{d} four fingers",
                                                      "all four of {d} fingers"),
    frozenset(FINGERS): ("all five fingers", "all {d} fingers and {d} thumb", "every finger and {d} thumb",
                         "{d} thumb and all four fingers"),
}  # fmt: skip
SUBGROUPS = (frozenset({"index", "middle"}), frozenset({"ring", "little"}))  # named inside a longer list

EXTENDED = ("extended", "straight", "stretched out", "sticking out", "raised", "up", "pointing up", "lifted",
            "held up", "out", "unfolded", "sticking up", "standing up", "held straight", "fully extended",
            "straightened")  # fmt: skip
EXTENDED_MANY = ("spread", "open", "spread apart", "fanned out", "spread wide", "straight and together",
                 "extended and spread")  # fmt: skip
EXTENDED_THUMB = ("sticking out to the side", "out to the side", "extended sideways", "stuck out", "held out",
                  "extended", "out", "straight", "sticking out", "stretched away from the hand")  # fmt: skip
CURLED = ("curled", "folded", "bent", "tucked in", "closed", "held down", "pressed into the palm", "curled under",
          "down", "folded down", "curled into the palm", "bent down", "folded in", "tucked into the palm",
          "curled up", "flexed")  # fmt: skip
CURLED_MANY = ("clenched", "curled tight", "folded together", "closed into the palm")
CURLED_THUMB = ("tucked in", "folded across the palm", "tucked across the palm", "held against the side of the hand",
                "folded in", "bent", "curled", "tucked", "held in", "closed")  # fmt: skip
CURLED_THUMB_OVER = ("folded over the curled fingers", "tucked across the fingers", "resting on the curled fingers",
                     "wrapped over the curled fingers")  # fmt: skip

RAISE = ("raise {x}", "lift {x}", "straighten {x}", "extend {x}", "stick out {x}", "stick {x} out", "hold up {x}",
         "hold {x} up", "put up {x}", "put {x} up", "unfold {x}", "point {x} upward", "stretch out {x}",
         "stretch {x} out")  # fmt: skip
RAISE_THUMB = ("stick {x} out to the side", "extend {x} sideways", "stick out {x}", "pop {x} out", "hold {x} out",
               "stretch {x} away from the hand", "extend {x}")  # fmt: skip
RAISE_FROM_FIST = ("let {x} pop out", "uncurl {x}", "release {x}", "flick out {x}", "let {x} spring out",
                   "open out {x}")  # fmt: skip
CURL = ("curl {x}", "curl {x} into the palm", "fold {x} down", "fold down {x}", "bend {x}", "bend {x} down",
        "tuck {x} in", "tuck in {x}", "press {x} into the palm", "curl {x} under", "hold {x} down", "fold {x} in",
        "fold {x} into the palm", "pull {x} in")  # fmt: skip
CURL_MANY = ("close {x}", "clench {x}", "curl {x} tight")
CURL_THUMB = ("tuck {x} across the palm", "fold {x} across the palm", "lay {x} against the side of the hand",
              "tuck {x} in", "fold {x} in", "bend {x} in")  # fmt: skip
CURL_THUMB_OVER = ("fold {x} over the curled fingers", "wrap {x} over the curled fingers",
                   "rest {x} on the curled fingers", "tuck {x} across the fingers")  # fmt: skip
KEEP = ("keep {x} {p}", "leave {x} {p}", "hold {x} {p}")
KEEP_EXTENDED = ("straight", "extended", "up", "raised", "out", "stretched out", "sticking out")
KEEP_EXTENDED_THUMB = ("out", "extended", "sticking out", "out to the side")
KEEP_CURLED = ("curled", "folded", "bent", "tucked in", "down", "closed", "folded down", "curled in")
KEEP_CURLED_THUMB = ("tucked in", "folded", "tucked across the palm", "folded in", "bent")

LOOPS = ("circle", "loop", "ring", "closed loop", "small circle", "round loop")
REST = (("the rest", True), ("the others", True), ("the other fingers", True), ("the remaining fingers", True),
        ("everything else", False), ("all the others", True), ("the rest of the fingers", True),
        ("the rest of the hand", False), ("all the other fingers", True))  # fmt: skip
EVERYTHING = (("everything", False), ("the whole hand", False), ("every digit", False), ("each digit", False),
              ("all five fingers", True), ("all the digits", True), ("all the fingers and the thumb", True),
              ("the thumb and all the fingers", True), ("all fingers and thumb", True))  # fmt: skip
EVERYTHING_ELSE = (("everything else", False), ("the other fingers", True), ("the remaining fingers", True),
                   ("all the other fingers", True), ("the rest of the fingers", True))  # fmt: skip

PALM = ("palm facing out", "palm facing forward", "palm toward you", "palm facing you", "palm facing down",
        "palm turned away", "palm facing the body", "palm facing sideways", "palm turned toward the floor",
        "palm facing left", "palm facing right", "back of the hand toward the viewer")  # fmt: skip
PLACE = ("held at chest height", "beside the face", "in front of the chest", "at shoulder level",
         "next to the cheek", "in front of the body", "near the chin", "at waist height", "beside the head",
         "in front of the face")  # fmt: skip
MOVE = ("with a small shake", "held still", "with a slight bounce", "held steady", "without moving",
        "with a little twist of the wrist", "tilted slightly", "held for a moment")  # fmt: skip
DECORATION_SENTENCES = ("wiggle it slightly", "hold it for a moment", "give it a small shake", "keep it still",
                        "rotate the wrist a little", "keep the wrist relaxed", "the palm faces out",
                        "turn the palm toward you", "hold it at chest height", "keep it beside the face",
                        "the hand stays in front of the chest", "tilt it a little toward the body")  # fmt: skip


# --- shapes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """A hand shape: the fingers (names of :data:`FINGERS`) that are extended, all others curled, and
    whether the thumb tip touches the index fingertip (then thumb and index are not extended)."""

    extended: frozenset[str]
    touching: bool = False

    def __post_init__(self):
        object.__setattr__(self, "extended", frozenset(self.extended))
        if not self.extended <= set(FINGERS):
            raise ValueError(f"Shape: unknown fingers {sorted(self.extended - set(FINGERS))}; expected {FINGERS}.")
        if self.touching and self.extended & TOUCH_PAIR:
            raise ValueError("Shape: a thumb touching the index fingertip leaves neither extended.")

    @property
    def curled(self) -> frozenset[str]:
        """The fingers that are not extended (thumb and index too when they touch)."""
        return frozenset(FINGERS) - self.extended


def all_shapes() -> list[Shape]:
    """Every set of extended fingers (32), then the thumb-index touch with every set of the other three (8)."""
    free = [Shape(frozenset(c)) for n in range(len(FINGERS) + 1) for c in combinations(FINGERS, n)]
    others = [f for f in FINGERS if f not in TOUCH_PAIR]
    return free + [Shape(frozenset(c), True) for n in range(len(others) + 1) for c in combinations(others, n)]


# --- words ------------------------------------------------------------------------------------------


def _order(rng: random.Random, fingers: Sequence[str]) -> list[str]:
    """``fingers`` thumb first (mostly), little first or shuffled."""
    fingers = [f for f in FINGERS if f in fingers]
    draw = rng.random()
    if draw < 0.15:
        return fingers[::-1]
    if draw < 0.5:
        return rng.sample(fingers, len(fingers))
    return fingers


def _join(rng: random.Random, items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (an Oxford comma or an ampersand now and then)."""
    if len(items) == 1:
        return items[0]
    conjunction = " & " if rng.random() < 0.08 else " and "
    comma = "," if len(items) > 2 and rng.random() < 0.3 else ""
    return ", ".join(items[:-1]) + comma + conjunction + items[-1]


def _names(rng: random.Random, fingers: Sequence[str], det: str = "the") -> tuple[str, bool]:
    """A noun phrase naming exactly ``fingers`` and whether it is plural: ("the index and middle fingers", True)."""
    fingers = _order(rng, fingers)
    group, the = frozenset(fingers), f"{det} " if det else ""
    if group in GROUPS and rng.random() < 0.35:
        phrases = [p for p in GROUPS[group] if det or " of {d}" not in p]
        return rng.choice(phrases).format(d=det).strip(), True
    if len(fingers) > 1 and "thumb" not in group and rng.random() < 0.35:
        table = ORDINALS if group <= set(ORDINALS) and rng.random() < 0.3 else ADJECTIVES
        return f"{the}{_join(rng, [rng.choice(table[f]) for f in fingers])} fingers", True
    inside = [g for g in SUBGROUPS if g < group]
    if inside and rng.random() < 0.3:
        items, sub = [], inside[0]
        for finger in fingers:
            if finger not in sub:
                items.append(f"{the}{rng.choice(NOUNS[finger])}")
            elif finger == next(f for f in fingers if f in sub):
                items.append(GROUPS[sub][0].format(d=det).strip())
        return _join(rng, items), True
    nouns = [rng.choice(NOUNS[f]) for f in fingers]
    if det and len(nouns) > 1 and rng.random() < 0.4:
        return _join(rng, [f"{det} {n}" for n in nouns]), True
    return the + _join(rng, nouns), len(nouns) > 1


def _bare(rng: random.Random, fingers: Sequence[str], joiner: str | None = None) -> str:
    """Finger names without articles for lists and shorthand: ``index, middle`` or ``index+pinky``."""
    names = [rng.choice(BARE[f]) for f in _order(rng, fingers)]
    if joiner is None:
        return _join(rng, names)
    return joiner.join(names)


def _be(plural: bool, past: bool = False) -> str:
    return ("were" if plural else "was") if past else ("are" if plural else "is")


def _pred(rng: random.Random, fingers: Sequence[str], extended: bool, over: bool = False) -> str:
    """A state word for ``fingers`` (``over``: the thumb may lie over curled fingers)."""
    if list(fingers) == ["thumb"]:
        return rng.choice(EXTENDED_THUMB if extended else CURLED_THUMB + (CURLED_THUMB_OVER if over else ()))
    many = len(fingers) > 1
    return rng.choice(EXTENDED + EXTENDED_MANY * many if extended else CURLED + CURLED_MANY * many)


def _touch(rng: random.Random, mood: str, det: str = "the") -> str:
    """The thumb tip touching the index fingertip as a clause (``decl``), ``with ...`` phrase (``abs``),
    command (``imp``) or past-tense predicate (``past``, ``det`` a possessive)."""
    i, loop, d = rng.choice(NOUNS["index"]), rng.choice(LOOPS), det
    options = {
        "decl": (f"the tips of {d} thumb and {d} {i} touch, making a {loop}",
                 f"{d} thumb tip touches the tip of {d} {i}",
                 f"{d} thumb and {i} touch at the tips to form a {loop}", f"{d} thumb is pressed to {d} {i}'s tip",
                 f"{d} thumb and {i} tips meet in a {loop}", f"{d} {i} curls down to meet the tip of {d} thumb",
                 f"{d} thumb and {i} are pinched together at the tips",
                 f"{d} {i} and thumb form a {loop} with their tips touching",
                 f"{d} thumb tip rests against the tip of {d} {i}"),
        "abs": (f"with {d} thumb and {i} tips touching", f"with {d} thumb pressed to the tip of {d} {i}",
                f"with {d} thumb and {i} pinched together", f"with {d} {i} tip resting on {d} thumb tip",
                f"with {d} thumb and {i} forming a {loop}, tips touching",
                f"with the tips of {d} thumb and {i} joined in a {loop}"),
        "imp": (f"touch the tip of {d} thumb to the tip of {d} {i}", f"pinch {d} thumb and {i} together",
                f"bring {d} thumb and {i} tips together to make a {loop}", f"press {d} thumb to the tip of {d} {i}",
                f"curl {d} {i} down until it meets {d} thumb tip",
                f"make a {loop} with {d} thumb and {i}, tips touching",
                f"join the tips of {d} thumb and {i}"),
        "past": (f"touched {d} thumb to the tip of {d} {i}", f"pinched {d} thumb and {i} together",
                 f"brought {d} thumb and {i} tips together in a {loop}",
                 f"made a {loop} with {d} thumb and {i}, tips touching", f"pressed {d} thumb against {d} {i}'s tip"),
    }  # fmt: skip
    return rng.choice(options[mood])


class _Hand:
    """One shape as a family sees it: its extended and curled fingers outside the thumb-index touch
    (``subject``), with the word helpers bound to the description's random generator."""

    def __init__(self, shape: Shape, rng: random.Random):
        self.rng, self.touching = rng, shape.touching
        self.subject = [f for f in FINGERS if not (shape.touching and f in TOUCH_PAIR)]
        self.ext = [f for f in self.subject if f in shape.extended]
        self.curled = [f for f in self.subject if f not in shape.extended]
        self.over = len([f for f in self.curled if f != "thumb"]) >= 2

    def pick(self, options):
        return self.rng.choice(options)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def names(self, fingers, det: str = "the") -> tuple[str, bool]:
        return _names(self.rng, fingers, det)

    def pred(self, fingers, extended: bool) -> str:
        return _pred(self.rng, fingers, extended, self.over)

    def state(self, fingers, extended: bool, det: str = "the", verb: bool | None = None) -> str:
        """``the pinky is curled`` or, verbless, ``the pinky curled``."""
        np, plural = self.names(fingers, det)
        verb = self.chance(0.6) if verb is None else verb
        return f"{np} {_be(plural)} {self.pred(fingers, extended)}" if verb else f"{np} {self.pred(fingers, extended)}"

    def rest(self) -> tuple[str, bool]:
        return self.pick(REST)

    def everything(self, thumb_named: bool = False) -> tuple[str, bool]:
        """All of ``subject``: the whole hand, or, with the touch said first, the other fingers (no "and the
        thumb" when the thumb is ``thumb_named`` as an exception)."""
        options = EVERYTHING_ELSE if self.touching else EVERYTHING
        return self.pick([o for o in options if not (thumb_named and "thumb" in o[0])])

    def many_pred(self, extended: bool) -> str:
        """A state word for a plural phrase ("the rest", "the whole hand")."""
        return _pred(self.rng, ("a", "b"), extended)

    def imp(self, fingers, extended: bool, det: str = "the", fist: bool = False, keep: bool = True) -> str:
        """A command that puts ``fingers`` in their state: ``curl the ring finger into the palm`` (or, with
        ``keep``, holds them there: ``keep the ring finger curled``; not for a change from a fist)."""
        np, _ = self.names(fingers, det)
        thumb = list(fingers) == ["thumb"]
        if keep and self.chance(0.2):
            if extended:
                p = self.pick(KEEP_EXTENDED_THUMB if thumb else KEEP_EXTENDED)
            else:
                p = self.pick(KEEP_CURLED_THUMB if thumb else KEEP_CURLED)
            return self.pick(KEEP).format(x=np, p=p)
        if extended:
            templates = RAISE_THUMB if thumb else RAISE + RAISE_FROM_FIST * fist
        elif thumb:
            templates = CURL_THUMB + CURL_THUMB_OVER * self.over
        else:
            templates = CURL + CURL_MANY * (len(fingers) > 1)
        return self.pick(templates).format(x=np)

    def imp_rest(self, extended: bool) -> str:
        """A command for "the rest": ``curl the rest``, ``keep the others straight``."""
        np, _ = self.rest()
        if self.chance(0.4):
            return self.pick(KEEP).format(x=np, p=self.pick(KEEP_EXTENDED if extended else KEEP_CURLED))
        return self.pick(RAISE if extended else CURL + CURL_MANY).format(x=np)

    def touch(self, mood: str = "decl", det: str = "the") -> str:
        return _touch(self.rng, mood, det)

    def with_touch(self, text: str, first: bool | None = None, det: str = "the") -> str:
        """``text`` with the touch said before or after it; callers whose ``text`` speaks of "the rest" or
        "everything" pass ``first=True``, so that those words mean the fingers outside the touch."""
        if not self.touching:
            return text
        first = self.chance(0.7) if first is None else first
        if first:
            return self.touch("decl", det) + self.pick(("; ", ". ", " — ")) + text
        if self.chance(0.5):
            return f"{text}, {self.touch('abs', det)}"
        return text + self.pick(("; ", ". ", " — ")) + self.touch("decl", det)

    def sides(self) -> list[tuple[list[str], bool]]:
        """The non-empty (fingers, extended) sides, in random order."""
        sides = [(s, e) for s, e in ((self.ext, True), (self.curled, False)) if s]
        return self.rng.sample(sides, len(sides))


def _clauses(rng: random.Random, parts: Sequence[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    sep = rng.choice(("; ", ", ", ", and ", ". ", " while ", " and ", ", but "))
    return sep.join(parts)


def _split(rng: random.Random, fingers: Sequence[str]) -> list[list[str]]:
    """``fingers`` (in a random order) cut into one to three groups."""
    fingers = _order(rng, fingers)
    cuts = sorted(rng.sample(range(1, len(fingers)), min(len(fingers) - 1, rng.choice((0, 0, 1, 2)))))
    return [fingers[a:b] for a, b in zip([0, *cuts], [*cuts, len(fingers)])]


# --- phrasing families --------------------------------------------------------------------------------


def _f_list(h: _Hand) -> str:
    """Both sides named: ``the index and middle fingers are extended; the others ... are curled``."""
    return h.with_touch(_clauses(h.rng, [h.state(s, e) for s, e in h.sides()]), first=h.chance(0.6))


EXT_LABELS = ("extended", "straight", "up", "raised", "open", "out", "stretched")
CURL_LABELS = ("curled", "folded", "bent", "down", "closed", "tucked", "flexed", "in")


def _f_labels(h: _Hand) -> str:
    """Labelled lists: ``extended: index, middle; curled: thumb, ring, pinky``."""
    sections = []
    for fingers, extended in ((h.ext, True), (h.curled, False)):
        if fingers or h.chance(0.4):
            names = _bare(h.rng, fingers) if fingers else h.pick(("none", "nothing"))
            sections.append(f"{h.pick(EXT_LABELS if extended else CURL_LABELS)}: {names}")
    h.rng.shuffle(sections)
    if h.touching:
        i = h.pick(BARE["index"])
        touch = h.pick((f"touching: thumb and {i}", f"contact: thumb tip to {i} tip", f"thumb and {i}: tips touching",
                        f"touch: thumb and {i} tips", f"pinched: thumb and {i}"))  # fmt: skip
        sections.insert(h.pick((0, len(sections))), touch)
    return h.pick(("; ", ". ", " | ", " / ")).join(sections)


def _f_rest(h: _Hand) -> str:
    """One side named, "the rest" for the other: ``index and pinky extended, the other fingers curled``."""
    named, extended = h.sides()[0] if h.ext and h.curled else ([], not h.ext)
    rest, plural = h.rest()
    p = h.many_pred(not extended)
    if not named:  # the touch, then the rest all alike
        return h.with_touch(f"{rest} {_be(plural)} {p}" if h.chance(0.6) else f"{rest} {p}", first=True)
    said = h.state(named, extended)
    text = h.pick((f"{said}, {rest} {p}", f"{said}; {rest} {_be(plural)} {p}", f"{rest} {p}, {said}",
                   f"{said}, with {rest} {p}", f"{said} and {rest} {p}"))  # fmt: skip
    return h.with_touch(text, first=True)


ONLY_VERBS_EXT = (("sticks up", "stick up"), ("stands up", "stand up"), ("sticks out", "stick out"),
                  ("points up", "point up"), ("is raised", "are raised"), ("is straight", "are straight"))  # fmt: skip
ONLY_VERBS_THUMB = (("sticks out", "stick out"), ("is out", "are out"), ("is extended", "are extended"))
ONLY_VERBS_CURL = (("is bent", "are bent"), ("curls down", "curl down"), ("is folded", "are folded"),
                   ("is tucked in", "are tucked in"))  # fmt: skip


def _f_only(h: _Hand) -> str:
    """``Only the index is raised.`` / ``Just the index and pinky stick up.`` (or only one finger curled)."""
    curl_way = not h.touching and len(h.curled) == 1 and len(h.ext) >= 2 and h.chance(0.3)
    named, extended = (h.curled, False) if curl_way else (h.ext, True)
    np, plural = h.names(named)
    p = h.pred(named, extended)
    verbs = ONLY_VERBS_CURL if not extended else ONLY_VERBS_THUMB if named == ["thumb"] else ONLY_VERBS_EXT
    noun = h.pick(("digit", "finger")) if "thumb" in named else "finger"
    text = h.pick((f"{h.pick(('only', 'just'))} {np} {_be(plural)} {p}",
                   f"{h.pick(('only', 'just'))} {np} {h.pick(verbs)[plural]}",
                   f"{np} alone {_be(plural)} {p}",
                   f"the only {noun}{'s' * plural} {p} {_be(plural)} {np}"))  # fmt: skip
    if h.chance(0.35):
        rest, rest_plural = h.rest()
        other = h.many_pred(not extended)
        text += h.pick((f", {rest} {other}", f"; {rest} {_be(rest_plural)} {other}",
                        f"; everything else stays {other}"))  # fmt: skip
    return h.with_touch(text, first=True)


FIST = ("make a fist", "make a loose fist", "start from a fist", "close the hand into a fist",
        "begin with a closed fist", "form a fist", "curl the hand into a fist", "start with the hand closed",
        "close your hand", "clench the hand", "start with a fist", "make a tight fist")  # fmt: skip
FIST_FROM = ("from a fist", "starting from a fist", "out of a closed fist", "from a closed hand")
FIST_ALL = (", with every finger and the thumb folded in", " and keep every digit curled", "; nothing sticks out",
            ", thumb wrapped over the curled fingers", ", thumb tucked across the fingers",
            " with the thumb folded over the fingers", "; all fingers and the thumb stay closed",
            " and keep the thumb tucked over the fingers")  # fmt: skip


def _f_fist(h: _Hand) -> str:
    """From a fist: ``Make a fist, then lift the pinky and thumb.``"""
    start = h.pick(FIST)
    if not h.ext:
        return f"{start} {h.touch('abs')}" if h.touching else start + h.pick(FIST_ALL)
    det = h.pick(("the", "the", "your"))
    groups = _split(h.rng, h.ext) if h.chance(0.3) else [h.ext]
    raises = _join(h.rng, [h.imp(g, True, det, fist=True, keep=False) for g in groups])
    np, _ = h.names(h.ext, det)
    if h.touching:
        return h.pick((f"{start} {h.touch('abs', det)}, then {raises}",
                       f"{start}, {h.touch('imp', det)}, then {raises}",
                       f"{start} and {raises}; {h.touch('decl')}"))  # fmt: skip
    return h.pick((f"{start}, then {raises}", f"{start} and {raises}", f"{h.pick(FIST_FROM)}, {raises}",
                   f"{start} with {np} {h.pred(h.ext, True)}", f"close the hand and let {np} pop out"))  # fmt: skip


OPEN = ("open hand", "start with an open hand", "open the hand", "begin with a flat, open hand", "spread the hand open",
        "hold the hand open", "open your hand", "start with all five fingers straight", "flat hand",
        "start from a flat hand", "an open hand")  # fmt: skip
OPEN_FROM = ("from an open hand", "starting with the hand open", "from a flat hand")
OPEN_ALL = (", all fingers and the thumb extended", " with every finger spread wide",
            ": everything straight, nothing bent", ", every digit stretched out", " with the thumb out too",
            ", fingers and thumb spread apart")  # fmt: skip


def _f_open(h: _Hand) -> str:
    """From an open hand: ``Open hand, but with the ring finger folded down.``"""
    start = h.pick([s for s in OPEN if not (h.touching and "five" in s)])
    if not h.curled:
        return f"{start}, {h.touch('abs')}" if h.touching else start + h.pick(OPEN_ALL)
    det = h.pick(("the", "the", "your"))
    groups = _split(h.rng, h.curled) if h.chance(0.3) else [h.curled]
    folds = _join(h.rng, [h.imp(g, False, det, keep=False) for g in groups])
    np, _ = h.names(h.curled, det)
    held = f"{np} {h.pred(h.curled, False)}"
    if h.touching:
        return h.pick((f"{start}, then {h.touch('imp', det)} and {folds}", f"{start} {h.touch('abs', det)}, and {held}",
                       f"{start}, but with {held}; {h.touch('decl')}"))  # fmt: skip
    return h.pick((f"{start}, but with {held}", f"{start}, then {folds}", f"{start} and {folds}",
                   f"{h.pick(OPEN_FROM)}, {folds}", f"{start} with {held}"))  # fmt: skip


EXCEPT = ("except", "but", "apart from", "other than", "except for", "save for")


def _f_except(h: _Hand) -> str:
    """``Everything is curled except the index.`` / ``All but the pinky are straight.``"""
    small, large = sorted([(h.ext, True), (h.curled, False)], key=lambda side: len(side[0]))
    swap = len(small[0]) >= 2 and h.chance(0.3)  # "everything" stands for at least two fingers
    (exception, exc_ext), (main, main_ext) = (large, small) if swap else (small, large)
    whole, plural = h.everything(thumb_named="thumb" in exception)
    x, x_plural = h.names(exception)
    mp, ex = h.many_pred(main_ext), h.pick(EXCEPT)
    forms = [f"{whole} {_be(plural)} {mp} {ex} {x}", f"{whole} {ex} {x} {_be(plural)} {mp}",
             f"{whole} {_be(plural)} {mp} {ex} {x}, which {_be(x_plural)} {h.pred(exception, exc_ext)}",
             f"{whole} {mp} {ex} {x}"]  # fmt: skip
    if not h.touching:
        forms.append(f"all but {x} are {mp}")
    return h.with_touch(h.pick(forms), first=True)


LEADS = ("", "", "", "", "with your dominant hand, ", "using one hand, ", "hold your hand in front of you and ",
         "try this: ", "to make it, ", "for this shape, ")  # fmt: skip


def _f_instruction(h: _Hand) -> str:
    """Commands to "you": ``Curl your ring finger and pinky, tuck your thumb across the palm and ...``"""
    det = h.pick(("your", "your", "your", "the"))
    if h.ext and h.curled and h.chance(0.3):  # named side, the touch, then "the rest"
        named, extended = h.sides()[0]
        cmds = [h.imp(named, extended, det)] + [h.touch("imp", det)] * h.touching + [h.imp_rest(not extended)]
    else:
        groups = []
        for fingers, extended in h.sides():
            if "thumb" in fingers and len(fingers) > 1 and h.chance(0.5):
                groups += [(["thumb"], extended), ([f for f in fingers if f != "thumb"], extended)]
            else:
                groups.append((fingers, extended))
        cmds = [h.imp(g, e, det) for g, e in groups] + [h.touch("imp", det)] * h.touching
        h.rng.shuffle(cmds)
    if len(cmds) > 1 and h.chance(0.5):
        text = ", ".join(cmds[:-1]) + h.pick((", and ", " and ", ", then ", "; then ")) + cmds[-1]
    else:
        text = h.pick(("; ", ". ", ", ")).join(cmds)
    return h.pick(LEADS) + text


HEADS = ("handshape", "hand shape", "shape", "hand configuration", "configuration", "hand form", "finger position",
         "finger positions", "handshape description")  # fmt: skip
EXTRAS = ("orientation: palm facing out", "orientation: palm toward the signer", "location: in front of the chest",
          "location: beside the face", "movement: none", "movement: a small shake", "orientation: palm down",
          "location: neutral space")  # fmt: skip


def _f_dictionary(h: _Hand) -> str:
    """Dictionary entries: ``Handshape: closed hand with the index extended. Orientation: palm out.``"""
    forms = []
    if h.ext and h.curled:
        forms += [_clauses(h.rng, [h.state(s, e, verb=False) for s, e in h.sides()]),
                  f"{h.state(h.ext, True, verb=False)}, {h.pick(('others', 'the rest', 'remaining fingers'))} "
                  f"{h.pick(('flexed', 'closed', 'curled', 'folded'))}"]  # fmt: skip
    if h.ext:
        np, _ = h.names(h.ext)
        forms.append(f"{h.pick(('closed hand', 'fist', 'closed fist'))} with {np} {h.pred(h.ext, True)}")
    else:
        whole, _ = h.everything()
        forms += [f"{h.pick(('closed hand', 'fist', 'clenched hand'))}, {whole} {h.many_pred(False)}",
                  f"{whole} {h.many_pred(False)}"]
    if h.curled:
        np, _ = h.names(h.curled)
        forms.append(f"{h.pick(('open hand', 'flat hand', 'spread hand'))} with {np} {h.pred(h.curled, False)}")
    else:
        whole, _ = h.everything()
        forms += [f"{h.pick(('open hand', 'flat hand'))}, {whole} {h.many_pred(True)}", f"{whole} {h.many_pred(True)}"]
    body = h.pick(forms)
    if h.touching:
        i = h.pick(NOUNS["index"])
        touch = h.pick((f"thumb and {i} tips joined in a {h.pick(LOOPS)}", f"thumb tip on {i} tip",
                        f"thumb and {i} touching at the tips"))  # fmt: skip
        body = h.pick((f"{touch}; {body}", f"{touch}, {body}", f"{touch}. contact: thumb tip to {i} tip; {body}"))
    text = f"{h.pick(HEADS)}{h.pick((': ', ' — ', ' - '))}{body}"
    if h.chance(0.4):
        extras = [h.pick([e for e in EXTRAS if e.startswith(kind)]) for kind in ("orientation", "location", "movement")]
        text += ". " + ". ".join(h.rng.sample(extras, h.pick((1, 2))))
    return text


PEOPLE = (("she", "her"), ("he", "his"), ("the signer", "their"), ("the child", "their"), ("the teacher", "her"),
          ("the coach", "his"), ("my friend", "her"), ("the man", "his"), ("the woman", "her"),
          ("the player", "their"), ("the boy", "his"), ("the girl", "her"))  # fmt: skip
RAISED_PAST = ("raised {x}", "lifted {x}", "held up {x}", "stuck out {x}", "extended {x}", "straightened {x}",
               "put up {x}", "stuck {x} out", "held {x} up")  # fmt: skip
RAISED_PAST_THUMB = ("stuck {x} out to the side", "stuck out {x}", "extended {x} sideways", "held {x} out")
CURLED_PAST = ("curled {x}", "folded {x} down", "tucked {x} in", "bent {x}", "pressed {x} into the palm",
               "folded down {x}", "curled {x} into the palm", "kept {x} folded", "kept {x} curled",
               "tucked in {x}")  # fmt: skip
CURLED_PAST_THUMB = ("tucked {x} across the palm", "folded {x} in", "kept {x} tucked in",
                     "held {x} against the side of the hand")  # fmt: skip


def _f_narrative(h: _Hand) -> str:
    """Third person, past tense: ``She held up her index finger while her other fingers stayed curled.``"""
    who, pos = h.pick(PEOPLE)

    def did(fingers, extended):
        thumb = fingers == ["thumb"]
        templates = (RAISED_PAST_THUMB if thumb else RAISED_PAST) if extended else (
            CURLED_PAST_THUMB if thumb else CURLED_PAST)
        return h.pick(templates).format(x=h.names(fingers, pos)[0])

    touch = f"{h.touch('past', pos)}"
    if not h.ext:
        body = h.pick((f"closed {pos} hand into a tight fist", f"curled every finger and {pos} thumb into the palm",
                       f"made a fist, {pos} thumb folded over the fingers", f"clenched {pos} whole hand"))  # fmt: skip
        if h.touching:
            body = f"{touch} and curled the rest into the palm"
        return f"{who} {body}"
    if not h.curled:
        body = h.pick((f"spread {pos} whole hand open, every finger and the thumb straight",
                       f"opened {pos} hand wide, all fingers and the thumb extended"))  # fmt: skip
        if h.touching:
            body = f"{touch}, {h.pick(('keeping', 'leaving'))} the other fingers {h.many_pred(True)}"
        return f"{who} {body}"
    e, c = did(h.ext, True), did(h.curled, False)
    rest, _ = h.rest()
    forms = [f"{e} while {pos} other fingers stayed {h.many_pred(False)}", f"{e}, keeping {rest} {h.many_pred(False)}",
             f"{c} and {e}", f"{e} and {c}", f"made a fist and {did(h.ext, True)}",
             f"opened {pos} hand but {c}"]  # fmt: skip
    np, plural = h.names(h.ext, pos)
    forms.append(f"{c}, leaving {np} {h.pred(h.ext, True)}")
    np, plural = h.names(h.curled, pos)
    forms.append(f"held {pos} hand open except for {np}, which {_be(plural, past=True)} {h.pred(h.curled, False)}")
    body = h.pick(forms)
    if h.touching and re.match(r"(opened|held|made) ", body):  # a whole-hand move first, then the touch
        body = f"{body}, {h.pick(('then', 'and'))} {touch}"
    elif h.touching:
        body = f"{touch}, then {body}" if h.chance(0.6) else f"{touch} and {body}"
    return f"{who} {body}"


SHORT_EXT = ("out", "up", "extended", "straight", "raised", "open", "stretched")
SHORT_EXT_THUMB = ("out", "extended", "straight", "out to the side", "sticking out")
SHORT_CURL = ("curled", "down", "bent", "folded", "closed", "tucked", "in", "flexed")
SHORT_CURL_THUMB = ("tucked", "in", "folded", "bent", "curled", "across the palm", "tucked in")


def _f_per_finger(h: _Hand) -> str:
    """Each finger on its own: ``Thumb: out. Index: curled. ...`` or ``thumb out, index down, ...``."""
    form = h.pick(("colon", "pair", "clause", "dash"))
    items = []
    for finger in _order(h.rng, h.subject):
        extended = finger in h.ext
        thumb = finger == "thumb"
        if form == "clause":
            items.append(f"the {h.pick(NOUNS[finger])} is {_pred(h.rng, [finger], extended, h.over)}")
            continue
        word = h.pick((SHORT_EXT_THUMB if thumb else SHORT_EXT) if extended else (
            SHORT_CURL_THUMB if thumb else SHORT_CURL))
        sep = {"colon": ": ", "pair": " ", "dash": " - "}[form]
        items.append(f"{h.pick(BARE[finger])}{sep}{word}")
    if h.touching:
        i = h.pick(BARE["index"])
        touch = {"colon": f"thumb and {i}: tips touching", "pair": f"thumb and {i} touching",
                 "dash": f"thumb and {i} - pinched together", "clause": h.touch("decl")}[form]  # fmt: skip
        items.insert(h.rng.randrange(len(items) + 1), touch)
    if form == "clause":
        return ", ".join(items[:-1]) + h.pick((", and ", "; ", " and ")) + items[-1]
    return {"colon": h.pick((". ", "; ")), "pair": ", ", "dash": "; "}[form].join(items)


NOT_EXT = ("extended", "straight", "raised", "sticking out", "up", "lifted")
NOT_CURL = ("curled", "bent", "folded", "tucked in", "closed", "folded down")


def _f_negation(h: _Hand) -> str:
    """Said with "not", "none", "no": ``Nothing is raised except the pinky.``"""
    ne, nc = h.pick(NOT_EXT), h.pick(NOT_CURL)
    if not h.ext or not h.curled:
        extended = bool(h.ext)
        word = nc if extended else ne
        if h.touching:
            return f"{h.touch()}; none of the other fingers {h.pick(('is', 'are'))} {word}"
        whole, plural = h.everything()
        return h.pick((f"no digit is {word}, not even the thumb",
                       f"nothing is {word}; {whole} {_be(plural)} {h.many_pred(extended)}",
                       f"none of the fingers is {word}, and neither is the thumb"))  # fmt: skip
    e, e_plural = h.names(h.ext)
    c, c_plural = h.names(h.curled)
    forms = [f"{c} {_be(c_plural)} not {ne}, but {e} {_be(e_plural)}",
             f"{e} {_be(e_plural)} not {nc}; {c} {_be(c_plural)} not {ne}",
             f"{e} {_be(e_plural)} {h.pred(h.ext, True)}, and none of the others {h.pick(('is', 'are'))} {ne}",
             f"do not {h.pick(('bend', 'curl', 'fold'))} {h.names(h.ext, 'your')[0]}, but "
             f"{h.imp(h.curled, False, 'your')}"]  # fmt: skip
    if h.touching:
        forms.append(f"none of the other fingers {h.pick(('is', 'are'))} {ne} except {e}")
    else:
        forms += [f"nothing is {ne} except {e}", f"no digit is {nc} apart from {c}"]
    return h.with_touch(h.pick(forms), first=True)


SIMILE_EXT_ONE = ("straight as a pencil", "stiff as a stick", "like a little antenna", "straight like a rod",
                  "like a candle")  # fmt: skip
SIMILE_EXT_MANY = ("spread like a fan", "spread wide like a fan", "straight as rulers", "like the prongs of a fork",
                   "stiff like sticks", "like the teeth of a comb")  # fmt: skip
SIMILE_CURL_ONE = ("bent like a hook", "curled like a hook", "folded like a hinge", "curled like a shrimp")
SIMILE_CURL_MANY = ("curled like a claw", "bent like hooks", "curled tight like a ball", "folded like a closed fan",
                    "curled like a cat's paw")  # fmt: skip
SIMILE_FIST = ("like a ball", "tight like a knot", "as if holding a coin", "clenched like a small hammer")
SIMILE_OPEN = ("flat like a paddle", "spread like a starfish", "open like a fan")
SIMILE_TOUCH = ("as if holding a small bead", "as if picking up a grain of salt", "like holding a thread")


def _f_comparison(h: _Hand) -> str:
    """States with a picture added: ``the pinky is raised, straight as a pencil; the rest curled like a claw``."""

    def simile(fingers, extended):
        many = len(fingers) > 1
        return h.pick((SIMILE_EXT_MANY if many else SIMILE_EXT_ONE) if extended else (
            SIMILE_CURL_MANY if many else SIMILE_CURL_ONE))

    if not h.ext or not h.curled:
        extended = bool(h.ext)
        whole, plural = h.everything()
        text = f"{whole} {_be(plural)} {h.many_pred(extended)}, {h.pick(SIMILE_OPEN if extended else SIMILE_FIST)}"
    else:
        sides = h.sides()
        pictured = h.rng.sample(range(len(sides)), h.pick((1, 2)))
        text = _clauses(h.rng, [f"{h.state(s, e)}, {simile(s, e)}" if n in pictured else h.state(s, e)
                                for n, (s, e) in enumerate(sides)])  # fmt: skip
    if h.touching:
        return f"{h.touch()}, {h.pick(SIMILE_TOUCH)}; {text}"
    return text


def _f_decorated(h: _Hand) -> str:
    """A plain description wrapped in palm, place and movement words that carry no finger state."""
    core = h.pick([f for f, applies in ((_f_list, _mixed_or_touch), (_f_rest, _mixed_or_touch), (_f_fist, _always),
                                        (_f_open, _always), (_f_only, _some_up)) if applies(h)])  # fmt: skip
    return _decorate(h.rng, core(h), h.pick((1, 2, 2, 3)))


def _f_terse(h: _Hand) -> str:
    """Shorthand notes: ``index+pinky up, rest down``."""
    up = h.pick(("out", "extended", "straight") + ("up",) * ("thumb" not in h.ext))  # never "thumb up"
    down = h.pick(("in", "curled", "folded", "bent") + ("down",) * ("thumb" not in h.curled))
    joiner = h.pick(("+", " + ", " & ", ", ", "/", None))
    if h.ext and h.curled:
        e, c = _bare(h.rng, h.ext, joiner), _bare(h.rng, h.curled, joiner)
        forms = [f"{e} {up}, rest {down}", f"{e} {up}, others {down}", f"{e} {up}; {c} {down}", f"{c} {down}, {e} {up}",
                 f"{e} {up} - everything else {down}", f"{c} {down}, rest {up}"]  # fmt: skip
    elif h.ext:
        forms = [f"all fingers {up}, thumb {up} too", f"whole hand open, every finger {up}",
                 f"everything {up}, nothing {down}"]  # fmt: skip
    else:
        forms = [f"all fingers {down}, thumb {down} too", f"fist, nothing {up}, thumb tucked",
                 f"everything {down}, nothing {up}"]  # fmt: skip
    text = h.pick(forms)
    if h.touching:
        i = h.pick(BARE["index"])
        touch = h.pick((f"thumb-{i} tips touching", f"thumb+{i} pinched", f"thumb & {i} touch", f"thumb/{i} circle"))
        if not (h.ext and h.curled):
            text = f"{h.pick(('others', 'rest', 'other fingers'))} {up if h.ext else down}"
        text = f"{touch}{h.pick((', ', '; ', ' | '))}{text}"
    return text


FIRSTS = ("first, ", "first ", "to start, ", "start by ", "begin: ")
NEXTS = ("then ", "next, ", "after that, ", "now ", "and then ")
LASTS = ("finally, ", "last, ", "lastly, ", "to finish, ")


def _f_steps(h: _Hand) -> str:
    """Step by step: ``First make a fist. Then lift the pinky. Finally, lift the thumb.``"""
    det = h.pick(("the", "your"))
    start = h.pick(["fist"] * bool(h.ext) + ["open"] * bool(h.curled) + ["none"] * bool(h.ext and h.curled))
    if start == "fist":
        steps = [h.pick(("make a fist", "close the hand", "curl every finger and the thumb"))]
        steps += [h.imp(g, True, det, fist=True, keep=False) for g in _split(h.rng, h.ext)]
    elif start == "open":
        steps = [h.pick(("open the hand", "spread the hand flat", "straighten every finger and the thumb"))]
        steps += [h.imp(g, False, det, keep=False) for g in _split(h.rng, h.curled)]
    elif start == "none":
        steps = [h.imp(s, e, det) for s, e in h.sides()]
    if h.touching:
        steps.insert(h.rng.randrange(1, len(steps) + 1), h.touch("imp", det))
    if len(steps) == 1:
        steps.append(h.pick(("hold it there", "keep the hand relaxed", "hold the shape")))
    markers = [h.pick(FIRSTS)] + [h.pick(NEXTS) for _ in steps[1:-1]] + [h.pick(LASTS + NEXTS)]
    if markers[0] == "start by ":
        steps[0] = re.sub(r"^(\w+)", lambda m: _gerund(m.group(1)), steps[0])
    return h.pick((". ", "; ", ", ")).join(m + s for m, s in zip(markers, steps))


def _gerund(verb: str) -> str:
    if verb.endswith("e") and verb not in ("be",):
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][bdgmnpt]", verb) and verb not in ("open",):
        return verb + verb[-1] + "ing"
    return verb + "ing"


CONTRAST_EXT = (("stands up", "stand up"), ("sticks out", "stick out"), ("points up", "point up"),
                ("stays straight", "stay straight"), ("is extended", "are extended"), ("rises", "rise"),
                ("stays up", "stay up"), ("is held straight", "are held straight"))  # fmt: skip
CONTRAST_EXT_THUMB = (("sticks out", "stick out"), ("juts out to the side", "jut out"), ("stays out", "stay out"),
                      ("is extended", "are extended"))  # fmt: skip
CONTRAST_CURL = (("curls down", "curl down"), ("stays folded", "stay folded"), ("is tucked in", "are tucked in"),
                 ("bends into the palm", "bend into the palm"), ("rests in the palm", "rest in the palm"),
                 ("is curled", "are curled"), ("stays down", "stay down"), ("folds under", "fold under"))  # fmt: skip
CONTRAST_CURL_THUMB = (("tucks across the palm", ""), ("folds in", ""), ("stays tucked in", ""),
                       ("lies against the side of the hand", ""))  # fmt: skip
CONNECT = (" while ", ", whereas ", ", but ", "; meanwhile ", ", and at the same time ", "; by contrast, ")


def _f_contrast(h: _Hand) -> str:
    """``The index and pinky stand up while the middle and ring fingers curl down.``"""

    def does(fingers, extended):
        np, plural = h.names(fingers)
        thumb = fingers == ["thumb"]
        verbs = (CONTRAST_EXT_THUMB if thumb else CONTRAST_EXT) if extended else (
            CONTRAST_CURL_THUMB if thumb else CONTRAST_CURL)
        return f"{np} {h.pick(verbs)[plural]}"

    if h.ext and h.curled:
        a, b = (does(s, e) for s, e in h.sides())
        text = f"{a}{h.pick(CONNECT)}{b}" if h.chance(0.75) else f"while {a}, {b}"
        return h.with_touch(text)
    rest, plural = h.pick(EVERYTHING_ELSE[1:])  # touching: the other fingers all alike
    verbs = CONTRAST_EXT if h.ext else CONTRAST_CURL
    return f"{h.touch()}{h.pick(CONNECT)}{rest} {h.pick(verbs)[plural]}"


def _f_noun_phrase(h: _Hand) -> str:
    """A noun phrase: ``A closed hand with the pinky sticking out.``"""
    forms = []
    if h.ext:
        forms.append(_hand_with(h, ("a closed hand", "a fist", "a loose fist", "a curled hand", "a clenched hand"),
                                h.ext, True))  # fmt: skip
    else:
        forms.append(f"a tight fist {h.touch('abs')}" if h.touching else
                     h.pick(("a tight fist with the thumb wrapped over the fingers",
                             "a closed hand, every digit curled",
                             "a clenched hand with the thumb tucked across the fingers")))  # fmt: skip
    if h.curled:
        forms.append(_hand_with(h, ("an open hand", "a flat hand", "a spread hand", "an open palm"), h.curled, False))
    else:
        forms.append(f"an open hand {h.touch('abs')}" if h.touching else
                     h.pick(("a flat open hand with every finger and the thumb stretched out",
                             "an open hand, all digits spread", "a wide open hand, everything straight")))  # fmt: skip
    if h.ext and h.curled:
        start = f"a hand {h.touch('abs')}," if h.touching else "a hand with"
        up = h.state(h.ext, True, verb=False)
        forms += [f"{start} {up} and {h.state(h.curled, False, verb=False)}",
                  f"{start} {up} and the rest {h.many_pred(False)}"]
    return h.pick(forms)


def _hand_with(h: _Hand, openings: tuple[str, ...], fingers, extended: bool) -> str:
    """``<opening>[ <touch>,] with <fingers> <state>``: a whole hand one way, ``fingers`` the other."""
    np, _ = h.names(fingers)
    opening = h.pick(openings)
    touch = f" {h.touch('abs')}," if h.touching else ""
    return f"{opening}{touch} with {np} {h.pred(fingers, extended)}"


def _decorate(rng: random.Random, text: str, n: int, sentences: bool = True) -> str:
    """``text`` with ``n`` palm, place or movement phrases before, after or (``sentences``) as sentences."""
    for kind in rng.sample((PALM, PLACE, MOVE), n):
        phrase = rng.choice(kind)
        where = rng.random()
        if where < 0.3:
            text = f"{phrase}, {text}"
        elif where < 0.65:
            text = f"{text}, {phrase}"
        elif where < 0.85 and sentences:
            text = f"{text}. {rng.choice(DECORATION_SENTENCES)}"
        else:
            text = f"{text} ({phrase})"
    return text


# --- families and their reach -------------------------------------------------------------------------


def _always(h: _Hand) -> bool:
    return True


def _mixed(h: _Hand) -> bool:
    return bool(h.ext and h.curled)


def _mixed_or_touch(h: _Hand) -> bool:
    return h.touching or bool(h.ext and h.curled)


def _some_up(h: _Hand) -> bool:
    return bool(h.ext) and (bool(h.curled) or h.touching)


_FAMILIES: dict[str, tuple[Callable[[_Hand], str], Callable[[_Hand], bool]]] = {
    "list": (_f_list, _mixed_or_touch),
    "labels": (_f_labels, _always),
    "rest": (_f_rest, _mixed_or_touch),
    "only": (_f_only, _some_up),
    "fist": (_f_fist, _always),
    "open": (_f_open, _always),
    "except": (_f_except, _mixed),
    "instruction": (_f_instruction, _always),
    "dictionary": (_f_dictionary, _always),
    "narrative": (_f_narrative, _always),
    "per_finger": (_f_per_finger, _always),
    "negation": (_f_negation, _always),
    "comparison": (_f_comparison, _always),
    "decorated": (_f_decorated, _always),
    "terse": (_f_terse, _always),
    "steps": (_f_steps, _always),
    "contrast": (_f_contrast, _mixed_or_touch),
    "noun_phrase": (_f_noun_phrase, _always),
}
STYLES: tuple[str, ...] = tuple(_FAMILIES)
_PLAIN = ("labels", "per_finger", "terse", "decorated", "dictionary")  # no extra decoration


def styles_for(shape: Shape) -> list[str]:
    """The styles (of :data:`STYLES`) that can describe ``shape`` ("only" needs a raised finger, ...)."""
    hand = _Hand(shape, random.Random(0))
    return [name for name, (_, applies) in _FAMILIES.items() if applies(hand)]


def word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z]+(?:'[a-z]+)?", text))


def _finish(rng: random.Random, text: str, style: str) -> str:
    """Tidy spacing and punctuation; sentence case (or, now and then, all lower case); a final period or none."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,;.)])", r"\1", text)
    text = re.sub(r"([,;])\1+", r"\1", text)
    if rng.random() >= (0.6 if style == "terse" else 0.12):
        text = re.sub(r"(^|[.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    if text[-1] not in ".!?" and rng.random() < (0.3 if style in ("terse", "labels") else 0.8):
        text += "."
    return text


def describe(shape: Shape, rng: random.Random, styles: Sequence[str] | None = None) -> tuple[str, str]:
    """One description of ``shape`` and its style, a random one of ``styles`` (all) that can describe it."""
    names = list(STYLES if styles is None else styles)
    unknown = [name for name in names if name not in _FAMILIES]
    if unknown:
        raise ValueError(f"describe: unknown styles {unknown}; expected some of {STYLES}.")
    fits = styles_for(shape)
    usable = [name for name in names if name in fits]
    if not usable:
        raise ValueError(f"describe: none of the styles {names} can describe {shape}.")
    style = rng.choice(usable)
    family = _FAMILIES[style][0]
    for _ in range(_TRIES):
        text = family(_Hand(shape, rng))
        if style not in _PLAIN and rng.random() < 0.2:
            text = _decorate(rng, text, 1, sentences=style != "narrative")
        text = _finish(rng, text, style)
        if MIN_WORDS <= word_count(text) <= MAX_WORDS and not _NAME.search(text):
            return text, style
    raise RuntimeError(f"describe: style '{style}' gave no description of {MIN_WORDS}-{MAX_WORDS} words for {shape}.")


def check_no_names(texts: Sequence[str]) -> None:
    """Raise ValueError naming the first gesture name (:data:`BANNED_NAMES`) or lone letter found in ``texts``."""
    for text in texts:
        found = _NAME.search(text)
        if found:
            raise ValueError(f"check_no_names: gesture name '{found.group().lower()}' in {text!r}.")
        letter = _LETTER.search(text)
        if letter:
            raise ValueError(f"check_no_names: lone letter '{letter.group().lower()}' in {text!r}.")


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9+&/]+", " ", text.lower()).strip()


def corpus(shapes: Sequence[Shape], per_shape: int, rng: random.Random,
           styles: Sequence[str] | None = None) -> list[tuple[str, Shape, str]]:  # fmt: skip
    """Up to ``per_shape`` distinct ``(description, shape, style)`` of each shape (distinct ignoring case and
    punctuation across the whole corpus); fewer when the styles run out of new phrasings."""
    out, seen = [], {}
    for shape in shapes:
        got = 0
        for _ in range(per_shape * _ATTEMPTS):
            if got == per_shape:
                break
            text, style = describe(shape, rng, styles)
            key = _key(text)
            if key in seen:
                if seen[key] != shape:
                    raise ValueError(f"corpus: {text!r} describes both {seen[key]} and {shape}.")
                continue
            seen[key] = shape
            out.append((text, shape, style))
            got += 1
    check_no_names([text for text, _, _ in out])
    return out

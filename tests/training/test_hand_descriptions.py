import os
import random
import re
import subprocess
import sys

import pytest

from sensor2text.glove.handshape import FINGERS
from sensor2text.training import hand_descriptions
from sensor2text.training.hand_descriptions import (
    MAX_WORDS,
    MIN_WORDS,
    STYLES,
    Shape,
    all_shapes,
    check_no_names,
    corpus,
    describe,
    styles_for,
    word_count,
)

# The test's own reading of finger words (not the module's tables): which fingers a text names.
MENTIONS = {
    "thumb": r"\bthumbs?\b",
    "index": r"\bindex\b|\bpointer\b|forefinger|pointing finger|\bfirst(?= finger| two| and| &|, second|, third)"
             r"|three middle|four( of)?( the| your)? fingers",
    "middle": r"\bmiddle\b|\blong\b|\bsecond\b|first two|four( of)?( the| your)? fingers",
    "ring": r"(?<!a )\bring\b|\bthird\b|two middle|three middle|last two|four( of)?( the| your)? fingers",
    "little": r"(?<!a )\blittle\b|pinky|pinkie|smallest|\bbaby\b|\bfifth\b|last two|four( of)?( the| your)? fingers",
}  # fmt: skip (all five fingers: a word that covers them, like "everything")
TOUCH = r"touch|pinch|meet|press|join|circle|loop|\bring\b|tips?\b|contact"
COVER = (r"\b(rest|others?|other fingers|remaining|everything|every|all|whole|fist|open|opened|opening|flat|close"
         r"|closed|closing|clench|clenched|nothing|none|no digit|each digit|spread hand|curled hand|only|just|alone)\b")
EXT_WORDS = (r"\b(out|(?<!curled )up|extended|straight|straightened|raised|open|stretched|lifted|unfolded|sticking"
             r"|standing|spread|fanned|stands?|rises?)\b")  # fmt: skip
CURL_WORDS = (r"\b(curled|down|bent|bends?|folded|folds?|curls?|closed|tucked|tucks|in|flexed|pressed|under|across"
              r"|against|clenched)\b")  # fmt: skip


def mentions(text: str) -> set[str]:
    return {finger for finger, pattern in MENTIONS.items() if re.search(pattern, text, re.IGNORECASE)}


def draws(shape: Shape, style: str, n: int = 30) -> list[str]:
    return [describe(shape, random.Random(seed), [style])[0] for seed in range(n)]


def S(*fingers: str, touching: bool = False) -> Shape:
    return Shape(frozenset(fingers), touching)


def test_all_shapes_are_the_40_finger_sets():
    shapes = all_shapes()
    assert len(shapes) == len(set(shapes)) == 40
    assert sum(not s.touching for s in shapes) == 32
    assert all(not s.extended & {"thumb", "index"} for s in shapes if s.touching)
    assert S("index").curled == {"thumb", "middle", "ring", "little"} and Shape({"index"}) == S("index")
    with pytest.raises(ValueError, match="unknown"):
        Shape({"toe"})
    with pytest.raises(ValueError, match="touching"):
        Shape({"index"}, touching=True)


def test_every_style_describes_the_shapes_it_applies_to():
    assert len(STYLES) >= 12
    reach = {style: 0 for style in STYLES}
    for shape in all_shapes():
        usable = styles_for(shape)
        assert len(usable) >= 12, shape
        for style in usable:
            reach[style] += 1
            text, got = describe(shape, random.Random(1), [style])
            assert got == style and MIN_WORDS <= word_count(text) <= MAX_WORDS, (style, text)
        for style in set(STYLES) - set(usable):
            with pytest.raises(ValueError, match="none of the styles"):
                describe(shape, random.Random(1), [style])
    assert min(reach.values()) >= 24
    with pytest.raises(ValueError, match="unknown styles"):
        describe(S("index"), random.Random(1), ["sonnet"])


def test_corpus_is_large_distinct_deterministic_and_nameless():
    texts = corpus(all_shapes(), 60, random.Random(0))
    assert len(texts) >= 2000
    keys = [re.sub(r"[^a-z0-9+&/]+", " ", text.lower()).strip() for text, _, _ in texts]
    assert len(set(keys)) == len(keys)
    assert {style for _, _, style in texts} == set(STYLES)
    assert all(MIN_WORDS <= word_count(text) <= MAX_WORDS for text, _, _ in texts)
    check_no_names([text for text, _, _ in texts])
    assert not any(re.search(r"\b(one|two|three|four|five)\b(?! (middle |fingers|of))", t) for t, _, _ in texts[:300])
    assert corpus(all_shapes()[:5], 10, random.Random(3)) == corpus(all_shapes()[:5], 10, random.Random(3))
    assert corpus(all_shapes()[:5], 10, random.Random(3)) != corpus(all_shapes()[:5], 10, random.Random(4))


def test_corpus_does_not_depend_on_the_hash_seed():
    code = ("import random; from sensor2text.training.hand_descriptions import all_shapes, corpus; "
            "print([t for t, _, _ in corpus(all_shapes()[::7], 5, random.Random(9))])")  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str([t for t, _, _ in corpus(all_shapes()[::7], 5, random.Random(9))])


def test_corpus_checks_for_gesture_names(monkeypatch):
    with pytest.raises(ValueError, match="'peace'"):
        check_no_names(["index up", "Make a Peace sign"])
    with pytest.raises(ValueError, match="'thumbs up'"):
        check_no_names(["a thumbs up"])
    with pytest.raises(ValueError, match="letter 'v'"):
        check_no_names(["index and middle in a V shape"])
    check_no_names(["the pinky's tip", "a ring made by thumb and forefinger", "a little shake"])

    def refuse(texts):
        raise ValueError("checked")

    monkeypatch.setattr(hand_descriptions, "check_no_names", refuse)
    with pytest.raises(ValueError, match="checked"):
        corpus([S("index")], 2, random.Random(0))


def test_corpus_keeps_each_shape_as_its_label():
    shapes = all_shapes()[::5]
    assert [shape for _, shape, _ in corpus(shapes, 3, random.Random(2))] == [s for s in shapes for _ in range(3)]


def test_every_description_settles_every_finger():
    """Each finger is named, or a word covers the unnamed ones; a touch names thumb and index."""
    for text, shape, style in corpus(all_shapes(), 12, random.Random(5)):
        named = mentions(text)
        if shape.touching:
            assert {"thumb", "index"} <= named and re.search(TOUCH, text, re.I), (style, text)
        if not named >= set(FINGERS):
            assert re.search(COVER, text, re.I), (style, text)


def read_labels(text: str) -> tuple[set[str], set[str], bool]:
    """``extended: index, middle; curled: thumb, ...`` read back with the test's own words."""
    ext, curled, touching = set(), set(), False
    for section in re.split(r"[;|/]|\. ", text.rstrip(".")):
        label, _, names = section.partition(":")
        label = label.strip().lower()
        if re.search(r"touch|contact|pinch|tips", section, re.I):
            touching = True
        elif re.fullmatch(EXT_WORDS, label):
            ext |= mentions(names)
        elif re.fullmatch(CURL_WORDS, label):
            curled |= mentions(names)
        else:
            raise AssertionError(f"unreadable section {section!r} of {text!r}")
    return ext, curled, touching


@pytest.mark.parametrize("shape", [S("index"), S("thumb", "little"), S(), S(*FINGERS), S("middle", touching=True),
                                   S("middle", "ring", "little", touching=True)])  # fmt: skip
def test_labels_read_back_as_the_shape(shape):
    for text in draws(shape, "labels"):
        ext, curled, touching = read_labels(text)
        subject = set(FINGERS) - ({"thumb", "index"} if shape.touching else set())
        assert ext == shape.extended and curled == subject - shape.extended and touching == shape.touching, text


@pytest.mark.parametrize("shape", [S("index"), S("thumb", "ring", "little"), S(), S("little", touching=True)])
def test_each_finger_on_its_own_reads_back_as_the_shape(shape):
    for text in draws(shape, "per_finger"):
        seen = set()
        for item in re.split(r", and |; |, |\. | and (?=the )", text.rstrip(".")):
            named = mentions(item)
            if re.search(r"touch|pinch|meet|pressed to|join|tips", item):
                assert shape.touching and named <= {"thumb", "index"}, (item, text)
                continue
            if not named:
                continue
            (finger,) = named
            extended = bool(re.search(EXT_WORDS, item, re.I))
            assert extended != bool(re.search(CURL_WORDS, item, re.I)), (item, text)
            assert extended == (finger in shape.extended), (item, text)
            seen.add(finger)
        assert seen == set(FINGERS) - ({"thumb", "index"} if shape.touching else set()), text


def test_only_names_the_raised_fingers():
    for shape in (S("index"), S("ring", "little"), S("thumb")):
        for text in draws(shape, "only"):
            assert mentions(text) == shape.extended and re.search(r"\b(only|just|alone)\b", text, re.I), text
    for text in draws(S("middle", "little", touching=True), "only"):
        assert mentions(text) == {"thumb", "index", "middle", "little"}, text


def test_from_a_fist_names_the_raised_fingers_and_from_an_open_hand_the_folded_ones():
    for text in draws(S("thumb", "little"), "fist"):
        assert mentions(text) == {"thumb", "little"} and re.search(r"fist|clos|clench", text, re.I), text
    for text in draws(S("ring", touching=True), "fist"):
        assert mentions(text) == {"thumb", "index", "ring"}, text
    for text in draws(S("thumb", "index", "middle", "little"), "open"):
        assert mentions(text) == {"ring"} and re.search(r"open|flat|spread|all five", text, re.I), text
    for text in draws(S("middle", "little", touching=True), "open"):
        assert mentions(text) == {"thumb", "index", "ring"}, text


def test_except_and_rest_name_one_side_and_cover_the_other():
    shape = S("index", "middle")
    for text in draws(shape, "rest"):
        assert mentions(text) in ({"index", "middle"}, {"thumb", "ring", "little"}), text
        assert re.search(r"\b(rest|others?|remaining|everything else)\b", text, re.I), text
    for text in draws(S("thumb", "index", "ring", "little"), "except"):
        named = mentions(text) - {"thumb"}  # "the thumb and all the fingers" may open the sentence
        assert named in ({"middle"}, {"index", "ring", "little"}), text
        assert re.search(r"except|\bbut\b|apart from|other than|save for", text, re.I), text


@pytest.mark.parametrize(("style", "pattern"), [
    ("list", None), ("contrast", r"while|whereas|\bbut\b|meanwhile|same time|by contrast"),
    ("instruction", r"^(with|using|hold|try|to make|for this|\w+)\b"), ("dictionary", r"^[\w ]+(:| —| -)"),
    ("narrative", r"\b(she|he|her|his|their)\b"), ("negation", r"\b(not|no|none|nothing|neither)\b"),
    ("comparison", r"\blike\b|\bas\b"), ("steps", r"\b(first|then|next|finally|last|lastly|start|begin)\b"),
    ("noun_phrase", r"^([\w ]+, )?(a|an)\b"), ("terse", r"^(?!.*\bthe\b)"),
    ("decorated", r"palm|chest|face|shoulder|cheek|chin|waist|head|body|shake|still|bounce|steady|moving|wrist|tilt"
                  r"|held"),
])  # fmt: skip
def test_families_read_as_their_kind_and_name_both_sides(style, pattern):
    """Shapes with both sides: each family's kind shows; those that name both sides name every finger."""
    for shape in (S("index", "little"), S("thumb", "middle", "ring"), S("ring", touching=True)):
        for text in draws(shape, style, 15):
            if pattern:
                assert re.search(pattern, text, re.I), text
            if style in ("list", "contrast"):
                assert mentions(text) == set(FINGERS), text
            if style in ("list", "contrast") and not shape.touching:
                assert re.search(EXT_WORDS, text, re.I) and re.search(CURL_WORDS, text, re.I), text


def test_touch_is_described_in_every_style_that_applies():
    for shape in (S(touching=True), S("middle", "ring", "little", touching=True)):
        for style in styles_for(shape):
            for text in draws(shape, style, 8):
                assert {"thumb", "index"} <= mentions(text) and re.search(TOUCH, text, re.I), (style, text)

import pytest

from sensor2text.glove.handshape import FINGERS, HandWords, finger_state, parse_caption, words_of_pose
from sensor2text.glove.synth import ALL_CLASSES, PAIR_CLASSES, hand_words
from sensor2text.labels import NUMBER_WORDS


def test_caption_lists_fingers_by_state_and_round_trips():
    words = HandWords(("curled", "extended", "extended", "curled", "curled"))
    assert words.caption() == "extended: pointer, middle; curled: thumb, ring, little"  # index says "pointer"
    assert words.fingers("extended") == ["index", "middle"] and words.words("extended") == ["pointer", "middle"]
    touching = HandWords(("bent", "bent", "curled", "curled", "curled"), touching=True, motion="waving")
    assert touching.caption() == "extended: none; bent: thumb, pointer; curled: middle, ring, little; " \
                                 "thumb touches pointer; moving: waving"
    for label in ALL_CLASSES + PAIR_CLASSES:
        for hand in hand_words(label):
            assert parse_caption(hand.caption()) == hand


@pytest.mark.parametrize("label", ALL_CLASSES)
def test_captions_never_say_a_count_or_a_gesture_name(label):
    for hand in hand_words(label):
        words = set(hand.caption().replace(",", " ").replace(";", " ").replace(":", " ").split())
        assert not words & set(NUMBER_WORDS), hand.caption()
        assert not words & set(label.split("_")), hand.caption()


@pytest.mark.parametrize("convention", ["two-hand", "two-hand-thumb"])
def test_counting_gestures_extend_as_many_fingers_as_they_count(convention):
    for n in range(11):
        left, right = hand_words(f"count_{n}", convention)
        assert len(left.fingers("extended")) + len(right.fingers("extended")) == n


def test_finger_pairs_show_left_and_right_counts():
    assert len(PAIR_CLASSES) == 36
    for label in PAIR_CLASSES:
        left, right = hand_words(label)
        assert (len(left.fingers("extended")), len(right.fingers("extended"))) == tuple(
            int(n) for n in label.split("_")[1:])


def test_pose_words_thresholds_and_contact():
    assert [finger_state(c) for c in (0.0, 0.19, 0.2, 0.7, 0.71, 1.0)] == [
        "extended", "extended", "bent", "bent", "curled", "curled"]
    assert words_of_pose((0.45, 0.55, 0, 0, 0), 0.8).touching  # the OK ring
    assert not words_of_pose((0.45, 0.55, 0, 0, 0), 0.2).touching  # not opposed
    assert not words_of_pose((0, 0, 0, 0, 0), 1.0).touching  # an open hand touches nothing
    assert hand_words("come_here")[1].motion == "beckoning" and hand_words("wave")[1].motion == "waving"
    assert hand_words("wave")[0].motion == "still"


def test_malformed_words_are_refused():
    with pytest.raises(ValueError, match="5 states"):
        HandWords(("extended",) * 4)
    with pytest.raises(ValueError, match="motion"):
        HandWords(("extended",) * 5, motion="dancing")
    with pytest.raises(ValueError, match="not a finger caption"):
        parse_caption("five: all fingers")
    with pytest.raises(ValueError, match="not a finger caption"):  # the data name is not a caption word
        parse_caption("extended: index; curled: thumb, middle, ring, little")
    assert len(FINGERS) == 5

import numpy as np
import pytest

from sensor2text.errors import ConfigError
from sensor2text.glove.synth import hand_words
from sensor2text.labels import LabelSet
from sensor2text.models.definitions import hand_sentence, load_definitions

GOOD = """gestures:
  - name: shaka
    synonyms: [hang loose]
    description: thumb and pinky out, the rest folded
  - name: horns
    description: pointer and pinky up
"""


def _write(tmp_path, text: str):
    path = tmp_path / "gestures.yaml"
    path.write_text(text)
    return path


def test_definitions_are_read_with_their_synonyms(tmp_path):
    shaka, horns = load_definitions(_write(tmp_path, GOOD))
    assert shaka.label_set == LabelSet("shaka", ("shaka", "hang loose"))
    assert horns.synonyms == () and horns.description == "pointer and pinky up"


@pytest.mark.parametrize("text, message", [
    ("gestures:\n  - name: shaka\n", r"gestures\[0\]: 'description' is missing"),
    ("gestures:\n  - name: shaka\n    description: '  '\n", r"gestures\[0\]: 'description' is missing or empty"),
    ("gestures:\n  - description: thumb out\n", r"gestures\[0\]: 'name' is missing"),
    (GOOD + "  - name: Shaka\n    description: again\n", r"\('Shaka'\): 'Shaka' is already a name of gestures\[0\]"),
    ("gestures:\n  - name: wave\n    description: hand moves\n", r"'wave' is already a name of the trained class"),
    ("gestures:\n  - name: x\n    synonyms: [so long]\n    description: d\n", r"'so long' is already a name of the tr"),
    ("gestures:\n  - name: x\n    synonyms: hang\n    description: d\n", "'synonyms' must be a list"),
    ("gestures:\n  - name: x\n    descripton: d\n    description: d\n", "unknown field 'descripton'"),
    ("gestures: []\n", "expected 'gestures:'"),
    ("gestures: [\n", r"gestures.yaml, line 2, column 1: invalid YAML"),
    ("gestures:\n  - {name: x, description: d}\n  - {name: x, name: y, description: d}\n", "'name' is given twice"),
])
def test_bad_definitions_name_the_entry(tmp_path, text, message):
    trained = {"wave": LabelSet("wave", ("wave", "goodbye", "so long"))}
    with pytest.raises(ConfigError, match=message):
        load_definitions(_write(tmp_path, text), trained)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="absent.yaml: gesture definitions file not found"):
        load_definitions(tmp_path / "absent.yaml")


def test_non_utf8_file_is_named(tmp_path):
    path = tmp_path / "gestures.yaml"
    path.write_bytes(b"gestures:\n  - {name: caf\xe9, description: d}\n")
    with pytest.raises(ConfigError, match="gestures.yaml, line 2: not UTF-8 text"):
        load_definitions(path)


def test_hand_sentence_is_plain_words():
    shaka = "thumb and little fingers extended; index, middle and ring fingers curled"
    assert hand_sentence(hand_words("shaka")[1]) == shaka
    assert hand_sentence(hand_words("thumbs_up")[1]) == "thumb extended; index, middle, ring and little fingers curled"
    assert hand_sentence(hand_words("pointing")[1]).startswith("index finger extended;")
    assert hand_sentence(hand_words("pinch")[1]).endswith("thumb touching the index finger")
    assert hand_sentence(hand_words("wave")[1]).endswith("hand waving")


def test_active_hands_sentence_leaves_out_a_resting_hand():
    from sensor2text.models.definitions import active_hands_sentence

    rest, shaka = (words.caption() for words in hand_words("shaka"))
    assert active_hands_sentence(rest, shaka) == hand_sentence(hand_words("shaka")[1])
    left, right = (words.caption() for words in hand_words("count_7"))
    assert active_hands_sentence(left, right).startswith("left hand: index and middle fingers extended")
    assert "; right hand: " in active_hands_sentence(left, right)
    assert active_hands_sentence(rest, rest).startswith("left hand: ")  # both at rest: both described


def _shaka_and_horns(tmp_path):
    return load_definitions(_write(tmp_path, GOOD))


def test_reader_matcher_picks_the_definition_whose_answers_the_glove_gives(tmp_path):
    from sensor2text.models.definitions import ReaderMatcher

    # the reader's yes-probabilities (thumb, index, middle, ring, little, touching) per definition
    read = np.array([[0.9, 0.1, 0.1, 0.1, 0.9, 0.1],    # shaka: thumb and little
                     [0.2, 0.9, 0.1, 0.1, 0.9, 0.1]])   # horns: index and little
    matcher = ReaderMatcher(_shaka_and_horns(tmp_path), probabilities=read)
    rest = hand_words("shaka")[0].caption()  # the other hand at rest
    [shaka, horns] = matcher.best([(rest, hand_words("shaka")[1].caption()), (rest, hand_words("horns")[1].caption())])
    assert (shaka.definition.name, horns.definition.name) == ("shaka", "horns")
    assert shaka.how.startswith("likelihood 0.9") and shaka.how.endswith("read as thumb, little extended")
    scores = matcher.scores([(rest, hand_words("shaka")[1].caption())])
    assert scores.shape == (1, 2) and scores[0, 0] == pytest.approx(np.log(0.9))


def test_reader_matcher_averages_two_active_hands(tmp_path):
    from sensor2text.models.definitions import ReaderMatcher

    read = np.array([[0.9, 0.1, 0.1, 0.1, 0.9, 0.1]])
    matcher = ReaderMatcher(_shaka_and_horns(tmp_path)[:1], probabilities=read)
    shaka, point = hand_words("shaka")[1].caption(), hand_words("pointing")[1].caption()
    both = matcher.scores([(shaka, point)])[0, 0]
    assert both == pytest.approx((np.log(0.9) + (3 * np.log(0.9) + 3 * np.log(0.1)) / 6) / 2)  # pointing: 3 of 6 right


def test_unknown_matcher_is_a_config_error(tmp_path):
    from sensor2text.models.definitions import make_matcher

    with pytest.raises(ConfigError, match="unknown matcher 'cosine'; expected one of reader, embedding"):
        make_matcher("cosine", _shaka_and_horns(tmp_path))


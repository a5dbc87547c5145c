import pytest

from sensor2text.errors import ConfigError
from sensor2text.labels import LabelSet, load_label_sets, normalize_text, parse_label_sets


def test_normalize_text():
    assert normalize_text("  OK-sign! ") == "ok sign"
    assert normalize_text("I_love  YOU.") == "i love you"


def test_label_set_matches_any_synonym_after_normalisation():
    two = LabelSet("v_sign", ("victory", "peace sign", "2"))
    assert two.matches(" Peace sign.") and two.matches("2") and two.matches("VICTORY")
    assert not two.matches("peace sign please") and not two.matches("3")


def test_shipped_label_sets_cover_counts_and_named_gestures():
    sets = load_label_sets()
    assert len(sets) == 23
    assert sets["count_10"].matches("ten") and sets["count_10"].matches("10")
    assert sets["shaka"].matches("hang loose") and sets["thumbs_up"].canonical == "thumbs up"


def test_bad_label_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="class 'x' needs a non-empty list"):
        parse_label_sets({"x": []}, "labels.yaml")
    with pytest.raises(ConfigError, match="label-set file not found"):
        load_label_sets(tmp_path / "missing.yaml")

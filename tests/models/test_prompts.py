import pytest

from sensor2text.errors import ConfigError
from sensor2text.models.prompts import PromptTemplate, available_templates, load_template


def test_shipped_template_splits_around_the_glove():
    template = load_template("describe")
    assert "describe" in available_templates()
    assert template.before == "Hand gesture: " and template.after == "\nMeaning:"


def test_template_from_a_file(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("The glove {glove} says\n")
    assert load_template(str(path)).after == " says"


def test_bad_templates():
    with pytest.raises(ConfigError, match="unknown prompt template 'nope'; expected a file or one of: .*describe"):
        load_template("nope")
    with pytest.raises(ConfigError, match="exactly one"):
        PromptTemplate("x", "no placeholder")

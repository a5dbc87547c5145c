import pytest

from sensor2text.errors import ConfigError
from sensor2text.yamlfile import parse_yaml, read_yaml


def test_yaml_1_2_numbers():
    data = parse_yaml("a: 1e-3\nb: 1e5\nc: -2.5E+2\nd: 7\ne: 1.5\nf: .inf\ng: '1e-3'\nh: v1e3\n", "t")
    assert data == {"a": 0.001, "b": 100000.0, "c": -250.0, "d": 7, "e": 1.5, "f": float("inf"), "g": "1e-3",
                    "h": "v1e3"}  # fmt: skip
    assert isinstance(data["d"], int)


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\na: 2\n", r"run.yaml, line 2, column 1: invalid YAML: key 'a' is given twice"),
    ("a: [1, 2\nb: 3\n", r"run.yaml, line 2, column 2: invalid YAML: expected ',' or ']'"),
    ("a: !!python/object/apply:os.system ['echo']\n", r"run.yaml, line 1, column 4: .*constructor for the tag"),
])  # fmt: skip
def test_bad_yaml_names_the_file_and_line(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_yaml(text, "run.yaml")


def test_files_that_cannot_be_read_are_named(tmp_path):
    with pytest.raises(ConfigError, match="none.yaml: config file not found"):
        read_yaml(tmp_path / "none.yaml", "config file")
    with pytest.raises(ConfigError, match="a folder; expected a config file"):
        read_yaml(tmp_path, "config file")
    (tmp_path / "latin.yaml").write_bytes(b"a: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"latin.yaml, line 1: not UTF-8 text \(byte 6 is 0xe9\)"):
        read_yaml(tmp_path / "latin.yaml")
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    with pytest.raises(ConfigError, match=r"loop.yaml: cannot read the file \(Too many levels"):
        read_yaml(tmp_path / "loop.yaml")
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_yaml(tmp_path / "bom.yaml") == {"a": 1}

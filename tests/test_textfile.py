"""Reading users' text files with one clear error; writing outputs whole or not at all."""

import os

import pytest

from sensor2text.errors import ConfigError, RecordingError
from sensor2text.textfile import atomic_path, read_user_text, save_figure, write_text_atomic


def test_read_user_text_names_the_file_and_what_went_wrong(tmp_path):
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfa,b\n")
    assert read_user_text(tmp_path / "bom.csv", "recording file", RecordingError) == "a,b\n"
    with pytest.raises(RecordingError, match="gone.csv: recording file not found"):
        read_user_text(tmp_path / "gone.csv", "recording file", RecordingError)
    with pytest.raises(ConfigError, match="a folder; expected a config file"):
        read_user_text(tmp_path, "config file", ConfigError)
    (tmp_path / "latin.yaml").write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"latin.yaml, line 2: not UTF-8 text \(byte 11 is 0xe9\)"):
        read_user_text(tmp_path / "latin.yaml", "config file", ConfigError)


def test_an_interrupted_write_leaves_the_earlier_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "report.json"
    write_text_atomic(target, "first\n")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as partial:
        partial.write_text("half")
        raise KeyboardInterrupt  # a signal mid-write
    assert target.read_text() == "first\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_written_file_gets_the_umasks_permissions_and_links_are_written_through(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "out" / "a.json", "{}\n")
    finally:
        os.umask(old)
    assert (tmp_path / "out" / "a.json").stat().st_mode & 0o777 == 0o644
    (tmp_path / "link.json").symlink_to(tmp_path / "out" / "a.json")
    write_text_atomic(tmp_path / "link.json", "[]\n")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "out" / "a.json").read_text() == "[]\n"


def test_save_figure_writes_the_format_its_suffix_names(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    save_figure(fig, tmp_path / "plain")  # no suffix: a PNG at exactly that path
    save_figure(fig, tmp_path / "vector.svg")
    plt.close(fig)
    assert (tmp_path / "plain").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (tmp_path / "vector.svg").read_bytes()[:400]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain", "vector.svg"]

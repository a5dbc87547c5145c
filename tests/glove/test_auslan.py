"""AUSLAN readers: real files from ../shared/data (present here and in CI) and malformed ones."""

from pathlib import Path

import numpy as np
import pytest

from sensor2text.errors import RecordingError
from sensor2text.glove.auslan import class_from_stem, read_sign, read_tsd
from sensor2text.glove.recordings import iter_recordings
from sensor2text.glove.schema import get_profile
from sensor2text.labels import load_label_sets

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"the AUSLAN recordings are not at {DATA}")


@needs_data
def test_a_5dt_file_reads_as_22_channels_left_hand_first():
    frames = read_tsd(DATA / "auslan_hq" / "tctodd1" / "alive-1.tsd")
    first = "-0.097816 -0.127761 -0.029051 0.537977 0.249162 0.508908 0.239445 0.039819 0.000000 0.007009 0.019041"
    assert frames.shape[1] == 22 and frames.dtype == np.float32 and 45 <= len(frames) <= 136
    np.testing.assert_allclose(frames[0, :11], [float(v) for v in first.split()], rtol=1e-6)
    assert frames[:, 6:11].min() >= 0 and frames[:, 6:11].max() <= 1  # bends of the left hand


@needs_data
def test_a_powerglove_file_keeps_the_eight_documented_channels():
    frames = read_sign(DATA / "auslan_powerglove" / "adam1" / "alive0.sign")
    assert frames.shape[1] == 8
    # line 1: 0, 0, 0, 0, -1, -1, 0.25, 0.75, 0.5, 0.75, 0.75, hex...: fields 4-5 and 10+ are dropped
    np.testing.assert_allclose(frames[0], [0, 0, 0, 0, 0.25, 0.75, 0.5, 0.75])


@needs_data
def test_a_day_folder_gives_95_signs_with_label_sets():
    recordings = list(iter_recordings(DATA / "auslan_hq" / "tctodd3", get_profile("5dt-2h")))
    labels = {r.label for r in recordings}
    assert len(recordings) == 285 and len(labels) == 95 and {r.subject for r in recordings} == {"tctodd3"}
    assert labels == set(load_label_sets("auslan"))


@needs_data
def test_a_signer_folder_skips_calibration_recordings():
    recordings = list(iter_recordings(DATA / "auslan_powerglove" / "andrew1", get_profile("powerglove")))
    assert recordings and not any("cal-" in r.source for r in recordings)
    assert {r.label for r in recordings} <= set(load_label_sets("auslan"))


@pytest.mark.parametrize(("stem", "suffix", "name"), [
    ("change_mind_-2", ".tsd", "change_mind"), ("computer_PC_-1", ".tsd", "computer_PC"),
    ("flash-light-3", ".tsd", "flash-light"), ("his_hers-1", ".tsd", "his_hers"),
    ("change(mind)3", ".sign", "change_mind"), ("not-my-problem12", ".sign", "not-my-problem"),
    ("her0", ".sign", "his_hers"), ("God2", ".sign", "God"),
])  # fmt: skip
def test_class_names_match_across_both_sets(stem, suffix, name):
    assert class_from_stem(stem, suffix) == name


def test_auslan_label_sets_read_as_glosses():
    sets = load_label_sets("auslan")
    assert len(sets) == 95
    assert sets["computer_PC"].matches("PC") and sets["change_mind"].matches("change one's mind")
    assert sets["his_hers"].matches("hers") and sets["no"].matches("no") and sets["yes"].matches("Yes")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("a-1.tsd", "0.1 0.2\n", "line 1: found 2 values, expected 22"),
    ("a-1.tsd", " ".join(["0.1"] * 21 + ["x"]) + "\n", "line 1: 'x' is not a number"),
    ("a-1.tsd", "", "the file is empty"),
    ("a1.sign", "0, 0, 0\n", "line 1: found 3 comma-separated fields, expected 15"),
    ("a1.sign", ", ".join(["0"] * 6 + ["nan"] * 4 + ["0"] * 5) + "\n", "expected a finite number"),
])  # fmt: skip
def test_malformed_files_get_one_clear_error_naming_the_file(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    reader = read_tsd if name.endswith(".tsd") else read_sign
    with pytest.raises(RecordingError, match=message) as error:
        reader(path)
    assert str(path) in str(error.value)


def test_an_empty_file_in_a_folder_is_skipped_with_a_note(tmp_path, capsys):
    day = tmp_path / "tctodd8"
    day.mkdir()
    (day / "yes-1.tsd").write_text("\n".join(["\t".join([v] * 22) for v in ("0.5", "0.4", "0.3", "0.2")]))
    (day / "no-1.tsd").write_text("")
    recordings = list(iter_recordings(tmp_path, get_profile("5dt-2h")))
    assert [(r.label, r.subject, r.frames.shape) for r in recordings] == [("yes", "tctodd8", (4, 22))]
    assert "skipped" in capsys.readouterr().err


def test_a_recording_of_another_glove_is_refused_by_name(tmp_path):
    (tmp_path / "yes-1.tsd").write_text("\t".join(["0.5"] * 22))
    with pytest.raises(RecordingError, match="a '5dt-2h' recording .* expects profile 'synthetic-joints'"):
        list(iter_recordings(tmp_path))

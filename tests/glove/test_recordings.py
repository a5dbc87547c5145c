import json

import numpy as np
import pytest

from sensor2text.errors import RecordingError
from sensor2text.glove.recordings import (
    iter_recordings,
    label_from_path,
    read_csv,
    save_synthetic,
    write_csv,
)
from sensor2text.glove.schema import SYNTHETIC_JOINTS
from sensor2text.glove.synth import SynthSpec, generate


def _frames(rng, n=20):
    return rng.uniform(-10, 90, size=(n, 46)).astype(np.float32)


def test_csv_round_trip_keeps_frames_and_header(tmp_path, rng):
    frames = _frames(rng)
    write_csv(tmp_path / "fist-0.csv", frames)
    header = (tmp_path / "fist-0.csv").read_text().splitlines()[0].split(",")
    assert header[:2] == ["time_s", "left_thumb_cmc_flex"] and len(header) == 47
    np.testing.assert_allclose(read_csv(tmp_path / "fist-0.csv"), frames, atol=1e-4)


def test_csv_columns_may_come_in_any_order(tmp_path, rng):
    frames = _frames(rng)
    names = list(SYNTHETIC_JOINTS.channels)[::-1]
    lines = [",".join(names)] + [",".join(f"{v:.4f}" for v in row[::-1]) for row in frames]
    (tmp_path / "r.csv").write_text("\n".join(lines))
    np.testing.assert_allclose(read_csv(tmp_path / "r.csv"), frames, atol=1e-4)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "the file is empty"),
        ("a,b,c\n1,2,3\n", "the header names 3 channels, expected 46"),
        ("time_s," + ",".join(SYNTHETIC_JOINTS.channels) + "\n", "has a header but no frames"),
        (
            "time_s," + ",".join(SYNTHETIC_JOINTS.channels) + "\n0," + ",".join(["1"] * 45) + ",nan\n",
            "channel 'right_wrist_dev' is nan",
        ),
        ("time_s," + ",".join(SYNTHETIC_JOINTS.channels) + "\n0,1,2\n", "line 2: found 3 values, expected 47"),
        (
            "time_s," + ",".join(SYNTHETIC_JOINTS.channels) + "\n0," + ",".join(["x"] * 46) + "\n",
            "line 2: expected comma-separated numbers",
        ),
    ],
)
def test_bad_csv_gets_one_clear_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad-0.csv"
    path.write_text(content)
    with pytest.raises(RecordingError, match=message) as info:
        read_csv(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_label_from_path():
    from pathlib import Path

    assert label_from_path(Path("d/count_3-2.csv")) == "count_3"
    assert label_from_path(Path("i_love_you-10.csv")) == "i_love_you"


def test_synthetic_folder_and_hf_dataset_hold_the_same_recordings(tmp_path):
    records = list(
        generate(SynthSpec(classes=("wave", "fist"), train_subjects=1, val_subjects=1, test_subjects=0, repetitions=1))
    )
    save_synthetic(records, tmp_path)
    from_csv = list(iter_recordings(tmp_path, split="validation"))
    from_hf = list(iter_recordings(tmp_path / "hf", split="validation"))
    assert [r.label for r in from_csv] == ["fist", "wave"]
    assert sorted(r.label for r in from_hf) == ["fist", "wave"]
    hf = {r.label: r.frames for r in from_hf}
    for r in from_csv:
        np.testing.assert_allclose(r.frames, hf[r.label], atol=1e-3)
    keypoints = tmp_path / "validation" / "subject1000" / "wave-0.keypoints.csv"
    assert len(keypoints.read_text().splitlines()[0].split(",")) == 126
    info = json.loads((tmp_path / "hf" / "dataset_dict.json").read_text())
    assert info["splits"] == ["train", "validation"]


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(RecordingError, match="no such file or folder"):
        list(iter_recordings(tmp_path / "nope"))
    with pytest.raises(RecordingError, match=r"holds no recordings \(.csv, .tsd or .sign files\)"):
        list(iter_recordings(tmp_path))


def test_synth_formats_are_checked_before_anything_is_written(tmp_path):
    from sensor2text.errors import ConfigError
    from sensor2text.glove.recordings import save_synthetic
    from sensor2text.glove.synth import SynthSpec, generate

    records = list(generate(SynthSpec(train_subjects=0, val_subjects=0, test_subjects=1, repetitions=1,
                                      classes=("fist",))))  # fmt: skip
    with pytest.raises(ConfigError, match="unknown format 'parquet'; expected csv or hf"):
        save_synthetic(records, tmp_path / "a", ("csv", "parquet"))
    assert not (tmp_path / "a").exists()
    save_synthetic(records, tmp_path / "b", ("CSV",))  # case does not matter
    assert len(list((tmp_path / "b").rglob("fist-0.csv"))) == 1


def test_a_utf8_byte_order_mark_is_not_part_of_the_header(tmp_path):
    from sensor2text.glove.recordings import read_csv, write_csv

    path = tmp_path / "fist-0.csv"
    write_csv(path, np.zeros((5, 46), dtype=np.float32))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_csv(path).shape == (5, 46)


def test_a_file_cut_inside_its_last_value_leaves_that_line_out(tmp_path, capsys):
    path = tmp_path / "fist-0.csv"
    write_csv(path, np.full((6, 46), 12.3456, dtype=np.float32))
    whole = path.read_text()
    path.write_text(whole.rstrip("\n"))  # complete, only the last line break missing: accepted
    assert read_csv(path).shape == (6, 46)
    path.write_text(whole.rstrip("\n")[:-2])  # "12.3456" -> "12.34"
    assert read_csv(path).shape == (5, 46)
    assert "fist-0.csv: the last line was cut short" in capsys.readouterr().err


def test_unreadable_and_non_utf8_files_name_the_file(tmp_path, monkeypatch):
    from pathlib import Path

    path = tmp_path / "fist-0.csv"
    write_csv(path, np.zeros((5, 46), dtype=np.float32))
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines[:3], lines[3] + b"\xb0", *lines[4:]]))
    with pytest.raises(RecordingError, match=r"fist-0.csv, line 4: not UTF-8 text \(byte \d+ is 0xb0\)"):
        read_csv(path)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod 000 does not stop root, so the kernel's answer is faked
    with pytest.raises(RecordingError, match=r"fist-0.csv: cannot read the file \(Permission denied\)"):
        read_csv(path)


def test_a_folder_names_a_broken_link_instead_of_skipping_it(tmp_path, rng):
    write_csv(tmp_path / "s1" / "fist-0.csv", _frames(rng))
    (tmp_path / "s1" / "fist-1.csv").symlink_to("fist-1.csv")  # a loop
    bad = []
    assert [r.label for r in iter_recordings(tmp_path, bad=bad)] == ["fist"]
    assert bad[0][0].endswith("fist-1.csv") and "cannot read the file" in bad[0][1]


def test_a_split_that_is_not_there_is_refused(tmp_path, rng):
    write_csv(tmp_path / "test" / "s1" / "fist-0.csv", _frames(rng))
    with pytest.raises(RecordingError, match=r"no split 'tset' \(found: test\)"):
        list(iter_recordings(tmp_path, split="tset"))
    write_csv(tmp_path / "flat" / "s1" / "fist-0.csv", _frames(rng))  # no split folders: the folder is the split
    assert len(list(iter_recordings(tmp_path / "flat", split="test"))) == 1


@pytest.mark.parametrize("cut", [3, 6, 40])  # inside the last value, before its decimal point, two values short
def test_a_last_line_cut_short_is_left_out_with_a_note(tmp_path, rng, capsys, cut):
    frames = _frames(rng)
    write_csv(tmp_path / "fist-0.csv", frames)
    text = (tmp_path / "fist-0.csv").read_text()
    (tmp_path / "fist-0.csv").write_text(text[: len(text) - cut])
    np.testing.assert_allclose(read_csv(tmp_path / "fist-0.csv"), frames[:-1], atol=1e-4)
    assert "fist-0.csv: the last line was cut short" in capsys.readouterr().err
    (tmp_path / "fist-0.csv").write_text(text.rstrip("\n"))  # whole, only the line end missing: kept
    assert len(read_csv(tmp_path / "fist-0.csv")) == len(frames)


def test_a_synth_folder_is_a_dataset_with_a_card_classlabels_and_two_configs(tmp_path, monkeypatch):
    from datasets import load_dataset, load_from_disk

    from sensor2text.glove.recordings import iter_recordings, save_synthetic
    from sensor2text.glove.synth import SynthSpec, generate

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = SynthSpec(seed=0, train_subjects=1, val_subjects=0, test_subjects=0, repetitions=1,
                     classes=("fist", "count_2"))  # fmt: skip
    save_synthetic(list(generate(spec)), tmp_path)
    card = (tmp_path / "README.md").read_text()
    assert card.startswith("---\nlicense: cc0-1.0") and "degrees at 100 Hz" in card and "fist: fist" in card
    frames = load_dataset(str(tmp_path), cache_dir=str(tmp_path / "cache"))["train"]
    assert "left_thumb_cmc_flex" in frames.column_names and frames.num_rows > 0  # recordings only, a row per frame
    keypoints = load_dataset(str(tmp_path), name="keypoints", cache_dir=str(tmp_path / "cache"))["train"]
    assert keypoints.num_columns == 126
    saved = load_from_disk(str(tmp_path / "hf"))["train"]
    assert saved.features["label"].names == ["count_2", "fist"] and saved.info.license == "cc0-1.0"
    assert sorted(r.label for r in iter_recordings(tmp_path / "hf")) == ["count_2", "fist"]

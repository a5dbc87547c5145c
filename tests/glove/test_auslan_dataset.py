"""The AUSLAN recordings as a Hugging Face DatasetDict (``sensor2text auslan-dataset``)."""

from pathlib import Path

import numpy as np
import pytest

from sensor2text.errors import ConfigError, Sensor2TextError
from sensor2text.glove.auslan_dataset import auslan_dataset, parse_splits, repetition, save_auslan_dataset
from sensor2text.glove.recordings import iter_recordings
from sensor2text.glove.schema import FIVE_DT_TWO_HAND


def hq_folder(root: Path, rng) -> Path:
    """A small auslan_hq-like folder: 2 days x 2 signs x 2 takes of 22-channel frames."""
    for day in ("tctodd1", "tctodd2"):
        for sign in ("alive", "change_mind_"):
            for take in (1, 2):
                frames = rng.uniform(0, 1, (6 + take, 22))
                (root / day).mkdir(parents=True, exist_ok=True)
                (root / day / f"{sign}-{take}.tsd").write_text("\n".join("\t".join(f"{v:.4f}" for v in row)
                                                                           for row in frames) + "\n")  # fmt: skip
    return root


def test_recordings_become_rows_with_a_class_label_of_the_95_signs(tmp_path, rng):
    root = hq_folder(tmp_path / "hq", rng)
    data = auslan_dataset(root, {"train": ["tctodd1"], "test": ["tctodd2"]})
    assert list(data) == ["train", "test"] and len(data["train"]) == len(data["test"]) == 4
    label = data["train"].features["label"]
    assert label.num_classes == 95
    assert {label.int2str(int(i)) for i in data["train"]["label"]} == {"alive", "change_mind"}
    row = data["test"].with_format("numpy")[0]
    assert row["subject"] == "tctodd2" and row["frames"].shape[1] == 22 and row["frames"].dtype == np.float32
    info = data["test"].info
    assert "left_thumb (1)" in info.description and "change_mind: change one's mind" in info.description
    assert "kadous2002temporal" in info.citation and info.license == "other"


def test_a_saved_dataset_reads_back_as_recordings_with_its_card(tmp_path, rng):
    root = hq_folder(tmp_path / "hq", rng)
    save_auslan_dataset(root, tmp_path / "out", {"train": ["tctodd1"], "test": ["tctodd2"]})
    card = (tmp_path / "out" / "README.md").read_text()
    assert card.startswith("---\nlicense: other") and "test 4 (tctodd2)" in card and "inform the donor" in card
    back = list(iter_recordings(tmp_path / "out", FIVE_DT_TWO_HAND, split="test"))
    direct = list(iter_recordings(root / "tctodd2", FIVE_DT_TWO_HAND))
    assert sorted(r.label for r in back) == sorted(r.label for r in direct)
    assert sorted(len(r.frames) for r in back) == sorted(len(r.frames) for r in direct)


def test_splits_are_named_subject_folders():
    assert parse_splits(["train=tctodd1,tctodd2", "test=tctodd7"]) == {"train": ["tctodd1", "tctodd2"],
                                                                      "test": ["tctodd7"]}  # fmt: skip
    assert parse_splits(None) is None
    for bad, named in ((["tctodd7"], "expected NAME=SUBJECT"), (["test="], "expected NAME=SUBJECT"),
                       (["a=x", "b=x"], "subject 'x' is in two splits"), (["a=x", "a=y"], "once a name")):  # fmt: skip
        with pytest.raises(ConfigError, match=named):
            parse_splits(bad)


def test_a_folder_that_is_not_one_auslan_set_or_an_unknown_subject_is_refused(tmp_path, rng):
    root = hq_folder(tmp_path / "hq", rng)
    with pytest.raises(ConfigError, match="no subject folder 'tctodd9'"):
        auslan_dataset(root, {"test": ["tctodd9"]})
    (root / "adam1").mkdir()
    (root / "adam1" / "alive0.sign").write_text("0,0,0,0,-1,-1,0,0,0,0,0,0,0,0,0\n")
    with pytest.raises(Sensor2TextError, match="both .tsd and .sign files"):
        auslan_dataset(root)
    (tmp_path / "empty").mkdir()
    with pytest.raises(Sensor2TextError, match="no .tsd or .sign file"):
        auslan_dataset(tmp_path / "empty")


def test_the_take_number_comes_from_the_file_name():
    assert repetition(Path("alive-2.tsd")) == 2 and repetition(Path("change(mind)13.sign")) == 13


def test_the_command_writes_the_dataset_and_never_into_a_folder_with_files(tmp_path, rng, capsys):
    from sensor2text.cli.main import main

    root = hq_folder(tmp_path / "hq", rng)
    out = tmp_path / "out"
    assert main(["auslan-dataset", "--data", str(root), "--out", str(out), "--split", "test=tctodd2"]) == 0
    assert "saved" in capsys.readouterr().out and (out / "dataset_dict.json").is_file()
    assert main(["auslan-dataset", "--data", str(root), "--out", str(out)]) == 2
    assert "the folder is not empty" in capsys.readouterr().err

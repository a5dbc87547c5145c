import time

import pytest

from sensor2text.errors import Sensor2TextError
from sensor2text.models.lm import base_model_config, hidden_size, load_base_model


def test_a_base_model_named_by_a_checkpoint_is_never_downloaded(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # even with the hub allowed, nothing is fetched
    start = time.perf_counter()
    with pytest.raises(Sensor2TextError, match=r"'someone/missing-model'.*not in the Hugging Face cache.*"
                                               r"never downloads.*--base-model FOLDER"):  # fmt: skip
        load_base_model("someone/missing-model", offline=True)
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("make, tried", [
    (lambda root: str(root / "gone"), "no such folder"),
    (lambda root: (root / "empty").mkdir() or str(root / "empty"), "the folder holds no loadable model"),
])  # fmt: skip
def test_a_missing_base_model_folder_says_what_was_tried(tmp_path, make, tried):
    name = make(tmp_path)
    with pytest.raises(Sensor2TextError, match=f"base model '{name}' named by the checkpoint .*{tried}"):
        base_model_config(name, offline=True)


def test_the_config_alone_gives_the_hidden_size(tiny_lm_dir):
    assert hidden_size(base_model_config(tiny_lm_dir, offline=True)) == 32

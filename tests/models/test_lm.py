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


def test_adapters_name_the_base_lm_by_its_hub_id(tmp_path):
    import json

    from sensor2text.models.lm import EMBEDDED_HUB_ID, EMBEDDED_MODEL_NAME, hub_name, same_base_model, set_adapter_base

    assert hub_name(EMBEDDED_MODEL_NAME) == EMBEDDED_HUB_ID and hub_name("gpt2") == "gpt2"
    assert same_base_model(EMBEDDED_MODEL_NAME, EMBEDDED_HUB_ID) and not same_base_model("gpt2", EMBEDDED_HUB_ID)
    config = tmp_path / "adapter_config.json"
    config.write_text(json.dumps({"base_model_name_or_path": "/home/me/.cache/sensor2text/smollm2-135m-instruct-v1"}))
    (tmp_path / "README.md").write_text("---\nbase_model: /home/me/.cache/x\nlibrary_name: peft\n---\n# Model Card\n")
    set_adapter_base(config, EMBEDDED_MODEL_NAME, "the composer")
    assert json.loads(config.read_text())["base_model_name_or_path"] == EMBEDDED_HUB_ID
    card = (tmp_path / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: peft") and f"base_model: {EMBEDDED_HUB_ID}" in card
    assert ".cache" not in card and "the composer" in card
    (tmp_path / "README.md").write_text("# my own notes\n")
    set_adapter_base(config, EMBEDDED_MODEL_NAME)
    assert (tmp_path / "README.md").read_text() == "# my own notes\n"  # a card of the caller's is kept


def test_every_shipped_adapter_loads_its_config_with_the_hub_id():
    from peft import PeftConfig

    from sensor2text.assets import CHECKPOINTS_DIR
    from sensor2text.models.definition_reader import EMBEDDED_ENCODER_HUB_ID, READER_CHECKPOINT
    from sensor2text.models.lm import EMBEDDED_HUB_ID

    folders = [path.parent for path in CHECKPOINTS_DIR.rglob("adapter_config.json")]
    assert len(folders) >= 9
    for folder in folders:
        # the definition reader adapts the sentence encoder, every other adapter the LM
        hub_id = EMBEDDED_ENCODER_HUB_ID if folder == READER_CHECKPOINT else EMBEDDED_HUB_ID
        assert PeftConfig.from_pretrained(str(folder)).base_model_name_or_path == hub_id
        card = (folder / "README.md").read_text()
        assert card.startswith("---\n") and f"base_model: {hub_id}" in card and ".cache" not in card

import numpy as np
import pytest

from sensor2text.errors import CheckpointError
from sensor2text.glove.synth import hand_words
from sensor2text.models.definition_reader import READER_CHECKPOINT, DefinitionReader, answers_of


def test_answers_of_counts_only_extended_fingers():
    assert answers_of(hand_words("ok_sign")[1]).tolist() == [0, 0, 1, 1, 1, 1]  # bent thumb and index, touching
    assert answers_of(hand_words("i_love_you")[1]).tolist() == [1, 1, 0, 0, 1, 0]


def test_missing_reader_is_a_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="not a definition reader; expected adapter_model.safetensors"):
        DefinitionReader.from_pretrained(tmp_path)


def test_shipped_reader_reads_the_dev_definitions():
    """The dev definitions (gestures the default checkpoint was trained on, configs/gestures/dev_trained.yaml)
    are read right, finger by finger, by the shipped reader; its adapter names no local folder."""
    import json

    from sensor2text.training.reader import dev_rows, shape_answers

    rows = dev_rows()
    read = DefinitionReader.from_pretrained().read([d for d, _ in rows])
    assert ((read > 0.5) == np.stack([shape_answers(s) for _, s in rows])).all()
    config = json.loads((READER_CHECKPOINT / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_a_head_of_another_size_is_refused(tmp_path):
    import shutil

    import torch
    from safetensors.torch import save_file

    from sensor2text.models.manifest import write_manifest

    folder = tmp_path / "reader"
    shutil.copytree(READER_CHECKPOINT, folder)
    save_file({"weight": torch.zeros(5, 384), "bias": torch.zeros(5)}, str(folder / "head.safetensors"))
    write_manifest(folder)
    with pytest.raises(CheckpointError, match="head.safetensors: not a head of 6 answers on 384 features"):
        DefinitionReader.from_pretrained(folder)

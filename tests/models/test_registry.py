import pytest

from sensor2text.api import DEFAULT_CHECKPOINT, HOLISTIC_CHECKPOINT
from sensor2text.assets import CHECKPOINTS_DIR, resolve_checkpoint, shipped_checkpoints
from sensor2text.errors import CheckpointError
from sensor2text.models.holistic import Sensor2Text
from sensor2text.models.registry import DESIGNS, design_class, design_of, load_checkpoint
from sensor2text.models.stepwise import Stepwise


def test_designs_by_name_and_unknown_names():
    assert design_class("holistic") is Sensor2Text and design_class("stepwise") is Stepwise
    with pytest.raises(ValueError, match="Unknown design: 'clip'; expected one of stepwise, holistic"):
        design_class("clip")
    assert set(DESIGNS) == {"holistic", "stepwise"}


def test_shipped_checkpoints_are_package_data_and_found_by_name():
    assert design_of(DEFAULT_CHECKPOINT) == "stepwise" and design_of(HOLISTIC_CHECKPOINT) == "holistic"
    assert {"smollm2-135m-fingers", "smollm2-135m-stepwise", "smollm2-135m-synth"} <= set(shipped_checkpoints())
    assert resolve_checkpoint("smollm2-135m-synth") == CHECKPOINTS_DIR / "smollm2-135m-synth"


def test_a_local_folder_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "smollm2-135m-synth").mkdir()
    assert resolve_checkpoint("smollm2-135m-synth").resolve() == tmp_path / "smollm2-135m-synth"
    with pytest.raises(CheckpointError, match="not a sensor2text checkpoint"):
        design_of("smollm2-135m-synth")


def test_missing_folder_lists_the_shipped_names(tmp_path):
    with pytest.raises(CheckpointError, match="checkpoint folder not found.*smollm2-135m-stepwise"):
        load_checkpoint(tmp_path / "nothing")


def test_tiny_checkpoint_loads_as_its_design(tiny_checkpoint):
    model = load_checkpoint(tiny_checkpoint)
    assert isinstance(model, Sensor2Text) and model.design == "holistic"

from pathlib import Path

import pytest

from sensor2text.config import RunConfig, load_run_config, to_yaml
from sensor2text.errors import ConfigError

ALL_CONFIGS = sorted((Path(__file__).parent.parent / "configs").rglob("*.yaml"))
# run configs; zero-shot protocol configs live in configs/zeroshot/ or are named zeroshot_*.yaml, and
# gesture definitions (--gestures) in configs/gestures/
CONFIGS = [p for p in ALL_CONFIGS
           if p.parent.name not in ("zeroshot", "gestures") and not p.name.startswith("zeroshot")]
GESTURES = [p for p in ALL_CONFIGS if p.parent.name == "gestures"]


def test_defaults_and_overrides():
    cfg = load_run_config(None, ["training.max_steps=7", "projector.type=lstm", "adapter.target_modules=[c_attn]"])
    assert cfg.training.max_steps == 7 and cfg.projector.type == "lstm"
    assert cfg.adapter.target_modules == ["c_attn"]
    assert cfg.data.classes[:2] == ["count_0", "count_1"] and "count_10" not in cfg.data.classes


def test_unknown_key_is_an_error(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("training:\n  max_stepz: 3\n")
    with pytest.raises(ConfigError, match=r"run.yaml: training.max_stepz: unknown key 'max_stepz'"):
        load_run_config(path)
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        load_run_config(None, ["colour.red=1"])


def test_wrong_type_and_bad_value_are_errors():
    with pytest.raises(ConfigError, match="training.max_steps: expected int, got 'many'"):
        load_run_config(None, ["training.max_steps=many"])
    with pytest.raises(ConfigError, match="synonym_loss must be"):
        load_run_config(None, ["training.synonym_loss=max"])
    with pytest.raises(ConfigError, match="expected section.key=value"):
        load_run_config(None, ["max_steps=3"])


def test_yaml_round_trip(tmp_path):
    cfg = load_run_config(None, ["training.max_steps=9"])
    (tmp_path / "c.yaml").write_text(to_yaml(cfg))
    assert load_run_config(tmp_path / "c.yaml") == cfg


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_shipped_configs_load(path):
    assert isinstance(load_run_config(path), RunConfig)


@pytest.mark.parametrize("path", GESTURES, ids=[p.name for p in GESTURES])
def test_shipped_gesture_definitions_load_and_avoid_the_caption_format(path):
    from sensor2text.models.definitions import load_definitions

    for definition in load_definitions(path):
        assert "extended:" not in definition.description and "curled:" not in definition.description


def test_configs_exist():
    assert CONFIGS, "configs/ should hold at least one YAML run config"


@pytest.mark.parametrize(("splits", "message"), [
    ("{train: [a], holdout: [b]}", "keys among train, validation, test"),
    ("{train: a}", r"data.splits.train: expected a list of subject folder names"),
    ("{train: [a, b], test: [b]}", "'b' is in more than one split"),
])  # fmt: skip
def test_bad_subject_splits_are_errors(splits, message):
    with pytest.raises(ConfigError, match=message):
        load_run_config(None, [f"data.splits={splits}"])


def test_session_norm_is_refused_for_stepwise_hands():
    assert load_run_config(None, ["data.session_norm=true"]).data.session_norm
    with pytest.raises(ConfigError, match="session_norm is not supported with data.view: hands"):
        load_run_config(None, ["data.session_norm=true", "data.view=hands"])


@pytest.mark.parametrize("override, message", [
    ("training.max_steps=-5", "training.max_steps: expected at least 1, got -5"),
    ("training.learning_rate=-1", "training.learning_rate: expected more than 0"),
    ("training.save_every=-1", "training.save_every: expected at least 0"),
    ("training.log_every=0", "training.log_every: expected at least 1"),
    ("data.classes=5", "data.classes: expected list\\[str\\], got 5"),
    ("data.classes=[fist, 3]", "data.classes: expected list\\[str\\]"),
    ("data.path=5", "data.path: expected str, got 5"),
    ("adapter.target_modules=5", "adapter.target_modules: expected list\\[str\\]"),
    ("training.max_steps=true", "training.max_steps: expected int, got True"),
    ("projector.dropout=abc", "projector.dropout: expected float"),
    ("composer.learning_rate=0", "composer.learning_rate: expected more than 0"),
])  # fmt: skip
def test_values_out_of_range_or_of_the_wrong_type_name_their_field(override, message):
    with pytest.raises(ConfigError, match=message):
        load_run_config(None, [override])


def test_yaml_1_1_exponent_strings_are_numbers():
    assert load_run_config(None, ["training.learning_rate=1e-3"]).training.learning_rate == 0.001


@pytest.mark.parametrize(("text", "message"), [
    ("- training\n", r"run.yaml: expected a mapping of sections \(projector, .*\), got a list"),
    ("training:\ndata:\n  seed: 1\n", "run.yaml: section 'training' is null; expected a mapping of its keys"),
    ("training: [1]\n", "run.yaml: section 'training' is a list"),
    ("training:\n  seed: 1\n  seed: 2\n", "run.yaml, line 3, column 3: invalid YAML: key 'seed' is given twice"),
    ("training:\n  learning_rate: .inf\n", "run.yaml: training.learning_rate: expected a finite number"),
    ("projector:\n  dropout: 1.5\n", "run.yaml: projector.dropout: expected at most 1"),
    ("projector:\n  type: magic\n", "run.yaml: projector.type: unknown value 'magic'; expected one of: linear"),
    ("data:\n  convention: roman\n", "run.yaml: data.convention: unknown value 'roman'"),
    ("data:\n  profile: kinect\n", "data.profile: unknown device profile 'kinect'"),
    ("data:\n  classes: []\n", "data.classes: expected at least one class"),
])  # fmt: skip
def test_bad_config_files_name_the_file_and_field(tmp_path, text, message):
    path = tmp_path / "run.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_run_config(path)


def test_an_error_says_whether_the_file_or_set_gave_the_value(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("training:\n  max_steps: 5\n")
    with pytest.raises(ConfigError, match=r"^--set training.max_steps: expected int, got 'abc'"):
        load_run_config(path, ["training.max_steps=abc"])
    path.write_text("training:\n  max_steps: -5\n")
    with pytest.raises(ConfigError, match=r"run.yaml: training.max_steps: expected at least 1"):
        load_run_config(path, ["training.seed=3"])
    for item in ("=5", "training.=5", ".seed=5", "training=5"):
        with pytest.raises(ConfigError, match=f"--set {item}: expected section.key=value"):
            load_run_config(None, [item])


def test_config_choices_match_what_builds_them():
    from sensor2text.config import CONVENTIONS, PROJECTOR_TYPES
    from sensor2text.glove.synth import COUNTING_CONVENTIONS
    from sensor2text.models.projectors import PROJECTORS

    assert set(PROJECTOR_TYPES) == set(PROJECTORS) and CONVENTIONS == COUNTING_CONVENTIONS


def test_a_config_reads_its_paths_relative_to_its_own_folder(tmp_path, monkeypatch):
    from sensor2text.config import load_run_config

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "labels.yaml").write_text("fist: [fist]\n")
    (folder / "run.yaml").write_text("data: {labels: labels.yaml, hand_states: not_here.yaml}\n")
    monkeypatch.chdir(tmp_path)  # the working directory is not the config's folder
    cfg = load_run_config(folder / "run.yaml")
    assert cfg.data.labels == str(folder / "labels.yaml")
    assert cfg.data.hand_states == "not_here.yaml"  # nothing beside the config: read as written


def test_a_zero_shot_config_refuses_a_missing_train_config_at_once(tmp_path, monkeypatch):
    from sensor2text.errors import ConfigError
    from sensor2text.evaluation.protocol import load_zeroshot_config

    (tmp_path / "train.yaml").write_text("training: {max_steps: 2}\n")
    (tmp_path / "zs.yaml").write_text("unseen_classes: [count_10]\ntrain_config: train.yaml\n")
    (tmp_path / "copied.yaml").write_text("unseen_classes: [count_10]\ntrain_config: configs/gone.yaml\n")
    monkeypatch.chdir("/")
    assert load_zeroshot_config(tmp_path / "zs.yaml").train_config == str(tmp_path / "train.yaml")
    with pytest.raises(ConfigError, match="copied.yaml: train_config 'configs/gone.yaml' is not a file"):
        load_zeroshot_config(tmp_path / "copied.yaml")

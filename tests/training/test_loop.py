import json
from pathlib import Path

import pytest

from sensor2text.config import load_run_config
from sensor2text.errors import ConfigError
from sensor2text.models.holistic import Sensor2Text
from sensor2text.training.loop import latest_state, train

TINY = [
    "data.classes=[count_1, count_2, fist]",
    "data.train_subjects=1",
    "data.val_subjects=1",
    "data.test_subjects=0",
    "data.repetitions=2",
    "data.num_frames=8",
    "projector.hidden_dim=16",
    "projector.num_layers=1",
    "adapter.r=2",
    "training.batch_size=3",
    "training.log_every=1",
    "training.warmup_steps=1",
]


def tiny_config(tiny_lm_dir, out: Path, steps: int, save_every: int = 0):
    return load_run_config(
        None,
        [
            *TINY,
            f"training.base_model={tiny_lm_dir}",
            f"training.output_dir={out}",
            f"training.max_steps={steps}",
            f"training.save_every={save_every}",
        ],
    )


def test_train_writes_a_loadable_checkpoint_with_card_and_logs(tiny_lm_dir, tmp_path):
    checkpoint = train(tiny_config(tiny_lm_dir, tmp_path / "run", steps=4, save_every=2))
    model = Sensor2Text.from_pretrained(checkpoint)
    assert set(model.config.label_sets) >= {"count_1", "count_2", "fist"}
    card = (checkpoint / "README.md").read_text()
    assert "validation_accuracy" in card and "train_minutes" in card and "## Command" in card
    assert list((tmp_path / "run" / "logs").rglob("events.out.tfevents*"))
    assert latest_state(tmp_path / "run")[1] == 4
    assert (tmp_path / "run" / "run_config.yaml").is_file()


def test_resume_continues_from_the_latest_state(tiny_lm_dir, tmp_path, capsys):
    train(tiny_config(tiny_lm_dir, tmp_path / "run", steps=2, save_every=2))
    train(tiny_config(tiny_lm_dir, tmp_path / "run", steps=4, save_every=2), resume=True)
    assert "resumed from" in capsys.readouterr().out
    assert latest_state(tmp_path / "run")[1] == 4


def test_resume_restores_the_trained_weights_and_keeps_the_newest_states(tiny_lm_dir, tmp_path):
    import torch

    trained = Sensor2Text.from_pretrained(train(tiny_config(tiny_lm_dir, tmp_path / "run", steps=6, save_every=2)))
    states = tmp_path / "run" / "states"
    assert sorted(p.name for p in states.iterdir()) == ["step_4", "step_6"]  # training.keep_states = 2
    assert sum(f.stat().st_size for f in (states / "step_6").iterdir()) < 1_000_000  # no frozen LM inside
    # resuming at max_steps runs no step: the checkpoint is rebuilt from the state alone
    minutes = json.loads((states / "step_6" / "state.json").read_text())["minutes"]
    assert minutes > 0
    resumed = Sensor2Text.from_pretrained(train(tiny_config(tiny_lm_dir, tmp_path / "run", steps=6), resume=True))
    card = (tmp_path / "run" / "checkpoint" / "README.md").read_text()
    card_minutes = float(card.split("- train_minutes: ")[1].split()[0])
    assert abs(card_minutes - minutes) < 0.02  # the earlier training counts, the resumed part adds ~0
    for (name, a), b in zip(trained.projector.state_dict().items(), resumed.projector.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    lora = [n for n, _ in trained.lm.named_parameters() if "lora_" in n]
    assert lora
    for name in lora:
        torch.testing.assert_close(trained.lm.get_parameter(name), resumed.lm.get_parameter(name), rtol=0, atol=0)


def test_training_on_a_csv_folder(tiny_lm_dir, tmp_path):
    from sensor2text.glove.recordings import save_synthetic
    from sensor2text.glove.synth import SynthSpec, generate

    spec = SynthSpec(classes=("count_1", "fist"), train_subjects=1, val_subjects=1, test_subjects=0, repetitions=2)
    save_synthetic(list(generate(spec)), tmp_path / "data", formats=("csv",))
    cfg = tiny_config(tiny_lm_dir, tmp_path / "run", steps=2)
    cfg.data.path = str(tmp_path / "data")
    assert Sensor2Text.from_pretrained(train(cfg)).config.num_frames == 8


def test_unknown_training_class_is_rejected(tiny_lm_dir, tmp_path):
    cfg = tiny_config(tiny_lm_dir, tmp_path / "run", steps=1)
    cfg.data.classes = ["salute"]
    with pytest.raises(ConfigError, match="data.classes: class 'salute' has no label set"):
        train(cfg)


def test_window_dataset_normalises_and_augments(rng):
    import numpy as np
    import torch

    from sensor2text.glove.schema import Normalizer
    from sensor2text.labels import LabelSet
    from sensor2text.training.data import WindowDataset

    items = [(rng.normal(10, 5, size=(40, 46)).astype(np.float32), "fist")]
    normalizer = Normalizer.fit([items[0][0]])
    labels = {"fist": LabelSet("fist", ("fist", "punch"))}
    plain = WindowDataset(items, normalizer, 8, labels)
    window, synonyms = plain[0]
    assert window.shape == (8, 46) and synonyms == ["fist", "punch"]
    torch.testing.assert_close(window, plain[0][0])  # deterministic without augmentation
    augmented = WindowDataset(items, normalizer, 8, labels, augment_gain=0.1, augment_offset=3.0)
    assert not torch.allclose(augmented[0][0], augmented[0][0])  # a new draw on every access
    # an offset alone shifts every frame of a channel by the same amount, like a recalibrated sensor
    shifted = WindowDataset(items, normalizer, 8, labels, augment_offset=3.0)[0][0] - window
    assert shifted.abs().mean() > 0.1
    torch.testing.assert_close(shifted.std(0), torch.zeros(46), atol=1e-5, rtol=0)


def test_augment_shift_is_in_units_of_each_channels_std(rng):
    import numpy as np
    import torch

    from sensor2text.glove.schema import Normalizer
    from sensor2text.labels import LabelSet
    from sensor2text.training.data import WindowDataset

    # channel 0 spans metres-like values, channel 1 a thousand times more: the shift is scale-free
    frames = np.stack([rng.normal(0, 0.01, 40), rng.normal(0, 10.0, 40)], axis=1).astype(np.float32)
    items = [(frames, "fist")]
    normalizer = Normalizer.fit([frames])
    labels = {"fist": LabelSet("fist", ("fist",))}
    plain = WindowDataset(items, normalizer, 8, labels)[0][0]
    shifted = WindowDataset(items, normalizer, 8, labels, augment_shift=0.5)
    torch.manual_seed(0)
    moves = torch.stack([(shifted[0][0] - plain)[0] for _ in range(400)])  # (400, 2) per-draw shifts
    torch.testing.assert_close(moves.std(0), torch.tensor([0.5, 0.5]), atol=0.06, rtol=0)
    torch.testing.assert_close((shifted[0][0] - plain).std(0), torch.zeros(2), atol=1e-5, rtol=0)


def test_validation_loss_is_logged(tiny_lm_dir, tmp_path):
    cfg = tiny_config(tiny_lm_dir, tmp_path / "run", steps=2)
    cfg.training.eval_every = 1
    train(cfg)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    values = []
    for events in (tmp_path / "run" / "logs").rglob("events.out.tfevents*"):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        if "val/loss" in accumulator.Tags()["scalars"]:
            values += [event.value for event in accumulator.Scalars("val/loss")]
    assert len(values) == 2 and all(v > 0 for v in values)


def test_training_on_subject_folders_named_per_split(tiny_lm_dir, tmp_path):
    from sensor2text.glove.recordings import save_synthetic
    from sensor2text.glove.synth import SynthSpec, generate
    from sensor2text.training.data import load_split

    spec = SynthSpec(classes=("count_1", "fist"), train_subjects=3, val_subjects=0, test_subjects=0, repetitions=1)
    save_synthetic(list(generate(spec)), tmp_path / "data", formats=("csv",))
    cfg = tiny_config(tiny_lm_dir, tmp_path / "run", steps=2)
    cfg.data.path = str(tmp_path / "data" / "train")
    cfg.data.classes = ["count_1", "fist"]
    cfg.data.splits = {"train": ["subject0000", "subject0001"], "validation": ["subject0002"]}
    assert [len(load_split(cfg, s)) for s in ("train", "validation", "test")] == [4, 2, 0]
    assert Sensor2Text.from_pretrained(train(cfg)).config.trained_classes == ["count_1", "fist"]
    cfg.data.splits = {"train": ["subject9"]}
    with pytest.raises(ConfigError, match="subject9 is not a folder"):
        load_split(cfg, "train")


AUSLAN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "auslan_hq"


@pytest.mark.skipif(not AUSLAN.is_dir(), reason=f"the AUSLAN recordings are not at {AUSLAN}")
def test_training_on_real_auslan_days(tiny_lm_dir, tmp_path):
    cfg = tiny_config(tiny_lm_dir, tmp_path / "run", steps=2)
    cfg.data.profile, cfg.data.path, cfg.data.labels = "5dt-2h", str(AUSLAN), "auslan"
    cfg.data.classes = ["yes", "no", "computer_PC"]
    cfg.data.splits = {"train": ["tctodd1"], "validation": ["tctodd2"]}
    model = Sensor2Text.from_pretrained(train(cfg))
    assert model.profile.name == "5dt-2h" and model.config.label_sets["computer_PC"] == ["computer", "PC"]


def test_session_norm_standardises_each_subject_and_is_saved(tiny_lm_dir, tmp_path):
    import numpy as np

    from sensor2text.training.data import load_split

    cfg = tiny_config(tiny_lm_dir, tmp_path / "run", steps=1)
    cfg.data.session_norm, cfg.data.train_subjects = True, 2
    items = load_split(cfg, "train")
    per_subject = len(items) // 2  # the generator writes one subject's recordings after the other
    for part in (items[:per_subject], items[per_subject:]):
        pooled = np.concatenate([frames for frames, _ in part])
        np.testing.assert_allclose(pooled.mean(0), 0, atol=1e-3)
    assert Sensor2Text.from_pretrained(train(cfg)).config.session_norm


def test_a_missing_split_folder_is_empty_never_the_training_recordings(tiny_lm_dir, tmp_path, rng, capsys):
    import numpy as np

    from sensor2text.glove.recordings import write_csv
    from sensor2text.glove.schema import SYNTHETIC_JOINTS
    from sensor2text.training.data import load_split

    frames = rng.normal(size=(20, SYNTHETIC_JOINTS.num_channels)).astype(np.float32)
    for folder in ("flat/alice1", "split/train/alice1", "no-train/validation/bob1"):
        write_csv(tmp_path / folder / "fist-0.csv", frames)
    cfg = tiny_config(tiny_lm_dir, tmp_path / "run", steps=1)
    cfg.data.classes = ["fist"]
    cfg.data.path = str(tmp_path / "split")
    assert len(load_split(cfg, "train")) == 1 and load_split(cfg, "validation") == []
    assert "has no validation/ folder" in capsys.readouterr().err
    cfg.data.path = str(tmp_path / "flat")  # no split folders: all of it trains, nothing validates
    assert len(load_split(cfg, "train")) == 1 and load_split(cfg, "validation") == []
    cfg.data.path = str(tmp_path / "no-train")
    with pytest.raises(ConfigError, match="has validation/ but no train/ folder"):
        load_split(cfg, "train")


def test_model_card_opens_with_hub_front_matter(tiny_lm_dir, tmp_path):
    import yaml

    from sensor2text.config import load_run_config
    from sensor2text.training.loop import front_matter

    card = (train(tiny_config(tiny_lm_dir, tmp_path / "run", steps=2, save_every=0)) / "README.md").read_text()
    assert card.startswith("---\n")
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["library_name"] == "sensor2text" and "lora" in header["tags"] and header["license"] == "mit"
    assert "base_model" not in header  # a local folder is not a hub id
    assert header["metrics"]["steps"] == 2
    embedded = yaml.safe_load(front_matter(load_run_config(None), {"accuracy": 0.9}).split("---\n")[1])
    assert embedded["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert embedded["metrics"] == {"accuracy": 0.9}


@pytest.mark.parametrize("output", ["run", "run/sub"])
def test_an_output_dir_that_cannot_be_a_folder_is_refused_before_training(tmp_path, output):
    from sensor2text.training.loop import prepare_run_dir

    (tmp_path / "run").write_text("a file")
    cfg = load_run_config(None, [f"training.output_dir={tmp_path / output}"])
    with pytest.raises(ConfigError, match=r"training.output_dir .*run is a file; expected a folder"):
        prepare_run_dir(cfg)


def test_launches_whose_batches_do_not_split_into_the_processes_are_refused():
    from sensor2text.config import load_run_config
    from sensor2text.training.loop import check_launch

    holistic, fingers = load_run_config(None), load_run_config(None, ["data.view=fingers", "composer.enabled=true"])
    with pytest.raises(ConfigError, match="training.batch_size 16: does not split into 3 processes"):
        check_launch(holistic, {"WORLD_SIZE": "3"})
    with pytest.raises(ConfigError, match="fingers.batch_size 64: does not split into 3 processes"):
        check_launch(fingers, {"WORLD_SIZE": "3"})
    check_launch(holistic, {"WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1"})  # torchrun
    check_launch(fingers, {"WORLD_SIZE": "2"})
    check_launch(fingers, {})  # a plain run


import numpy as np
import pytest

from sensor2text.api import ARITHMETIC_KNOWLEDGE_CHECKPOINT as KNOWLEDGE_CHECKPOINT
from sensor2text.config import load_run_config
from sensor2text.errors import ConfigError
from sensor2text.glove.schema import get_profile
from sensor2text.glove.synth import ALL_CLASSES
from sensor2text.labels import load_label_sets
from sensor2text.models.base import DescribeOptions
from sensor2text.models.decoding import TokenHooks
from sensor2text.models.stepwise import _outlines, hand_items, load_hand_states, split_hands


def test_shipped_hand_states_annotate_every_synthetic_gesture():
    states = load_hand_states()
    assert set(states.gestures) == set(ALL_CLASSES)
    assert states.gestures["count_7"] == ("index_middle", "open")
    assert states.captions["open"].canonical == "five: all fingers"


def test_hand_state_file_errors_name_the_entry(tmp_path):
    bad = tmp_path / "states.yaml"
    bad.write_text("states:\n  fist: [zero]\ngestures:\n  count_0: [fist, nothing]\n")
    with pytest.raises(ConfigError, match="gestures.count_0"):
        load_hand_states(bad)
    with pytest.raises(ConfigError, match="count_99"):
        load_hand_states().for_classes(["count_3", "count_99"])


def test_one_hand_profile_and_hand_split():
    two = get_profile("synthetic-joints")
    one = get_profile("synthetic-joints/hand")
    assert one.num_channels == two.num_channels // 2 and one.hand_slices == ((0, one.num_channels),)
    frames = np.arange(10 * 46, dtype=np.float32).reshape(10, 46)
    left, right = split_hands(frames, two.hand_slices)
    assert left.shape == right.shape == (10, 23) and right[0, 0] == 23
    items = hand_items([(frames, "count_6")], two.hand_slices, {"count_6": ("index", "open")})
    assert [label for _, label in items] == ["index", "open"]


def stepwise_config(tiny_lm_dir, out):
    return load_run_config(None, [
        "data.classes=[count_1, count_6, fist]", "data.train_subjects=1", "data.val_subjects=1",
        "data.test_subjects=0", "data.repetitions=1", "data.num_frames=8", "data.view=hands",
        "projector.hidden_dim=16", "projector.num_layers=1", "adapter.r=2", "training.max_steps=2",
        "training.batch_size=2", "training.save_every=0", "prompt.template=hand", "prompt.max_new_tokens=3",
        "composer.enabled=true", "composer.max_steps=2", "composer.batch_size=2", "composer.max_new_tokens=4",
        "composer.knowledge_steps=2",
        f"training.base_model={tiny_lm_dir}", f"training.output_dir={out}",
    ])  # fmt: skip


def test_stepwise_training_writes_a_checkpoint_that_describes_two_hand_recordings(tiny_lm_dir, tmp_path):
    from sensor2text.glove.synth import SynthSpec, generate
    from sensor2text.models.registry import load_checkpoint
    from sensor2text.models.stepwise import Stepwise
    from sensor2text.training.loop import train

    folder = train(stepwise_config(tiny_lm_dir, tmp_path / "run"))
    for name in ("stepwise.json", "hands/config.json", "hands/projector.safetensors",
                 "composer/adapter_model.safetensors", "knowledge/adapter_model.safetensors", "README.md"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert not list(folder.rglob("*.bin")) and not list(folder.rglob("*.pt"))
    model = load_checkpoint(folder)
    assert isinstance(model, Stepwise) and model.hands.profile.num_channels == 23
    assert model.config.trained_classes == ["count_1", "count_6", "fist"]
    assert set(model.label_sets) == set(load_label_sets())
    recordings = [r["frames"] for r in generate(SynthSpec(train_subjects=1, val_subjects=0, test_subjects=0,
                                                          repetitions=1, classes=("count_2", "wave")))]  # fmt: skip
    descriptions = model.describe(recordings)
    assert len(descriptions) == 2 and all(isinstance(d.text, str) for d in descriptions)
    assert all(set(d.steps) == {"left", "right", "composer"} for d in descriptions)
    assert all(d.timings["hands_ms"] > 0 and d.timings["composer_ms"] > 0 for d in descriptions)
    assert [d.text for d in model.describe(recordings, DescribeOptions(batch_size=1))] == [d.text for d in descriptions]
    texts = " ".join(model.leak_texts.values())
    # trained classes only (count_1, count_6, fist), each also with its hands mirrored
    assert "zero and one make" in texts and "one and zero make" in texts and "Meaning:" in texts
    assert "two" not in texts and "six and one make" not in texts
    [prompt] = model.label_prompts(recordings[:1])
    assert prompt.ndim == 3 and prompt.shape[0] == 1


def test_composer_needs_the_hands_view(tiny_lm_dir, tmp_path):
    with pytest.raises(ConfigError, match="data.view"):
        load_run_config(None, ["composer.enabled=true"])


def test_composer_stage_reuses_a_hands_checkpoint(tiny_lm_dir, tmp_path):
    from sensor2text.models.stepwise import Stepwise
    from sensor2text.training.loop import train, train_composer_stage

    cfg = stepwise_config(tiny_lm_dir, tmp_path / "hands")
    cfg.composer.enabled = False
    hands = train(cfg)
    assert not (hands / "stepwise.json").exists()
    cfg = stepwise_config(tiny_lm_dir, tmp_path / "stepwise")
    folder = train_composer_stage(cfg, hands)
    assert isinstance(Stepwise.from_pretrained(folder), Stepwise)
    cfg.data.classes = ["count_1"]
    with pytest.raises(ConfigError, match="other classes"):
        train_composer_stage(cfg, hands)


def test_cli_generates_with_a_stepwise_checkpoint(tiny_lm_dir, tmp_path, capsys):
    import json

    from sensor2text.cli.main import main
    from sensor2text.training.loop import train

    folder = train(stepwise_config(tiny_lm_dir, tmp_path / "run"))
    data = tmp_path / "data"
    assert main(["synth", "--out", str(data), "--train-subjects", "0", "--val-subjects", "0", "--test-subjects", "1",
                 "--repetitions", "1", "--classes", "count_2", "--format", "csv"]) == 0  # fmt: skip
    out = str(tmp_path / "out.json")
    assert main(["generate", "--checkpoint", str(folder), "--input", str(data), "--json", out]) == 0
    rows = json.loads((tmp_path / "out.json").read_text())
    assert len(rows) == 1 and rows[0]["label"] == "count_2" and isinstance(rows[0]["description"], str)
    recording = str(next(data.rglob("count_2-0.csv")))
    capsys.readouterr()
    assert main(["replay", recording, "--checkpoint", str(folder), "--speed", "0", "--window", "20", "--hop", "20",
                 "--jsonl", "--precision", "int8"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "composer memo: 0 of" in err  # a stepwise stream remembers its composer's answers
    assert main(["replay", recording, "--checkpoint", str(folder), "--speed", "0", "--window", "20", "--hop", "20",
                 "--jsonl", "--no-memo"]) == 0  # fmt: skip
    assert "composer memo" not in capsys.readouterr().err


def test_a_knowledge_adapter_for_another_lm_is_retrained_not_loaded(tiny_lm_dir, tmp_path):
    """Protocols run unchanged with --base-model: the shipped SmolLM2 adapter does not fit GPT-2."""
    from sensor2text.models.lm import load_base_model
    from sensor2text.training.text import knowledge_lm

    cfg = stepwise_config(tiny_lm_dir, tmp_path / "run")
    cfg.composer.knowledge_adapter = str(KNOWLEDGE_CHECKPOINT)
    lm, tokenizer = load_base_model(tiny_lm_dir)
    logged = []
    merged, folder, report, note, worked = knowledge_lm(cfg, lm, tokenizer, log=logged.append)
    assert "trained for 'HuggingFaceTB/SmolLM2-135M-Instruct'" in logged[0]  # its config names the hub id
    assert (folder / "adapter_model.safetensors").is_file() and "knowledge-arithmetic" not in str(folder)
    assert all(0.0 <= value <= 1.0 for value in report.values()) and not hasattr(merged, "peft_config")
    assert "held out" in note and worked is False


def test_live_composer_is_remembered_per_caption_pair(tiny_lm_dir, tmp_path, monkeypatch):
    from sensor2text.models import stepwise
    from sensor2text.models.decoding import TokenHooks
    from sensor2text.models.memo import ComposerMemo
    from sensor2text.training.loop import train

    model = stepwise.Stepwise.from_pretrained(train(stepwise_config(tiny_lm_dir, tmp_path / "run")))
    pairs = model.caption_pairs()
    assert len(pairs) == len({ls.canonical for ls in model.hands.label_sets.values()}) ** 2
    model.memo = ComposerMemo(tmp_path / "memo.json")

    def live(pair):
        shown = []
        hooks = TokenHooks(model.tokenizer, shown.append)
        return model.compose_live(*pair, hooks), shown, hooks.probs

    first = live(pairs[0])
    assert first[2] and model.memo.get(*pairs[0]).probs == first[2]
    monkeypatch.setattr(stepwise, "compose", lambda *a, **k: pytest.fail("a remembered pair was composed again"))
    assert live(pairs[0]) == first  # same text, same tokens shown, same probabilities (confidence)
    monkeypatch.undo()

    known = len(model.memo.entries)
    assert model.warm_step(interrupt=lambda: True)  # a gesture waits: the pair is dropped unfinished
    assert len(model.memo.entries) == known
    steps = 0
    while model.warm_step():
        steps += 1
    assert steps == len(pairs) - 1 and model.memo.missing(pairs) == []
    reloaded = ComposerMemo(tmp_path / "memo.json")
    reloaded.load()
    assert len(reloaded.entries) == len(pairs)


def test_a_seen_hand_shape_read_bent_for_curled_is_not_new():
    """Definitions name hand shapes never trained on; the reader's least sure distinction (bent vs
    curled) does not make a trained pinch new, a different extended finger does."""
    from sensor2text.glove.synth import hand_words

    rest, pinch = (words.caption() for words in hand_words("pinch"))
    assert pinch == "extended: none; bent: thumb, pointer; curled: middle, ring, little; thumb touches pointer"
    thumb_curled = "extended: none; bent: pointer; curled: thumb, middle, ring, little; thumb touches pointer"
    assert _outlines(rest, thumb_curled) == _outlines(rest, pinch)
    horns, pointing = (hand_words(name)[1].caption() for name in ("horns", "pointing"))
    assert _outlines(rest, horns) != _outlines(rest, pointing)


def test_finger_view_trains_a_reader_and_composer_and_names_defined_gestures(tiny_lm_dir, tmp_path):
    from sensor2text.glove.synth import SynthSpec, generate
    from sensor2text.models.definitions import GestureDefinition
    from sensor2text.models.registry import load_checkpoint
    from sensor2text.training.loop import train

    cfg = load_run_config(None, [
        "data.classes=[count_1, count_6, fist]", "data.train_subjects=1", "data.val_subjects=1",
        "data.test_subjects=0", "data.repetitions=1", "data.num_frames=8", "data.view=fingers",
        "fingers.steps=5", "fingers.hidden=4", "composer.enabled=true", "composer.max_steps=2",
        "composer.batch_size=2", "composer.max_new_tokens=4", "composer.knowledge_steps=2",
        f"training.base_model={tiny_lm_dir}", f"training.output_dir={tmp_path / 'run'}",
    ])  # fmt: skip
    folder = train(cfg)
    for name in ("stepwise.json", "fingers/fingers.json", "fingers/fingers.safetensors",
                 "composer/adapter_model.safetensors", "knowledge/adapter_model.safetensors"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert not (folder / "hands").exists()
    model = load_checkpoint(folder)
    assert model.reads_fingers and model.lm_modules() == [model.lm]
    assert "fingers_held_out: two-hand-thumb counts" in model.hands.config.metrics
    card = (folder / "README.md").read_text()
    assert "Per-finger labels come from the synthetic generator's pose definitions" in card
    # the checkpoint carries the composer's answers for every pair of its captions: the LM's own output
    seeded = model.use_memo()
    pairs = model.caption_pairs()
    assert (folder / "composer_memo.json").is_file() and not seeded.missing(pairs)
    model.disable_memo()
    assert model.compose_live(*pairs[0], TokenHooks(model.tokenizer, lambda text: None)) == seeded.get(*pairs[0]).text
    model.use_memo()
    assert "soft tokens" not in card and "finger-words" in card.split("---")[1]  # no projector to describe
    texts = " ".join(model.leak_texts.values())
    assert "counting pointer gives" in texts and "extended: pointer" in texts and " two " not in texts
    recordings = [r["frames"] for r in generate(SynthSpec(train_subjects=1, val_subjects=0, test_subjects=0,
                                                          repetitions=1, classes=("count_2", "shaka")))]  # fmt: skip
    described = model.describe(recordings)
    assert all(d.steps["left"].startswith("extended: ") for d in described)
    assert "pair_2_3" in model.label_sets and model.label_sets["pair_2_3"].canonical == "five"
    model.define_gestures([GestureDefinition("hang ten", (), "thumb and pinky out")])
    assert "hang ten" in model.label_sets
    trained = {_outlines(*pair) for pair in model.caption_pairs_trained()}
    for d in model.describe(recordings):  # an unseen pair of hand shapes, not reasoned as a count
        novel = _outlines(d.steps["left"], d.steps["right"]) not in trained
        reasoned = bool(d.steps["composer"].split("Meaning:")[0].strip())
        assert ("definition" in d.steps) == (novel and not reasoned)


def test_knowledge_questions_cover_every_set_of_extended_fingers_then_their_sums():
    from sensor2text.models.stepwise import finger_subsets

    subsets = finger_subsets(["thumb", "pointer", "middle", "ring", "little"])
    assert len(subsets) == 32 and [] in subsets and ["thumb", "ring"] in subsets  # thumb-first order kept
    assert len({tuple(s) for s in subsets}) == 32

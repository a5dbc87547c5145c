"""Steered sentences from a frozen LM: the glove model, the writer's modes, and no LM training."""

import pytest
import torch

from sensor2text.config import load_run_config
from sensor2text.errors import CheckpointError, ConfigError
from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.steering.glove import SteerGlove, train_steer_glove
from sensor2text.steering.writer import Mentioned, SteeredWriter, SteerOptions

CLASSES = ["count_1", "count_2", "fist"]


@pytest.fixture(scope="module")
def glove(tmp_path_factory):
    cfg = load_run_config(None, [f"data.classes=[{', '.join(CLASSES)}]", "data.train_subjects=2",
                                 "data.val_subjects=1", "data.test_subjects=0", "data.repetitions=2"])  # fmt: skip
    trained = train_steer_glove(cfg, steps=30, log=lambda *_: None)
    folder = tmp_path_factory.mktemp("steer")
    trained.save_pretrained(folder)
    return SteerGlove.from_pretrained(folder)


@pytest.fixture(scope="module")
def lm_and_tokenizer(tiny_lm_dir):
    from sensor2text.models.lm import load_base_model

    return load_base_model(tiny_lm_dir)


def recordings(n=2):
    spec = SynthSpec(train_subjects=1, val_subjects=0, test_subjects=0, repetitions=1, classes=tuple(CLASSES))
    return [r["frames"] for r in generate(spec)][:n]


def test_the_glove_model_weighs_its_classes_and_loads_back(glove, tmp_path):
    weights = glove.weights(recordings(3))
    assert weights.shape == (3, 3) and abs(weights.sum(1) - 1).max() < 1e-5
    assert glove.config.classes == CLASSES and "validation_accuracy" in glove.config.metrics
    with pytest.raises(CheckpointError, match="steer.json: not found"):
        SteerGlove.from_pretrained(tmp_path)


def test_every_mode_writes_without_training_or_changing_the_lm(glove, lm_and_tokenizer):
    lm, tokenizer = lm_and_tokenizer
    before = {k: v.clone() for k, v in lm.state_dict().items()}
    texts = {}
    for mode, strength in (("none", 0.0), ("bow", 0.0), ("bow", 8.0), ("pplm", 0.0)):
        writer = SteeredWriter(glove, lm, tokenizer, SteerOptions(mode=mode, strength=strength, max_new_tokens=5,
                                                                  min_new_tokens=0))  # fmt: skip
        described = writer.describe(recordings())
        assert len(described) == 2 and described[0].steps["glove"].split()[0] in CLASSES
        assert 1 <= described[0].timings["tokens"] <= 5
        texts[(mode, strength)] = [d.text for d in described]
    assert texts[("bow", 0.0)] == texts[("none", 0.0)]  # strength 0 changes nothing
    assert not any(p.requires_grad for p in lm.parameters())
    assert all(p.grad is None for p in lm.parameters())
    for name, value in lm.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_a_steered_sentence_is_right_when_it_mentions_a_synonym():
    two = Mentioned("count_2", ("two", "peace sign"))
    assert two.matches("It was a peace sign, friendly.") and two.matches("Two fingers")
    assert not two.matches("twofold") and not two.matches("peace")


def test_bad_steering_options_are_named():
    with pytest.raises(ConfigError, match="--steer-mode loud"):
        SteerOptions(mode="loud")
    with pytest.raises(ConfigError, match="--steer-strength -1"):
        SteerOptions(strength=-1)
    with pytest.raises(ConfigError, match="--steer-min-tokens 40: expected 0 to 32"):
        SteerOptions(min_new_tokens=40, max_new_tokens=32)


def test_a_text_ends_at_a_sentence_end_only_once_it_holds_the_least_tokens():
    from sensor2text.steering.writer import SentenceEnd

    ends = SentenceEnd([7, 9], min_length=4)  # prompt included
    assert ends(torch.tensor([[1, 2, 7]]), None).tolist() == [False]  # a sentence end, too early
    assert ends(torch.tensor([[1, 2, 3, 9], [1, 2, 3, 4]]), None).tolist() == [True, False]


@pytest.mark.parametrize("mode", ["none", "bow", "pplm"])
def test_the_writer_goes_on_past_a_sentence_end_until_it_holds_the_least_tokens(glove, lm_and_tokenizer, mode):
    lm, tokenizer = lm_and_tokenizer
    for least, written in ((0, 1), (6, 6)):
        writer = SteeredWriter(glove, lm, tokenizer, SteerOptions(mode=mode, max_new_tokens=10, min_new_tokens=least))
        writer.stop_ids = list(range(len(tokenizer)))  # every token ends a sentence
        new, _ = writer.continue_text(torch.tensor([1.0, 0.0, 0.0]))
        assert len(new) == written


def test_a_holistic_checkpoint_is_steered_on_top_and_unchanged_at_strength_zero(glove, tiny_checkpoint):
    from sensor2text.models.registry import load_checkpoint
    from sensor2text.steering.writer import SteeredCheckpoint

    model = load_checkpoint(tiny_checkpoint)
    plain = [d.text for d in model.describe(recordings())]
    same = SteeredCheckpoint(model, glove, SteerOptions(strength=0.0)).describe(recordings())
    assert [d.text for d in same] == plain and same[0].steps["glove"] in CLASSES
    strong = SteeredCheckpoint(model, glove, SteerOptions(strength=100.0)).describe(recordings())
    for d in strong:  # the glove model's top class is written (its words raised far above the rest)
        assert Mentioned(d.steps["glove"], tuple(glove.config.label_sets[d.steps["glove"]])).matches(d.text)
    with pytest.raises(ConfigError, match="takes --steer-mode bow"):
        SteeredCheckpoint(model, glove, SteerOptions(mode="pplm"))


@pytest.mark.parametrize("mode", ["bow", "pplm"])
def test_the_words_reach_on_token_as_they_are_written(glove, lm_and_tokenizer, mode):
    from sensor2text.models.base import DescribeOptions

    pieces = []
    writer = SteeredWriter(glove, *lm_and_tokenizer, SteerOptions(mode=mode, max_new_tokens=4, min_new_tokens=0))
    [described] = writer.describe(recordings(1), DescribeOptions(on_token=pieces.append))
    assert pieces and "".join(pieces).strip() == described.text


def test_a_steering_prompt_is_a_shipped_name_or_a_file(tmp_path):
    from sensor2text.steering.writer import load_steer_prompt

    assert load_steer_prompt("person").endswith("the gesture was")
    (tmp_path / "mine.txt").write_text("My prompt\n")
    assert load_steer_prompt(str(tmp_path / "mine.txt")) == "My prompt"
    with pytest.raises(ConfigError, match="unknown --steer-prompt 'nope'; expected a file or one of: answer, person"):
        load_steer_prompt("nope")

"""Bag-of-words steering: exactly the intended tokens are raised, by exactly the intended amount."""

import pytest
import torch

from sensor2text.steering.bow import BagOfWordsSteering, class_words, word_tokens

LABEL_SETS = {"count_2": ["two", "victory"], "thumbs_up": ["thumbs up", "good"], "fist": ["fist"]}
COME = {"come_here": ["come", "come here"], "fist": ["fist"]}
CLASSES = list(LABEL_SETS)


@pytest.fixture(scope="module")
def tokenizer(tiny_lm_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_lm_dir)


def test_words_are_spelt_after_a_space_and_capitalised_unless_a_bare_space_would_be_raised(tokenizer):
    spelt = [tokenizer.decode(ids) for ids in word_tokens(tokenizer, ["thumbs up", "victory"])]
    assert " thumbs up" in spelt and " Victory" in spelt
    assert tokenizer.convert_ids_to_tokens(tokenizer(" Two").input_ids)[0] == "Ġ"  # a bare space first: left out
    assert [tokenizer.decode(ids) for ids in word_tokens(tokenizer, ["two"])] == [" two"]


def test_the_first_tokens_of_every_class_word_get_strength_times_weight(tokenizer):
    words = class_words(tokenizer, LABEL_SETS, CLASSES)
    weights = torch.tensor([[0.7, 0.2, 0.1]])
    steer = BagOfWordsSteering(words, weights, strength=5.0, prompt_length=3)
    scores = torch.randn(1, len(tokenizer))
    raised = steer(torch.tensor([[1, 2, 3]]), scores.clone()) - scores
    expected = {}
    for k, spellings in enumerate(words):
        for ids in spellings:
            expected[ids[0]] = max(expected.get(ids[0], 0.0), 5.0 * float(weights[0, k]))
    changed = {int(i): float(raised[0, i]) for i in torch.nonzero(raised[0]).flatten()}
    assert changed.keys() == expected.keys()
    for token, value in expected.items():
        assert changed[token] == pytest.approx(value, rel=1e-6)


def test_a_word_of_several_tokens_is_followed_and_a_written_class_is_no_longer_raised(tokenizer):
    words = class_words(tokenizer, LABEL_SETS, CLASSES)
    thumbs = next(ids for ids in words[1] if tokenizer.decode(ids) == " thumbs up")
    assert len(thumbs) >= 2
    steer = BagOfWordsSteering(words, torch.tensor([[0.0, 1.0, 0.0]]), strength=4.0, prompt_length=1)
    scores = torch.zeros(1, len(tokenizer))
    begun = steer(torch.tensor([[0, *thumbs[:1]]]), scores.clone())
    assert begun[0, thumbs[1]] == 4.0 and torch.count_nonzero(begun) == 1  # the word's next token alone
    written = steer(torch.tensor([[0, *thumbs]]), scores.clone())
    assert torch.count_nonzero(written) == 0  # thumbs_up was said: nothing raised any more (the others weigh 0)


def test_strength_zero_changes_nothing(tiny_lm_dir, tokenizer):
    from transformers import AutoModelForCausalLM, LogitsProcessorList

    lm = AutoModelForCausalLM.from_pretrained(tiny_lm_dir)
    prompt = tokenizer(" He made a gesture of the number", return_tensors="pt").input_ids
    steer = BagOfWordsSteering(class_words(tokenizer, LABEL_SETS, CLASSES), torch.tensor([[1.0, 0, 0]]), 0.0,
                               prompt.shape[1])  # fmt: skip
    kwargs = {"max_new_tokens": 8, "do_sample": False, "pad_token_id": tokenizer.eos_token_id}
    plain = lm.generate(prompt, **kwargs)
    assert torch.equal(lm.generate(prompt, logits_processor=LogitsProcessorList([steer]), **kwargs), plain)
    strong = BagOfWordsSteering(class_words(tokenizer, LABEL_SETS, CLASSES), torch.tensor([[1.0, 0, 0]]), 50.0,
                                prompt.shape[1])  # fmt: skip
    steered = tokenizer.decode(lm.generate(prompt, logits_processor=LogitsProcessorList([strong]), **kwargs)[0])
    assert " two" in steered or " Victory" in steered  # a word of the raised class, followed to its end


def test_a_word_that_begins_a_longer_word_of_its_class_is_followed_on_and_written_when_left(tokenizer):
    words = class_words(tokenizer, COME, list(COME))
    come, come_here = (next(ids for ids in words[0] if tokenizer.decode(ids) == w) for w in (" come", " come here"))
    assert come_here[: len(come)] == come and len(come_here) > len(come)
    steer = BagOfWordsSteering(words, torch.tensor([[1.0, 0.0]]), strength=4.0, prompt_length=1)
    scores = torch.zeros(1, len(tokenizer))
    after_come = steer(torch.tensor([[0, *come]]), scores.clone())
    assert after_come[0, come_here[len(come)]] == 4.0 and torch.count_nonzero(after_come) == 1  # on to "come here"
    turned_away = steer(torch.tensor([[0, *come, come_here[0] + 1]]), scores.clone())
    assert torch.count_nonzero(turned_away) == 0  # the LM wrote another word: "come" counts as written

import pytest
import torch

from sensor2text.config import ComposerConfig
from sensor2text.errors import ConfigError
from sensor2text.models.composer import (
    caption_number,
    gesture_target,
    load_compose_template,
    parse_meaning,
    target_text,
)
from sensor2text.training.text import _batch, train_composer


def test_gesture_target_reasons_only_when_both_hands_show_a_number():
    segments = gesture_target("two: index, middle", "five: all fingers", "seven")
    assert target_text(segments) == " two and five make seven. Meaning: seven"
    assert [trained for _, trained in segments] == [True, False, True]  # the sum is never taught here
    assert gesture_target("relaxed", "one: thumb", "thumbs up") == [(" Meaning: thumbs up", True)]
    assert caption_number("zero: fist") == "zero" and caption_number("relaxed") is None


def test_parse_meaning_takes_the_words_after_the_last_marker():
    assert parse_meaning(" five and five make ten. Meaning: ten\nLeft") == "ten"
    assert parse_meaning(" Meaning: thumbs up.") == "thumbs up"
    assert parse_meaning(" hello there\nmore") == "hello there"


def test_batch_masks_prompt_padding_and_untrained_segments(tiny_lm_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_lm_dir)
    pairs = [("Left", [(" one and", True), (" two", False), (" Meaning", True)]), ("", [(" one", True)])]
    ids, mask, labels = _batch(tok, pairs)
    prompt = len(tok("Left", add_special_tokens=False).input_ids)
    untrained = len(tok(" two", add_special_tokens=False).input_ids)
    first = len(tok(" one and", add_special_tokens=False).input_ids)
    assert (labels[0, :prompt] == -100).all()
    assert (labels[0, prompt + first : prompt + first + untrained] == -100).all()
    assert labels[0, prompt] == ids[0, prompt]
    assert mask[1].sum() < mask[0].sum() and (labels[1][mask[1] == 0] == -100).all()


def test_compose_template_needs_both_placeholders(tmp_path):
    assert "{left}" in load_compose_template("steps")
    bad = tmp_path / "bad.txt"
    bad.write_text("Hands: {left}")
    with pytest.raises(ConfigError, match="right"):
        load_compose_template(str(bad))


def test_composer_training_lowers_the_loss_on_its_texts(tiny_lm_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_lm_dir)
    lm = AutoModelForCausalLM.from_pretrained(tiny_lm_dir)
    texts = [("Left hand: one", gesture_target("one: index", "five: all fingers", "six"))]
    ids, mask, labels = _batch(tok, texts)
    with torch.no_grad():
        before = lm(input_ids=ids, attention_mask=mask, labels=labels).loss.item()
    cfg = ComposerConfig(enabled=True, max_steps=30, batch_size=4, learning_rate=1e-2, arithmetic_corpus=False)
    model = train_composer(lm, tok, cfg, texts, log=lambda _: None)
    with torch.no_grad():
        after = model(input_ids=ids, attention_mask=mask, labels=labels).loss.item()
    assert after < 0.7 * before


def test_mirrored_gesture_texts_swap_the_hands_and_keep_the_meaning():
    from sensor2text.labels import LabelSet
    from sensor2text.models.composer import gesture_texts

    captions = {"fist": LabelSet("fist", ("zero: fist",)), "open": LabelSet("open", ("five: all fingers",))}
    states = {"count_5": ("fist", "open"), "count_0": ("fist", "fist")}
    labels = {"count_5": LabelSet("count_5", ("five",)), "count_0": LabelSet("count_0", ("zero",))}
    plain = gesture_texts("L {left} R {right}", ["count_5", "count_0"], states, captions, labels)
    mirrored = gesture_texts("L {left} R {right}", ["count_5", "count_0"], states, captions, labels, mirror=True)
    assert len(plain) == 2 and len(mirrored) == 3  # a symmetric gesture is not duplicated
    prompt, target = mirrored[1]
    assert prompt == "L five: all fingers R zero: fist"
    assert target_text(target) == " five and zero make five. Meaning: five"


def test_counting_target_counts_each_hand_then_adds_with_untrained_answers():
    from sensor2text.glove.synth import hand_words
    from sensor2text.models.composer import counting_target

    left, right = hand_words("count_7")
    segments = counting_target(left, right, "seven")
    assert target_text(segments) == (" counting pointer, middle gives two. counting thumb, pointer, middle, ring, "
                                     "little gives five. two and five make seven. Meaning: seven")
    assert [text.strip() for text, trained in segments if not trained] == ["two", "five", "seven"]
    fist, _ = hand_words("count_0")
    assert target_text(counting_target(fist, fist, "zero")).startswith(" counting none gives zero.")
    assert counting_target(*hand_words("v_sign"), "v sign") == [(" Meaning: v sign", True)]


def test_open_question_finds_the_clause_to_ask():
    from sensor2text.models.composer import open_question

    assert open_question(" counting index, middle gives") == "counting index, middle gives"
    assert open_question(" counting index gives one. two and five make") == "two and five make"
    assert open_question(" counting index gives one.") is None
    assert open_question(" Meaning: make") is None and open_question(" it gives") is None
    assert open_question(" five and five make") == "five and five make"
    assert open_question(" Meaning: wave") is None and open_question(" make it so") is None


def test_finger_gesture_texts_mirror_and_name_no_count_in_prompts():
    from sensor2text.glove.synth import hand_words
    from sensor2text.labels import LabelSet
    from sensor2text.models.composer import finger_gesture_texts

    labels = {"count_6": LabelSet("six", ("six", "6")), "pointing": LabelSet("pointing", ("pointing",))}
    texts = finger_gesture_texts("L: {left}\nR: {right}\nSo:", list(labels), {c: hand_words(c) for c in labels},
                                 labels, mirror=True)
    assert len(texts) == 4
    words = {w.strip(",;:") for prompt, _ in texts for w in prompt.split()}
    assert not words & {"six", "one", "five", "pointing"}


def test_compose_appends_only_the_result_of_a_worked_answer(monkeypatch):
    """The knowledge LM may count out loud; the composer's text gets the result alone."""
    import contextlib

    import torch

    from sensor2text.models import composer

    class FakeLM:
        def disable_adapter(self):
            return contextlib.nullcontext()

    asked = []

    def fake_continue(lm, tokenizer, prompts, max_new_tokens, **kwargs):
        assert not torch.is_grad_enabled()  # compose never builds a graph
        if prompts[0].startswith(" counting"):  # the knowledge LM, asked the clause alone
            asked.append((prompts[0], max_new_tokens))
            return ["index one, middle two, so two"]
        if prompts[0].endswith("gives two."):
            return [" Meaning: two"]
        return [" counting index, middle gives"]

    monkeypatch.setattr(composer, "continue_texts", fake_continue)
    out = composer.compose(FakeLM(), None, ["Left hand: x\nRight hand: y\nSo:"], 24, answer_tokens=48)
    assert out == [" counting index, middle gives two. Meaning: two"]
    assert asked == [(" counting index, middle gives", 48)]


def test_grounded_question_asks_about_the_fingers_the_reader_read():
    from sensor2text.glove.handshape import parse_caption
    from sensor2text.models.composer import grounded_question

    hands = (parse_caption("extended: pointer, middle; curled: thumb, ring, little"),
             parse_caption("extended: pointer; curled: thumb, middle, ring, little"))  # fmt: skip
    # the composer copied the wrong hand: the question lists the fingers of the hand it is about
    assert grounded_question(" counting pointer, middle, ring gives", hands) == " counting pointer, middle gives"
    assert grounded_question(" counting pointer, middle gives two. counting pointer, middle gives", hands) == (
        " counting pointer, middle gives two. counting pointer gives")
    assert grounded_question(" counting x gives two. counting y gives one. three and one make", hands) == (
        " counting x gives two. counting y gives one. two and one make")
    fists = (parse_caption("extended: none; curled: thumb, pointer, middle, ring, little"),) * 2
    assert grounded_question(" counting none gives", fists) == " counting none gives"
    assert grounded_question(" Meaning: fist", hands) == " Meaning: fist"  # not a question: unchanged


def test_grounded_compose_writes_the_counted_fingers_itself(monkeypatch):
    """With finger words the composer stops at "counting"; the program writes the fingers read, the
    live text shows the question as asked, and the knowledge LM answers it."""
    import contextlib

    from sensor2text.glove.handshape import parse_caption
    from sensor2text.models import composer

    class FakeLM:
        def disable_adapter(self):
            return contextlib.nullcontext()

    class Hooks:
        kwargs, interrupted, shown, interrupt_kwargs = {}, False, [], {}

        def emit(self, text):
            self.shown.append(text)

    hands = [(parse_caption("extended: none; curled: thumb, pointer, middle, ring, little"),
              parse_caption("extended: pointer, middle; curled: thumb, ring, little"))]  # fmt: skip
    composed = []

    def fake_continue(lm, tokenizer, prompts, max_new_tokens, **kwargs):
        if not prompts[0].startswith("So:"):  # the knowledge LM, asked the clause alone
            return {" counting none gives": [" zero."], " counting pointer, middle gives": [" two."],
                    " zero and two make": [" two."]}[prompts[0]]  # fmt: skip
        assert " counting" in kwargs["stop_strings"]
        composed.append(prompts[0])
        text = prompts[0].removeprefix("So:")
        return {"": [" counting"], " counting none gives zero.": [" counting"],
                " counting none gives zero. counting pointer, middle gives two.": [" zero and two make"],
                " counting none gives zero. counting pointer, middle gives two. zero and two make two.":
                    [" Meaning: two"]}[text]  # fmt: skip

    monkeypatch.setattr(composer, "continue_texts", fake_continue)
    hooks = Hooks()
    out = composer.compose(FakeLM(), None, ["So:"], 24, hooks=hooks, hands=hands)
    assert out == [" counting none gives zero. counting pointer, middle gives two. zero and two make two. Meaning: two"]
    assert hooks.shown == [" none gives", " zero.", " pointer, middle gives", " two.", " two."]
    assert len(composed) == 4  # the composer decoded no finger word


def test_a_gesture_waiting_stops_the_knowledge_answer_too(monkeypatch):
    """Background composing gives way during the knowledge answer as well: nothing half-answered is kept."""
    import contextlib

    from sensor2text.models import composer

    class FakeLM:
        def disable_adapter(self):
            return contextlib.nullcontext()

    class Hooks:
        kwargs, interrupted, interrupt_kwargs = {}, False, {"stopping_criteria": "waits"}

        def emit(self, text):
            pass

    hooks = Hooks()

    def fake_continue(lm, tokenizer, prompts, max_new_tokens, **kwargs):
        if prompts[0].startswith(" counting"):  # the knowledge answer
            assert kwargs["stopping_criteria"] == "waits"
            hooks.interrupted = True  # a gesture arrived while it was answering
            return [" tw"]
        return [" counting index, middle gives"]

    monkeypatch.setattr(composer, "continue_texts", fake_continue)
    assert composer.compose(FakeLM(), None, ["So:"], 24, hooks=hooks) == [" counting index, middle gives"]


def test_cached_writer_composes_what_generate_composes(tiny_lm_dir):
    """The live path (one KV cache across calls, drafts checked in one pass, answers remembered)
    writes the text and token probabilities of the reference path, whether its drafts are right or not."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sensor2text.glove.handshape import parse_caption
    from sensor2text.models import composer
    from sensor2text.models.decoding import TokenHooks

    torch.manual_seed(0)
    lora = LoraConfig(r=4, target_modules=["c_attn"], fan_in_fan_out=True, init_lora_weights=False)
    lm = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_lm_dir), lora)
    lm.eval()
    tok = AutoTokenizer.from_pretrained(tiny_lm_dir)
    hands = (parse_caption("extended: none; curled: thumb, pointer, middle, ring, little"),
             parse_caption("extended: pointer, middle; curled: thumb, ring, little"))  # fmt: skip
    prompt = f"Left hand: {hands[0].caption()}\nRight hand: {hands[1].caption()}\nSo:"
    # a composer that counts: stop at "counting" as the trained one does, then whatever the LM says
    reference_hooks = TokenHooks(tok, lambda text: None)
    reference = composer.compose(lm, tok, [prompt], 6, hooks=reference_hooks, answer_tokens=3, hands=[hands])
    answers = {}
    for drafts in ([], [[(" Meaning: two", True)]], "counted"):
        if drafts == "counted":  # every answer is known now: the draft of a count is complete
            drafts = [composer.counted_draft(hands, answers) or [(" counting", True)]]
        hooks = TokenHooks(tok, lambda text: None)
        writer = composer.CachedWriter(lm, tok, prompt, hooks, drafts)
        out = composer.compose(lm, tok, [prompt], 6, hooks=hooks, answer_tokens=3, hands=[hands], writer=writer,
                               answers=answers)  # fmt: skip
        assert out == reference
        assert len(hooks.probs) == len(reference_hooks.probs)
        assert max(abs(a - b) for a, b in zip(hooks.probs, reference_hooks.probs)) < 1e-4

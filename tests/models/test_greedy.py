"""Cached greedy decoding with drafts gives what ``generate`` gives, in fewer forward passes."""

import pytest
import torch

from sensor2text.models.greedy import Draft, GreedyContext, continue_greedy, ends_on_stop


@pytest.fixture(scope="module")
def lora_lm(tiny_lm_dir):
    """The tiny GPT-2 with a LoRA adapter that changes its outputs (B initialised non-zero)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    lora = LoraConfig(r=4, target_modules=["c_attn"], fan_in_fan_out=True, init_lora_weights=False)
    lm = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_lm_dir), lora)
    lm.eval()
    return lm, AutoTokenizer.from_pretrained(tiny_lm_dir)


def generated(lm, tok, ids, n, adapter=True, **kwargs):
    import contextlib

    with contextlib.nullcontext() if adapter else lm.disable_adapter():
        out = lm.generate(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                          max_new_tokens=n, do_sample=False, pad_token_id=tok.eos_token_id, **kwargs)  # fmt: skip
    return out[0, len(ids) :].tolist()


@pytest.mark.parametrize("adapter", [True, False])
def test_continuation_is_generate_s_greedy_output(lora_lm, adapter):
    lm, tokenizer = lora_lm
    ids = tokenizer(" one two three", add_special_tokens=False).input_ids
    expected = generated(lm, tokenizer, ids, 12, adapter)
    out = continue_greedy(GreedyContext(lm, adapter=adapter), tokenizer, ids, 12)
    assert out.ids == expected[: len(out.ids)] and len(out.ids) == len(expected)
    assert len(out.probs) == len(out.ids) and all(0 < p <= 1 for p in out.probs)


def test_a_right_draft_costs_one_pass_and_a_wrong_one_changes_nothing(lora_lm):
    lm, tokenizer = lora_lm
    ids = tokenizer(" one two", add_special_tokens=False).input_ids
    expected = generated(lm, tokenizer, ids, 8)
    right = GreedyContext(lm)
    right.drafts = [Draft(ids + expected)]
    assert continue_greedy(right, tokenizer, ids, 8).ids == expected
    assert right.forward_passes == 1
    wrong = GreedyContext(lm)
    wrong.drafts = [Draft(ids + [(t + 1) % len(tokenizer) for t in expected])]
    assert continue_greedy(wrong, tokenizer, ids, 8).ids == expected


def test_a_new_text_reads_only_what_differs_from_the_cached_one(lora_lm):
    lm, tokenizer = lora_lm
    context = GreedyContext(lm)
    first = tokenizer(" one two three four", add_special_tokens=False).input_ids
    continue_greedy(context, tokenizer, first, 3)
    second = first[:-1] + tokenizer(" five", add_special_tokens=False).input_ids
    out = continue_greedy(context, tokenizer, second, 6)
    assert out.ids == generated(lm, tokenizer, second, 6)[: len(out.ids)]


def test_stop_strings_end_where_generate_ends(lora_lm):
    lm, tokenizer = lora_lm
    ids = tokenizer(" one two", add_special_tokens=False).input_ids
    free = continue_greedy(GreedyContext(lm), tokenizer, ids, 10)
    stop = tokenizer.decode(free.ids[2:4])  # a string the free continuation writes
    out = continue_greedy(GreedyContext(lm), tokenizer, ids, 10, [stop])
    assert out.ids == generated(lm, tokenizer, ids, 10, stop_strings=[stop], tokenizer=tokenizer)


def test_stop_rule_is_transformers_rule():
    """A stop string counts when it ends inside the last token and starts at or before it."""
    assert ends_on_stop("xx st" + "op", 5, ["stop"])  # ["st", "op"]
    assert ends_on_stop("xx stop", 3, ["stop"])  # ["stop"]
    assert ends_on_stop("xx stopera", 5, ["stop"])  # ["st", "opera"]
    assert not ends_on_stop("xx stopat", 7, ["stop"])  # ["stop", "at"]
    assert not ends_on_stop("xx a stop b", 10, ["stop"])  # earlier in the text
    assert not ends_on_stop("xstopy", 0, ["stop"])  # inside the last token, not at its start or before


def test_an_interrupt_ends_the_continuation(lora_lm):
    lm, tokenizer = lora_lm
    ids = tokenizer(" one", add_special_tokens=False).input_ids
    out = continue_greedy(GreedyContext(lm), tokenizer, ids, 10, interrupt=lambda: True)
    assert out.interrupted and out.ids == []


def test_several_drafts_are_read_as_a_tree_in_one_pass(lora_lm):
    """A wrong guess and the right one, read together: the right branch is kept, the output is generate's."""
    lm, tokenizer = lora_lm
    ids = tokenizer(" one two", add_special_tokens=False).input_ids
    expected = generated(lm, tokenizer, ids, 8)
    wrong = [(t + 1) % len(tokenizer) for t in expected]
    context = GreedyContext(lm)
    context.drafts = [Draft(ids + expected[:2] + wrong[2:]), Draft(ids + wrong), Draft(ids + expected)]
    assert continue_greedy(context, tokenizer, ids, 8).ids == expected
    assert context.forward_passes == 1
    # the branch kept joins the text; going on past it reads on from there
    more = continue_greedy(context, tokenizer, ids + expected, 4).ids
    assert more == generated(lm, tokenizer, ids + expected, 4)[: len(more)]


def test_a_text_leaving_the_tree_keeps_what_it_shares(lora_lm):
    lm, tokenizer = lora_lm
    ids = tokenizer(" one two", add_special_tokens=False).input_ids
    expected = generated(lm, tokenizer, ids, 6)
    context = GreedyContext(lm)
    context.drafts = [Draft(ids + expected), Draft(ids + [(t + 1) % len(tokenizer) for t in expected])]
    continue_greedy(context, tokenizer, ids, 2)
    other = ids + expected[:1] + tokenizer(" three", add_special_tokens=False).input_ids
    assert continue_greedy(context, tokenizer, other, 5).ids == generated(lm, tokenizer, other, 5)

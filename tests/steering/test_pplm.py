"""PPLM proper: gradient steps on the past raise the bag of words' probability; the LM is untouched."""

import torch

from sensor2text.steering.pplm import PplmOptions, next_token_probs, pplm_generate


def test_the_perturbed_past_raises_the_bag_and_more_steps_raise_it_more(tiny_lm_dir):
    from sensor2text.models.lm import load_base_model

    lm, tokenizer = load_base_model(tiny_lm_dir)
    ids = tokenizer(" He made a gesture of the number", return_tensors="pt").input_ids
    bag = torch.zeros(len(tokenizer))
    bag[tokenizer(" two", add_special_tokens=False).input_ids[0]] = 1.0
    with torch.no_grad():
        plain = lm(input_ids=ids).logits[0, -1].softmax(-1)
    mild = next_token_probs(lm, ids, bag, PplmOptions(step_size=0.02, kl_scale=0.0, gm_scale=1.0))
    strong = next_token_probs(lm, ids, bag, PplmOptions(step_size=0.2, kl_scale=0.0, gm_scale=1.0))
    assert float(plain @ bag) < float(mild @ bag) < float(strong @ bag)
    assert abs(float(strong.sum()) - 1) < 1e-4
    new = pplm_generate(lm, ids, bag, 4, PplmOptions(step_size=0.2))
    assert len(new) == 4 and all(p.grad is None and not p.requires_grad for p in lm.parameters())

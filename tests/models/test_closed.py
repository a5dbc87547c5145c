import numpy as np
import torch

from sensor2text.glove.synth import SynthSpec, generate
from sensor2text.models.closed import choose
from sensor2text.models.registry import load_checkpoint


def _slow_constrained_greedy(lm, prompt, candidates):
    """Token by token, a full forward pass per token, no cache: the reference."""
    embed = lm.get_input_embeddings()
    alive, prefix, position = list(range(len(candidates))), [], 0
    while len(alive) > 1:
        inputs = torch.cat([prompt, embed(torch.tensor([prefix], dtype=torch.long))], dim=1) if prefix else prompt
        probs = lm(inputs_embeds=inputs).logits[0, -1].float().softmax(-1)
        allowed = sorted({candidates[i][position] for i in alive})
        token = max(allowed, key=lambda t: float(probs[t]))
        alive = [i for i in alive if candidates[i][position] == token]
        prefix.append(token)
        position += 1
    return alive[0]


def _frames(classes):
    spec = SynthSpec(seed=11, train_subjects=0, val_subjects=0, test_subjects=1, repetitions=1, classes=classes)
    return [r["frames"] for r in generate(spec)]


@torch.no_grad()
def test_batched_branch_passes_equal_token_by_token_constrained_greedy(tiny_checkpoint):
    model = load_checkpoint(tiny_checkpoint)
    texts = sorted({s for ls in model.label_sets.values() for s in ls.synonyms} | {"two", "two fingers", "V sign"})
    candidates = [model.label_ids(t) for t in texts]
    prompt = model.embed_prompt(model.prepare(_frames(("fist", "count_1", "count_2", "wave"))))
    chosen = choose(model.lm, prompt, candidates, model.tokenizer.pad_token_id)
    for row, (index, probs) in enumerate(chosen):
        assert index == _slow_constrained_greedy(model.lm, prompt[row : row + 1], candidates)
        assert probs and all(0 < p <= 1 for p in probs)


def test_choose_returns_a_candidate_and_its_confidence(tiny_checkpoint):
    model = load_checkpoint(tiny_checkpoint)
    texts = ["fist", "one", "closed hand", "the number one"]
    chosen = model.choose(_frames(("fist", "count_1")), texts)
    assert len(chosen) == 2
    assert all(picked in texts and 0 < confidence <= 1 for picked, confidence in chosen)
    assert np.isfinite([c for _, c in chosen]).all()

"""PPLM proper (Dathathri et al. 2020, bag-of-words attribute model), for comparison.

At every step the past key/values are perturbed by a few gradient steps that raise the
probability of the bag of words, with a KL term to the unsteered next-token distribution; the
perturbed distribution is then fused with the unsteered one by a geometric mean. As in the
paper's code (``run_pplm.py``): normalised gradient steps ``-step_size * grad / ||grad||**gamma``
(the norm a running maximum per layer), the perturbed past carried forward, the unperturbed
logits from a second, untouched cache. The bag holds the first token of each word's spellings
(the paper keeps one-token words only); the words of class k count with the glove's weight w_k:
``loss = -log(sum_t bag[t] * p[t]) + kl_scale * KL(p || p_unsteered)``.

About 5 forward passes and 3 backward passes per token (0.59 s a token on a GPU in the paper).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

# Keeps probabilities away from 0 in the KL term, as in the paper's code.
SMALL_CONST = 1e-15


@dataclass(frozen=True)
class PplmOptions:
    """The paper's bag-of-words settings (its defaults for the BoW examples)."""

    step_size: float = 0.03
    iterations: int = 3
    kl_scale: float = 0.01
    gm_scale: float = 0.95
    gamma: float = 1.5


def _pairs(cache) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(layer.keys, layer.values) for layer in cache.layers]


def _cache(pairs):
    from transformers import DynamicCache

    return DynamicCache(ddp_cache_data=pairs)


def bag_vector(words: list[list[list[int]]], weights: torch.Tensor, vocab: int) -> torch.Tensor:
    """``(V,)`` the weight of each token in the bag: class k's words' first tokens weigh ``weights[k]``."""
    bag = torch.zeros(vocab)
    for k, spellings in enumerate(words):
        for ids in spellings:
            bag[ids[0]] = max(float(bag[ids[0]]), float(weights[k]))
    return bag


def perturb_past(lm, past, last: torch.Tensor, unsteered: torch.Tensor, bag: torch.Tensor, norms, options: PplmOptions):
    """The past ``[(keys, values)]`` after ``options.iterations`` gradient steps toward the bag;
    returns ``(perturbed past, running gradient norms)``. ``unsteered (1, V)``: probabilities."""
    deltas = [tuple(torch.zeros_like(t) for t in pair) for pair in past]
    for _ in range(options.iterations):
        current = [tuple(d.clone().requires_grad_(True) for d in pair) for pair in deltas]
        shifted = [(k + dk, v + dv) for (k, v), (dk, dv) in zip(past, current)]
        probs = lm(input_ids=last, past_key_values=_cache(shifted), use_cache=True).logits[:, -1].float().softmax(-1)
        loss = -torch.log((probs * bag).sum())
        if options.kl_scale > 0:
            p = probs + SMALL_CONST * (probs <= SMALL_CONST).float().detach()
            q = unsteered + SMALL_CONST * (unsteered <= SMALL_CONST).float()
            loss = loss + options.kl_scale * (p * (p / q).log()).sum()
        loss.backward()
        flat = [t for pair in current for t in pair]
        step_norms = [t.grad.norm() + SMALL_CONST for t in flat]
        norms = step_norms if norms is None else [torch.maximum(a, b) for a, b in zip(norms, step_norms)]
        steps = [-options.step_size * t.grad / n**options.gamma for t, n in zip(flat, norms)]
        deltas = [(dk + steps[2 * i], dv + steps[2 * i + 1]) for i, (dk, dv) in enumerate(deltas)]
    return [(k + dk.detach(), v + dv.detach()) for (k, v), (dk, dv) in zip(past, deltas)], norms


def next_token_probs(lm, ids: torch.Tensor, bag: torch.Tensor, options: PplmOptions) -> torch.Tensor:
    """``(V,)`` PPLM's next-token distribution after ``ids (1, L)``: the perturbed past's
    distribution fused with the plain one (what :func:`pplm_generate` chooses its first token from)."""
    with torch.no_grad():
        past = _pairs(lm(input_ids=ids[:, :-1], use_cache=True).past_key_values)
        plain = lm(input_ids=ids).logits[:, -1].float().softmax(-1)
    with torch.enable_grad():
        steered_past, _ = perturb_past(lm, past, ids[:, -1:], plain, bag, None, options)
    with torch.no_grad():
        steered = lm(input_ids=ids[:, -1:], past_key_values=_cache(steered_past)).logits[:, -1].float().softmax(-1)
    fused = steered**options.gm_scale * plain ** (1 - options.gm_scale)
    return (fused / fused.sum())[0]


def pplm_generate(lm, prompt_ids: torch.Tensor, bag: torch.Tensor, max_new_tokens: int, options: PplmOptions,
                  processors=(), stop_ids: tuple[int, ...] = (), streamer=None,
                  min_new_tokens: int = 0) -> list[int]:  # fmt: skip
    """Greedy PPLM continuation of ``prompt_ids (1, L)``: the new token ids, ending at the first of
    ``stop_ids`` once ``min_new_tokens`` are written. ``processors`` (e.g.
    transformers' no-repeat-n-gram rule) see the fused log-probabilities, as in plain decoding;
    ``streamer`` (a transformers streamer) is given the prompt, then each token as it is chosen."""
    if streamer is not None:
        streamer.put(prompt_ids)
    with torch.no_grad():
        past = _pairs(lm(input_ids=prompt_ids[:, :-1], use_cache=True).past_key_values)
        plain = lm(input_ids=prompt_ids, use_cache=True)
    plain_cache, plain_logits = plain.past_key_values, plain.logits[:, -1].float()
    last, ids, norms = prompt_ids[:, -1:], prompt_ids, None
    new: list[int] = []
    for _ in range(max_new_tokens):
        unsteered = plain_logits.softmax(-1)
        with torch.enable_grad():
            steered_past, norms = perturb_past(lm, past, last, unsteered, bag, norms, options)
        with torch.no_grad():
            out = lm(input_ids=last, past_key_values=_cache(steered_past), use_cache=True)
            fused = out.logits[:, -1].float().softmax(-1) ** options.gm_scale * unsteered ** (1 - options.gm_scale)
            scores = (fused / fused.sum()).log()
            for processor in processors:
                scores = processor(ids, scores)
            token = scores.argmax(-1, keepdim=True)
            past = [(k.detach(), v.detach()) for k, v in _pairs(out.past_key_values)]
            step = lm(input_ids=token, past_key_values=plain_cache, use_cache=True)
        plain_cache, plain_logits = step.past_key_values, step.logits[:, -1].float()
        ids, last = torch.cat([ids, token], 1), token
        new.append(int(token))
        if streamer is not None:
            streamer.put(token[0])
        if new[-1] in stop_ids and len(new) >= min_new_tokens:
            break
    if streamer is not None:
        streamer.end()
    return new

"""Greedy decoding restricted to a closed set of texts, in a few batched passes.

A hand caption comes from a small closed vocabulary (15 captions for the shipped hands model).
Token-by-token generation reads the LM's weights once per token (about 60 ms on 2 CPU cores);
here the candidates' token sequences form a tree, and the LM is only asked where they branch:
the tokens between two branch points are forced and fed in the same pass as the decision before
them. At each branch the choice is the greedy one (the allowed token of highest probability), so
whenever free greedy decoding would write a caption of the set, this writes the same caption.
"""

from __future__ import annotations

import torch


def _branch_end(candidates: list[list[int]], alive: list[int], position: int) -> int:
    """First position after ``position`` where the ``alive`` candidates differ (their length when one is left)."""
    if len(alive) == 1:
        return len(candidates[alive[0]])
    end = position + 1
    while len({candidates[i][end] for i in alive}) == 1:
        end += 1
    return end


def _decide(probs: torch.Tensor, candidates: list[list[int]], alive: list[int], position: int):
    """The allowed token of highest probability at ``position`` (lowest id on a tie, as argmax)."""
    allowed = sorted({candidates[i][position] for i in alive})
    token = max(allowed, key=lambda t: float(probs[t]))
    return token, float(probs[token]), [i for i in alive if candidates[i][position] == token]


@torch.no_grad()
def choose(lm, prompt: torch.Tensor, candidates: list[list[int]], pad_id: int) -> list[tuple[int, list[float]]]:
    """Constrained greedy choice among ``candidates`` for each prompt row.

    ``prompt (B, P, H)`` input embeddings of equal length; ``candidates``: K token-id sequences,
    each ending in EOS (so none is a prefix of another). Returns per row ``(index of the chosen
    candidate, probability of each decided token)``. One pass for the prompt, then one per branch
    point still open in any row (rows advance together, padded and masked).
    """
    batch, length = prompt.shape[:2]
    out = lm(inputs_embeds=prompt, use_cache=True)
    cache, logits = out.past_key_values, out.logits[:, -1].float()
    mask = torch.ones(batch, length, dtype=torch.long, device=prompt.device)
    next_position = [length] * batch
    alive = [list(range(len(candidates))) for _ in range(batch)]
    position, probs = [0] * batch, [[] for _ in range(batch)]
    while True:
        chunks = []
        for b in range(batch):
            if len(alive[b]) == 1:
                chunks.append([])
                continue
            token, prob, alive[b] = _decide(logits[b].softmax(-1), candidates, alive[b], position[b])
            probs[b].append(prob)
            end = _branch_end(candidates, alive[b], position[b])
            chunks.append([] if len(alive[b]) == 1 else candidates[alive[b][0]][position[b] : end])
            position[b] = end
        if not any(chunks):
            return [(row[0], p) for row, p in zip(alive, probs)]
        logits, cache, mask = _feed(lm, chunks, cache, mask, next_position, pad_id, logits)


def _feed(lm, chunks: list[list[int]], cache, mask: torch.Tensor, next_position: list[int], pad_id: int,
          logits: torch.Tensor):  # fmt: skip
    """Feed each row its chunk (right-padded, masked) on top of ``cache``; returns the logits after
    each row's last real token (rows without a chunk keep theirs), the cache and the new mask."""
    width = max(len(c) for c in chunks)
    ids = torch.full((len(chunks), width), pad_id, device=mask.device)
    new_mask = torch.zeros(len(chunks), width, dtype=torch.long, device=mask.device)
    positions = torch.zeros(len(chunks), width, dtype=torch.long, device=mask.device)
    for b, chunk in enumerate(chunks):
        ids[b, : len(chunk)], new_mask[b, : len(chunk)] = torch.tensor(chunk), 1
        positions[b] = next_position[b] + torch.arange(width)
        next_position[b] += len(chunk)
    mask = torch.cat([mask, new_mask], dim=1)
    out = lm(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache, use_cache=True)
    logits = logits.clone()
    for b, chunk in enumerate(chunks):
        if chunk:
            logits[b] = out.logits[b, len(chunk) - 1].float()
    return logits, out.past_key_values, mask

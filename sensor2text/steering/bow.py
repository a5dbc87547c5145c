"""Bag-of-words steering without gradients: a logits processor that raises the label sets' words.

For each label set (class) k with weight ``w[b, k]`` (row b of the batch, from the glove model), every
word of its synonyms gets ``strength * w[b, k]`` added to the logit of its next token:

- the word's **first token**, at every step;
- a word of several tokens is followed along: when the text generated so far ends with the word's
  first m tokens, its token m + 1 gets the bonus instead (no first token is raised mid-word).

Once a word of a class has been written in full, that class stops being raised (the text mentions
the gesture once and goes on as the LM would). Words are raised as they appear inside a text
(after a space; see ``SPELLINGS``). A word that begins a longer word of the same class ("come" of
"come here") is followed on to the longer one, which names the gesture less ambiguously; if the LM
turns away, the shorter word counts as written. ``strength = 0`` leaves every score unchanged.
"""

from __future__ import annotations

import torch

# Spellings of a word inside a text: after a space, and capitalised after a space.
SPELLINGS = (" {w}", " {W}")


def word_tokens(tokenizer, words: list[str]) -> list[list[int]]:
    """Token ids of every spelling of each word (see ``SPELLINGS``), without repeats; a spelling
    whose first token is only a space or punctuation (" 7" -> " ", "7" in some vocabularies) is left
    out: raising that token would raise every word."""
    out: list[list[int]] = []
    for word in words:
        for spelling in SPELLINGS:
            ids = tokenizer(spelling.format(w=word, W=word[:1].upper() + word[1:]), add_special_tokens=False).input_ids
            if ids and any(ch.isalnum() for ch in tokenizer.decode(ids[:1])) and ids not in out:
                out.append(ids)
    return out


def class_words(tokenizer, label_sets: dict[str, list[str]], classes: list[str]) -> list[list[list[int]]]:
    """Per class (in ``classes`` order), the token ids of its synonyms' spellings."""
    return [word_tokens(tokenizer, label_sets[c]) for c in classes]


class BagOfWordsSteering:
    """A transformers logits processor (``__call__(input_ids, scores) -> scores``).

    ``words[k]``: token-id lists of class k's words; ``weights (B, K)``: each row's class weights;
    ``prompt_length``: tokens of ``input_ids`` before the generated text (only generated tokens
    count as a word begun or written). Per step it costs a vector add and a look at the last few
    tokens: the first-token bonuses are made once per row and redone only when a class is written.
    """

    def __init__(self, words: list[list[list[int]]], weights: torch.Tensor, strength: float, prompt_length: int):
        self.words, self.weights, self.strength, self.prompt_length = words, weights.float(), strength, prompt_length
        self.written: list[set[int]] = [set() for _ in range(len(weights))]
        self.pending: list[set[int]] = [set() for _ in range(len(weights))]  # ended, a longer word begun
        self.first: list[torch.Tensor | None] = [None] * len(weights)
        self.longest = max((len(ids) for spellings in words for ids in spellings), default=1)

    def _next_tokens(self, tail: list[int], k: int) -> list[int]:
        """The next token of each word of class ``k`` that ``tail`` ends partway into."""
        tokens = []
        for ids in self.words[k]:
            begun = next((m for m in range(len(ids) - 1, 0, -1) if _ends_with(tail, ids[:m])), 0)
            if begun:
                tokens.append(ids[begun])
        return tokens

    def _first_bonus(self, row: int, vocab: int) -> torch.Tensor:
        """``(V,)`` the first tokens' bonus of one row: ``strength * w_k`` for each class not yet written."""
        bonus = torch.zeros(vocab)
        for k, spellings in enumerate(self.words):
            if k not in self.written[row]:
                value = self.strength * float(self.weights[row, k])
                for ids in spellings:
                    bonus[ids[0]] = max(float(bonus[ids[0]]), value)
        return bonus

    def bonus(self, generated: list[int], row: int, vocab: int) -> torch.Tensor:
        """``(V,)`` the logit bonus of one row after ``generated`` tokens. A class whose word just ended
        while a longer word of it is begun ("come" of "come here") is followed to the longer word first."""
        tail = generated[-self.longest :]
        ended = {k for k, spellings in enumerate(self.words) if any(_ends_with(tail, ids) for ids in spellings)}
        nexts = {k: self._next_tokens(tail, k) for k in range(len(self.words)) if k not in self.written[row]}
        extending = {k for k, tokens in nexts.items() if tokens}
        said = ended | self.pending[row]
        self.pending[row] = said & extending
        if self.first[row] is None or not said - extending <= self.written[row]:
            self.written[row] |= said - extending
            self.first[row] = self._first_bonus(row, vocab)
        following = torch.zeros(vocab)
        for k in extending:
            value = self.strength * float(self.weights[row, k])
            for token in nexts[k]:
                following[token] = max(float(following[token]), value)
        return following if following.any() else self.first[row]  # inside a word: only its next token

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.strength == 0:
            return scores
        rows = [self.bonus(input_ids[b, self.prompt_length :].tolist(), b, scores.shape[-1])
                for b in range(scores.shape[0])]  # fmt: skip
        return scores + torch.stack(rows).to(scores.device, scores.dtype)


def _ends_with(tokens: list[int], ids: list[int]) -> bool:
    return len(tokens) >= len(ids) and tokens[len(tokens) - len(ids) :] == ids

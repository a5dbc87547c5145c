"""Greedy decoding of one text that keeps its KV cache between calls and checks drafts in one pass.

The composer (:mod:`sensor2text.models.composer`) continues the same text several times: it
writes a few words, the program appends the fingers or an answer, and it goes on. Each
``generate`` call read the whole text again (about 70 ms per forward pass of the 135M LM on two
cores, however few tokens it reads: the weights stream from memory). :class:`GreedyContext`
keeps the text's cache, so a call reads only what was appended, and it takes **drafts**: whole
texts the caller expects (the program knows the fingers and the answers it will write). A
forward pass reads the appended tokens *and* the draft's tail, and records the LM's greedy
choice at every position where a choice will be asked, so the calls that follow cost nothing as
long as the LM chose what the draft says. Where it chose otherwise, its own choice is taken and
the draft is dropped from there: the output is greedy decoding's, whatever the draft (a wrong
draft only costs time).

Shapes: the LM reads ``(1, T)`` token ids; the cache holds ``(1, kv_heads, T, head_dim)`` per layer.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import torch


@dataclass
class Draft:
    """A whole token sequence the caller expects, and where the LM's choice will be asked.

    ``asked[p]`` is True when the greedy choice after ``ids[: p + 1]`` will be asked (the next
    token is the LM's to choose, not the program's); the last position is always asked.
    """

    ids: list[int]
    asked: list[bool] = field(default_factory=list)

    def __post_init__(self):
        if not self.asked:
            self.asked = [True] * len(self.ids)
        self.asked[-1] = True


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@dataclass
class Node:
    """One draft token read in a tree pass: ``parent`` indexes the tree (-1: it follows the text)."""

    token: int
    parent: int
    depth: int  # 0 for a token right after the text
    asked: bool = False
    choice: tuple[int, float] | None = None


def draft_tree(drafts: list[Draft], ids: list[int], budget: int) -> list[Node]:
    """The tails of the drafts that extend ``ids``, merged where they share tokens (a token trie in
    draft order, parents before children), up to ``budget`` nodes: whole drafts only."""
    nodes: list[Node] = []
    children: dict[tuple[int, int], int] = {}
    for draft in drafts:
        if len(draft.ids) <= len(ids) or draft.ids[: len(ids)] != ids:
            continue
        tail = draft.ids[len(ids) :]
        if len(nodes) + _new_nodes(tail, children) > budget:
            continue
        parent = -1
        for depth, token in enumerate(tail):
            if (parent, token) not in children:
                children[(parent, token)] = len(nodes)
                nodes.append(Node(token, parent, depth))
            parent = children[(parent, token)]
            nodes[parent].asked |= draft.asked[len(ids) + depth]
    return nodes


def _new_nodes(tail: list[int], children: dict[tuple[int, int], int]) -> int:
    """How many tokens of ``tail`` the trie (``children``: (parent, token) -> node) lacks."""
    parent = -1
    for i, token in enumerate(tail):
        if (parent, token) not in children:
            return len(tail) - i
        parent = children[(parent, token)]
    return 0


class GreedyContext:
    """One token sequence, its KV cache and the greedy choices known at its positions.

    A forward pass reads the tokens the cache lacks and, after them, the drafts that extend the
    text as a **tree** (each draft token sees the text and its own draft's earlier tokens only, by
    a 4-D attention mask), so several guesses (a count, a few meanings) cost one pass. The next
    query keeps the branch it follows and drops the others from the cache.

    ``adapter=False`` runs the LM with its LoRA adapter switched off (a peft model's
    ``disable_adapter``), as the composer's knowledge answers need.
    """

    def __init__(self, lm, adapter: bool = True, tree_budget: int = 64):
        self.lm, self.adapter, self.tree_budget = lm, adapter, tree_budget
        self.ids: list[int] = []  # the text the cache holds (before any tree)
        self.tree: list[Node] = []  # draft tokens the cache holds after the text
        self.cache = None
        self.choices: dict[int, tuple[int, float]] = {}  # position -> (greedy next token, its probability)
        self.drafts: list[Draft] = []
        self.forward_passes = 0
        self._cache_arg = _cache_argument(lm)

    def choice(self, ids: list[int]) -> tuple[int, float]:
        """The greedy next token after ``ids`` and its probability (a forward pass only when unknown)."""
        known = self._known(ids)
        if known is None:
            self._read(ids)
            known = self._known(ids)
        return known

    def _known(self, ids: list[int]) -> tuple[int, float] | None:
        """The choice after ``ids`` if a pass already made it (on the text, or along a tree branch)."""
        n = len(self.ids)
        if len(ids) <= n:
            return self.choices.get(len(ids) - 1) if self.ids[: len(ids)] == ids else None
        if ids[:n] != self.ids:
            return None
        path = self._tree_path(ids[n:])
        return self.tree[path[-1]].choice if len(path) == len(ids) - n else None

    def _tree_path(self, tokens: list[int]) -> list[int]:
        """The tree nodes along ``tokens`` from the text's end, as far as the tree has them."""
        path, parent = [], -1
        for token in tokens:
            node = next((i for i, n in enumerate(self.tree) if n.parent == parent and n.token == token), None)
            if node is None:
                break
            path.append(node)
            parent = node
        return path

    def _read(self, ids: list[int]) -> None:
        """Run the LM over what of ``ids`` the cache lacks, and the drafts extending ``ids``."""
        self._settle(ids)
        keep = min(common_prefix(self.ids, ids), len(ids) - 1)  # at least the last token is read
        self._cut(keep)
        nodes = draft_tree(self.drafts, ids, self.tree_budget)
        linear = ids[keep:]
        asked = [len(linear) - 1] + [len(linear) + i for i, node in enumerate(nodes) if node.asked]
        logits = self._forward(linear, nodes, keep, asked)
        best = logits.float().softmax(-1).max(-1)
        choices = list(zip(best.indices.tolist(), best.values.tolist()))
        self.choices[len(ids) - 1] = choices[0]
        for index, choice in zip(asked[1:], choices[1:]):
            nodes[index - len(linear)].choice = choice
        self.ids, self.tree = ids, nodes

    def _settle(self, ids: list[int]) -> None:
        """Keep, of the tree in the cache, only the branch ``ids`` follows; it joins the text."""
        if not self.tree:
            return
        n = len(self.ids)
        path = self._tree_path(ids[n:]) if ids[:n] == self.ids else []
        if self.cache is not None:
            keep = torch.tensor(list(range(n)) + [n + i for i in path], dtype=torch.long)
            if not _select_positions(self.cache, keep):
                self.cache, self.ids, self.choices = None, [], {}
                self.tree = []
                return
        for depth, index in enumerate(path):
            if self.tree[index].choice is not None:
                self.choices[n + depth] = self.tree[index].choice
        self.ids = self.ids + [self.tree[i].token for i in path]
        self.tree = []

    def _cut(self, length: int) -> None:
        """Forget every token from ``length`` on (and the choices that read them)."""
        cached = len(self.ids) + len(self.tree)
        if self.cache is not None and cached > length:
            self.cache.crop(length - cached)
        self.ids, self.tree = self.ids[:length], []
        self.choices = {p: c for p, c in self.choices.items() if p < length}

    @torch.no_grad()
    def _forward(self, linear: list[int], nodes: list[Node], start: int, asked: list[int]) -> torch.Tensor:
        """Logits ``(len(asked), vocab)`` at ``asked`` (indices into ``linear`` + ``nodes``) after
        reading ``linear`` (text positions ``start ..``) and the tree ``nodes`` on top of the cache."""
        from transformers import DynamicCache

        if self.cache is None:
            self.cache = DynamicCache()
        tokens = linear + [node.token for node in nodes]
        extra = {}
        if nodes:
            end = start + len(linear)
            positions = list(range(start, end)) + [end + node.depth for node in nodes]
            extra = {"position_ids": torch.tensor([positions]), "attention_mask": tree_mask(start, len(linear), nodes)}
        switch = self.lm.disable_adapter() if not self.adapter else contextlib.nullcontext()
        with switch:
            out = self.lm(input_ids=torch.tensor([tokens]), use_cache=True, logits_to_keep=torch.tensor(asked),
                          **{self._cache_arg: self.cache}, **extra)  # fmt: skip
        self.forward_passes += 1
        return out.logits[0]


def tree_mask(cached: int, linear: int, nodes: list[Node]) -> torch.Tensor:
    """``(1, 1, Q, cached + Q)`` boolean attention mask (True: may attend) of a pass reading
    ``linear`` text tokens, causally, then the tree ``nodes``: each node sees the cache, the text
    and its ancestors."""
    q = linear + len(nodes)
    mask = torch.zeros(q, cached + q, dtype=torch.bool)
    mask[:, :cached] = True
    mask[:, cached : cached + linear] = torch.ones(q, linear, dtype=torch.bool).tril()
    mask[linear:, cached : cached + linear] = True
    for i in range(len(nodes)):
        row, ancestor = linear + i, i
        while ancestor != -1:
            mask[row, cached + linear + ancestor] = True
            ancestor = nodes[ancestor].parent
    return mask[None, None]


def _select_positions(cache, keep: torch.Tensor) -> bool:
    """Keep only the cache positions ``keep`` in every layer; False when this cache type is unknown."""
    layers = getattr(cache, "layers", None)
    if not layers or not all(hasattr(layer, "keys") and hasattr(layer, "values") for layer in layers):
        return False
    for layer in layers:
        if layer.keys is not None and layer.keys.numel():
            layer.keys = layer.keys.index_select(-2, keep)
            layer.values = layer.values.index_select(-2, keep)
    return True


def _cache_argument(lm) -> str:
    """``cache`` (transformers 5) or ``past_key_values`` (4.x): the forward argument taking the KV cache."""
    model = lm.get_base_model() if hasattr(lm, "get_base_model") else lm
    return "cache" if "cache" in inspect.signature(type(model).forward).parameters else "past_key_values"


def ends_on_stop(text: str, last_token_start: int, stop_strings: list[str]) -> bool:
    """Whether a stop string ends inside the last token, having started at or before it (the
    rule of transformers' ``StopStringCriteria``: ``["st", "op"]`` and ``["st", "opera"]`` stop
    on ``"stop"``; ``["stop", "at"]`` does not)."""
    for stop in stop_strings:
        start = text.find(stop, max(0, last_token_start - len(stop) + 1))
        while start != -1 and start <= last_token_start:
            if start + len(stop) > last_token_start:
                return True
            start = text.find(stop, start + 1)
    return False


@dataclass
class Continuation:
    """What :func:`continue_greedy` wrote: its tokens, their texts and greedy probabilities."""

    ids: list[int]
    probs: list[float]
    interrupted: bool = False


def continue_greedy(context: GreedyContext, tokenizer, ids: list[int], max_new_tokens: int,
                    stop_strings: list[str] = (), on_text: Callable[[str], None] | None = None,
                    interrupt: Callable[[], bool] | None = None) -> Continuation:  # fmt: skip
    """Greedy continuation of ``ids`` until EOS, a stop string or ``max_new_tokens`` (as
    ``generate(do_sample=False, stop_strings=...)``); ``on_text`` receives each new piece of text."""
    out = Continuation([], [])
    shown, whole = "", tokenizer.decode(ids) if stop_strings else ""  # whole: the text up to the last token
    while len(out.ids) < max_new_tokens:
        if interrupt is not None and interrupt():
            out.interrupted = True
            break
        token, prob = context.choice(ids + out.ids)
        out.ids.append(token)
        out.probs.append(prob)
        if token == tokenizer.eos_token_id:
            break
        text = tokenizer.decode(out.ids, skip_special_tokens=True)
        if on_text is not None and len(text) > len(shown):
            on_text(text[len(shown) :])
            shown = text
        if stop_strings:
            last_token_start, whole = len(whole), tokenizer.decode(ids + out.ids)
            if ends_on_stop(whole, last_token_start, list(stop_strings)):
                break
    return out

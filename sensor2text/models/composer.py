"""The composer: the LM names a whole gesture from words describing each hand (text only).

Second stage of the stepwise design (:mod:`sensor2text.models.stepwise`). Its prompt
(``prompts/compose/steps.txt``) holds the per-hand captions; the LM continues with an optional
line of reasoning and the meaning::

    Left hand: two: index, middle
    Right hand: five: all fingers
    So: two and five make seven. Meaning: seven

Two LoRAs are trained on text, never on glove data:

- optionally, a **knowledge adapter** on a declared corpus about numbers (counting, addition in
  many phrasings; :mod:`sensor2text.training.knowledge`), standing in for knowledge a larger LM
  already has, then merged into the LM. It says nothing about hands, fingers or gestures and is
  declared in every report;
- the **composer** adapter on the **gesture texts** of the training classes, built from their
  per-hand annotations (``assets/synthetic_hand_states.yaml``): when both hands show a number
  the target reasons "<left> and <right> make <sum>" before the meaning, otherwise it gives the
  meaning directly. The sum itself is masked out of the loss: gesture texts never teach
  arithmetic.
"""

from __future__ import annotations

import torch

from sensor2text.assets import PROMPTS_DIR
from sensor2text.errors import ConfigError
from sensor2text.glove.handshape import HandWords
from sensor2text.labels import NUMBER_WORDS, LabelSet
from sensor2text.models.greedy import Draft, GreedyContext, continue_greedy

MEANING_MARKER = "Meaning:"
# The word that ends a reasoning clause ("two and five make") before its answer.
REASONING_VERB = "make"
# A counting clause: "counting pointer, middle gives" (the finger-word design's per-hand count).
COUNTING_WORD, COUNTING_VERB = "counting", "gives"
PLACEHOLDER = "_"  # the fingers of a count the composer opened, until grounded_question lists them
COMPOSE_DIR = PROMPTS_DIR / "compose"
# A worked answer of the knowledge LM ends "..., so <result>" (training.knowledge.worked_sum).
WORKED_MARK = "so"
# Tokens a knowledge answer may take: a worked sum of ten steps or a list of ten items (~40 tokens);
# a one-word answer needs a few (checkpoints whose knowledge answers in one word keep SHORT_ANSWER_TOKENS).
ANSWER_TOKENS = 48
SHORT_ANSWER_TOKENS = 4


def load_compose_template(name_or_path: str) -> str:
    from sensor2text.models.prompts import prompt_path

    path = prompt_path(name_or_path, COMPOSE_DIR, "composer template")
    text = path.read_text().rstrip("\n")
    if text.count("{left}") != 1 or text.count("{right}") != 1:
        raise ConfigError(f"composer template '{path}': expected exactly one {{left}} and one {{right}}.")
    return text


def caption_number(caption: str) -> str | None:
    """The number word a hand caption starts with (``"two: index, middle"`` -> ``"two"``), else None."""
    head = caption.split(":")[0].strip()
    return head if head in NUMBER_WORDS else None


def count_clause(fingers: list[str]) -> str:
    """The question counting a hand's extended fingers: ``"counting pointer, middle gives"``."""
    return f"{COUNTING_WORD} {', '.join(fingers) or 'none'} {COUNTING_VERB}"


def sum_clause(a: str, b: str) -> str:
    """The question adding two counts: ``"two and three make"``."""
    return f"{a} and {b} {REASONING_VERB}"


def compose_prompt(template: str, left: str, right: str) -> str:
    return template.format(left=left, right=right)


def gesture_target(left: str, right: str, meaning: str) -> list[tuple[str, bool]]:
    """Continuation after the prompt as ``[(text, trained)]`` segments.

    When both hands show a number the LM reasons first: ``" two and five make"``, the sum (not
    trained here: the gesture texts never teach arithmetic, only the corpus does), then
    ``". Meaning: <name>"``. Otherwise the meaning comes directly.
    """
    a, b = caption_number(left), caption_number(right)
    if a is None or b is None:
        return [(f" {MEANING_MARKER} {meaning}", True)]
    return [(f" {sum_clause(a, b)}", True), (f" {meaning}", False),
            (f". {MEANING_MARKER} {meaning}", True)]  # fmt: skip


def gesture_texts(template: str, classes: list[str], hand_states: dict[str, tuple[str, str]],
                  state_captions: dict[str, LabelSet], label_sets: dict[str, LabelSet],
                  mirror: bool = False) -> list[tuple]:  # fmt: skip
    """``(prompt, target segments)`` per training class: its per-hand captions and canonical name.

    ``mirror`` adds each training gesture with its hands swapped and the same meaning, so
    that every caption is seen on both sides of the prompt (a left-right symmetry prior,
    applied to training classes only).
    """
    pairs = []
    for name in classes:
        left, right = (state_captions[s].canonical for s in hand_states[name])
        pairs.append((left, right, label_sets[name].canonical))
        if mirror and left != right:
            pairs.append((right, left, label_sets[name].canonical))
    return [(compose_prompt(template, left, right), gesture_target(left, right, meaning))
            for left, right, meaning in pairs]  # fmt: skip


def counting_target(left: HandWords, right: HandWords, meaning: str) -> list[tuple[str, bool]]:
    """Continuation for finger captions as ``[(text, trained)]`` segments.

    A gesture whose meaning is a number is reasoned out: each hand's extended fingers are
    counted, then the counts added, and the answers (numbers) are never trained: they come
    from the LM's text knowledge at inference (:func:`compose`). Other gestures get the
    meaning directly. No count word is in the captions: only the LM counts.
    """
    if meaning not in NUMBER_WORDS:
        return [(f" {MEANING_MARKER} {meaning}", True)]
    counts, segments, lead = [], [], ""
    for hand in (left, right):
        extended = hand.words("extended")
        counts.append(len(extended))
        segments += [(f"{lead} {count_clause(extended)}", True),
                     (f" {NUMBER_WORDS[len(extended)]}", False)]  # fmt: skip
        lead = "."
    segments += [(f". {sum_clause(NUMBER_WORDS[counts[0]], NUMBER_WORDS[counts[1]])}", True),
                 (f" {meaning}", False), (f". {MEANING_MARKER} {meaning}", True)]  # fmt: skip
    return segments


def finger_gesture_texts(template: str, classes: list[str], words: dict[str, tuple[HandWords, HandWords]],
                         label_sets: dict[str, LabelSet], mirror: bool = False) -> list[tuple]:  # fmt: skip
    """``(prompt, target segments)`` per training class from its finger words (``words``:
    class -> (left, right)); ``mirror`` adds each with its hands swapped (see :func:`gesture_texts`)."""
    texts = []
    for name in classes:
        left, right = words[name]
        pairs = [(left, right)] + ([(right, left)] if mirror and left != right else [])
        meaning = label_sets[name].canonical
        texts += [(compose_prompt(template, a.caption(), b.caption()), counting_target(a, b, meaning))
                  for a, b in pairs]  # fmt: skip
    return texts


def fitted_share(lm, tokenizer, texts: list[tuple], max_new_tokens: int, answer_tokens: int = ANSWER_TOKENS) -> float:
    """Share of gesture texts whose meaning the trained composer reproduces (a training-fit check)."""
    outputs = compose(lm, tokenizer, [prompt for prompt, _ in texts], max_new_tokens, answer_tokens=answer_tokens)
    wanted = [parse_meaning(target_text(target)) for _, target in texts]
    return sum(parse_meaning(o) == w for o, w in zip(outputs, wanted)) / len(texts)


def target_text(segments: list[tuple[str, bool]]) -> str:
    return "".join(text for text, _ in segments)


def parse_meaning(text: str) -> str:
    """The words after the last ``Meaning:`` (the whole first line when there is none)."""
    if MEANING_MARKER in text:
        text = text.rsplit(MEANING_MARKER, 1)[1]
    return text.strip().split("\n")[0].strip().rstrip(".").strip()


@torch.no_grad()
def continue_texts(lm, tokenizer, prompts: list[str], max_new_tokens: int, stop_strings: list[str] | None = None,
                   **generate_kwargs) -> list[str]:  # fmt: skip
    """Batched continuation of text prompts (left-padded); returns only the new text."""
    if stop_strings:
        generate_kwargs.update(stop_strings=stop_strings, tokenizer=tokenizer)
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    finally:
        tokenizer.padding_side = side
    out = lm.generate(**batch, max_new_tokens=max_new_tokens, do_sample=generate_kwargs.pop("do_sample", False),
                      pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                      **generate_kwargs)  # fmt: skip
    return tokenizer.batch_decode(out[:, batch.input_ids.shape[1] :], skip_special_tokens=True)


def open_question(text: str) -> str | None:
    """The clause a continuation ends on when it asks the LM's knowledge something, else None:
    a sum (``"... two and five make"``) or a count (``"... counting index, middle gives"``)."""
    clause = text.rstrip().rsplit(". ", 1)[-1].strip()
    if clause.endswith(f" {REASONING_VERB}") and " and " in clause:
        return clause
    if clause.startswith(f"{COUNTING_WORD} ") and clause.endswith(f" {COUNTING_VERB}"):
        return clause
    return None


def grounded_question(text: str, hands: tuple[HandWords, HandWords]) -> str:
    """``text`` with its open question asked about what the finger reader read: the n-th counting
    clause lists the extended fingers of the n-th hand (left, then right) and the sum adds the two
    counts already answered, whatever words the composer wrote there. The composer decides *that*
    a gesture is counted; the program copies the fingers into the question; the LM counts and adds."""
    clause = open_question(text)
    if clause is None:
        return text
    head = text.rstrip()[: len(text.rstrip()) - len(clause)]
    answers = [c.rsplit(" ", 1)[-1] for c in head.split(". ") if c.strip().startswith(f"{COUNTING_WORD} ")]
    if clause.startswith(f"{COUNTING_WORD} ") and len(answers) < len(hands):
        extended = hands[len(answers)].words("extended")
        return f"{head}{count_clause(extended)}"
    if clause.endswith(f" {REASONING_VERB}") and len(answers) == len(hands):
        return f"{head}{' and '.join(answers)} {REASONING_VERB}"
    return text


class GenerateWriter:
    """How :func:`compose` has the LM write: transformers' ``generate`` on the whole text each time
    (any batch, sampling too); ``hooks`` get the composer's tokens live."""

    def __init__(self, lm, tokenizer, hooks=None, **generate_kwargs):
        self.lm, self.tokenizer, self.hooks, self.generate_kwargs = lm, tokenizer, hooks, generate_kwargs

    def write(self, texts: list[str], max_new_tokens: int, stop_strings: list[str] | None = None) -> list[str]:
        """The composer's continuations of ``texts`` (up to a stop string when given)."""
        live = self.hooks.kwargs if self.hooks else {}
        stops = {"stop_strings": stop_strings} if stop_strings else {}
        return continue_texts(self.lm, self.tokenizer, texts, max_new_tokens, **dict(self.generate_kwargs), **live,
                              **stops)  # fmt: skip

    def answer(self, questions: list[str], max_new_tokens: int) -> list[str]:
        """The knowledge LM's answers (composer adapter off) to questions asked on their own."""
        with self.lm.disable_adapter():
            return continue_texts(self.lm, self.tokenizer, questions, max_new_tokens, stop_strings=[".", "\n"],
                                  **dict(self.generate_kwargs), **(self.hooks.interrupt_kwargs if self.hooks else {}))


class CachedWriter:
    """How :func:`compose` has the LM write one prompt, greedily, fast: each text's KV cache is kept
    between calls (:class:`sensor2text.models.greedy.GreedyContext`) and ``drafts`` (whole
    continuations the caller expects, as ``[(text, written by the LM)]`` segments) are checked in
    the same forward pass. Same output as :class:`GenerateWriter` with greedy decoding."""

    def __init__(self, lm, tokenizer, prompt: str, hooks=None, drafts: list[list[tuple[str, bool]]] = (),
                 contexts: tuple | None = None):  # fmt: skip
        """``contexts``: the (composer, knowledge) :class:`GreedyContext` pair of an earlier writer on
        the same LM, whose caches a new prompt reuses as far as it has the same tokens."""
        self.tokenizer, self.hooks = tokenizer, hooks
        self.composer, self.knowledge = contexts or (GreedyContext(lm), GreedyContext(lm, adapter=False))
        self.composer.drafts = [self._draft(prompt, segments) for segments in drafts]

    def _draft(self, prompt: str, segments: list[tuple[str, bool]]):
        """A :class:`Draft` of ``prompt`` + the segments' text; the LM is asked where its segments start."""
        text, spans = prompt, []
        for piece, by_lm in segments:
            if by_lm:
                spans.append((len(text), len(text) + len(piece)))
            text += piece
        encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        starts = [start for start, _ in encoded["offset_mapping"]]
        by_lm = [any(a <= start < b for a, b in spans) for start in starts]
        return Draft(list(encoded["input_ids"]), asked=by_lm[1:] + [True])

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False).input_ids

    def _interrupt(self):
        return getattr(self.hooks, "interrupt", None) if self.hooks else None

    def write(self, texts: list[str], max_new_tokens: int, stop_strings: list[str] | None = None) -> list[str]:
        (text,) = texts
        out = continue_greedy(self.composer, self.tokenizer, self._ids(text), max_new_tokens, stop_strings or [],
                              on_text=self.hooks.emit if self.hooks else None, interrupt=self._interrupt())  # fmt: skip
        if self.hooks:
            self.hooks.probs.extend(out.probs)
            self.hooks.interrupted = self.hooks.interrupted or out.interrupted
        return [self.tokenizer.decode(out.ids, skip_special_tokens=True)]

    def answer(self, questions: list[str], max_new_tokens: int) -> list[str]:
        answers = []
        for question in questions:
            out = continue_greedy(self.knowledge, self.tokenizer, self._ids(question), max_new_tokens, [".", "\n"],
                                  interrupt=self._interrupt())  # fmt: skip
            if self.hooks:
                self.hooks.interrupted = self.hooks.interrupted or out.interrupted
            answers.append(self.tokenizer.decode(out.ids, skip_special_tokens=True))
        return answers


@torch.no_grad()
def compose(lm, tokenizer, prompts: list[str], max_new_tokens: int, hooks=None, max_questions: int = 4,
            answer_tokens: int = ANSWER_TOKENS, hands: list[tuple[HandWords, HandWords]] | None = None,
            writer=None, answers: dict[str, str] | None = None, **generate_kwargs) -> list[str]:  # fmt: skip
    """Continue each composer prompt, reasoning in steps; returns the continuations.

    1. The LM continues the prompt until it asks a question: a count (``"counting pointer,
       middle gives"``) or a sum (``"two and five make"``);
    2. that clause is given to the LM again *on its own* and with the composer LoRA switched
       off, so the answer comes from its text knowledge (the base LM, plus the merged knowledge
       adapter when there is one), never from the gesture texts;
    3. the answer's result (:func:`final_answer`: its first word, or the word after the last
       ``so`` of a worked answer) is appended and the LM goes on (1), up to ``max_questions``
       times, until it writes the meaning.

    ``hands`` (finger words per prompt) grounds each question in what the finger reader read
    (:func:`grounded_question`): the composer stops as soon as it opens a count (``"counting"``)
    and the program writes the fingers, so the composer decodes none of them. ``hooks`` (live
    decoding of one prompt, :class:`sensor2text.models.decoding.TokenHooks`) sees every composer
    token and each answer word, so the live text never shows a guessed answer.

    ``writer`` decodes (default :class:`GenerateWriter`; :class:`CachedWriter` for one prompt,
    greedy). ``answers`` (question -> the knowledge LM's answer) is read before the LM is asked
    and receives every new complete answer: an answer depends on its question alone.
    """
    writer = writer or GenerateWriter(lm, tokenizer, hooks, **generate_kwargs)
    texts, active = [""] * len(prompts), list(range(len(prompts)))
    # grounded: the composer stops as soon as it opens a count, whose fingers the program writes
    stops = [f" {REASONING_VERB}", f" {COUNTING_VERB}", *([f" {COUNTING_WORD}"] if hands else [])]
    for _ in range(max_questions + 1):
        outputs = writer.write([prompts[i] + texts[i] for i in active], max_new_tokens, stops)
        asked = []
        for i, out in zip(active, outputs):
            texts[i] += out
            if hooks and hooks.interrupted:
                continue
            shown = texts[i]  # what the live text already shows
            if hands is not None and _opens_count(texts[i]):
                texts[i] = f"{texts[i].rstrip()} {PLACEHOLDER} {COUNTING_VERB}"
            if open_question(texts[i]):
                if hands is not None:
                    texts[i] = grounded_question(texts[i], hands[i])
                    if PLACEHOLDER in texts[i]:  # a third count: there is no third hand to ask about
                        texts[i] = shown
                        continue
                    if hooks and texts[i].startswith(shown) and texts[i] != shown:  # shown as asked
                        hooks.emit(texts[i][len(shown) :])
                asked.append(i)
            elif texts[i].rstrip().endswith((f" {REASONING_VERB}", f" {COUNTING_VERB}")):  # a verb, not a question
                texts[i] += writer.write([prompts[i] + texts[i]], max_new_tokens)[0]
        if not asked:
            break
        # the clause starts with a space, tokenised as in the corpus examples
        replies = ask(writer, [" " + open_question(texts[i]) for i in asked], answer_tokens, answers, hooks)
        if hooks and hooks.interrupted:  # a gesture waits: this unfinished answer is dropped
            break
        for i, answer in zip(asked, replies):
            texts[i] = f"{texts[i].rstrip()} {final_answer(answer)}."
            if hooks:
                hooks.emit(f" {final_answer(answer)}.")
        active = asked
    return texts


def ask(writer, questions: list[str], max_new_tokens: int, answers: dict[str, str] | None, hooks=None) -> list[str]:
    """The knowledge LM's answer to each question: from ``answers`` when known there, else asked
    (and kept in ``answers`` unless the decoding was interrupted)."""
    known = answers if answers is not None else {}
    new = list(dict.fromkeys(q for q in questions if q not in known))
    if new:
        replies = dict(zip(new, writer.answer(new, max_new_tokens)))
        if hooks and hooks.interrupted:
            return [known.get(q, replies.get(q, "")) for q in questions]
        known.update(replies)
    return [known[q] for q in questions]


def counted_draft(hands: tuple[HandWords, HandWords], answers: dict[str, str]) -> list[tuple[str, bool]] | None:
    """What the composer writes when it counts both hands, as ``[(text, written by the LM)]``
    segments (:class:`CachedWriter` drafts): each hand's count, the sum, the meaning. None
    while an answer it needs is not in ``answers`` (question -> knowledge answer)."""
    segments, counts = [], []
    for hand in hands:
        question = f" {count_clause(hand.words('extended'))}"
        if question not in answers:
            return None
        counts.append(final_answer(answers[question]))
        fingers = question[len(COUNTING_WORD) + 1 :]  # " pointer, middle gives": the program writes them
        segments += [(f" {COUNTING_WORD}", True), (fingers, False), (f" {counts[-1]}.", False)]
    question = f" {sum_clause(*counts)}"
    if question not in answers:
        return None
    total = final_answer(answers[question])
    return segments + [(question, True), (f" {total}.", False), (f" {MEANING_MARKER} {total}", True)]


def _opens_count(text: str) -> bool:
    """Whether ``text`` ends on the opening word of a count (``"... counting"``)."""
    return text.rstrip().rsplit(". ", 1)[-1].strip() == COUNTING_WORD


def final_answer(text: str) -> str:
    """The result a continuation gives: the word after the last ``so`` of its first sentence
    (worked answers), else its first word. ``"five, six one, so six. And"`` -> ``"six"``."""
    sentence = text.strip().split("\n")[0].split(". ")[0]
    marker = f" {WORKED_MARK} "
    if marker in f" {sentence}":
        sentence = f" {sentence}".rsplit(marker, 1)[1]
    return first_word(sentence)


def first_word(text: str) -> str:
    words = text.strip().split()
    return words[0].strip(".,;:?") if words else ""

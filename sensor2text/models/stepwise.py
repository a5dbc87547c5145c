"""Stepwise design: describe each hand in words, then let the LM name the whole gesture.

Stage 1 reads each hand, with one model shared by both hands (a hand state learned on one hand
is read on the other: in counts 0-9 only the right hand is ever open; in "ten" both are). Two
kinds:

- **fingers** (``configs/fingers_smollm2.yaml``; the default checkpoint): a finger reader
  (:mod:`sensor2text.models.fingers`) writes finger words, e.g. ``"extended: pointer, middle;
  curled: thumb, ring, little"``, composed per finger so unseen hand shapes get the right words,
  with no count word and no LM;
- **hands**: a ``Sensor2Text`` model (one-hand profile, ``<profile>/hand``) captions each hand
  among annotated hand states, e.g. ``"five: all fingers"`` (``assets/synthetic_hand_states.yaml``).

Stage 2, **composer** (:mod:`sensor2text.models.composer`): the LM, with its own text-only LoRA, reads
the two captions as words and names the whole, reasoning first when both hands show numbers.
No rule maps hand states to a gesture name: the names come from the LM.

Checkpoint folder::

    stepwise.json   StepwiseConfig: composer template, label sets, trained classes, corpus
    fingers/        a finger reader (fingers.json + fingers.safetensors), or
    hands/          a Sensor2Text checkpoint (one-hand profile)
    composer/       the composer's LoRA adapter (peft: adapter_config.json + safetensors)
    knowledge/      optional text-knowledge adapter (arithmetic corpus), merged under the composer
    README.md       model card
    composer_memo.json  optional: the composer's answers for every pair of its captions
                    (sensor2text.models.memo; made at the end of training)
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import torch
import yaml

from sensor2text.config import from_dict
from sensor2text.errors import CheckpointError, ConfigError
from sensor2text.glove.handshape import CAPTION_WORDS, HandWords, parse_caption
from sensor2text.glove.schema import get_profile
from sensor2text.labels import LabelSet, parse_label_sets
from sensor2text.models.base import DescribeOptions, Describer, Description
from sensor2text.models.checks import check_lora, check_lora_config, check_lora_rank, read_json
from sensor2text.models.composer import (
    MEANING_MARKER,
    SHORT_ANSWER_TOKENS,
    CachedWriter,
    ask,
    compose,
    compose_prompt,
    count_clause,
    counted_draft,
    final_answer,
    parse_meaning,
    sum_clause,
)
from sensor2text.models.decoding import TokenHooks
from sensor2text.models.fingers import FingerReader
from sensor2text.models.greedy import GreedyContext
from sensor2text.models.manifest import check_manifest, saving
from sensor2text.models.memo import CHECKPOINT_MEMO_FILE, Composed, ComposerMemo, memo_precision

STEPWISE_FILE = "stepwise.json"
HANDS_DIR = "hands"
FINGERS_DIR = "fingers"
HAND_LINES = ("Left hand: ", "Right hand: ")  # how the composer template introduces each hand
COMPOSER_DIR = "composer"
KNOWLEDGE_DIR = "knowledge"
SYNTHETIC_HAND_STATES_FILE = "synthetic_hand_states.yaml"


@dataclass
class HandStates:
    """Per-hand annotations: captions of each hand state, and each gesture's (left, right) states."""

    captions: dict[str, LabelSet]
    gestures: dict[str, tuple[str, str]]

    def for_classes(self, classes: list[str], source: str = "hand states") -> dict[str, tuple[str, str]]:
        missing = [c for c in classes if c not in self.gestures]
        if missing:
            raise ConfigError(f"{source}: class '{missing[0]}' has no per-hand annotation.")
        return {c: self.gestures[c] for c in classes}


def load_hand_states(path: str | Path | None = None) -> HandStates:
    """Read a hand-state YAML (``states:`` captions, ``gestures:`` class -> [left, right])."""
    if path is None:
        source, text = SYNTHETIC_HAND_STATES_FILE, resources.files("sensor2text.assets").joinpath(
            SYNTHETIC_HAND_STATES_FILE).read_text()  # fmt: skip
    else:
        source = str(path)
        if not Path(path).is_file():
            raise ConfigError(f"{path}: hand-state file not found.")
        text = Path(path).read_text()
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or "states" not in data or "gestures" not in data:
        raise ConfigError(f"{source}: expected 'states' and 'gestures' sections.")
    captions = parse_label_sets(data["states"], f"{source}: states")
    gestures = {}
    for name, pair in (data["gestures"] or {}).items():
        if not (isinstance(pair, list) and len(pair) == 2 and all(s in captions for s in pair)):
            raise ConfigError(f"{source}: gestures.{name}: expected [left state, right state] naming states.")
        gestures[str(name)] = (pair[0], pair[1])
    return HandStates(captions, gestures)


def split_hands(frames: np.ndarray, hand_slices) -> list[np.ndarray]:
    """``(T, C)`` two-hand frames -> ``[(T, C_left), (T, C_right)]``."""
    return [frames[:, start:stop] for start, stop in hand_slices]


def hand_items(items: list[tuple[np.ndarray, str]], hand_slices, states: dict[str, tuple[str, str]]):
    """``[(frames, class)]`` -> ``[(one hand's frames, hand state)]``, two per recording."""
    out = []
    for frames, label in items:
        out += list(zip(split_hands(frames, hand_slices), states[label]))
    return out


@dataclass
class StepwiseConfig:
    """What a stepwise checkpoint needs besides its two stages (saved as stepwise.json)."""

    profile: str
    compose_template: str
    max_new_tokens: int
    label_sets: dict = field(default_factory=dict)
    trained_classes: list = field(default_factory=list)
    gesture_texts: list = field(default_factory=list)
    knowledge_corpus: str = ""
    knowledge_corpus_accuracy: float | None = None
    composer_fit: float | None = None
    knowledge_accuracy: dict = field(default_factory=dict)
    base_model: str = ""  # the composer's base LM (the hands checkpoint names it when there is one)
    answer_tokens: int = SHORT_ANSWER_TOKENS  # ANSWER_TOKENS when the knowledge answers step by step
    format_version: int = 1


class Stepwise(Describer):
    """Two-hand recording -> per-hand captions -> composer LM -> description."""

    design = "stepwise"

    def __init__(self, config: StepwiseConfig, hands, composer_lm, tokenizer, knowledge_dir: Path | None = None,
                 folder: Path | None = None):  # fmt: skip
        self.config, self.hands, self.lm, self.tokenizer = config, hands, composer_lm, tokenizer
        self.knowledge_dir = knowledge_dir  # adapter folder merged under the composer, if any
        self.profile = get_profile(config.profile)
        self.folder = folder  # the checkpoint folder it was loaded from (keys the composer memo on disk)
        # Remembered composer continuations per caption pair: made on first use (on disk for a
        # loaded checkpoint, see sensor2text.models.memo); None after disable_memo().
        self.memo: ComposerMemo | None = None
        self._memo_enabled = True
        self.matcher = None  # matcher of gestures defined in words (define_gestures; models.definitions)
        self._contexts = None  # (precision, composer GreedyContext, knowledge GreedyContext), made on first use

    @property
    def knowledge_corpus(self) -> str:
        return self.config.knowledge_corpus

    @property
    def label_sets(self) -> dict[str, LabelSet]:
        """The checkpoint's label sets, and those of the gestures defined in words."""
        sets = super().label_sets
        defined = self.matcher.definitions if self.matcher is not None else []
        return {**sets, **{d.name: d.label_set for d in defined}}

    def define_gestures(self, definitions, match: str = "reader", reader: str | None = None) -> None:
        """Name hand shapes never seen in training after gestures defined in words, matched by
        ``match`` (``reader``: likelihood under what the definition reader in ``reader`` read, default
        the shipped one; ``embedding``: sentence similarity; :mod:`sensor2text.models.definitions`);
        finger-word checkpoints only."""
        from sensor2text.models.definitions import make_matcher

        if not self.reads_fingers:
            raise ConfigError("--gestures needs a finger-word stepwise checkpoint (configs/fingers_smollm2.yaml); "
                              "this one captions whole hands.")  # fmt: skip
        self.matcher = make_matcher(match, list(definitions), reader)

    def _finger_words(self, pairs: list[tuple[str, str]]) -> list[tuple[HandWords, HandWords]] | None:
        """The finger words of each caption pair (finger-word checkpoints; None for whole-hand captions)."""
        if not self.reads_fingers:
            return None
        return [(parse_caption(left), parse_caption(right)) for left, right in pairs]

    @property
    def reads_fingers(self) -> bool:
        """Whether stage 1 is a finger reader (finger words) rather than a hand-caption model."""
        return isinstance(self.hands, FingerReader)

    @property
    def base_model(self) -> str:
        return self.config.base_model or self.hands.config.base_model_name_or_path

    @property
    def leak_texts(self) -> dict[str, str]:
        """Glove-paired texts and templates the leak check searches (the corpus is listed apart)."""
        texts = {"composer template": self.config.compose_template}
        texts.update({f"gesture text '{p} {t}'": f"{p} {t}" for p, t in self.config.gesture_texts})
        if not self.reads_fingers:
            texts[f"hand prompt template '{self.hands.template.name}'"] = self.hands.template.text
            texts.update({f"hand caption '{s}'": s for ls in self.hands.label_sets.values() for s in ls.synonyms})
        return texts

    def describe_hands(self, recordings: list[np.ndarray], options: DescribeOptions) -> list[tuple[str, str]]:
        """Per-hand captions ``[(left, right)]`` from the shared hand model, both hands in one batch:
        chosen among the hand captions (``options.closed_vocabulary``), or generated freely
        (sampled when the options sample)."""
        halves = [h for r in recordings for h in split_hands(r, self.profile.hand_slices)]
        if self.reads_fingers:
            captions = [words.caption() for words in self.hands.read(halves)]
        elif options.closed_vocabulary and not options.do_sample:
            captions = [text for text, _ in self.hands.choose(halves, self.hand_captions())]
        else:
            captions = self.hands.generate(halves, **options.generate_kwargs())
        return list(zip(captions[0::2], captions[1::2]))

    def _describe_batch(self, recordings: list[np.ndarray], options: DescribeOptions) -> list[Description]:
        """Every step: per-hand captions, the composer's full continuation, and the meaning."""
        start = time.perf_counter()
        hands = self.describe_hands(recordings, options)
        composing = time.perf_counter()
        hooks = TokenHooks(self.tokenizer, options.on_token) if options.on_token else None
        max_new_tokens = options.max_new_tokens or self.config.max_new_tokens
        if hooks is not None and not options.do_sample:
            outputs = [self.compose_live(*hands[0], hooks, max_new_tokens)]
        elif not options.do_sample and options.max_new_tokens is None and self._memo_enabled:
            outputs = self.compose_pairs(hands)
        else:
            prompts = [compose_prompt(self.config.compose_template, left, right) for left, right in hands]
            sampling = options.generate_kwargs()
            outputs = compose(self.lm, self.tokenizer, prompts, max_new_tokens, hooks=hooks,
                              answer_tokens=self.config.answer_tokens, hands=self._finger_words(hands), **sampling)
        done, n = time.perf_counter(), len(recordings)
        timings = {"hands_ms": 1000 * (composing - start) / n, "composer_ms": 1000 * (done - composing) / n,
                   **(hooks.first_token_ms(start) if hooks else {})}  # fmt: skip
        descriptions = [Description(parse_meaning(out), {"left": left, "right": right, "composer": out.strip()},
                                    hooks.confidence if hooks else None, dict(timings))
                        for (left, right), out in zip(hands, outputs)]  # fmt: skip
        if self.matcher is not None:
            self._match_definitions(descriptions)
        return descriptions

    def _match_definitions(self, descriptions: list[Description]) -> None:
        """A hand shape the composer never saw, which it does not reason out as a count, is named
        after the closest gesture defined in words (``steps["definition"]`` says which and how close).
        Never seen means: no training text has the same extended fingers, contact and motion on
        both hands (:meth:`HandWords.outline`), so a trained pinch whose thumb was read "curled"
        rather than "bent" stays the composer's pinch."""
        known = {_outlines(left, right) for left, right in self.caption_pairs_trained()}
        novel = [d for d in descriptions if _outlines(d.steps["left"], d.steps["right"]) not in known
                 and not d.steps["composer"].split(MEANING_MARKER)[0].strip()]  # reasoned out (a count): kept
        if not novel:
            return
        start = time.perf_counter()
        for description, match in zip(novel, self.matcher.best([(d.steps["left"], d.steps["right"]) for d in novel])):
            description.text = match.definition.name
            description.steps["definition"] = f"{match.definition.name} ({match.how}): {match.definition.description}"
            description.timings["definitions_ms"] = 1000 * (time.perf_counter() - start) / len(novel)

    def compose_pairs(self, pairs: list[tuple[str, str]]) -> list[str]:
        """The composer's greedy continuation of each caption pair, each distinct pair composed
        once at batch 1 and remembered (so a description never depends on its batch)."""
        memo = self._memo()
        for pair in dict.fromkeys(memo.missing(pairs)):
            self.compose_live(*pair, TokenHooks(self.tokenizer, lambda text: None))
        memo.save()
        return [memo.get(*pair).text for pair in pairs]

    def use_memo(self) -> ComposerMemo:
        """Remember the composer's answer per caption pair (again, after ``disable_memo``); returns the memo."""
        self._memo_enabled = True
        return self._memo()

    def _memo(self) -> ComposerMemo:
        """The memo, made on first use: on disk for a loaded checkpoint (keyed by its folder's
        files and the precision), in memory otherwise."""
        if self.memo is None:
            self.memo = ComposerMemo.for_checkpoint(self.folder, self.precision) if self.folder else ComposerMemo()
            if self.folder and (self.folder / CHECKPOINT_MEMO_FILE).is_file():
                self.memo.seed(self.folder / CHECKPOINT_MEMO_FILE, self.precision)
        return self.memo

    def remember_caption_pairs(self) -> int:
        """Compose every pair of the captions the composer can be given (:meth:`caption_pairs`)
        into the memo (what a checkpoint saves as ``composer_memo.json``); returns how many were new."""
        if not self._memo_enabled:
            return 0
        self.remember_answers()
        missing = self._memo().missing(self.caption_pairs())
        self.compose_pairs(missing)
        return len(set(missing))

    def knowledge_questions(self, answers: dict[str, str]) -> list[str]:
        """The questions the composer can ask its knowledge LM about finger words: how many one
        set of extended fingers is (32 sets), and the sum of every two counts among ``answers``."""
        if not self.reads_fingers:
            return []
        counts = [f" {count_clause(words)}" for words in finger_subsets(list(CAPTION_WORDS.values()))]
        if any(question not in answers for question in counts):
            return counts
        results = list(dict.fromkeys(final_answer(answers[question]) for question in counts))
        return counts + [f" {sum_clause(a, b)}" for a in results for b in results]

    def remember_answers(self, interrupt: Callable[[], bool] | None = None, limit: int | None = None) -> int:
        """Ask the knowledge LM the :meth:`knowledge_questions` the memo has no answer to (at most
        ``limit``, stopping when ``interrupt()`` turns True); returns how many were answered."""
        if not self._memo_enabled or not self.reads_fingers:
            return 0
        answers, done = self._memo().answers, 0
        hooks = TokenHooks(self.tokenizer, lambda text: None, interrupt)
        while limit is None or done < limit:
            missing = [q for q in self.knowledge_questions(answers) if q not in answers]
            if not missing:
                break
            batch = missing if limit is None else missing[: limit - done]
            writer = CachedWriter(self.lm, self.tokenizer, "", hooks, contexts=self._greedy_contexts())
            ask(writer, batch, self.config.answer_tokens, answers, hooks)
            if hooks.interrupted:
                break
            done += len(batch)
            self.memo.unsaved += len(batch)
        return done

    def disable_memo(self) -> None:
        """Compose every description anew (no remembered continuations)."""
        self._memo_enabled, self.memo = False, None

    def hand_captions(self) -> list[str]:
        """Every caption the hands model was trained to write (all synonyms of its label sets)."""
        return sorted({s for label_set in self.hands.label_sets.values() for s in label_set.synonyms})

    def caption_pairs_trained(self) -> list[tuple[str, str]]:
        """The ``(left, right)`` caption pairs of the composer's training texts."""
        pairs = []
        for prompt, _ in self.config.gesture_texts:
            lines = [line.split(": ", 1)[1] for line in prompt.splitlines() if line.startswith(HAND_LINES)]
            pairs.append((lines[0], lines[1]))
        return pairs

    def caption_pairs(self) -> list[tuple[str, str]]:
        """Every ``(left, right)`` pair of the hands model's captions (what the composer can be
        given); for a finger reader, of the captions in the composer's training texts."""
        if self.reads_fingers:
            captions = sorted({caption for pair in self.caption_pairs_trained() for caption in pair})
        else:
            captions = sorted({label_set.canonical for label_set in self.hands.label_sets.values()})
        return [(left, right) for left in captions for right in captions]

    def compose_live(self, left: str, right: str, hooks, max_new_tokens: int | None = None) -> str:
        """The composer's continuation for one caption pair, decoded into ``hooks`` (greedy).

        Unless the memo is disabled (or ``max_new_tokens`` is not the checkpoint's), a pair composed
        before is replayed from the :class:`sensor2text.models.memo.ComposerMemo`, tokens and
        probabilities included, and a new pair is remembered.
        """
        default_length = max_new_tokens in (None, self.config.max_new_tokens)
        memo = self._memo() if self._memo_enabled and default_length else None
        known = memo.get(left, right) if memo is not None else None
        if known is not None:
            for token in known.tokens:
                hooks.emit(token)
            hooks.probs.extend(known.probs)
            return known.text
        tokens, show, first_prob = [], hooks.on_text, len(hooks.probs)
        hooks.on_text = lambda text: (tokens.append(text), show(text))
        hands = self._finger_words([(left, right)])
        answers = memo.answers if memo is not None else {}
        prompt = compose_prompt(self.config.compose_template, left, right)
        drafts = self._drafts(hands[0] if hands else None, answers)
        writer = CachedWriter(self.lm, self.tokenizer, prompt, hooks, drafts, self._greedy_contexts())
        try:
            text = compose(self.lm, self.tokenizer, [prompt], max_new_tokens or self.config.max_new_tokens,
                           hooks=hooks, answer_tokens=self.config.answer_tokens, hands=hands, writer=writer,
                           answers=answers)[0]  # fmt: skip
        finally:
            hooks.on_text = show
        if memo is not None and not hooks.interrupted:  # an interrupted answer is incomplete: never kept
            memo.put(left, right, Composed(text, tokens, hooks.probs[first_prob:]))
        return text

    def _greedy_contexts(self) -> tuple[GreedyContext, GreedyContext]:
        """The composer's and the knowledge LM's KV caches, kept from one caption pair to the next
        (a new pair reads only what differs from the last one, often just its right hand); new
        ones when the precision changed."""
        if self._contexts is None or self._contexts[0] != self.precision:
            self._contexts = (self.precision, GreedyContext(self.lm), GreedyContext(self.lm, adapter=False))
        return self._contexts[1:]

    def _drafts(self, hands: tuple[HandWords, HandWords] | None, answers: dict[str, str]) -> list[list[tuple]]:
        """What the composer may write for a caption pair (:class:`CachedWriter` drafts): the count of
        both hands when the answers it needs are known, then each meaning of its training texts,
        those of the most similar training hands first (a right guess saves a forward pass; a wrong
        one changes nothing but the time)."""
        counted = counted_draft(hands, answers) if hands is not None else None
        meanings = [parse_meaning(target) for _, target in self.config.gesture_texts]
        if hands is not None:
            trained = self._finger_words(self.caption_pairs_trained())
            distance = {}
            for pair, meaning in zip(trained, meanings):
                distance[meaning] = min(distance.get(meaning, 99), words_distance(hands, pair))
            meanings = sorted(distance, key=distance.get)
        return ([counted] if counted else []) + [[(f" {MEANING_MARKER} {m}", True)] for m in dict.fromkeys(meanings)]

    def warm_step(self, interrupt: Callable[[], bool] | None = None) -> bool:
        """Compose one caption pair the composer memo lacks (idle work of the live stream); when
        ``interrupt()`` turns True (a gesture waits) the pair is dropped unfinished, to be redone.

        False when there is nothing left to do (memo disabled, or every pair known); the memo is saved
        then, and every 16 new pairs on the way.
        """
        if not self._memo_enabled:
            return False
        memo = self._memo()
        if self.remember_answers(interrupt, limit=1):  # a knowledge answer first: every new pair needs them
            return True
        missing = memo.missing(self.caption_pairs())
        if missing:
            self.compose_live(*missing[0], TokenHooks(self.tokenizer, lambda text: None, interrupt))
        if not missing or memo.unsaved >= 16:
            memo.save()
        return bool(missing)

    def save_caches(self) -> None:
        if self.memo is not None:
            self.memo.save()

    def lm_modules(self) -> list:
        return [self.lm, *self.hands.lm_modules()]

    def preferred_precision(self) -> str | None:
        """The precision of the composer's answers the checkpoint carries (``composer_memo.json``):
        at any other, none of them could be used and every caption pair would be composed again
        (seconds each), which costs far more than a faster precision saves."""
        if self.folder is None:
            return None
        return memo_precision(self.folder / CHECKPOINT_MEMO_FILE)

    def channel_scale(self) -> np.ndarray:
        """Per-channel scale ``(C,)``: the hands model's one-hand scale, for each hand."""
        return np.concatenate([self.hands.channel_scale()] * len(self.profile.hand_slices))

    # ---- scoring interface used by the evaluator's LM scorer -----------------------------------
    @torch.no_grad()
    def label_prompts(self, recordings: list[np.ndarray]) -> list[torch.Tensor]:
        """Composer prompt + its reasoning up to ``Meaning:`` as embeddings ``[(1, P, H)]``."""
        prompts = []
        for description in self.describe(recordings):
            step = description.steps
            reasoning = step["composer"].split(MEANING_MARKER)[0].strip()
            text = compose_prompt(self.config.compose_template, step["left"], step["right"])
            prompts.append(self._embed(" ".join(filter(None, [text, reasoning, MEANING_MARKER]))))
        return prompts

    @torch.no_grad()
    def text_only_prompt(self) -> torch.Tensor:
        """Baseline prompt without any glove evidence: empty hand captions, then ``Meaning:``."""
        return self._embed(f"{compose_prompt(self.config.compose_template, '', '')} {MEANING_MARKER}")

    def _embed(self, text: str) -> torch.Tensor:
        ids = self.tokenizer(text, add_special_tokens=False, return_tensors="pt").input_ids
        return self.lm.get_input_embeddings()(ids)

    # ---- artefacts ----------------------------------------------------------------------------
    def save_pretrained(self, folder: str | Path, model_card: str = "") -> None:
        """Write both stages, the knowledge adapter and a model card, then the manifest; into a
        temporary folder renamed into place (``sensor2text.models.manifest``)."""
        with saving(folder) as partial:
            self._write(partial, model_card)

    def _write(self, folder: Path, model_card: str) -> None:
        (folder / STEPWISE_FILE).write_text(json.dumps(asdict(self.config), indent=2) + "\n")
        if self.reads_fingers:
            self.hands.save_pretrained(folder / FINGERS_DIR)
        else:
            self.hands.save_pretrained(folder / HANDS_DIR, model_card="# hands stage of a stepwise checkpoint\n")
        self.lm.save_pretrained(folder / COMPOSER_DIR, safe_serialization=True, save_embedding_layers=False)
        from sensor2text.models.lm import set_adapter_base

        if self.knowledge_dir is not None and Path(self.knowledge_dir).resolve() != (folder / KNOWLEDGE_DIR).resolve():
            shutil.copytree(self.knowledge_dir, folder / KNOWLEDGE_DIR, dirs_exist_ok=True)
        roles = {COMPOSER_DIR: "the composer (names a gesture from the per-hand words, on the knowledge adapter "
                               "merged into the LM)", KNOWLEDGE_DIR: "text knowledge of numbers"}  # fmt: skip
        for adapter, role in roles.items():
            if (folder / adapter / "adapter_config.json").is_file():
                set_adapter_base(folder / adapter / "adapter_config.json", self.base_model, role)
        (folder / "README.md").write_text(model_card or f"# sensor2text stepwise model\n\n{self.config}\n")
        if self.memo is not None and self.memo.entries and self._memo_enabled:
            self.memo.write(folder / CHECKPOINT_MEMO_FILE, self.precision)

    @classmethod
    def from_pretrained(cls, folder: str | Path, base_model: str | None = None) -> Stepwise:
        """Load a stepwise checkpoint folder; ``base_model`` replaces the base LM its stages name.

        Every file is checked first (manifest, stepwise.json, the adapters' configs and headers,
        the hands stage), then the base LM is loaded and each LoRA's tensors checked against it
        before it is applied."""
        from sensor2text.models.lm import load_base_model
        from sensor2text.models.registry import load_checkpoint

        folder = Path(folder)
        check_manifest(folder)
        config = read_stepwise_config(folder)
        adapters = stage_adapters(folder, config)
        if (folder / FINGERS_DIR).is_dir():
            hands = FingerReader.from_pretrained(folder / FINGERS_DIR)
            named = config.base_model
        else:
            hands = load_checkpoint(folder / HANDS_DIR, base_model)
            named = hands.config.base_model_name_or_path
        base = base_model or named
        lm, tokenizer = load_base_model(base, offline=base_model is None)
        from peft import PeftModel  # imported once there is a model to adapt (it takes seconds)

        for adapter, lora in adapters.items():
            check_lora(folder / adapter, lm, lora, base)
            if adapter == KNOWLEDGE_DIR:  # merged under the composer's own LoRA
                lm = PeftModel.from_pretrained(lm, str(folder / adapter)).merge_and_unload()
            else:
                lm = PeftModel.from_pretrained(lm, str(folder / adapter), is_trainable=False).eval()
        knowledge = folder / KNOWLEDGE_DIR
        return cls(config, hands, lm, tokenizer, knowledge if knowledge.is_dir() else None, folder)


def read_stepwise_config(folder: Path) -> StepwiseConfig:
    """``stepwise.json``, checked (types, sizes, profile, format version); CheckpointError naming it."""
    path = folder / STEPWISE_FILE
    try:
        config = from_dict(StepwiseConfig, read_json(path, "stepwise config"), str(path))
        get_profile(config.profile)
    except (ConfigError, ValueError) as exc:
        raise CheckpointError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from None
    if config.format_version != 1:
        raise CheckpointError(f"{path}: format_version is {config.format_version}; this version of sensor2text "
                              "reads 1 (a newer checkpoint needs a newer sensor2text).")  # fmt: skip
    for name in ("max_new_tokens", "answer_tokens"):
        if getattr(config, name) < 1:
            raise CheckpointError(f"{path}: {name} is {getattr(config, name)}; expected at least 1.")
    if (folder / FINGERS_DIR).is_dir() and not config.base_model:
        raise CheckpointError(f"{path}: base_model is empty; a finger-word checkpoint names the composer's base LM.")
    return config


def stage_adapters(folder: Path, config: StepwiseConfig) -> dict[str, dict]:
    """``{adapter folder: its LoRA config}`` in the order they are applied (knowledge, then the
    composer), each config and safetensors header checked; CheckpointError naming a missing file."""
    knowledge = folder / KNOWLEDGE_DIR
    if (config.knowledge_corpus or knowledge.is_dir()) and not (knowledge / "adapter_model.safetensors").is_file():
        raise CheckpointError(f"{folder}: stepwise checkpoint is missing {KNOWLEDGE_DIR}/adapter_model.safetensors "
                              f"(its {STEPWISE_FILE} declares a knowledge corpus).")  # fmt: skip
    if not (folder / COMPOSER_DIR / "adapter_model.safetensors").is_file():
        raise CheckpointError(f"{folder}: stepwise checkpoint is missing {COMPOSER_DIR}/adapter_model.safetensors.")
    adapters = {}
    for name in (KNOWLEDGE_DIR, COMPOSER_DIR):
        if (folder / name / "adapter_model.safetensors").is_file():
            adapters[name] = check_lora_config(folder / name / "adapter_config.json")
            check_lora_rank(folder / name, adapters[name])
    return adapters


def words_distance(a: tuple[HandWords, HandWords], b: tuple[HandWords, HandWords]) -> int:
    """How many finger states, contacts and motions differ between two pairs of hands."""
    return sum(sum(x != y for x, y in zip(one.states, two.states)) + (one.touching != two.touching)
               + (one.motion != two.motion) for one, two in zip(a, b))  # fmt: skip


def finger_subsets(words: list[str]) -> list[list[str]]:
    """Every subset of ``words`` (``2 ** len(words)``), each in the order of ``words``."""
    return [[w for i, w in enumerate(words) if mask >> i & 1] for mask in range(2 ** len(words))]


def _outlines(left: str, right: str) -> tuple:
    """The :meth:`HandWords.outline` of both hands of a finger caption pair."""
    return parse_caption(left).outline(), parse_caption(right).outline()


def is_stepwise(folder: str | Path) -> bool:
    return (Path(folder) / STEPWISE_FILE).is_file()

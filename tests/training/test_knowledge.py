import re

from sensor2text.labels import NUMBER_WORDS
from sensor2text.training.knowledge import (
    BANNED_WORDS,
    HELD_OUT_PHRASINGS,
    SUM_PHRASINGS,
    CorpusSplit,
    all_sums,
    build_corpus,
    first_word,
    sum_example,
)

NUMBER = r"\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
SUBTRACTION = ("minus", "take away", " - ")


def _numbers(clause: str) -> list[int]:
    return [int(n) if n.isdigit() else NUMBER_WORDS.index(n) for n in re.findall(rf"\b(?:{NUMBER})\b", clause)]


def test_corpus_is_generic_and_large():
    corpus = build_corpus()
    assert len(corpus.examples) > 2000
    words = {w.strip(",.?:").lower() for clause, answer in corpus.examples for w in f"{clause} {answer}".split()}
    assert not words & set(BANNED_WORDS)
    assert len(SUM_PHRASINGS) >= 10 and len(CorpusSplit().training_phrasings()) >= 10
    assert {answer for _, answer in corpus.examples} >= set(NUMBER_WORDS)  # numbers to twenty


def test_held_out_phrasings_and_sums_never_appear():
    split = CorpusSplit()
    corpus = build_corpus(split)
    held = split.held_out_sums()
    assert {(a, 10 - a) for a in range(11)} <= held and all((b, a) in held for a, b in held)
    assert 11 + split.extra_held_out_sums < len(held) <= 11 + 2 * split.extra_held_out_sums
    clauses = [clause for clause, _ in corpus.examples]
    for phrasing in HELD_OUT_PHRASINGS:
        pattern = re.escape(phrasing).replace(r"\{a\}", r"\w+").replace(r"\{b\}", r"\w+")
        assert not any(re.fullmatch(pattern, c) for c in clauses), phrasing
    for clause in clauses:
        if clause.startswith(("counting ", "how many", "the number ")) or clause.endswith(("that makes", "written")):
            continue
        x, y = _numbers(clause)
        pair = (x - y, y) if any(word in clause for word in SUBTRACTION) else (x, y)
        assert pair not in held, clause  # neither the sum nor the subtraction that undoes it
    assert not {"five and five make", "5 + 5 =", "five plus five is"} & set(clauses)
    assert ("five and five make", "ten") in corpus.held_out["both"]
    assert {answer for _, answer in corpus.held_out["both"]} >= {"ten"}


def test_fallback_corpus_holds_nothing_out():
    corpus = build_corpus(CorpusSplit(hold_out=False))
    assert ("five and five make", "ten") in corpus.examples and ("5 + 5 =", "10") in corpus.examples
    assert corpus.held_out == {}


def test_counting_examples_count_their_items():
    for clause, answer in build_corpus().examples:
        if clause.startswith("counting "):
            items = clause.removeprefix("counting ").removesuffix(" gives")
            assert (0 if items == "none" else len(items.split(", "))) == NUMBER_WORDS.index(answer)


def test_sum_examples_and_answers():
    assert sum_example("{A} + {B} =", 5, 7) == ("5 + 7 =", "12")
    assert sum_example("the sum of {a} and {b} is", 2, 3) == ("the sum of two and three is", "five")
    assert len(all_sums()) == 231
    assert first_word(" ten. Meaning") == "ten" and first_word("") == ""


def test_counting_probe_uses_fresh_lists_in_the_composers_phrasing():
    from sensor2text.training.knowledge import counting_probe

    probe = counting_probe()
    assert list(probe) == [f"count {n}" for n in range(11)]
    corpus = {clause for clause, _ in build_corpus().examples}
    for n, rows in enumerate(probe.values()):
        assert len(rows) == 20 and all(answer == NUMBER_WORDS[n] for _, answer in rows)
        assert all(clause.startswith("counting ") and clause.endswith(" gives") for clause, _ in rows)
    fresh = [clause for rows in list(probe.values())[3:] for clause, _ in rows]
    assert sum(clause in corpus for clause in fresh) <= 1  # lists of 3+ items are new lists


def test_long_lists_add_counting_examples_of_three_to_ten_items():
    base, more = build_corpus(), build_corpus(CorpusSplit(long_lists=5))
    assert len(more.examples) == len(base.examples) + 5 * 8
    assert more.held_out == base.held_out  # the held-out sets do not change

import re

from sensor2text.labels import NUMBER_WORDS
from sensor2text.models.composer import final_answer
from sensor2text.training.knowledge import (
    BANNED_WORDS,
    HELD_OUT_PHRASINGS,
    SUM_PHRASINGS,
    CorpusSplit,
    all_sums,
    build_corpus,
    sum_example,
    worked_count,
    worked_sum,
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
    assert final_answer(" ten. Meaning") == "ten" and final_answer("") == ""


def test_worked_answers_count_on_from_the_larger_addend():
    assert worked_sum(2, 5) == "five, six one, seven two, so seven"
    assert worked_sum(5, 2) == worked_sum(2, 5)
    assert worked_sum(4, 0) == "four, so four"
    assert worked_sum(5, 7, digits=True) == "7, 8 one, 9 two, 10 three, 11 four, 12 five, so 12"
    assert worked_count(["apple", "pear"]) == "apple one, pear two, so two"
    assert worked_count([]) == "none, so zero"
    for a, b in all_sums():  # every step adds one, and the step count is the smaller addend
        steps = worked_sum(a, b).split(", ")
        assert len(steps) == min(a, b) + 2 and steps[-1] == f"so {NUMBER_WORDS[a + b]}"


def test_final_answer_reads_the_result_of_a_worked_answer():
    assert final_answer(" five, six one, seven two, so seven") == "seven"
    assert final_answer(" five, six one, so six. And so on") == "six"  # the first sentence only
    assert final_answer(" 7, 8 one, so 8\nMore") == "8"
    assert final_answer(" seven") == "seven"


def test_worked_corpus_keeps_the_held_out_sums_out_and_counts_its_lists():
    split = CorpusSplit(worked=True)
    corpus = build_corpus(split)
    assert len(corpus.examples) == len(build_corpus().examples)
    answers = dict(corpus.examples)
    assert answers["two plus five is"] == "five, six one, seven two, so seven"
    assert "five plus five is" not in answers
    assert not any(a.startswith("five,") and "ten five" in a for a in answers.values())  # 5+5 never worked
    for clause, answer in corpus.examples:
        if clause.startswith("counting ") and clause != "counting none gives":
            items = clause.removeprefix("counting ").removesuffix(" gives").split(", ")
            assert answer == worked_count(items)
    # held-out sets are scored by their result: a worked answer with the right result counts
    assert ("five and five make", "ten") in corpus.held_out["both"]


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

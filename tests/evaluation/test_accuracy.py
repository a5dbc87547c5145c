import numpy as np

from sensor2text.evaluation.accuracy import accuracy_report
from sensor2text.labels import LabelSet
from sensor2text.models.base import Description


class ScriptedModel:
    """Stands in for Sensor2Text: returns fixed descriptions, in order."""

    def __init__(self, texts):
        self.texts = list(texts)

    def describe(self, recordings):
        out, self.texts = self.texts[: len(recordings)], self.texts[len(recordings) :]
        return [Description(text) for text in out]


LABELS = {"count_2": LabelSet("count_2", ("two", "2")), "fist": LabelSet("fist", ("fist", "punch")),
          "count_10": LabelSet("count_10", ("ten", "10"))}  # fmt: skip


def test_accuracy_counts_any_synonym_and_splits_seen_from_unseen():
    items = [(np.zeros((3, 2)), label) for label in ("count_2", "count_2", "fist", "fist", "count_10")]
    model = ScriptedModel(["Two.", "3", "punch", "fist", "9"])
    report = accuracy_report(model, items, LABELS, seen=["count_2", "fist"])
    assert report["accuracy"] == 3 / 5
    assert report["seen_accuracy"] == 3 / 4 and report["unseen_accuracy"] == 0.0
    assert report["per_class"]["count_2"]["accuracy"] == 0.5
    assert report["per_class"]["fist"] == {"accuracy": 1.0, "n": 2, "examples": ["punch (x1)", "fist (x1)"]}
    assert [r["seen"] for r in report["rows"]] == [True, True, True, True, False]


def test_everything_seen_when_no_training_classes_are_given():
    items = [(np.zeros((3, 2)), "fist")]
    report = accuracy_report(ScriptedModel(["closed hand"]), items, LABELS)
    assert report["seen_accuracy"] == 0.0 and report["unseen_accuracy"] is None

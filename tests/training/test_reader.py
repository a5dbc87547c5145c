import json

import numpy as np
import pytest

from sensor2text.glove.synth import hand_words
from sensor2text.training.hand_descriptions import Shape
from sensor2text.training.reader import HELD_OUT_SHAPES, ReaderSplit, dev_rows, shape_answers, shape_of


def test_held_out_shapes_are_the_four_text_defined_gestures():
    assert set(HELD_OUT_SHAPES) == {shape_of(hand_words(c)[1]) for c in ("i_love_you", "horns", "shaka", "ok_sign")}


def test_the_corpus_never_describes_a_held_out_shape_or_style():
    split = ReaderSplit(held_out_styles=("only",), per_shape=3)
    rows = split.rows()
    assert rows["train"] and not {shape for _, shape, _ in rows["train"]} & set(HELD_OUT_SHAPES)
    assert "only" not in {style for _, _, style in rows["train"]}
    assert {shape for _, shape, _ in rows["held_out_shapes"]} == set(HELD_OUT_SHAPES)
    assert {style for _, _, style in rows["held_out_styles"]} == {"only"}
    assert not {d for d, _, _ in rows["held_out_shapes"]} & {d for d, _, _ in rows["train"]}


def test_answers_are_the_shapes_fingers_then_contact():
    assert shape_answers(Shape(frozenset({"thumb", "little"}))).tolist() == [1, 0, 0, 0, 1, 0]
    assert shape_answers(Shape(frozenset({"middle"}), touching=True)).tolist() == [0, 0, 1, 0, 0, 1]


def test_dev_definitions_are_trained_gestures_with_their_outlines():
    rows = dev_rows()
    assert len(rows) == 5 and not {shape for _, shape in rows} & set(HELD_OUT_SHAPES)
    assert Shape(frozenset({"index", "middle"})) in {shape for _, shape in rows}


def test_a_trained_reader_is_saved_loaded_and_matches(tmp_path):
    from sensor2text.models.definition_reader import DefinitionReader, read_definitions
    from sensor2text.models.definitions import GestureDefinition, ReaderMatcher
    from sensor2text.models.manifest import check_manifest
    from sensor2text.training.reader import train_reader

    out = tmp_path / "reader"
    report = train_reader(out, steps=2, batch_size=4, split=ReaderSplit(per_shape=1), log=lambda m: None)
    assert set(report) >= {"training_sample", "held_out_shapes", "held_out_styles", "dev_definitions"}
    assert check_manifest(out) and json.loads((out / "reader.json").read_text())["base_encoder"] == "all-minilm-l6-v2"
    assert "held out: the shapes of I love you" in (out / "README.md").read_text()
    read = read_definitions(["thumb and pinky out", "pointer up"], out)
    assert read.shape == (2, 6) and np.all((read > 0) & (read < 1))
    reader = DefinitionReader.from_pretrained(out)
    assert not any(p.requires_grad for p in reader.encoder.parameters())
    assert np.allclose(reader.read(["thumb and pinky out"]), read[:1], atol=1e-6)
    definitions = [GestureDefinition("a", (), "thumb and pinky out"), GestureDefinition("b", (), "pointer up")]
    assert len(ReaderMatcher(definitions, out).best([(hand_words("shaka")[0].caption(),) * 2])) == 1


def test_a_changed_reader_file_is_refused(tmp_path):
    from sensor2text.errors import CheckpointError
    from sensor2text.models.definition_reader import DefinitionReader
    from sensor2text.training.reader import train_reader

    out = tmp_path / "reader"
    train_reader(out, steps=1, batch_size=2, split=ReaderSplit(per_shape=1), log=lambda m: None)
    card = out / "reader.json"
    card.write_text(card.read_text().replace('"steps": 1', '"steps": 2'))
    with pytest.raises(CheckpointError, match="reader.json: its content changed"):
        DefinitionReader.from_pretrained(out)

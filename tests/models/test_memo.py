import json

from sensor2text.models import memo
from sensor2text.models.memo import Composed, ComposerMemo, cache_dir, memo_key, memo_precision

PAIR = ("five: all fingers", "five: all fingers")


def test_memo_keeps_entries_across_a_save_and_load(tmp_path):
    memo = ComposerMemo(tmp_path / "sub" / "memo.json")
    assert memo.get(*PAIR) is None and memo.missing([PAIR]) == [PAIR]
    memo.put(*PAIR, Composed(" five and five make ten. Meaning: ten", [" five", " ten"], [0.9, 0.8]))
    memo.save()
    again = ComposerMemo(tmp_path / "sub" / "memo.json")
    again.load()
    assert again.get(*PAIR) == memo.get(*PAIR) and again.missing([PAIR]) == []
    assert json.loads((tmp_path / "sub" / "memo.json").read_text())["entries"][0]["left"] == PAIR[0]


def test_a_damaged_or_unwritable_memo_is_not_an_error(tmp_path):
    damaged = tmp_path / "memo.json"
    damaged.write_text('{"entries": [{"left": 1}]')
    memo = ComposerMemo(damaged)
    memo.load()
    assert memo.entries == {}
    blocked = tmp_path / "file"
    blocked.write_text("")
    memo = ComposerMemo(blocked / "memo.json")  # its folder would be a file
    memo.put(*PAIR, Composed("x", [], []))
    memo.save()
    assert memo.unsaved == 1


def test_the_key_follows_the_checkpoint_and_the_precision(tmp_path):
    (tmp_path / "composer").mkdir()
    (tmp_path / "stepwise.json").write_text("{}")
    (tmp_path / "composer" / "adapter_model.safetensors").write_bytes(b"a")
    key = memo_key(tmp_path, "bf16")
    assert memo_key(tmp_path, "bf16") == key and memo_key(tmp_path, "int8") != key
    (tmp_path / "composer" / "adapter_model.safetensors").write_bytes(b"b")
    assert memo_key(tmp_path, "bf16") != key


def test_memo_lives_in_the_project_cache_folder(monkeypatch, tmp_path):
    monkeypatch.undo()  # the tests' private memo folder
    monkeypatch.setenv("SENSOR2TEXT_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path / "composer"
    assert memo.cache_dir is cache_dir and ComposerMemo.for_checkpoint(tmp_path, "fp32").path.parent == cache_dir()


def test_a_loaded_stepwise_model_keys_its_memo_by_its_folders_files():
    from sensor2text.api import DEFAULT_CHECKPOINT
    from sensor2text.models.stepwise import Stepwise, StepwiseConfig

    config = StepwiseConfig("synthetic-joints", "{left} {right}", 4)
    model = Stepwise(config, None, None, None, folder=DEFAULT_CHECKPOINT)
    assert model.use_memo().path == memo.ComposerMemo.for_checkpoint(DEFAULT_CHECKPOINT, "fp32").path
    # a checkpoint named without its folder would hash no file at all: the key must differ
    assert memo.memo_key(DEFAULT_CHECKPOINT.name, "fp32") != memo.memo_key(DEFAULT_CHECKPOINT, "fp32")
    model.disable_memo()
    assert model.memo is None and not model.warm_step()


def test_a_checkpoint_memo_seeds_only_a_memo_of_its_precision_and_version(tmp_path):
    made = ComposerMemo()
    made.put(*PAIR, Composed(" ten", [" ten"], [0.9]))
    made.write(tmp_path / memo.CHECKPOINT_MEMO_FILE, "fp32")
    kept = ComposerMemo()
    kept.put("a", "b", Composed(" mine", [], []))
    assert kept.seed(tmp_path / memo.CHECKPOINT_MEMO_FILE, "fp32") == 1 and kept.get(*PAIR) == made.get(*PAIR)
    assert kept.get("a", "b").text == " mine"  # an entry it had is not replaced
    assert ComposerMemo().seed(tmp_path / memo.CHECKPOINT_MEMO_FILE, "int8") == 0  # another precision
    data = json.loads((tmp_path / memo.CHECKPOINT_MEMO_FILE).read_text())
    (tmp_path / "old.json").write_text(json.dumps({**data, "version": memo.MEMO_VERSION - 1}))
    assert ComposerMemo().seed(tmp_path / "old.json", "fp32") == 0
    (tmp_path / "bad.json").write_text("[1, 2")
    assert ComposerMemo().seed(tmp_path / "bad.json", "fp32") == 0


def test_memo_precision_reads_a_checkpoints_memo_file(tmp_path):
    memo = ComposerMemo()
    memo.put("a", "b", Composed(" Meaning: fist", [" Meaning", ":", " fist"], [0.9, 0.9, 0.8]))
    memo.write(tmp_path / "composer_memo.json", "bf16")
    assert memo_precision(tmp_path / "composer_memo.json") == "bf16"
    assert memo_precision(tmp_path / "absent.json") is None
    (tmp_path / "old.json").write_text('{"version": 1, "precision": "fp32", "entries": [{}]}')
    assert memo_precision(tmp_path / "old.json") is None  # another memo version cannot be used
    ComposerMemo().write(tmp_path / "empty.json", "fp32")
    assert memo_precision(tmp_path / "empty.json") is None


def test_knowledge_answers_are_kept_and_seeded_with_the_pairs(tmp_path):
    made = ComposerMemo(tmp_path / "cache.json")
    made.put(*PAIR, Composed(" ten", [" ten"], [0.9]))
    made.answers[" counting thumb gives"] = " one"
    made.save()
    again = ComposerMemo(tmp_path / "cache.json")
    again.load()
    assert again.answers == {" counting thumb gives": " one"}
    made.write(tmp_path / memo.CHECKPOINT_MEMO_FILE, "fp32")
    seeded = ComposerMemo()
    seeded.answers[" counting none gives"] = " zero"
    seeded.seed(tmp_path / memo.CHECKPOINT_MEMO_FILE, "fp32")
    assert seeded.answers == {" counting thumb gives": " one", " counting none gives": " zero"}
    (tmp_path / "bad.json").write_text(json.dumps({"version": memo.MEMO_VERSION, "entries": [], "answers": [1]}))
    broken = ComposerMemo(tmp_path / "bad.json")
    broken.load()
    assert broken.answers == {} and broken.entries == {}

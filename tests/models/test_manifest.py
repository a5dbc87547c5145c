import json
import shutil

import pytest

from sensor2text.api import DEFAULT_CHECKPOINT, HOLISTIC_CHECKPOINT, WHOLE_HAND_CHECKPOINT
from sensor2text.errors import CheckpointError
from sensor2text.models.holistic import Sensor2Text
from sensor2text.models.manifest import MANIFEST_FILE, check_manifest, saving
from sensor2text.models.stepwise import Stepwise


def test_shipped_checkpoints_carry_a_manifest_that_matches():
    for folder in (DEFAULT_CHECKPOINT, WHOLE_HAND_CHECKPOINT, WHOLE_HAND_CHECKPOINT / "hands", HOLISTIC_CHECKPOINT):
        assert check_manifest(folder)


def test_a_saved_checkpoint_lists_every_file_and_leaves_no_partial_folder(tiny_checkpoint, tmp_path):
    model = Sensor2Text.from_pretrained(tiny_checkpoint)
    folder = tmp_path / "saved"
    model.save_pretrained(folder)
    model.save_pretrained(folder)  # over an existing checkpoint
    listed = set(json.loads((folder / MANIFEST_FILE).read_text())["files"])
    assert listed == {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {MANIFEST_FILE}
    assert [p.name for p in tmp_path.iterdir()] == ["saved"]


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / "projector.safetensors").write_bytes((f / "projector.safetensors").read_bytes()[:100]),
     "projector.safetensors: 100 bytes, the manifest says"),
    (lambda f: (f / "adapter" / "adapter_model.safetensors").unlink(),
     "adapter/adapter_model.safetensors is missing"),
    (lambda f: (f / "normalization.json").write_text((f / "normalization.json").read_text().replace("0", "1")),
     "normalization.json: its content changed"),
])  # fmt: skip
def test_a_damaged_checkpoint_is_named_before_anything_is_built(tiny_checkpoint, tmp_path, damage, message):
    folder = tmp_path / "ckpt"
    Sensor2Text.from_pretrained(tiny_checkpoint).save_pretrained(folder)
    damage(folder)
    with pytest.raises(CheckpointError, match=message):
        Sensor2Text.from_pretrained(folder)


def test_a_projector_of_another_shape_is_a_clear_error_without_a_manifest(tiny_checkpoint, tmp_path):
    folder = tmp_path / "legacy"
    shutil.copytree(tiny_checkpoint, folder)
    (folder / MANIFEST_FILE).unlink(missing_ok=True)
    config = json.loads((folder / "config.json").read_text())
    config["projector"]["hidden_dim"] += 8
    (folder / "config.json").write_text(json.dumps(config))
    expected = r"projector.safetensors: tensor net.0.weight has shape \[16, 368\]; the projector of config.json"
    with pytest.raises(CheckpointError, match=expected):
        Sensor2Text.from_pretrained(folder)


def test_a_stepwise_checkpoint_without_its_knowledge_adapter_refuses_to_load(tmp_path):
    folder = tmp_path / "stepwise"
    shutil.copytree(DEFAULT_CHECKPOINT, folder)
    (folder / MANIFEST_FILE).unlink()  # as an older save would be
    (folder / "knowledge" / "adapter_model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="missing knowledge/adapter_model.safetensors"):
        Stepwise.from_pretrained(folder)


def test_a_failed_save_leaves_the_old_checkpoint(tmp_path):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    with pytest.raises(RuntimeError):
        with saving(folder) as partial:
            (partial / "config.json").write_text("new")
            raise RuntimeError("killed mid-save")
    assert (folder / "config.json").read_text() == "{}"


@pytest.mark.parametrize("edit, message", [
    (lambda n: n.update(std=[0.0] * len(n["std"])), "std holds 0.0; every standard deviation must be positive"),
    (lambda n: n.update(mean=[float("nan")] * len(n["mean"])), "mean holds NaN; expected finite numbers"),
    (lambda n: n.update(extra=1), "expected exactly the keys mean and std"),
    (lambda n: n.update(mean=n["mean"][:3]), "mean has 3 values; expected 46"),
])  # fmt: skip
def test_a_bad_normaliser_is_named_with_its_field(tiny_checkpoint, tmp_path, edit, message):
    folder = tmp_path / "legacy"
    shutil.copytree(tiny_checkpoint, folder)
    (folder / MANIFEST_FILE).unlink(missing_ok=True)
    values = json.loads((folder / "normalization.json").read_text())
    edit(values)
    (folder / "normalization.json").write_text(json.dumps(values).replace("NaN", "NaN"))
    with pytest.raises(CheckpointError, match=f"normalization.json: {message}"):
        Sensor2Text.from_pretrained(folder)


@pytest.mark.parametrize("edit, message", [
    (lambda a: a.update(r=16), "r is 16; config.json's adapter expects 2"),
    (lambda a: a.update(peft_type="PREFIX_TUNING"), "peft_type is 'PREFIX_TUNING'"),
])  # fmt: skip
def test_an_adapter_config_that_is_not_the_checkpoints_lora_is_refused(tiny_checkpoint, tmp_path, edit, message):
    folder = tmp_path / "legacy"
    shutil.copytree(tiny_checkpoint, folder)
    (folder / MANIFEST_FILE).unlink(missing_ok=True)
    path = folder / "adapter" / "adapter_config.json"
    values = json.loads(path.read_text())
    edit(values)
    path.write_text(json.dumps(values))
    with pytest.raises(CheckpointError, match=message):
        Sensor2Text.from_pretrained(folder)


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(version=7), "manifest version 7"),
    (lambda m: m.update(files=list(m["files"])), "not a valid manifest; expected an object with a 'files' object"),
    (lambda m: m["files"].update({"../x": {"bytes": 1, "sha256": "0"}}), "lists '../x', which is not a file inside"),
    (lambda m: m["files"].update({"config.json": {"bytes": 1}}), "the entry of config.json needs 'bytes'"),
])  # fmt: skip
def test_a_manifest_that_is_not_one_this_version_wrote_is_named(tmp_path, edit, message):
    folder = tmp_path / "ckpt"
    with saving(folder) as partial:
        (partial / "config.json").write_text("{}")
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    edit(manifest)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=f"manifest.json: {message}"):
        check_manifest(folder)


def test_a_save_over_a_checkpoint_swaps_it_whole(tmp_path):
    folder = tmp_path / "ckpt"
    for text in ("old", "new"):
        with saving(folder) as partial:
            (partial / "config.json").write_text(text)
    assert (folder / "config.json").read_text() == "new" and check_manifest(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]


def test_a_save_killed_between_two_renames_is_named_and_undone_by_the_next_save(tmp_path):
    from sensor2text.models.registry import design_of

    folder = tmp_path / "ckpt"
    with saving(folder) as partial:
        (partial / "config.json").write_text("old")
    folder.rename(tmp_path / ".ckpt.old")  # as the fallback's first rename leaves it, killed there
    with pytest.raises(CheckpointError, match=r"interrupted and left the previous checkpoint in .*\.ckpt\.old"):
        design_of(folder)
    with pytest.raises(RuntimeError):
        with saving(folder):
            raise RuntimeError("killed again, before the swap")
    assert (folder / "config.json").read_text() == "old" and check_manifest(folder)

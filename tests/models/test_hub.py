"""Publishing checks the folder and uploads through huggingface_hub; nothing is ever uploaded here."""

import shutil

import pytest

from sensor2text.assets import resolve_checkpoint
from sensor2text.errors import CheckpointError, Sensor2TextError
from sensor2text.models.hub import push_checkpoint


class FakeApi:
    def __init__(self, fail: Exception | None = None):
        self.calls, self.fail = [], fail

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))
        if self.fail:
            raise self.fail

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", kwargs))
        return type("Commit", (), {"commit_url": "https://huggingface.co/me/x/commit/1"})()


def test_a_checked_checkpoint_is_uploaded_whole_safetensors_and_text_only():
    api = FakeApi()
    folder = resolve_checkpoint("smollm2-135m-fingers")
    assert push_checkpoint(folder, "me/x", private=True, api=api).endswith("/commit/1")
    (_, repo, options), (_, upload) = api.calls
    assert repo == "me/x" and options["private"] and options["exist_ok"]
    assert upload["folder_path"] == str(folder) and "*.safetensors" in upload["allow_patterns"]
    assert not any(p.endswith((".pt", ".bin", ".py", ".pkl")) for p in upload["allow_patterns"])


def test_a_damaged_or_unsaved_folder_is_never_published(tmp_path):
    copy = tmp_path / "ck"
    shutil.copytree(resolve_checkpoint("smollm2-135m-fingers"), copy)
    (copy / "stepwise.json").write_text("{}")
    with pytest.raises(CheckpointError, match="stepwise.json"):
        push_checkpoint(copy, "me/x", api=FakeApi())
    (tmp_path / "plain").mkdir()
    with pytest.raises(CheckpointError, match="manifest"):
        push_checkpoint(tmp_path / "plain", "me/x", api=FakeApi())


def test_a_hub_failure_is_one_line():
    with pytest.raises(Sensor2TextError, match="push to 'me/x' failed: OSError: no network"):
        push_checkpoint(resolve_checkpoint("smollm2-135m-fingers"), "me/x", api=FakeApi(OSError("no network\nmore")))


@pytest.mark.parametrize("name", ["smollm2-135m-fingers", "smollm2-135m-stepwise", "smollm2-135m-synth",
                                  "smollm2-135m-auslan-hq"])  # fmt: skip
def test_every_shipped_checkpoint_is_publishable(name):
    from sensor2text.models.hub import check_publishable

    check_publishable(resolve_checkpoint(name))

import json
import math

import numpy as np
import pytest
import torch

from sensor2text.config import AdapterConfig, ProjectorConfig
from sensor2text.errors import CheckpointError
from sensor2text.glove.schema import Normalizer
from sensor2text.models.holistic import ModelConfig, Sensor2Text
from sensor2text.models.lm import load_base_model
from sensor2text.models.prompts import load_template

SYNONYMS = [["two", "2", "the number two"], ["OK", "okay"], ["come here"]]


def make_model(tiny_lm_dir, adapter=True, kind="mlp") -> Sensor2Text:
    torch.manual_seed(0)
    template = load_template("describe")
    config = ModelConfig(
        base_model_name_or_path=tiny_lm_dir,
        template_name=template.name,
        template_text=template.text,
        profile="synthetic-joints",
        num_frames=8,
        projector=ProjectorConfig(type=kind, hidden_dim=16, num_layers=1, dropout=0.0),
        adapter=AdapterConfig(enabled=adapter, r=2, lora_alpha=4, lora_dropout=0.0),
        label_sets={"count_2": SYNONYMS[0]},
    )
    model = Sensor2Text.build(config, Normalizer.identity(46))
    # LoRA B starts at zero; perturb it so a round trip that forgot the adapter would show
    with torch.no_grad():
        for name, p in model.lm.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    return model.eval()


def test_only_projector_and_lora_are_trainable(tiny_lm_dir):
    model = make_model(tiny_lm_dir)
    trainable = model.trainable_parameters()
    assert trainable
    for name in trainable:
        assert name.startswith("projector.") or "lora_" in name, name
    projector = sum(p.numel() for p in model.projector.parameters())
    lora = sum(p.numel() for n, p in model.lm.named_parameters() if "lora_" in n)
    assert sum(p.numel() for p in trainable.values()) == projector + lora
    frozen = [n for n, p in model.lm.named_parameters() if "lora_" not in n]
    assert frozen and all(not dict(model.lm.named_parameters())[n].requires_grad for n in frozen)


def test_without_adapter_only_the_projector_trains(tiny_lm_dir):
    model = make_model(tiny_lm_dir, adapter=False)
    assert all(n.startswith("projector.") for n in model.trainable_parameters())


def _naive_log_probs(model, windows, targets, owner):
    """Reference: run every full sequence [prompt; target] separately."""
    prompt = model.embed_prompt(windows)
    out = []
    for i, target in enumerate(targets):
        ids = torch.tensor([target])
        embeds = torch.cat([prompt[owner[i]][None], model.lm.get_input_embeddings()(ids)], dim=1)
        logp = model.lm(inputs_embeds=embeds).logits[0].log_softmax(-1)
        start = prompt.shape[1] - 1
        out.append(sum(logp[start + j, t] for j, t in enumerate(target)))
    return torch.stack(out)


def test_kv_shared_sequence_log_probs_equal_full_forward_passes(tiny_lm_dir):
    model = make_model(tiny_lm_dir)
    windows = torch.randn(3, 8, 46)
    targets = [model.label_ids(s) for group in SYNONYMS for s in group]
    owner = torch.tensor([b for b, group in enumerate(SYNONYMS) for _ in group])
    assert len({len(t) for t in targets}) > 1  # multi-token, ragged targets
    with torch.no_grad():
        fast = model.sequence_log_probs(windows, targets, owner)
        slow = _naive_log_probs(model, windows, targets, owner)
    torch.testing.assert_close(fast, slow, atol=1e-4, rtol=1e-4)


def test_synonym_loss_is_the_negative_log_of_summed_synonym_probabilities(tiny_lm_dir):
    model = make_model(tiny_lm_dir)
    windows = torch.randn(3, 8, 46)
    targets = [model.label_ids(s) for group in SYNONYMS for s in group]
    owner = torch.tensor([b for b, group in enumerate(SYNONYMS) for _ in group])
    with torch.no_grad():
        logp = model.sequence_log_probs(windows, targets, owner)
        marginal = model.synonym_loss(windows, SYNONYMS, "marginal")
        mean = model.synonym_loss(windows, SYNONYMS, "mean")
    expected = -np.mean([math.log(sum(math.exp(v) for v in logp[owner == b].tolist())) for b in range(3)])
    assert marginal.item() == pytest.approx(expected, rel=1e-5)
    expected_mean = -np.mean([logp[owner == b].mean().item() for b in range(3)])
    assert mean.item() == pytest.approx(expected_mean, rel=1e-5)
    # probabilities of synonyms add up: listing a synonym twice halves the loss's probability
    with torch.no_grad():
        once = model.synonym_loss(windows[:1], [["two"]], "marginal")
        twice = model.synonym_loss(windows[:1], [["two", "two"]], "marginal")
    assert twice.item() == pytest.approx(once.item() - math.log(2), rel=1e-5)


def test_training_steps_lower_the_loss(tiny_lm_dir):
    model = make_model(tiny_lm_dir).train()
    windows = torch.randn(4, 8, 46)
    synonyms = [["two", "2"], ["fist"], ["two", "2"], ["fist"]]
    optimizer = torch.optim.Adam(model.trainable_parameters().values(), lr=3e-2)
    losses = []
    for _ in range(30):
        loss = model(windows, synonyms)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.7


def test_generate_returns_one_description_per_recording(tiny_lm_dir, rng):
    model = make_model(tiny_lm_dir)
    recordings = [rng.normal(size=(30, 46)).astype(np.float32), rng.normal(size=(9, 46)).astype(np.float32)]
    texts = model.generate(recordings)
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)


@pytest.mark.parametrize("kind", ["mlp", "per_hand"])
def test_save_load_round_trip_gives_identical_logits(tiny_lm_dir, tmp_path, kind):
    model = make_model(tiny_lm_dir, kind=kind)
    model.normalizer = Normalizer(mean=list(np.linspace(0, 1, 46)), std=[2.0] * 46)
    model.save_pretrained(tmp_path / "ckpt", model_card="# card")
    loaded = Sensor2Text.from_pretrained(tmp_path / "ckpt")
    recording = np.random.default_rng(1).normal(size=(20, 46)).astype(np.float32)
    with torch.no_grad():
        a = model.lm(inputs_embeds=model.embed_prompt(model.prepare([recording]))).logits
        b = loaded.lm(inputs_embeds=loaded.embed_prompt(loaded.prepare([recording]))).logits
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    files = {p.relative_to(tmp_path / "ckpt").as_posix() for p in (tmp_path / "ckpt").rglob("*") if p.is_file()}
    assert {
        "config.json",
        "projector.safetensors",
        "normalization.json",
        "README.md",
        "adapter/adapter_config.json",
        "adapter/adapter_model.safetensors",
    } <= files
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pkl", ".pth"))]
    assert json.loads((tmp_path / "ckpt" / "config.json").read_text())["projector"]["type"] == kind


def test_lora_changes_the_output(tiny_lm_dir):
    model = make_model(tiny_lm_dir)
    embeds = model.embed_prompt(torch.randn(1, 8, 46))
    with torch.no_grad():
        on = model.lm(inputs_embeds=embeds).logits
        with model.lm.disable_adapter():
            off = model.lm(inputs_embeds=embeds).logits
    assert not torch.allclose(on, off)


MUST_HAVE = ["projector.safetensors", "normalization.json", "adapter/adapter_model.safetensors"]


@pytest.mark.parametrize("missing", MUST_HAVE)
def test_checkpoint_missing_a_file_is_a_clear_error(tiny_lm_dir, tmp_path, missing):
    make_model(tiny_lm_dir).save_pretrained(tmp_path / "ckpt")
    (tmp_path / "ckpt" / missing).unlink()
    with pytest.raises(CheckpointError, match=f"ckpt: {missing} is missing \\(listed in manifest.json\\)"):
        Sensor2Text.from_pretrained(tmp_path / "ckpt")
    (tmp_path / "ckpt" / "manifest.json").unlink()  # a checkpoint saved before manifests: the loader's own check
    with pytest.raises(CheckpointError, match=f"checkpoint is missing {missing}"):
        Sensor2Text.from_pretrained(tmp_path / "ckpt")


def test_not_a_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="not a sensor2text checkpoint"):
        Sensor2Text.from_pretrained(tmp_path)


def test_base_lm_loads_a_local_folder_frozen(tiny_lm_dir):
    lm, tokenizer = load_base_model(tiny_lm_dir)
    assert not any(p.requires_grad for p in lm.parameters())
    assert tokenizer.pad_token is not None and lm.config.model_type == "gpt2"


def test_a_checkpoint_naming_a_hub_model_never_reaches_the_network(tiny_checkpoint, tmp_path):
    import json
    import shutil

    from sensor2text.errors import Sensor2TextError

    folder = tmp_path / "hub-named"
    shutil.copytree(tiny_checkpoint, folder)
    config = json.loads((folder / "config.json").read_text())
    config["base_model_name_or_path"] = "no-such-org/no-such-model"
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "manifest.json").unlink(missing_ok=True)
    with pytest.raises(Sensor2TextError, match="no-such-org/no-such-model.*Hugging Face cache.*--base-model"):
        Sensor2Text.from_pretrained(folder)  # local_files_only: fails at once, no DNS retries

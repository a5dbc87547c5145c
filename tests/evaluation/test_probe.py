import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from sensor2text.api import DEFAULT_CHECKPOINT
from sensor2text.errors import Sensor2TextError
from sensor2text.evaluation.probe import (
    build_prompt,
    inspect_soft_tokens,
    label_scores,
    probe,
    probe_template_names,
    resolve_prompt,
)
from sensor2text.evaluation.probe_report import plot_bars, write_json
from sensor2text.models.lm import load_base_model


@pytest.fixture(scope="module")
def tiny(tiny_lm_dir):
    return load_base_model(tiny_lm_dir)


def test_next_token_probabilities_match_a_direct_forward_pass(tiny_lm_dir, tiny):
    lm, tokenizer = tiny
    result = probe(prompt="He made a gesture of", base_model=tiny_lm_dir, top_k=5)
    ids = tokenizer("He made a gesture of", return_tensors="pt").input_ids
    with torch.no_grad():
        direct = lm(ids).logits[0, -1].softmax(-1)
    (text,) = result.conditions
    values, top_ids = direct.topk(5)
    assert [t.token_id for t in text.top_tokens] == top_ids.tolist()
    np.testing.assert_allclose([t.prob for t in text.top_tokens], values.numpy(), rtol=1e-5)
    assert [t.token_id for t in text.shown] == top_ids.tolist()
    assert text.shown[0].prob == pytest.approx(values[0].item(), rel=1e-5)


def test_multi_token_label_log_probs_are_chained_token_probabilities(tiny):
    lm, tokenizer = tiny
    prompt = build_prompt(lm, tokenizer, resolve_prompt("He made a gesture of", None), None)
    scores = label_scores(lm, prompt, tokenizer, {"count_10": ["ten", "all ten fingers"], "fist": ["fist"]})
    prefix = tokenizer("He made a gesture of").input_ids
    for score in scores:
        target = tokenizer(" " + score.synonym, add_special_tokens=False).input_ids
        with torch.no_grad():
            logp = lm(torch.tensor([prefix + target])).logits[0].log_softmax(-1)
        expected = sum(logp[len(prefix) - 1 + j, t].item() for j, t in enumerate(target))
        assert score.num_tokens == len(target)
        assert score.log_prob == pytest.approx(expected, abs=1e-4)
        assert score.log_prob_per_token == pytest.approx(expected / len(target), abs=1e-4)
    assert any(s.num_tokens > 1 for s in scores)
    assert sorted(s.rank for s in scores) == [1, 2, 3]
    best = max(scores, key=lambda s: s.log_prob)
    assert best.rank == 1


def test_nearest_tokens_are_real_vocabulary_ids(tiny):
    lm, tokenizer = tiny
    table = lm.get_input_embeddings().weight
    soft = torch.stack([table[7] * 2.0, table[11]])[None]
    tokens, typical = inspect_soft_tokens(lm, tokenizer, soft)
    assert tokens[0].nearest[0].token_id == 7 and tokens[0].nearest[0].prob == pytest.approx(1.0, abs=1e-5)
    assert tokens[1].nearest[0].token_id == 11
    assert all(0 <= t.token_id < len(tokenizer) for s in tokens for t in s.nearest)
    assert tokens[0].norm == pytest.approx(2 * table[7].norm().item(), rel=1e-5) and typical > 0


def test_probe_with_a_glove_compares_four_conditions(tiny_checkpoint, rng, tmp_path):
    recording = rng.normal(20, 10, size=(40, 46)).astype(np.float32)
    result = probe(template="gesture", recording=recording, checkpoint=tiny_checkpoint, top_k=3)
    assert [c.name for c in result.conditions] == ["text", "text+lora", "glove", "glove-lora-off"]
    assert len(result.soft_tokens) == 4 and result.typical_token_norm > 0
    ids = [t.token_id for t in result.conditions[0].shown]
    assert all([t.token_id for t in c.shown] == ids for c in result.conditions)
    assert len(ids) >= 3 and len(set(ids)) == len(ids)
    assert [t.prob for t in result.condition("glove").shown] != [t.prob for t in result.condition("text").shown]
    write_json(result, tmp_path / "probe.json")
    assert json.loads((tmp_path / "probe.json").read_text())["conditions"][2]["name"] == "glove"
    plot_bars(result, tmp_path / "probe.png")
    assert (tmp_path / "probe.png").read_bytes()[:4] == b"\x89PNG"


def test_probe_templates_and_prompt_resolution():
    assert {"gesture", "number", "sign", "fingers"} <= set(probe_template_names())
    assert resolve_prompt(None, "gesture") == "{glove} He made a gesture of"
    assert resolve_prompt("He waved", None) == "{glove} He waved"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--template", "nope"], "unknown probe template 'nope'"),
        (["--prompt", "  "], "the probe prompt is empty"),
        (["--prompt", "x", "--gesture", "fist", "--checkpoint", "/no/such/ckpt"], "not a sensor2text checkpoint"),
        (["--prompt", "x", "--template", "gesture"], "either --prompt or --template"),
        (["--prompt", "x", "--gesture", "fist", "--checkpoint", str(DEFAULT_CHECKPOINT)], "is a stepwise checkpoint"),
    ],
)
def test_bad_probe_input_is_one_clear_line(args, message):
    result = subprocess.run([sys.executable, "-m", "sensor2text", "probe", *args], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_recording_without_checkpoint_is_refused():
    with pytest.raises(Sensor2TextError, match="needs --checkpoint"):
        probe(prompt="x", recording=np.zeros((5, 46), np.float32))


def test_python_api_probes_a_recording_file(tiny_checkpoint, tmp_path, rng):
    import sensor2text
    from sensor2text.glove.recordings import write_csv

    path = tmp_path / "fist-0.csv"
    write_csv(path, rng.normal(20, 10, size=(30, 46)).astype(np.float32))
    result = sensor2text.probe(prompt="He made a gesture of", recording=path, checkpoint=tiny_checkpoint, top_k=2)
    assert result.recording == str(path) and result.condition("glove").top_tokens
    with pytest.raises(Sensor2TextError, match="either --recording or --gesture"):
        sensor2text.probe(prompt="x", recording=path, gesture="fist", checkpoint=tiny_checkpoint)

"""The glove-to-text model: projector -> soft prompt -> frozen causal LM (+ LoRA via peft).

``Sensor2Text`` holds the three parts and the glove normalisation. Its checkpoint folder
(``save_pretrained``) carries everything ``from_pretrained`` needs::

    config.json               ModelConfig: base model, projector, adapter, prompt, glove shape
    projector.safetensors     projector weights
    adapter/                  LoRA adapter written by peft (adapter_config.json + safetensors)
    normalization.json        per-channel mean/std of the training recordings
    README.md                 model card (data, metrics, the exact command)
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from sensor2text.config import AdapterConfig, ProjectorConfig, from_dict
from sensor2text.errors import CheckpointError, ConfigError
from sensor2text.glove.schema import Normalizer, get_profile
from sensor2text.inputs import Preprocessor
from sensor2text.models.base import DescribeOptions, Describer, Description
from sensor2text.models.checks import (
    check_lora,
    check_lora_config,
    check_lora_rank,
    check_normalizer,
    check_shapes,
    module_shapes,
    read_json,
    read_tensors,
)
from sensor2text.models.decoding import TokenHooks, geometric_mean
from sensor2text.models.lm import base_model_config, hidden_size, load_base_model, set_adapter_base
from sensor2text.models.manifest import check_manifest, saving
from sensor2text.models.projectors import build_projector

# Files every checkpoint folder must hold (the adapter only when the config enables it).
CONFIG_FILE = "config.json"
PROJECTOR_FILE = "projector.safetensors"
NORMALIZATION_FILE = "normalization.json"
ADAPTER_DIR = "adapter"
MODEL_CARD_FILE = "README.md"
# Bumped when the checkpoint layout changes incompatibly.
FORMAT_VERSION = 1


@dataclass
class ModelConfig:
    """Architecture of a Sensor2Text model; saved as config.json and read back by from_pretrained."""

    base_model_name_or_path: str
    template_name: str
    template_text: str
    profile: str
    num_frames: int
    projector: ProjectorConfig = field(default_factory=ProjectorConfig)
    adapter: AdapterConfig = field(default_factory=AdapterConfig)
    max_new_tokens: int = 8
    label_sets: dict = field(default_factory=dict)
    trained_classes: list = field(default_factory=list)
    session_norm: bool = False
    format_version: int = FORMAT_VERSION


def continuation_log_probs(lm: nn.Module, prompt: torch.Tensor, targets: list[list[int]],
                           owner: torch.Tensor, pad_id: int) -> torch.Tensor:  # fmt: skip
    """Summed log-probability of each target token sequence after its prompt.

    ``prompt (B, P, H)`` input embeddings; ``targets``: N token-id lists; ``owner (N,)`` maps each
    target to its prompt row. Each prompt runs once; its KV cache is then copied to every target
    it owns, so many synonyms cost little more than one. Returns ``(N,)``.
    """
    out = lm(inputs_embeds=prompt, use_cache=True, logits_to_keep=1)
    first = out.logits[:, -1].float().log_softmax(-1)[owner]  # (N, V)
    cache = out.past_key_values
    cache.batch_select_indices(owner)
    width = max(len(t) for t in targets)
    ids = torch.full((len(targets), width), pad_id, device=prompt.device)
    mask = torch.zeros(len(targets), width, device=prompt.device)
    for i, t in enumerate(targets):
        ids[i, : len(t)], mask[i, : len(t)] = torch.tensor(t), 1.0
    logp = first.gather(1, ids[:, :1]).squeeze(1)
    if width > 1:
        rest = lm(input_ids=ids[:, :-1], past_key_values=cache, use_cache=False)
        step = rest.logits.float().log_softmax(-1).gather(2, ids[:, 1:, None]).squeeze(2)
        logp = logp + (step * mask[:, 1:]).sum(1)
    return logp


def _lora(lm: nn.Module, cfg: AdapterConfig) -> nn.Module:
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(r=cfg.r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=cfg.target_modules, task_type="CAUSAL_LM")  # fmt: skip
    return get_peft_model(lm, lora)


class Sensor2Text(Describer, nn.Module):
    """Glove window -> description. Only the projector and the LoRA weights are trainable.

    Its :class:`sensor2text.inputs.Preprocessor` turns raw recordings into windows; a
    ``session_norm`` checkpoint refuses to describe until ``calibrate`` gave it a session.
    """

    design = "holistic"

    def __init__(self, config: ModelConfig, lm: nn.Module, tokenizer, normalizer: Normalizer):
        super().__init__()
        from sensor2text.models.prompts import PromptTemplate

        self.config, self.tokenizer = config, tokenizer
        self.template = PromptTemplate(config.template_name, config.template_text)
        self.profile = get_profile(config.profile)
        self.preprocessor = Preprocessor(config.num_frames, normalizer, config.session_norm, self.profile)
        self.lm = lm
        self.projector = build_projector(config.projector, self.profile.num_channels, config.num_frames,
                                         lm.config.get_text_config().hidden_size,
                                         self.profile.hand_slices)  # fmt: skip
        self._before = tokenizer(self.template.before, return_tensors="pt").input_ids
        self._after = tokenizer(self.template.after, add_special_tokens=False, return_tensors="pt").input_ids

    @classmethod
    def build(cls, config: ModelConfig, normalizer: Normalizer, lm=None, tokenizer=None) -> Sensor2Text:
        """A fresh model: load (or take) the base LM, freeze it, add LoRA, build the projector."""
        if lm is None:
            lm, tokenizer = load_base_model(config.base_model_name_or_path)
        lm.requires_grad_(False)
        if config.adapter.enabled:
            lm = _lora(lm, config.adapter)
        return cls(config, lm, tokenizer, normalizer)

    @property
    def leak_texts(self) -> dict[str, str]:
        """Texts paired with glove data that the zero-shot leak check searches: the template."""
        return {f"prompt template '{self.template.name}'": self.template.text}

    @property
    def device(self) -> torch.device:
        return next(self.projector.parameters()).device

    # ---- inputs ---------------------------------------------------------------------------
    @property
    def session_norm(self) -> bool:
        return self.config.session_norm

    @property
    def normalizer(self) -> Normalizer:
        """The trained per-channel normaliser (saved as normalization.json)."""
        return self.preprocessor.trained

    @normalizer.setter
    def normalizer(self, value: Normalizer) -> None:
        self.preprocessor.trained = value

    def calibrate(self, recordings) -> None:
        """Standardise every input by the channel statistics of one session's ``recordings`` (a
        folder or file, or arrays) before the trained normaliser (``session_norm`` checkpoints);
        a second call replaces the first."""
        self.preprocessor.calibrate(recordings)

    def prepare(self, recordings: list[np.ndarray]) -> torch.Tensor:
        """Raw recordings ``[(T_i, C)]`` -> resampled, normalised ``(B, num_frames, C)`` tensor."""
        return self.preprocessor(recordings, self.device)

    def embed_prompt(self, windows: torch.Tensor) -> torch.Tensor:
        """``(B, F, C)`` -> prompt embeddings ``(B, P, H)``: [text before][soft tokens][text after]."""
        embed = self.lm.get_input_embeddings()
        batch = windows.shape[0]
        before = embed(self._before.to(windows.device)).expand(batch, -1, -1)
        after = embed(self._after.to(windows.device)).expand(batch, -1, -1)
        soft = self.projector(windows).to(before.dtype)
        return torch.cat([before, soft, after], dim=1)

    def label_prompts(self, recordings: list[np.ndarray]) -> list[torch.Tensor]:
        """The prompt a label continues, per raw recording: ``[(1, P, H)]`` embeddings."""
        return [self.embed_prompt(self.prepare([recording])) for recording in recordings]

    def text_only_prompt(self) -> torch.Tensor:
        """The template's text without the glove, ``(1, P, H)`` (the text-only baseline)."""
        from sensor2text.models.prompts import build_prompt

        return build_prompt(self.lm, self.tokenizer, self.template.text, None)

    # ---- scoring --------------------------------------------------------------------------
    def sequence_log_probs(self, windows: torch.Tensor, targets: list[list[int]],
                           owner: torch.Tensor) -> torch.Tensor:  # fmt: skip
        """Log-probability of each target token sequence given its window's prompt.

        ``windows (B, F, C)``; ``targets``: N token-id lists; ``owner (N,)`` maps each target to
        its window. Returns ``(N,)`` summed log-probabilities.
        """
        prompt = self.embed_prompt(windows)
        return continuation_log_probs(self.lm, prompt, targets, owner, self.tokenizer.pad_token_id)

    def synonym_loss(self, windows: torch.Tensor, synonyms: list[list[str]], mode: str = "marginal"):
        """Loss over label sets: ``windows (B, F, C)``, ``synonyms[b]`` the accepted texts of b.

        ``marginal``: ``-log sum_s p(s | glove)`` -- any synonym is right, the LM picks its own.
        ``mean``: mean over synonyms of ``-log p(s | glove)`` -- every synonym is a target.
        Returns a scalar averaged over the batch.
        """
        targets = [self.label_ids(s) for group in synonyms for s in group]
        owner = torch.tensor([b for b, group in enumerate(synonyms) for _ in group], device=windows.device)
        logp = self.sequence_log_probs(windows, targets, owner)
        per_window = []
        for b in range(len(synonyms)):
            group = logp[owner == b]
            per_window.append(-torch.logsumexp(group, 0) if mode == "marginal" else -group.mean())
        return torch.stack(per_window).mean()

    def forward(self, windows: torch.Tensor, synonyms: list[list[str]], mode: str = "marginal"):
        """Training entry point (what accelerate/DDP wraps): the synonym-aware loss."""
        return self.synonym_loss(windows, synonyms, mode)

    # ---- generation -----------------------------------------------------------------------
    def _describe_batch(self, recordings: list[np.ndarray], options: DescribeOptions) -> list[Description]:
        hooks = TokenHooks(self.tokenizer, options.on_token) if options.on_token else None
        start = time.perf_counter()
        texts = self.generate(recordings, options.max_new_tokens, hooks, **options.generate_kwargs())
        share = 1000 * (time.perf_counter() - start) / len(recordings)
        first = hooks.first_token_ms(start) if hooks else {}
        return [Description(text, timings={"describe_ms": share, **first},
                            confidence=hooks.confidence if hooks else None) for text in texts]  # fmt: skip

    @torch.no_grad()
    def choose(self, recordings: list[np.ndarray], texts: list[str]) -> list[tuple[str, float]]:
        """Greedy description of each raw recording restricted to ``texts`` (a closed vocabulary),
        decoded in a few batched passes: ``[(text, confidence)]``, the confidence being the
        geometric mean of the decided tokens' probabilities."""
        from sensor2text.models.closed import choose

        prompt = self.embed_prompt(self.prepare(recordings))
        chosen = choose(self.lm, prompt, [self.label_ids(t) for t in texts], self.tokenizer.pad_token_id)
        return [(texts[i], geometric_mean(probs)) for i, probs in chosen]

    def channel_scale(self) -> np.ndarray:
        """Per-channel scale ``(C,)`` of raw input: the whole normaliser's standard deviations."""
        return np.asarray(self.preprocessor.normalizer.std)

    @torch.no_grad()
    def generate(self, recordings: list[np.ndarray], max_new_tokens: int | None = None, hooks=None,
                 **kwargs) -> list[str]:  # fmt: skip
        """Describe each raw recording ``(T_i, C)``; greedy unless sampling kwargs are given.

        ``hooks`` (:class:`sensor2text.models.decoding.TokenHooks`, one recording) sees the tokens as they come.
        """
        kwargs.update(hooks.kwargs if hooks else {})
        prompt = self.embed_prompt(self.prepare(recordings))
        mask = torch.ones(prompt.shape[:2], dtype=torch.long, device=prompt.device)
        out = self.lm.generate(inputs_embeds=prompt, attention_mask=mask, do_sample=kwargs.pop("do_sample", False),
                               max_new_tokens=max_new_tokens or self.config.max_new_tokens,
                               pad_token_id=self.tokenizer.pad_token_id,
                               eos_token_id=self.tokenizer.eos_token_id, **kwargs)  # fmt: skip
        texts = self.tokenizer.batch_decode(out, skip_special_tokens=True)
        return [t.strip().split("\n")[0].strip() for t in texts]

    # ---- artefacts ------------------------------------------------------------------------
    def trainable_parameters(self) -> dict[str, nn.Parameter]:
        return {n: p for n, p in self.named_parameters() if p.requires_grad}

    def save_pretrained(self, folder: str | Path, model_card: str = "") -> None:
        """Write config JSON, projector and LoRA safetensors, normalisation, a model card and, last,
        the manifest; into a temporary folder renamed into place (``sensor2text.models.manifest``)."""
        with saving(folder) as partial:
            self._write(partial, model_card)

    def _write(self, folder: Path, model_card: str) -> None:
        from safetensors.torch import save_file

        (folder / CONFIG_FILE).write_text(json.dumps(asdict(self.config), indent=2) + "\n")
        state = {k: v.detach().cpu().contiguous() for k, v in self.projector.state_dict().items()}
        save_file(state, folder / PROJECTOR_FILE)
        (folder / NORMALIZATION_FILE).write_text(json.dumps(self.normalizer.to_dict()) + "\n")
        if self.config.adapter.enabled:
            self.lm.save_pretrained(folder / ADAPTER_DIR, safe_serialization=True, save_embedding_layers=False)
            set_adapter_base(folder / ADAPTER_DIR / "adapter_config.json", self.config.base_model_name_or_path,
                             "the LM's LoRA, read with the glove's soft prompt (projector.safetensors beside it)")
        (folder / MODEL_CARD_FILE).write_text(model_card or f"# sensor2text model\n\n{self.config}\n")

    @classmethod
    def from_pretrained(cls, folder: str | Path, lm=None, tokenizer=None, base_model: str | None = None) -> Sensor2Text:
        """Load a checkpoint folder; nothing else is needed (``lm`` may be passed to reuse one;
        ``base_model`` replaces the base LM named in config.json, e.g. a folder that moved).

        Every file is checked first (manifest, config, normalisation, adapter config, the
        projector's tensor shapes against config.json and the base LM's width), then the base
        LM is loaded, the LoRA tensors checked against it, and the model built.
        """
        folder = Path(folder)
        check_manifest(folder)
        config = read_model_config(folder)
        profile = get_profile(config.profile)
        normalizer = read_normalizer(folder / NORMALIZATION_FILE, profile.num_channels)
        adapter = check_adapter_config(folder / ADAPTER_DIR / "adapter_config.json", config.adapter)
        base = base_model or config.base_model_name_or_path
        offline = base_model is None
        width = hidden_size(lm.config if lm is not None else base_model_config(base, offline))
        projector = read_projector(folder, config, width, base)
        if lm is None:
            lm, tokenizer = load_base_model(base, offline=offline)
        if adapter is not None:
            from peft import PeftModel

            check_lora(folder / ADAPTER_DIR, lm, adapter, base)
            lm = PeftModel.from_pretrained(lm, str(folder / ADAPTER_DIR), is_trainable=False)
        model = cls(config, lm, tokenizer, normalizer)
        model.projector.load_state_dict(projector)
        return model.eval()


def required_files(config: ModelConfig) -> list[str]:
    files = [CONFIG_FILE, PROJECTOR_FILE, NORMALIZATION_FILE]
    if config.adapter.enabled:
        files += [f"{ADAPTER_DIR}/adapter_config.json", f"{ADAPTER_DIR}/adapter_model.safetensors"]
    return files


def read_model_config(folder: Path) -> ModelConfig:
    """Read and check ``config.json`` (types, ranges, names, format version); CheckpointError
    naming the file and field, or the first required file that is missing."""
    path = folder / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{folder}: not a sensor2text checkpoint (missing {CONFIG_FILE}).")
    data = read_json(path, "model config")
    try:
        config = from_dict(ModelConfig, data, str(path))
    except ConfigError as exc:  # a check inside a section names the field but not the file
        raise CheckpointError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from None
    check_model_config(config, path)
    missing = [f for f in required_files(config) if not (folder / f).is_file()]
    if missing:
        expected = ", ".join(required_files(config))
        raise CheckpointError(f"{folder}: checkpoint is missing {missing[0]}; expected {expected}.")
    if not config.adapter.enabled and (folder / ADAPTER_DIR).exists():
        raise CheckpointError(f"{path}: adapter.enabled is false, but the checkpoint has an {ADAPTER_DIR}/ folder; "
                              "expected true (its LoRA would be ignored) or no adapter folder.")  # fmt: skip
    return config


def check_model_config(config: ModelConfig, path: Path) -> None:
    """Values of ``config.json`` that its types do not decide: sizes, names, the template."""
    from sensor2text.models.projectors import PROJECTORS
    from sensor2text.models.prompts import GLOVE_PLACEHOLDER

    if config.format_version != FORMAT_VERSION:
        raise CheckpointError(f"{path}: format_version is {config.format_version}; this version of sensor2text "
                              f"reads {FORMAT_VERSION} (a newer checkpoint needs a newer sensor2text).")  # fmt: skip
    for name in ("num_frames", "max_new_tokens"):
        if getattr(config, name) < 1:
            raise CheckpointError(f"{path}: {name} is {getattr(config, name)}; expected at least 1.")
    try:
        get_profile(config.profile)
    except ValueError as exc:
        raise CheckpointError(f"{path}: profile: {exc}.") from None
    if config.projector.type not in PROJECTORS:
        raise CheckpointError(f"{path}: projector.type is {config.projector.type!r}; expected one of "
                              f"{', '.join(PROJECTORS)}.")  # fmt: skip
    if config.template_text.count(GLOVE_PLACEHOLDER) != 1:
        raise CheckpointError(f"{path}: template_text must hold {GLOVE_PLACEHOLDER} exactly once, where the "
                              "glove's soft prompt goes.")  # fmt: skip


def read_projector(folder: Path, config: ModelConfig, width: int, base: str) -> dict[str, torch.Tensor]:
    """The projector's tensors, once their names and shapes are those of the projector that
    ``config.json`` describes for a base LM of ``width`` (checked from the header first)."""
    profile = get_profile(config.profile)
    with torch.device("meta"):  # shapes only, nothing allocated
        expected = build_projector(config.projector, profile.num_channels, config.num_frames, width,
                                   profile.hand_slices)  # fmt: skip
    path = folder / PROJECTOR_FILE
    against = f"the projector of {CONFIG_FILE} on base model {base} (hidden size {width})"
    check_shapes(path, module_shapes(expected), against)
    return read_tensors(path)


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file; CheckpointError naming the file if it is missing or corrupt."""
    return read_tensors(path)


def read_normalizer(path: Path, channels: int) -> Normalizer:
    """The trained normaliser; CheckpointError naming the file and field for a wrong key, count,
    a non-finite value or a standard deviation that is not positive."""
    return Normalizer(**check_normalizer(read_json(path, "normalisation (mean and std per channel)"), channels,
                                         str(path)))  # fmt: skip


def check_adapter_config(path: Path, adapter: AdapterConfig) -> dict | None:
    """peft's adapter config must be the LoRA that ``config.json`` describes (rank, alpha,
    modules); returns it (None when the adapter is disabled)."""
    if not adapter.enabled:
        return None
    lora = check_lora_config(path, adapter.r, adapter.lora_alpha, adapter.target_modules, CONFIG_FILE)
    check_lora_rank(path.parent, lora)
    return lora

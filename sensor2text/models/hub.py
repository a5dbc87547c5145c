"""Publishing a checkpoint folder on the Hugging Face Hub (``sensor2text push``).

A checkpoint folder is already what the Hub expects: safetensors and JSON only, a model card with
YAML front matter (README.md), peft adapter folders whose configs name the base LM by its hub id.
:func:`push_checkpoint` checks the folder against its manifest (so a damaged or half-written
folder is never published), then uploads it with ``huggingface_hub`` (a token from ``hf auth
login`` or ``HF_TOKEN``). Nothing in the package or its tests uploads anything by itself.
"""

from __future__ import annotations

from pathlib import Path

from sensor2text.errors import CheckpointError, Sensor2TextError
from sensor2text.models.manifest import MANIFEST_FILE, check_manifest

# What a checkpoint folder may hold; anything else (a stray state, a .pt file) is not uploaded.
ALLOWED_PATTERNS = ["*.json", "*.safetensors", "*.md", "*/*.json", "*/*.safetensors", "*/*.md",
                    "*/*/*.json", "*/*/*.safetensors", "*/*/*.md"]  # fmt: skip


def check_publishable(folder: Path) -> None:
    """CheckpointError unless ``folder`` is a saved checkpoint (manifest intact) with a model card
    whose YAML front matter the Hub reads."""
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: no such checkpoint folder.")
    if not check_manifest(folder):
        raise CheckpointError(f"{folder}: no {MANIFEST_FILE}; only a folder saved by sensor2text is published.")
    card = folder / "README.md"
    if not card.is_file() or not card.read_text(encoding="utf-8", errors="replace").startswith("---\n"):
        raise CheckpointError(f"{card}: a model card with YAML front matter (---) is needed to publish.")


def push_checkpoint(folder: str | Path, repo_id: str, private: bool = False, api=None) -> str:
    """Upload the checkpoint ``folder`` to the model repository ``repo_id`` (created if missing);
    returns the commit URL. ``api``: a ``huggingface_hub.HfApi`` (made here when None)."""
    folder = Path(folder)
    check_publishable(folder)
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    try:
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        info = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="model",
                                 allow_patterns=ALLOWED_PATTERNS,
                                 commit_message=f"sensor2text checkpoint {folder.name}")  # fmt: skip
    except Exception as exc:  # network, token, permissions: one line, the hub's own reason
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise Sensor2TextError(f"push to '{repo_id}' failed: {type(exc).__name__}: {reason}") from None
    return str(getattr(info, "commit_url", info))

"""Checkpoint manifests: every file of a checkpoint folder with its size and sha256, written last.

A folder is saved under a temporary name and renamed into place when complete, its manifest the
last file written; loading checks the manifest first, so a missing, truncated or changed file is
named in one line before anything is built. Folders without a manifest (saved by an older
version) are read with the loaders' own checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from sensor2text.errors import CheckpointError

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path) -> None:
    """List every file under ``folder`` (sizes, sha256) in ``manifest.json``, written atomically."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_FILE)
    entries = {str(p.relative_to(folder)): {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files}
    partial = folder / f".{MANIFEST_FILE}.partial"
    partial.write_text(json.dumps({"version": MANIFEST_VERSION, "files": entries}, indent=1) + "\n")
    partial.replace(folder / MANIFEST_FILE)


def check_manifest(folder: Path) -> bool:
    """CheckpointError naming the first file that is missing, of another size or changed; False
    when the folder has no manifest (nothing to check), True when every listed file matches."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        return False
    try:
        entries = json.loads(path.read_text())["files"]
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path}: not a valid manifest ({error}).") from None
    for name, expected in entries.items():
        file = folder / name
        if not file.is_file():
            raise CheckpointError(f"{folder}: {name} is missing (listed in {MANIFEST_FILE}).")
        size = file.stat().st_size
        if size != expected["bytes"]:
            raise CheckpointError(f"{file}: {size} bytes, the manifest says {expected['bytes']} (truncated or "
                                  "replaced).")  # fmt: skip
        if _sha256(file) != expected["sha256"]:
            raise CheckpointError(f"{file}: its content changed since the checkpoint was saved (sha256 differs "
                                  f"from {MANIFEST_FILE}).")  # fmt: skip
    return True


@contextlib.contextmanager
def saving(folder: str | Path) -> Iterator[Path]:
    """Write a checkpoint into a temporary sibling folder, add its manifest, then move it into place:
    a crash leaves the old folder (or none), never a mix."""
    folder = Path(folder)
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    yield partial
    write_manifest(partial)
    old = folder.with_name(f".{folder.name}.old")
    if folder.exists():
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
    partial.rename(folder)
    shutil.rmtree(old, ignore_errors=True)

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
from pathlib import Path, PurePosixPath

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


def read_manifest(folder: Path) -> dict[str, dict] | None:
    """``{relative path: {"bytes", "sha256"}}`` of ``folder/manifest.json`` (None when there is
    none); CheckpointError naming the manifest if it is not one this version wrote."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path}: not a valid manifest ({str(error).splitlines()[0]}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise CheckpointError(f"{path}: not a valid manifest; expected an object with a 'files' object.")
    if data.get("version") != MANIFEST_VERSION:
        raise CheckpointError(f"{path}: manifest version {data.get('version')!r}; this version of sensor2text "
                              f"reads {MANIFEST_VERSION}.")  # fmt: skip
    for name, entry in data["files"].items():
        _check_entry(path, name, entry)
    return data["files"]


def _check_entry(path: Path, name: str, entry) -> None:
    """One manifest entry: a relative path inside the folder, its size and sha256."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or "\\" in name or not name:
        raise CheckpointError(f"{path}: lists {name!r}, which is not a file inside the checkpoint folder.")
    if not (isinstance(entry, dict) and isinstance(entry.get("bytes"), int) and isinstance(entry.get("sha256"), str)):
        raise CheckpointError(f"{path}: the entry of {name} needs 'bytes' (an integer) and 'sha256' (text).")


def check_manifest(folder: Path) -> bool:
    """CheckpointError naming the first file that is missing, of another size or changed; False
    when the folder has no manifest (nothing to check), True when every listed file matches."""
    entries = read_manifest(folder)
    if entries is None:
        return False
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


def interrupted_save(folder: Path) -> Path | None:
    """The previous checkpoint a save moved aside and did not put back (killed between its two
    renames, where the folder cannot be exchanged atomically), if any."""
    old = folder.with_name(f".{folder.name}.old")
    return old if not folder.exists() and old.is_dir() else None


@contextlib.contextmanager
def saving(folder: str | Path) -> Iterator[Path]:
    """Write a checkpoint into a temporary sibling folder, add its manifest, then move it into place:
    a crash leaves the old folder (or none), never a mix.

    The old folder is swapped for the new one in one atomic step where the system can
    (Linux ``renameat2(RENAME_EXCHANGE)``); elsewhere it is moved aside first, and a save killed
    between the two renames leaves it as ``.<name>.old`` (the next save or load says so).
    """
    folder = Path(folder)
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    if (old := interrupted_save(folder)) is not None:
        old.rename(folder)  # an earlier save was killed mid-swap: its old checkpoint comes back first
    partial.mkdir(parents=True)
    yield partial
    write_manifest(partial)
    if folder.exists() and _exchange(partial, folder):
        shutil.rmtree(partial)  # now the old checkpoint
        return
    old = folder.with_name(f".{folder.name}.old")
    if folder.exists():
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
    partial.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False where
    the system or file system cannot, so the caller falls back to two renames."""
    import ctypes
    import os

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # not Linux, or a C library without it
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return done == 0

"""The AUSLAN recordings as a Hugging Face ``datasets.DatasetDict``, read from wherever they are kept.

    sensor2text auslan-dataset --data ../shared/data/auslan_hq --out runs/auslan-hq \\
        --split train=tctodd1,tctodd2,tctodd3,tctodd4,tctodd5 --split validation=tctodd6 --split test=tctodd7

One row per recording: ``subject`` (the folder: a day ``tctodd3`` or a signer's session ``adam2``),
``label`` (a ``ClassLabel`` of the 95 sign ids of ``assets/auslan_labels.yaml``), ``repetition``
(the number in the file name), ``file`` (the file name) and ``frames`` (``Array2D`` float32,
frames x channels in the device profile's order). The dataset info and the written card carry the
channels, units, rate, the synonym sets, the citation and the release's terms. Reading it back:
``datasets.load_from_disk(OUT)``, or any ``--data OUT`` of this package (``evaluate``, ``train``'s
``data.path``), which reads a saved dataset like a folder.
"""

from __future__ import annotations

from pathlib import Path

from sensor2text.errors import ConfigError, Sensor2TextError
from sensor2text.glove.auslan import AUSLAN_LABELS_FILE, SIGN_SUFFIX, TSD_SUFFIX
from sensor2text.glove.schema import DeviceProfile

HOMEPAGE = "https://archive.ics.uci.edu/dataset/115/australian+sign+language+signs+high+quality"
CITATION = """@phdthesis{kadous2002temporal,
  author = {Mohammed Waleed Kadous},
  title = {Temporal Classification: Extending the Classification Paradigm to Multivariate Time Series},
  school = {School of Computer Science and Engineering, University of New South Wales},
  year = {2002}
}"""
TERMS = ("Terms of the original release: acknowledge http://www.cse.unsw.edu.au/~waleed/phd/, cite the thesis, "
         "inform the donor of publications, and ask the donor before any commercial use.")  # fmt: skip


def parse_splits(items: list[str] | None) -> dict[str, list[str]] | None:
    """``["train=tctodd1,tctodd2", "test=tctodd7"]`` -> ``{"train": [...], "test": [...]}``; None
    keeps every subject in one ``train`` split. ConfigError for a malformed item or a subject in
    two splits."""
    if not items:
        return None
    splits: dict[str, list[str]] = {}
    for item in items:
        name, _, subjects = item.partition("=")
        listed = [s for s in subjects.split(",") if s]
        if not name or not listed or name in splits:
            raise ConfigError(f"--split {item}: expected NAME=SUBJECT[,SUBJECT...] (e.g. test=tctodd7), once a name.")
        splits[name] = listed
    every = [s for subjects in splits.values() for s in subjects]
    twice = next((s for s in every if every.count(s) > 1), None)
    if twice:
        raise ConfigError(f"--split: subject '{twice}' is in two splits; a subject belongs to one.")
    return splits


def auslan_profile(root: Path) -> DeviceProfile:
    """The profile of the AUSLAN files under ``root`` (Sensor2TextError when there are none, or both kinds)."""
    from sensor2text.glove.auslan import profile_for

    kinds = {p.suffix for p in root.rglob("*") if p.suffix in (TSD_SUFFIX, SIGN_SUFFIX)}
    if len(kinds) != 1:
        found = "no .tsd or .sign file" if not kinds else "both .tsd and .sign files"
        raise Sensor2TextError(f"--data {root}: {found}; expected one AUSLAN set (auslan_hq or auslan_powerglove).")
    return profile_for(Path(f"x{kinds.pop()}"))


def _subjects(root: Path) -> list[str]:
    return sorted({p.parent.name for p in root.rglob("*") if p.suffix in (TSD_SUFFIX, SIGN_SUFFIX)})


def auslan_dataset(root: str | Path, splits: dict[str, list[str]] | None = None, bad: list | None = None):
    """The AUSLAN recordings under ``root`` as a ``DatasetDict`` (see the module docstring).

    ``splits`` maps a split name to its subject folders (None: one ``train`` split of all).
    Unreadable files are appended to ``bad`` as ``(file, reason)`` (see ``iter_recordings``)."""
    from datasets import Array2D, ClassLabel, Dataset, DatasetDict, DatasetInfo, Features, Value

    from sensor2text.glove.recordings import iter_recordings
    from sensor2text.labels import load_label_sets

    root = Path(root)
    profile = auslan_profile(root)
    subjects = _subjects(root)
    splits = splits or {"train": subjects}
    unknown = next((s for listed in splits.values() for s in listed if s not in subjects), None)
    if unknown:
        raise ConfigError(f"--split: no subject folder '{unknown}' in {root} (it has {', '.join(subjects[:8])} ...).")
    label_sets = load_label_sets("auslan")
    names = list(label_sets)
    features = Features({
        "subject": Value("string"), "label": ClassLabel(names=names), "repetition": Value("int32"),
        "file": Value("string"), "frames": Array2D(shape=(None, profile.num_channels), dtype="float32"),
    })  # fmt: skip
    info = DatasetInfo(description=description(profile, label_sets), citation=CITATION, homepage=HOMEPAGE,
                       license="other", features=features)  # fmt: skip
    parts = {}
    for split, listed in splits.items():
        rows = [r for r in iter_recordings(root, profile, subjects=listed, bad=bad) if r.label in label_sets]
        columns = {"subject": [r.subject for r in rows], "label": [r.label for r in rows],
                   "repetition": [repetition(Path(r.source)) for r in rows],
                   "file": [Path(r.source).name for r in rows], "frames": [r.frames for r in rows]}  # fmt: skip
        parts[split] = Dataset.from_dict(columns, features=features, info=info, split=split)
    return DatasetDict(parts)


def repetition(path: Path) -> int:
    """``alive-2.tsd`` -> 2, ``alive12.sign`` -> 12 (the take's number in its file name)."""
    stem = path.stem.rsplit("-", 1)[-1] if path.suffix == TSD_SUFFIX else path.stem
    digits = len(stem) - len(stem.rstrip("0123456789"))
    return int(stem[-digits:]) if digits else 0


def description(profile: DeviceProfile, label_sets: dict) -> str:
    """Plain-text description: the recordings, device profile, channels with units, rate, labels, terms."""
    channels = ", ".join(f"{c} ({u})" for c, u in zip(profile.channels, profile.units))
    rate = f"{profile.sample_rate_hz:g} Hz" if profile.sample_rate_hz else "rate not stated in the release"
    synonyms = "; ".join(f"{name}: {', '.join(ls.synonyms)}" for name, ls in label_sets.items())
    return (f"Auslan (Australian Sign Language) signs recorded with data gloves, UCI KDD archive (M. W. Kadous, "
            f"2002). Device profile {profile.name}: {profile.description} Channels: {channels}; {rate}. "
            f"Label synonym sets ({AUSLAN_LABELS_FILE}): {synonyms}. {TERMS}")  # fmt: skip


def dataset_card(dataset, profile: DeviceProfile, source: Path) -> str:
    """README.md of a saved AUSLAN dataset: front matter (licence, citation), splits, columns, terms."""
    import yaml

    header = {"license": "other", "license_name": "uci-auslan-release-terms", "pretty_name": f"AUSLAN ({profile.name})",
              "tags": ["sensor2text", "data-glove", "sign-language", "auslan", "time-series"]}  # fmt: skip
    sizes = ", ".join(f"{split} {len(part)} ({', '.join(sorted(set(part['subject'])))})"
                      for split, part in dataset.items())  # fmt: skip
    body = [f"# AUSLAN recordings, {profile.name}", "", next(iter(dataset.values())).info.description, "",
            f"Read from `{source}` by `sensor2text auslan-dataset`. Splits: {sizes}.", "",
            "Columns: subject (folder: a recording day or a signer's session), label (ClassLabel, 95 signs), "
            "repetition (the take's number), file, frames (frames x channels, float32).", "",
            "Load with `datasets.load_from_disk(THIS_FOLDER)`.", "", "## Citation", "", "```bibtex", CITATION, "```",
            ""]  # fmt: skip
    return "---\n" + yaml.safe_dump(header, sort_keys=False) + "---\n\n" + "\n".join(body)


def save_auslan_dataset(root: str | Path, out: str | Path, splits: dict[str, list[str]] | None = None,
                        bad: list | None = None):  # fmt: skip
    """Write ``auslan_dataset(root, splits)`` to ``out`` (``save_to_disk``) with its card; returns it."""
    from sensor2text.textfile import write_text_atomic

    dataset = auslan_dataset(root, splits, bad)
    dataset.save_to_disk(str(out))
    write_text_atomic(Path(out) / "README.md", dataset_card(dataset, auslan_profile(Path(root)), Path(root)))
    return dataset

"""Recording I/O: CSV files with a header, folders of them, and Hugging Face `datasets`.

On-disk layout written by ``sensor2text synth --out DIR``::

    DIR/<split>/<subject>/<label>-<repetition>.csv            glove frames, header = channel names
    DIR/<split>/<subject>/<label>-<repetition>.keypoints.csv  42 x 3 keypoints per frame (cm)
    DIR/hf/                                                   the same as a DatasetDict (label: ClassLabel)
    DIR/README.md                                             dataset card (licence, channels, load_dataset configs)

A CSV file has one header line naming the channels (an optional first column ``time_s``), then
one frame per line. The label of a file is its name before the last ``-``, as in the AUSLAN sets.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sensor2text.errors import ConfigError, RecordingError
from sensor2text.glove.auslan import SIGN_SUFFIX, TSD_SUFFIX, class_from_stem, is_calibration, read_auslan
from sensor2text.glove.auslan import profile_for as auslan_profile_for
from sensor2text.glove.kinematics import two_hand_keypoints
from sensor2text.glove.schema import SYNTHETIC_JOINTS, DeviceProfile, validate_recording
from sensor2text.textfile import atomic_path, read_user_text, write_text_atomic

# Optional first CSV column holding each frame's time in seconds.
TIME_COLUMN = "time_s"
# Suffix of keypoint files written beside recordings (skipped when listing recordings).
KEYPOINTS_SUFFIX = ".keypoints.csv"
# File suffixes read as recordings: this project's CSV and the AUSLAN formats.
RECORDING_SUFFIXES = (".csv", TSD_SUFFIX, SIGN_SUFFIX)
# Folder name of the Hugging Face copy inside a synth output folder.
HF_FOLDER = "hf"
# Split folders of a recordings folder (``<folder>/<split>/<subject>/<label>-<n>.csv``).
SPLITS = ("train", "validation", "test")
# What ``sensor2text synth --format`` writes.
SYNTH_FORMATS = ("csv", "hf")


@dataclass
class Recording:
    """One glove recording: ``frames (T, C)`` float32, where it came from, its label if known."""

    frames: np.ndarray
    source: str
    label: str | None = None
    subject: str | None = None


def label_from_path(path: Path) -> str:
    """``count_3-2.csv`` -> ``count_3`` (the file name before the last ``-``)."""
    return path.stem.rsplit("-", 1)[0]


def write_csv(path: Path, frames: np.ndarray, profile: DeviceProfile = SYNTHETIC_JOINTS) -> None:
    """Write ``(T, C)`` frames with a ``time_s`` column and a header naming every channel."""
    rate = profile.sample_rate_hz or 1.0
    times = np.arange(frames.shape[0])[:, None] / rate
    header = ",".join([TIME_COLUMN, *profile.channels])
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as partial:
        np.savetxt(partial, np.hstack([times, frames]), delimiter=",", header=header, comments="", fmt="%.4f")


def _parse_row(line: str, number: int, source: str) -> list[float]:
    try:
        return [float(v) for v in line.split(",")]
    except ValueError:
        raise RecordingError(f"{source}, line {number}: expected comma-separated numbers, got '{line[:60]}'.") from None


# A plain decimal number ("-12.3456"), whose count of decimals shows a value cut short.
_DECIMAL = re.compile(r"^[-+]?[0-9]+(\.[0-9]*)?$")


def _decimals(value: str) -> int | None:
    value = value.strip()
    return len(value.partition(".")[2]) if _DECIMAL.match(value) else None


def _cut_last_line(text: str, lines: list[str]) -> bool:
    """The file's last line lacks its line end and looks cut short (its writer was stopped mid-line):
    fewer values than the line before, or a last value with fewer decimals (``12.3`` of ``12.345``).
    Every writer of recordings ends each frame with a line break."""
    if len(lines) < 3 or text.endswith(("\n", "\r")):
        return False
    last, before = lines[-1].split(","), lines[-2].split(",")
    if len(last) < len(before):
        return True
    cut, full = _decimals(last[-1]), _decimals(before[-1])
    return len(last) == len(before) and cut is not None and full is not None and cut < full


def _channel_columns(header: list[str], profile: DeviceProfile, source: str) -> list[int]:
    """The column of each of ``profile``'s channels in ``header`` (a ``time_s`` column anywhere is skipped)."""
    channels = [name for name in header if name != TIME_COLUMN]
    if len(channels) != profile.num_channels:
        raise RecordingError(f"{source}: the header names {len(channels)} channels, expected "
                             f"{profile.num_channels} for device profile '{profile.name}'.")  # fmt: skip
    missing = [c for c in profile.channels if c not in channels]
    if missing:
        raise RecordingError(f"{source}: the header lacks channel '{missing[0]}' of profile '{profile.name}'.")
    return [header.index(c) for c in profile.channels]


def read_csv(path: str | Path, profile: DeviceProfile = SYNTHETIC_JOINTS) -> np.ndarray:
    """Read a CSV recording into validated ``(T, C)`` float32 frames in ``profile`` order."""
    path = Path(path)
    text = read_user_text(path, "recording file", RecordingError)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise RecordingError(f"{path}: the file is empty; expected a header line and at least one frame.")
    if _cut_last_line(text, lines):
        print(f"note: {path}: the last line was cut short (no line end, fewer digits or values than the line "
              "before); left out", file=sys.stderr)  # fmt: skip
        lines.pop()
    header = [name.strip() for name in lines[0].split(",")]
    columns = _channel_columns(header, profile, str(path))
    rows = [_parse_row(line, n, str(path)) for n, line in enumerate(lines[1:], start=2)]
    if not rows:
        raise RecordingError(f"{path}: the file has a header but no frames.")
    width = len(header)
    bad = next((n for n, r in enumerate(rows, start=2) if len(r) != width), None)
    if bad is not None:
        raise RecordingError(f"{path}, line {bad}: found {len(rows[bad - 2])} values, expected {width}.")
    return validate_recording(np.asarray(rows, dtype=np.float32)[:, columns], profile, str(path))


def write_keypoints_csv(path: Path, frames: np.ndarray, hand_scale: float = 1.0) -> None:
    """Write the 42 forward-kinematics keypoints ``(T, 42 * 3)`` of a synthetic recording."""
    keypoints = two_hand_keypoints(frames.astype(np.float64), hand_scale).reshape(len(frames), -1)
    names = [f"{hand}{k}_{axis}" for hand in ("l", "r") for k in range(21) for axis in "xyz"]
    with atomic_path(path) as partial:
        np.savetxt(partial, keypoints, delimiter=",", header=",".join(names), comments="", fmt="%.3f")


def is_hf_dataset(path: Path) -> bool:
    """A folder written by ``Dataset(Dict).save_to_disk``."""
    return (path / "dataset_dict.json").is_file() or (path / "state.json").is_file()


def _iter_hf(path: Path, profile: DeviceProfile, split: str | None) -> Iterator[Recording]:
    from datasets import DatasetDict, load_from_disk

    try:
        data = load_from_disk(str(path))
    except (OSError, ValueError, KeyError, TypeError) as exc:  # datasets' own errors for a damaged folder
        named = next((f.name for f in (path / "dataset_dict.json", path / "state.json") if f.is_file()), path.name)
        raise RecordingError(f"{path}: cannot load the saved dataset ({named}: {exc}).") from None
    parts = data.items() if isinstance(data, DatasetDict) else [(None, data)]
    for name, part in parts:
        if split and name and name != split:
            continue
        label_names = getattr(part.features.get("label"), "names", None)  # a ClassLabel: ints -> names
        for i, row in enumerate(part.with_format("numpy")):
            source = f"{path}[{name or 'data'}][{i}]"
            frames = validate_recording(row["frames"], profile, source)
            label = row.get("label")
            if label_names is not None and label is not None:
                label = label_names[int(label)]
            yield Recording(frames, source, label, row.get("subject"))


def iter_recordings(path: str | Path, profile: DeviceProfile = SYNTHETIC_JOINTS, split: str | None = None,
                    subjects: list[str] | None = None,
                    bad: list[tuple[str, str]] | None = None) -> Iterator[Recording]:  # fmt: skip
    """Recordings from a file, a folder of files (recursively) or a saved HF dataset.

    Files: ``.csv`` (this project's format) and the AUSLAN formats ``.tsd`` and ``.sign``
    (:mod:`sensor2text.glove.auslan`). A recording's subject is its folder's name (``subject2000``,
    ``tctodd7``, ``adam2``). In a folder, PowerGlove calibration files are skipped, and so are
    empty AUSLAN files (the original release holds one), with a note on stderr. ``subjects``
    keeps only the recordings in folders of those names (``tctodd7``; ``adam1 adam2``). With a
    ``bad`` list, a file of a folder that cannot be read is skipped and ``(file, one-line reason)``
    appended there, so one bad file does not stop the others; without, it raises RecordingError.
    """
    path = Path(path)
    if not path.exists():
        if path.is_symlink():
            # says why the link leads nowhere (a missing target, a loop)
            read_user_text(path, "recording file", RecordingError)
        raise RecordingError(f"{path}: no such file or folder.")
    if path.is_dir() and is_hf_dataset(path):
        yield from _iter_hf(path, profile, split)
        return
    files = [path] if path.is_file() else _recording_files(path, split)
    if subjects:
        files = _of_subjects(files, subjects, path)
    for file in files:
        if path.is_dir() and file.suffix in (TSD_SUFFIX, SIGN_SUFFIX) and file.is_file() and not file.stat().st_size:
            print(f"note: skipped {file}: the file is empty", file=sys.stderr)
            continue
        subject = file.parent.name if path.is_dir() else None
        try:
            frames, label = read_recording(file, profile)
        except RecordingError as error:
            if bad is None or not path.is_dir():
                raise
            bad.append((str(file), str(error)))
            continue
        yield Recording(frames, str(file), label, subject)


def _split_folder(folder: Path, split: str | None) -> Path:
    """``folder/split``; the folder itself when it has no split folders at all (it is one split)."""
    if not split or (folder / split).is_dir():
        return folder / split if split else folder
    found = [s for s in SPLITS if (folder / s).is_dir()]
    if found:
        raise RecordingError(f"{folder}: no split '{split}' (found: {', '.join(found)}).")
    return folder


def _recording_files(folder: Path, split: str | None) -> list[Path]:
    """Every recording file under ``folder`` (or its ``split``); an unreadable one (a broken link,
    no permission) is listed too, so that reading it names it instead of skipping it silently."""
    root = _split_folder(folder, split)
    files = sorted(p for p in root.rglob("*") if p.suffix in RECORDING_SUFFIXES and not p.is_dir()
                   and not p.name.endswith(KEYPOINTS_SUFFIX) and not is_calibration(p))  # fmt: skip
    if not files:
        raise RecordingError(f"{folder}: the folder holds no recordings (.csv, .tsd or .sign files).")
    return files


def _of_subjects(files: list[Path], subjects: list[str], where: Path) -> list[Path]:
    found = {f.parent.name for f in files}
    missing = [s for s in subjects if s not in found]
    if missing:
        raise RecordingError(f"{where}: no recordings of subject '{missing[0]}' (folders found: "
                             f"{', '.join(sorted(found)[:8])}{', ...' if len(found) > 8 else ''}).")  # fmt: skip
    return [f for f in files if f.parent.name in subjects]


def read_recording(file: Path, profile: DeviceProfile) -> tuple[np.ndarray, str]:
    """``(frames (T, C), class name)`` of one file in any supported format, checked against ``profile``."""
    if file.suffix not in (TSD_SUFFIX, SIGN_SUFFIX):
        return read_csv(file, profile), label_from_path(file)
    native = auslan_profile_for(file)
    if native.num_channels != profile.num_channels:
        raise RecordingError(f"{file}: a '{native.name}' recording ({native.num_channels} channels), but the "
                             f"model expects profile '{profile.name}' ({profile.num_channels} channels).")  # fmt: skip
    return read_auslan(file), class_from_stem(file.stem, file.suffix)


def parse_synth_formats(text: str) -> tuple[str, ...]:
    """``"CSV, hf"`` -> ``("csv", "hf")``; ConfigError naming ``--format`` for any other format."""
    formats = tuple(f.strip().lower() for f in text.split(","))
    unknown = [f for f in formats if f not in SYNTH_FORMATS]
    if unknown:
        raise ConfigError(f"--format: unknown format '{unknown[0]}'; expected "
                          f"{' or '.join(SYNTH_FORMATS)}, or both as csv,hf.")  # fmt: skip
    return formats


def save_synthetic(records: list[dict], out: Path, formats: tuple[str, ...] = ("csv", "hf")) -> None:
    """Write synthetic records (``synth.generate`` output) as CSV files and/or an HF DatasetDict;
    ConfigError for a format that is neither (nothing is written then)."""
    formats = parse_synth_formats(",".join(formats))
    if "csv" in formats:
        for r in records:
            folder = out / r["split"] / r["subject"]
            write_csv(folder / f"{r['label']}-{r['repetition']}.csv", r["frames"])
            write_keypoints_csv(folder / f"{r['label']}-{r['repetition']}{KEYPOINTS_SUFFIX}",
                                r["frames"], r["hand_scale"])  # fmt: skip
    if "hf" in formats:
        to_hf_dataset(records).save_to_disk(str(out / HF_FOLDER))
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "README.md", dataset_card(records, formats))


def class_names(records: list[dict]) -> list[str]:
    """The classes of synthetic records, in the generator's order (``ClassLabel`` names)."""
    from sensor2text.glove.synth import ALL_CLASSES, PAIR_CLASSES

    present = {r["label"] for r in records}
    known = [c for c in (*ALL_CLASSES, *PAIR_CLASSES) if c in present]
    return known + sorted(present - set(known))


def to_hf_dataset(records: list[dict]):
    """Records -> ``DatasetDict`` by split: ``label`` a ``ClassLabel``, ``frames`` and ``keypoints``
    ``Array2D``; the dataset info carries the description, licence and the label synonym sets."""
    from datasets import Array2D, ClassLabel, Dataset, DatasetDict, DatasetInfo, Features, Value

    channels = records[0]["frames"].shape[1]
    names = class_names(records)
    features = Features({
        "subject": Value("string"), "label": ClassLabel(names=names), "repetition": Value("int32"),
        "frames": Array2D(shape=(None, channels), dtype="float32"),
        "keypoints": Array2D(shape=(None, 42 * 3), dtype="float32"),
    })  # fmt: skip
    info = DatasetInfo(description=dataset_description(names), license=DATA_LICENSE, features=features)
    splits = {}
    for split in dict.fromkeys(r["split"] for r in records):
        rows = [r for r in records if r["split"] == split]
        columns = {key: [r[key] for r in rows] for key in ("subject", "label", "repetition", "frames")}
        columns["keypoints"] = [
            two_hand_keypoints(r["frames"].astype(np.float64), r["hand_scale"])
            .reshape(len(r["frames"]), -1).astype(np.float32) for r in rows
        ]  # fmt: skip
        splits[split] = Dataset.from_dict(columns, features=features, info=info, split=split)
    return DatasetDict(splits)


DATA_LICENSE = "cc0-1.0"  # generated by this package's simulator: no one's recordings


def dataset_description(names: list[str]) -> str:
    """Plain-text description of a synthetic glove dataset: device, channels, units, rate, labels."""
    from sensor2text.labels import load_label_sets

    label_sets = load_label_sets(None)
    synonyms = "; ".join(f"{n}: {', '.join(label_sets[n].synonyms)}" for n in names if n in label_sets)
    return (f"Synthetic two-hand data-glove recordings from sensor2text's simulator (seeded; no one's "
            f"data). Device profile {SYNTHETIC_JOINTS.name}: {SYNTHETIC_JOINTS.num_channels} joint-angle "
            f"channels in degrees at {SYNTHETIC_JOINTS.sample_rate_hz:g} Hz ({', '.join(SYNTHETIC_JOINTS.channels)}); "
            f"keypoints: 42 points (21 per hand, left first) x (x, y, z) in cm by forward kinematics. "
            f"Label synonym sets: {synonyms}.")  # fmt: skip


def dataset_card(records: list[dict], formats: tuple[str, ...]) -> str:
    """README.md of a ``synth`` folder: YAML front matter (licence, configs that ``load_dataset``
    reads: ``recordings`` = the glove CSVs as frame rows, ``keypoints`` = the keypoint CSVs) and
    what every column means."""
    import yaml

    splits = list(dict.fromkeys(r["split"] for r in records))
    names = class_names(records)

    def files(pattern: str) -> list[dict]:
        return [{"split": s, "path": [p.format(split=s) for p in pattern]} for s in splits]

    header = {"license": DATA_LICENSE, "pretty_name": "sensor2text synthetic glove",
              "tags": ["sensor2text", "data-glove", "gesture-recognition", "synthetic", "time-series"]}  # fmt: skip
    if "csv" in formats:
        header["configs"] = [
            {"config_name": "recordings", "default": True,
             "data_files": files(["{split}/*/*-[0-9].csv", "{split}/*/*-[0-9][0-9].csv"])},
            {"config_name": "keypoints", "data_files": files(["{split}/*/*.keypoints.csv"])},
        ]  # fmt: skip
    body = [
        "# sensor2text synthetic glove recordings", "",
        dataset_description(names), "",
        f"{len(records)} recordings, splits {', '.join(splits)}; subjects are simulated people (one folder each).",
        "", "Layout:", "",
        "    <split>/<subject>/<class>-<repetition>.csv            time_s + one column per channel, a row per frame",
        "    <split>/<subject>/<class>-<repetition>.keypoints.csv  126 columns (42 points x y z, cm), a row per frame",
        "    hf/   datasets.DatasetDict (load_from_disk): subject, label (ClassLabel), repetition, frames, keypoints",
        "", "`datasets.load_dataset(THIS_FOLDER)` reads the CSVs as frame rows (`recordings`, the default; "
        "`name=\"keypoints\"` for the keypoints); a recording's class is its file name before the last `-`. "
        "Whole recordings with their labels: `datasets.load_from_disk(THIS_FOLDER/hf)` or "
        "`sensor2text.glove.recordings.iter_recordings(THIS_FOLDER)`.", "",
        f"Classes ({len(names)}): {', '.join(names)}.", "",
    ]  # fmt: skip
    return "---\n" + yaml.safe_dump(header, sort_keys=False) + "---\n\n" + "\n".join(body)

import importlib.machinery
import json
import os
import signal
import sys
import time
import types

import pytest

from sensor2text.cli.common import check_writable, printable, stop_on_signals, write_json
from sensor2text.errors import Sensor2TextError


def test_json_is_written_whole_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out" / "report.json"
    write_json(str(target), {"a": 1})
    write_json(str(target), {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_an_unwritable_json_path_is_refused_before_any_work(tmp_path):
    check_writable(str(tmp_path / "new" / "deeper" / "r.json"))  # folders are made later
    check_writable("-")
    with pytest.raises(Sensor2TextError, match="cannot write there"):
        check_writable(str(tmp_path))  # a folder, not a file
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(Sensor2TextError, match="locked/r.json: cannot write there"):
            check_writable(str(locked / "r.json"))
    finally:
        locked.chmod(0o700)


def test_control_characters_from_user_data_are_not_printed():
    assert printable("bad \x1b[31mred\x1b[0m value\nnext") == "bad \\x1b[31mred\\x1b[0m value\nnext"


def test_sigterm_and_sighup_stop_like_ctrl_c():
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        stop_on_signals()
        for sig in saved:
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), sig)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_a_signal_during_an_import_waits_for_the_import(monkeypatch):
    """torch's native start-up aborted the process when a KeyboardInterrupt was raised inside it."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    half_imported = types.ModuleType("half_imported")
    half_imported.__spec__ = importlib.machinery.ModuleSpec("half_imported", None)
    half_imported.__spec__._initializing = True
    monkeypatch.setitem(sys.modules, "half_imported", half_imported)
    try:
        stop_on_signals()
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)  # held once
        time.sleep(0.1)  # still importing: nothing raised
        with pytest.raises(KeyboardInterrupt):
            half_imported.__spec__._initializing = False
            time.sleep(2.0)
        time.sleep(0.1)  # the second SIGTERM was not sent again
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_an_output_path_is_tried_for_real(tmp_path):
    (tmp_path / "a-file").write_text("x")
    for target, problem in ((tmp_path / "a-file" / "r.json", "a-file is a file, not a folder"),
                            ("/proc/sensor2text-r.json", "No such file or directory"),
                            (tmp_path / ("x" * 300 + ".json"), "File name too long")):  # fmt: skip
        with pytest.raises(Sensor2TextError, match=f"cannot write there \\(.*{problem}"):
            check_writable(str(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # the probe leaves nothing behind
    check_writable(str(tmp_path / "new"), "--out", folder=True)
    with pytest.raises(Sensor2TextError, match=r"--out .*a-file: cannot write there \(it is a file\)"):
        check_writable(str(tmp_path / "a-file"), "--out", folder=True)


def test_json_is_written_through_a_symlink(tmp_path):
    (tmp_path / "real.json").write_text("[]")
    (tmp_path / "link.json").symlink_to("real.json")
    write_json(str(tmp_path / "link.json"), [1])
    assert (tmp_path / "link.json").is_symlink() and json.loads((tmp_path / "real.json").read_text()) == [1]


def test_one_line_errors_escape_line_breaks_too():
    assert printable("a\nerror: forged", newlines=False) == "a\\nerror: forged"


def _write_many(target: str, tag: int) -> None:
    for i in range(60):
        write_json(target, {"writer": tag, "i": i, "rows": [{"text": "x" * 50}] * 2000})


def test_two_writers_at_once_leave_whole_json_for_a_reader(tmp_path):
    """Two processes write one report 60 times each (about 130 kB) while this one reads it."""
    import multiprocessing

    target = tmp_path / "report.json"
    write_json(str(target), {"writer": None})
    writers = [multiprocessing.get_context("fork").Process(target=_write_many, args=(str(target), n)) for n in (1, 2)]
    for writer in writers:
        writer.start()
    reads = torn = 0
    while any(w.is_alive() for w in writers) or reads == 0:
        try:
            json.loads(target.read_text())
        except ValueError:
            torn += 1
        reads += 1
    for writer in writers:
        writer.join()
    assert torn == 0 and reads > 1
    assert json.loads(target.read_text())["i"] == 59
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_json_gets_the_umask_permissions_and_no_temporary_file_survives_an_error(tmp_path):
    previous = os.umask(0o022)
    try:
        write_json(str(tmp_path / "r.json"), {"a": 1})
    finally:
        os.umask(previous)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o644
    with pytest.raises(TypeError):
        write_json(str(tmp_path / "r.json"), {"a": object()})  # not serialisable: refused before any file
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_json_path_under_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(Sensor2TextError, match="--json .*notes.txt/r.json: cannot write there .*is a file"):
        check_writable(str(tmp_path / "notes.txt" / "r.json"))
    with pytest.raises(Sensor2TextError, match="--record"):
        check_writable(str(tmp_path), "--record")

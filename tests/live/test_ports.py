"""Ports refused up front when they can never be opened; a missing device is waited for."""

import re

import pytest

from sensor2text.live.ports import check_port
from sensor2text.live.stream import StreamOptions


@pytest.mark.parametrize(
    ("url", "named"),
    [("bogus://x", "unknown port URL scheme 'bogus://'"), ("socket://127.0.0.1:glove", "socket://127.0.0.1:glove"),
     ("socket://", "not a port URL"), ("loop://?glove=1", "loop://?glove=1"), ("/dev/tty\x1b[2J", "control")],
)  # fmt: skip
def test_a_port_that_can_never_open_is_refused_up_front(url, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        check_port(StreamOptions(url=url))


def test_a_file_or_folder_is_not_a_port_but_a_missing_device_is_waited_for(tmp_path):
    (tmp_path / "rec.csv").write_text("time_s\n")
    with pytest.raises(ValueError, match="a regular file, not a serial port.*sensor2text replay"):
        check_port(StreamOptions(url=str(tmp_path / "rec.csv")))
    with pytest.raises(ValueError, match="a folder, not a serial port"):
        check_port(StreamOptions(url=str(tmp_path)))
    check_port(StreamOptions(url="/dev/no-such-glove"))  # plugged in later: the stream waits for it
    for bad in ({"baudrate": 0}, {"read_timeout_s": float("nan")}, {"window": 0, "hop": 0}):
        with pytest.raises(ValueError, match="--baud|--read-timeout|--window"):
            StreamOptions(url="loop://", **bad)

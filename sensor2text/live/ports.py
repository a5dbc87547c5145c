"""A glove's port, through pyserial: refuse up front what can never be opened, read without loss.

``check_port`` needs no glove: an unknown URL scheme, a malformed URL (pyserial parses it), a
regular file or folder given as the port, or a port name with control characters is refused in
one line; a device that is missing for now is fine (the stream waits for it to be plugged in).
``read_available`` is how the stream reads: see its docstring for the pyserial behaviour it avoids.
"""

from __future__ import annotations

import os
import stat
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sensor2text.live.stream import StreamOptions

# Largest read per call.
READ_SIZE = 65536


def check_port(options: StreamOptions) -> None:
    """ValueError, in one line naming the port, unless ``options.url`` could ever be opened: a
    device path (missing for now is fine: the glove may be plugged in later) or a URL pyserial
    parses. Opens nothing."""
    import serial

    url = options.url
    if not url.isprintable():
        raise ValueError(f"--stream {url}: the port name holds control characters; expected a device such as "
                         "/dev/ttyUSB0 or a URL such as socket://HOST:PORT.")  # fmt: skip
    if "://" not in url:
        _check_device(url)
        return
    try:
        port = serial.serial_for_url(url, baudrate=options.baudrate, timeout=options.read_timeout_s, do_not_open=True)
        if hasattr(port, "from_url"):
            port.from_url(url)  # parses host, port number and options
    except (ValueError, KeyError, TypeError, serial.SerialException) as error:
        raise ValueError(f"--stream {url}: not a port URL pyserial can open ({type(error).__name__}: {error}); "
                         "expected e.g. socket://HOST:PORT, rfc2217://HOST:PORT or loop://.") from None  # fmt: skip


def _check_device(path: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # not there yet: waited for
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a regular file"
        hint = "; to play a recording as a live stream, use: sensor2text replay FILE" if stat.S_ISREG(mode) else ""
        raise ValueError(f"--stream {path}: {kind}, not a serial port; expected a device such as /dev/ttyUSB0{hint}.")


def read_available(port) -> bytes:
    """The bytes ``port`` has already received (at most ``READ_SIZE``), or else the next one
    within its timeout. pyserial's ``read(n)`` drops the bytes it holds when the port goes away
    during the call (a glove closing its socket right after a burst loses the burst); asking only
    for bytes already there, or for one, never holds any at that moment."""
    waiting = min(bytes_waiting(port), READ_SIZE)
    return port.read(waiting) if waiting else port.read(1)


def bytes_waiting(port) -> int:
    """pyserial's ``in_waiting``; for ``socket://``, whose ``in_waiting`` says only 0 or 1, the
    socket's own count (FIONREAD, POSIX)."""
    if type(port).__module__.endswith(".protocol_socket"):
        try:
            import fcntl
            import termios

            return struct.unpack("I", fcntl.ioctl(port.fileno(), termios.FIONREAD, b"\0" * 4))[0]
        except ImportError:  # Windows: one byte at a time would do, but slowly
            pass
    return port.in_waiting

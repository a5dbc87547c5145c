"""The ``sensor2text`` command line: it parses, calls the library and writes reports."""

from sensor2text.cli.main import main

__all__ = ["main"]

"""Reading the YAML files a user hands over (run configs, gesture definitions, label sets).

Safe loading only (no ``!!python`` tags), YAML 1.2 numbers (``1e-3`` is a float, as a person
means it, not the string YAML 1.1 makes of it), a key given twice in one mapping is an error
(YAML would silently keep the last), and every problem is one ``ConfigError`` naming the file
and, where YAML knows it, the line.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sensor2text.errors import ConfigError
from sensor2text.textfile import read_user_text

# YAML 1.2's float syntax: digits with an optional point and an optional exponent of either sign
# (YAML 1.1's resolver wants a point and a sign, so it reads ``1e-3`` and ``1e5`` as strings).
FLOAT_1_2 = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


class StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 floats and duplicate keys refused."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


# Added after YAML's own resolvers, so integers and YAML 1.1 floats resolve as before.
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_1_2, list("-+0123456789."))


def parse_yaml(text: str, source: str):
    """The YAML value of ``text``; ConfigError naming ``source`` and the line of a syntax error,
    a ``!!python`` tag or a key given twice."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc.context}.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {str(exc).splitlines()[0]}.") from None


def read_yaml(path: str | Path, what: str = "file"):
    """The YAML value of the file at ``path`` (UTF-8, a byte-order mark allowed); ConfigError
    naming the file for a missing, unreadable, non-UTF-8 or invalid file (``what`` says what
    the file should have been, e.g. "config file")."""
    text = read_user_text(path, what, ConfigError)
    return parse_yaml(text, str(path))

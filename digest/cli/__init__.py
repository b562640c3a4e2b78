"""The command line: the only package that reads argv, prints, or exits.

Each command parses its options, loads settings, calls one core function and echoes
the result. A DigestError becomes `Error: …` (and `hint: …`) with the error's exit
status and no traceback; `--debug` shows the traceback instead. Commands live in
modules by topic and register themselves on the one `cli` group.
"""

from __future__ import annotations

from . import _commands, _delivery, _serve, _sources, _subscribers
from ._base import cli, main

__all__ = ["_commands", "_delivery", "_serve", "_sources", "_subscribers", "cli", "main"]

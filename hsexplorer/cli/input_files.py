"""Reading the files a command is given, with the errors every command reports the same way."""

from __future__ import annotations

import sys
from typing import Any

from hsexplorer.domain.findings import Finding
from hsexplorer.domain.payload_json import PayloadSyntaxError, load_payload


class UsageError(Exception):
    """Bad options or unusable input: printed on stderr, exit code 2."""


def display_name(source: str) -> str:
    return "<stdin>" if source == "-" else source


def read_text(source: str) -> str:
    """A UTF-8 file (a BOM is fine), or standard input for `-`."""
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8-sig") as handle:
            return handle.read()
    except OSError as error:
        raise UsageError(f"{source}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{source}: not UTF-8 text") from None


def load_json(source: str) -> tuple[Any, list[Finding]]:
    """The parsed JSON and its duplicate-key warnings; malformed JSON names line and column."""
    try:
        return load_payload(read_text(source))
    except PayloadSyntaxError as error:
        raise UsageError(f"{display_name(source)}: {error}") from None

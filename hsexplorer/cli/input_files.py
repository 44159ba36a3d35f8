"""Reading the files a command is given, with the errors every command reports the same way."""

from __future__ import annotations

import sys
from typing import Any

from hsexplorer.domain.findings import Finding
from hsexplorer.domain.payload_json import PayloadSyntaxError, decode_text, load_payload


class UsageError(Exception):
    """Bad options or unusable input: printed on stderr, exit code 2."""


def display_name(source: str) -> str:
    return "<stdin>" if source == "-" else source


def read_bytes(source: str) -> bytes:
    """A file's bytes, or standard input's for `-`."""
    if source == "-":
        stream = getattr(sys.stdin, "buffer", None)  # a replaced sys.stdin (tests, IDEs) may be text only
        return stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogatepass")
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise UsageError(f"{source}: cannot read: {error.strerror or error}") from None


def read_text(source: str) -> str:
    """UTF-8 text from a file or standard input; one BOM is dropped from either (the same rules for both)."""
    try:
        return decode_text(read_bytes(source))
    except PayloadSyntaxError as error:
        raise UsageError(f"{display_name(source)}: {error.message} at line {error.line}, column {error.column}") from None


def load_json(source: str) -> tuple[Any, list[Finding]]:
    """The parsed JSON and its duplicate-key warnings; anything that is not strict JSON names line and column."""
    try:
        return load_payload(read_text(source))
    except PayloadSyntaxError as error:
        raise UsageError(f"{display_name(source)}: {error}") from None

"""Reading user-supplied JSON strictly: exact error positions, and keys HubSpot would see twice.

One reader for every place that parses JSON a person gives us (payload files, standard input,
definition files, JSON Lines and JSON arrays in the batch importer, request bodies in the
sandbox). Python's `json` is laxer than JSON and than HubSpot's (Java) parser, and fails in
ways that are not `JSONDecodeError`; `loads_strict` turns all of these into a
`PayloadSyntaxError` with a line and column:

- `NaN`, `Infinity`, `-Infinity` are not JSON (RFC 8259 §6: "Numeric values that cannot be
  represented ... (such as Infinity and NaN) are not permitted"), and a number such as
  `1e400` would silently become infinity;
- an integer longer than Python's int-string limit (4,300 digits) raises a bare ValueError;
- nesting deeper than the interpreter's recursion limit raises RecursionError;
- a UTF-8 byte-order mark is tolerated once at the start, whether the text came from a file or
  from standard input (editors on Windows write one).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NoReturn

from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.json_types import JsonValue

BOM = "\ufeff"
_UTF8_BOM = b"\xef\xbb\xbf"
# A JSON string (skipped whole) or one of the tokens we refuse outside strings.
_STRING = r'"(?:[^"\\]|\\.)*"'
_NON_FINITE = re.compile(_STRING + r"|(-?Infinity|NaN)", re.DOTALL)
_NUMBER = re.compile(_STRING + r"|(-?\d[\d.eE+-]*)", re.DOTALL)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class PayloadSyntaxError(Exception):
    """Malformed JSON, with the 1-based line and column where reading stopped."""

    message: str
    line: int
    column: int
    offset: int
    # True when reading more text cannot help (NaN, a number too long, nesting too deep): a
    # streaming reader must stop instead of waiting for the rest of the value.
    definite: bool = False

    def __str__(self) -> str:
        return f"malformed JSON at line {self.line}, column {self.column}: {self.message}"

    @classmethod
    def at(cls, text: str, offset: int, message: str, *, definite: bool = True) -> PayloadSyntaxError:
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return cls(message, line, column, offset, definite)


class _Refused(Exception):
    """Raised from inside the decoder's hooks; located in the text afterwards."""

    def __init__(self, pattern: re.Pattern[str], accept: Callable[[str], bool], message: str) -> None:
        super().__init__(message)
        self.pattern, self.accept, self.message = pattern, accept, message


def strip_bom(text: str) -> str:
    return text[1:] if text.startswith(BOM) else text


def decode_text(data: str | bytes) -> str:
    """Text from a file's or a request's bytes: UTF-8, one leading BOM removed."""
    if isinstance(data, str):
        return strip_bom(data)
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = data[: error.start].decode("utf-8")
        raise PayloadSyntaxError.at(text, len(text), f"not UTF-8 text (byte 0x{data[error.start]:02x})") from None


def _reject_constant(token: str) -> NoReturn:
    raise _Refused(_NON_FINITE, lambda _found: True,
                   f"{token} is not a JSON value; send a number, or the value as a string")


def _too_long_integer() -> _Refused:
    limit = sys.get_int_max_str_digits()
    return _Refused(_NUMBER, lambda found: "." not in found and "e" not in found.lower()
                    and len(found) - found.startswith("-") > limit,
                    f"this number has more than {limit:,} digits; no timestamp, id or value is that long")


def _checked_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Refused(_NUMBER, lambda found: math.isinf(float(found)) if _is_float(found) else False,
                       f"{text[:40]} is too large for a JSON number (it would become Infinity)")
    return value


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _locate(text: str, start: int, refused: _Refused) -> int:
    for match in refused.pattern.finditer(text, start):
        if match.group(1) is not None and refused.accept(match.group(1)):
            return match.start(1)
    return start


def loads_strict(data: str | bytes, *, object_pairs_hook: Callable[[list[tuple[str, JsonValue]]], JsonValue] | None = None,
                 start: int = 0) -> JsonValue:
    """The JSON value in `data`, or PayloadSyntaxError (never another exception) for anything that is not
    strict JSON: NaN/Infinity, numbers beyond what a number can hold, nesting too deep, bad UTF-8."""
    text = decode_text(data)
    return decode_strict(text, object_pairs_hook=object_pairs_hook, start=start)


def decode_strict(text: str, *, object_pairs_hook: Callable[[list[tuple[str, JsonValue]]], JsonValue] | None = None,
                  start: int = 0) -> JsonValue:
    """`loads_strict` for text already decoded (no BOM handling); `start` skips a prefix."""
    value, end = raw_decode_strict(text, start, object_pairs_hook=object_pairs_hook)
    end = _skip_space(text, end)
    if end != len(text):
        raise PayloadSyntaxError.at(text, end, "Extra data", definite=False)
    return value


def _decoder(object_pairs_hook: Callable[[list[tuple[str, JsonValue]]], JsonValue] | None) -> json.JSONDecoder:
    return json.JSONDecoder(parse_constant=_reject_constant, parse_float=_checked_float,
                            object_pairs_hook=object_pairs_hook)


_PLAIN_DECODER = _decoder(None)


def raw_decode_strict(text: str, start: int = 0, *,
                      object_pairs_hook: Callable[[list[tuple[str, JsonValue]]], JsonValue] | None = None) -> tuple[JsonValue, int]:
    """One JSON value starting at `start` (after whitespace) and where it ends, strictly."""
    decoder = _PLAIN_DECODER if object_pairs_hook is None else _decoder(object_pairs_hook)
    start = _skip_space(text, start)
    try:
        return decoder.raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise PayloadSyntaxError(error.msg, error.lineno, error.colno, error.pos) from None
    except ValueError:
        # The only other ValueError the C scanner raises: an integer over the int-string limit
        # (integers are converted in C, which is much faster than a parse_int hook).
        refused = _too_long_integer()
        raise PayloadSyntaxError.at(text, _locate(text, start, refused), refused.message) from None
    except _Refused as refused:
        raise PayloadSyntaxError.at(text, _locate(text, start, refused), refused.message) from None
    except RecursionError:
        raise PayloadSyntaxError.at(text, start, "nested too deeply (objects and lists inside each other "
                                    "more than about a thousand levels)") from None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def load_payload(text: str | bytes) -> tuple[JsonValue, list[Finding]]:
    """The parsed JSON and a warning per duplicated object key (the last value wins)."""
    duplicates: list[str] = []

    def pairs_hook(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
        result: dict[str, JsonValue] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    payload = loads_strict(text, object_pairs_hook=pairs_hook)
    findings = [
        Finding(
            Severity.WARNING,
            "payload.duplicate_key",
            key,
            f'"{key}" appears twice in the JSON; only the last value is sent, so remove the other.',
        )
        for key in dict.fromkeys(duplicates)
    ]
    return payload, findings


# --- text that cannot be sent -------------------------------------------------------------------


LONE_SURROGATE_MESSAGE = (
    "This text contains half of a UTF-16 surrogate pair (such as the JSON escape \\ud800 on its own); it has "
    "no UTF-8 form, so the request cannot be encoded and HubSpot could not store it. Remove or fix that character."
)


def has_lone_surrogate(text: str) -> bool:
    """True for text with half a UTF-16 pair (JSON's `"\\ud800"` escape): it has no UTF-8 form."""
    return not text.isascii() and _LONE_SURROGATE.search(text) is not None


def lone_surrogate_paths(value: JsonValue, prefix: str = "") -> Iterator[str]:
    """The JSON paths (as the validator writes them) of strings and keys that cannot be encoded as UTF-8.

    Iterative, so a deeply nested value cannot exhaust the stack.
    """
    stack: list[tuple[str, JsonValue]] = [(prefix.rstrip("."), value)]
    while stack:
        path, item = stack.pop()
        if type(item) is str:
            if has_lone_surrogate(item):
                yield path
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                key_text = str(key)
                child_path = f"{path}.{key_text}" if path else key_text
                if has_lone_surrogate(key_text):
                    yield child_path
                stack.append((child_path, child))
        elif isinstance(item, list | tuple):
            for index in range(len(item) - 1, -1, -1):
                stack.append((f"{path}[{index}]", item[index]))


def escape_lone_surrogates(value: JsonValue) -> JsonValue:
    """`value` with each lone surrogate spelled out as the six characters `\\ud800`: storable and showable
    (SQLite, CSV and the terminal all need UTF-8), and visibly not the original text."""
    text = json.dumps(value, ensure_ascii=False)
    return decode_strict(_LONE_SURROGATE.sub(lambda match: f"\\\\u{ord(match.group()):04x}", text))

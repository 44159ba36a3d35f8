"""Bounds on what a request may carry, so that crafted input gets a 400 instead of a crash.

Three things broke the sandbox before these checks: Python refuses to read integers of more
than 4,300 digits (ValueError), SQLite stores integers only up to 64 bits (OverflowError), and
a lone UTF-16 surrogate (`"\\ud800"` in JSON) cannot be encoded to UTF-8, so SQLite and the
response encoder fail on it. Deep nesting exhausts the recursion limit of whatever walks it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from hsexplorer.domain.validation import DATE_TIME_MAX_MS, DATE_TIME_MIN_MS

INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# A HubSpot request body is a few levels deep (batch → inputs → occurrence → properties → value);
# a hundred leaves room for any fault body a test arms and stays far below the recursion limit.
MAX_JSON_DEPTH = 100
# The times datetime (and so the ISO 8601 answer) can represent: 0001-01-01 to 9999-12-31; the
# validator refuses a send outside them with the same bounds, so prediction and sandbox agree.
EARLIEST_TIME_MS, LATEST_TIME_MS = DATE_TIME_MIN_MS, DATE_TIME_MAX_MS

# ASCII digits only: str.isdigit() also accepts "¹" and other characters int() refuses.
_WHOLE_NUMBER = re.compile(r"^[+-]?[0-9]+$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_PROBLEM = "a string holds a lone UTF-16 surrogate (such as \\ud800), which is not valid Unicode"
# 20 digits hold any 64-bit integer; longer text is out of range whatever it says (and int()
# would refuse it past 4,300 digits), so it is never converted.
_MAX_INT64_DIGITS = 20


def bounded_int(text: str, lowest: int = INT64_MIN, highest: int = INT64_MAX) -> int | None:
    """The whole number `text` spells (ASCII digits, optional sign) when within [lowest, highest]."""
    text = text.strip()
    if not _WHOLE_NUMBER.match(text) or len(text.lstrip("+-").lstrip("0")) > _MAX_INT64_DIGITS:
        return None
    value = int(text)
    return value if lowest <= value <= highest else None


def has_lone_surrogate(text: str) -> bool:
    # Valid pairs were already combined by the JSON reader, so any surrogate left is a lone one.
    return _SURROGATE.search(text) is not None


def json_problem(value: Any, text: str, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a value parsed from `text` cannot be handled (too deep, a lone surrogate), or None.

    Iterative (the value may be nested thousands deep) and visiting containers only; strings
    are looked at only when `text` holds a surrogate escape, the only way JSON can carry one.
    """
    check_strings = _SURROGATE_ESCAPE.search(text) is not None
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if check_strings and any(has_lone_surrogate(key) for key in item):
                return _SURROGATE_PROBLEM
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            if check_strings and isinstance(item, str) and has_lone_surrogate(item):
                return _SURROGATE_PROBLEM
            continue
        if depth > max_depth:
            return f"it is nested deeper than {max_depth} levels"
        for child in children:
            if isinstance(child, dict | list) or (check_strings and isinstance(child, str)):
                stack.append((child, depth + 1))
    return None


def time_in_range(epoch_ms: int) -> bool:
    return EARLIEST_TIME_MS <= epoch_ms <= LATEST_TIME_MS

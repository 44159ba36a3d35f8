"""A side-by-side diff of two JSON documents, line by line, for comparing two requests.

Both sides are pretty-printed with sorted keys (so key order never shows as a change) and
aligned with difflib: equal lines face each other, changed lines face their counterparts,
and lines only on one side face a blank.
"""

from __future__ import annotations

import difflib
import enum
import json
from dataclasses import dataclass

from hsexplorer.domain.json_types import JsonValue
from hsexplorer.domain.payload_json import PayloadSyntaxError, loads_strict


class Change(enum.Enum):
    EQUAL = "equal"
    CHANGED = "changed"
    REMOVED = "removed"  # only on the left
    ADDED = "added"  # only on the right


@dataclass(frozen=True, slots=True)
class DiffRow:
    change: Change
    left: str | None  # None: nothing on this side
    right: str | None
    left_number: int | None = None  # 1-based line numbers
    right_number: int | None = None


def pretty_json(value: JsonValue | bytes) -> str:
    """Text that is not JSON is shown as it is."""
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text: str = value
        try:
            value = loads_strict(text)
        except PayloadSyntaxError:  # includes nesting too deep to lay out again
            return text
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def side_by_side(left: JsonValue | bytes, right: JsonValue | bytes) -> list[DiffRow]:
    left_lines = pretty_json(left).splitlines() if left is not None else []
    right_lines = pretty_json(right).splitlines() if right is not None else []
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=left_lines, b=right_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [DiffRow(Change.EQUAL, left_lines[i], right_lines[j], i + 1, j + 1)
                     for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            continue
        width = max(i2 - i1, j2 - j1)
        for k in range(width):
            i, j = i1 + k, j1 + k
            has_left, has_right = i < i2, j < j2
            change = Change.CHANGED if has_left and has_right else (Change.REMOVED if has_left else Change.ADDED)
            rows.append(DiffRow(
                change,
                left_lines[i] if has_left else None,
                right_lines[j] if has_right else None,
                i + 1 if has_left else None,
                j + 1 if has_right else None,
            ))
    return rows


def count_changes(rows: list[DiffRow]) -> int:
    return sum(1 for r in rows if r.change is not Change.EQUAL)

"""How the sandbox store finds a contact by a property in SQL (`objectProperty.<name>`, a customMatchingId)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

# Contact columns that `objectProperty.<name>` and a customMatchingId can look up directly.
CONTACT_COLUMNS = {
    "email": "email",
    "hubspotutk": "utk",
    "utk": "utk",
    "firstname": "firstname",
    "lastname": "lastname",
}


def contact_condition(name: str, value: str) -> tuple[str, list[Any]]:
    if name in ("hs_object_id", "id"):
        return "id = ?", [value]
    column = CONTACT_COLUMNS.get(name)
    if column is not None:
        return f"{column} = ?", [value]
    return "json_extract(properties, ?) = ?", [json_path(name), value]


def json_path(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'$."{escaped}"'


def contact_from_row(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row[0],
        "email": row[1],
        "utk": row[2],
        "firstname": row[3],
        "lastname": row[4],
        "properties": json.loads(row[5]),
        "created_at": row[6],
    }

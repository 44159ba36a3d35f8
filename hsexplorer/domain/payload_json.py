"""Reading a payload from JSON text: exact error positions, and keys HubSpot would see twice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hsexplorer.domain.findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class PayloadSyntaxError(Exception):
    """Malformed JSON, with the 1-based line and column where reading stopped."""

    message: str
    line: int
    column: int
    offset: int

    def __str__(self) -> str:
        return f"malformed JSON at line {self.line}, column {self.column}: {self.message}"


def load_payload(text: str) -> tuple[Any, list[Finding]]:
    """The parsed JSON and a warning per duplicated object key (the last value wins)."""
    duplicates: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    try:
        payload = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as error:
        raise PayloadSyntaxError(error.msg, error.lineno, error.colno, error.pos) from None
    except RecursionError:
        raise PayloadSyntaxError("nested too deeply", 1, 1, 0) from None
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

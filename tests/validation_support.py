"""Shared helpers for the validator's tests: a realistic definition and finding look-ups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hsexplorer.domain.definitions import EventDefinition, parse_definition
from hsexplorer.domain.findings import Finding, Severity

DATA = Path(__file__).parent / "data"
PORTAL = 1234567
EVENT = f"pe{PORTAL}_plan_upgrade"
NOW_MS = 1_780_000_000_000  # 2026-05-28, a fixed "now" so time rules are deterministic
VALID_UUID = "0b6e5a2c-8d2e-4f7c-9a51-3c1f5e9d2b44"


def plan_upgrade() -> EventDefinition:
    return parse_definition(json.loads((DATA / "definition_plan_upgrade.json").read_text()))


def occurrence(**overrides: Any) -> dict[str, Any]:
    """A payload that is valid for plan_upgrade; overrides replace or (with None) remove fields."""
    body: dict[str, Any] = {
        "eventName": EVENT,
        "email": "ada@example.com",
        "occurredAt": "2026-05-01T12:00:00Z",
        "uuid": VALID_UUID,
        "properties": {"plan": "professional", "seats": "12"},
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def with_property(name: str, value: Any, **overrides: Any) -> dict[str, Any]:
    body = occurrence(**overrides)
    body["properties"] = {name: value}
    return body


def codes(findings: list[Finding], severity: Severity | None = None) -> set[str]:
    return {f.code for f in findings if severity is None or f.severity is severity}


def errors(findings: list[Finding]) -> set[str]:
    return codes(findings, Severity.ERROR)


def at(findings: list[Finding], path: str) -> list[Finding]:
    return [f for f in findings if f.path == path]

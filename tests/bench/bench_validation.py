"""Validator speed: one 50-property occurrence checked against its definition (budget ≤ 200 µs)."""

from __future__ import annotations

import statistics
import time
import uuid

from hsexplorer.domain.definitions import parse_definition
from hsexplorer.domain.validation import validate

PORTAL = 1234567


def fifty_property_case():
    """19 custom properties of every type plus the 32 defaults; the occurrence sets 50 of them."""
    custom = []
    values = {}
    kinds = [
        ("enumeration", "gold"),
        ("number", "1234.5"),
        ("bool", "true"),
        ("date", "2026-05-01"),
        ("datetime", "2026-05-01T10:00:00Z"),
        ("string", "some text value"),
    ]
    for i in range(19):
        kind, value = kinds[i % len(kinds)]
        prop = {"name": f"custom_{kind}_{i}", "label": f"Custom {i}", "type": kind}
        if kind == "enumeration":
            prop["options"] = [{"label": v.title(), "value": v} for v in ("bronze", "silver", "gold")]
        custom.append(prop)
        values[prop["name"]] = value
    definition = parse_definition(
        {"label": "Bench", "name": "bench", "fullyQualifiedName": f"pe{PORTAL}_bench", "propertyDefinitions": custom}
    )
    for prop in definition.default_properties:
        if prop.type.value == "number":
            values[prop.name] = "1080"
        elif prop.options:
            values[prop.name] = prop.options[0].value
        elif prop.name == "hs_asset_type":
            values[prop.name] = "BLOG_POST"
        elif prop.name == "hs_touchpoint_source":
            values[prop.name] = "PAID_SEARCH"
        else:
            values[prop.name] = "https://example.com/page" if "url" in prop.name else "value"
    # hs_page_content_type would override hs_asset_type (a warning, not the common case).
    values.pop("hs_page_content_type")
    payload = {
        "eventName": f"pe{PORTAL}_bench",
        "email": "ada@example.com",
        "occurredAt": "2026-05-01T12:00:00Z",
        "uuid": str(uuid.uuid4()),
        "properties": dict(list(values.items())[:50]),
    }
    assert len(payload["properties"]) == 50
    return payload, definition


def measure_validate_50_props_us(rounds: int = 7, per_round: int = 2000) -> float:
    """Median over rounds of the mean time per validation, in microseconds."""
    payload, definition = fifty_property_case()
    validate(payload, definition, PORTAL)  # warm-up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            validate(payload, definition, PORTAL)
        samples.append((time.perf_counter() - start) / per_round * 1e6)
    return statistics.median(samples)


if __name__ == "__main__":
    payload, definition = fifty_property_case()
    print("findings:", [f.code for f in validate(payload, definition, PORTAL)])
    print(f"validate_50_props_us: {measure_validate_50_props_us():.1f} µs")

"""An event occurrence (the body of POST /events/v3/send) and a batch of them.

The validator works on raw JSON-like payloads, because QA sends broken ones on purpose;
`Occurrence` is the typed, well-formed side used to build payloads.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

MAX_BATCH_INPUTS = 500  # "The custom event occurrence batch endpoint supports batches of 500." (DOC-send)
MAX_PROPERTIES = 50  # "≤ 50 properties per event occurrence" (DOC-send)

# The fields of BehavioralEventHttpCompletionRequest (SPEC-send).
SEND_FIELDS = ("eventName", "objectId", "email", "utk", "occurredAt", "uuid", "properties")


def new_uuid() -> str:
    return str(uuid_module.uuid4())


@dataclass(slots=True)
class Occurrence:
    event_name: str
    properties: dict[str, str] = field(default_factory=dict)
    object_id: str | None = None
    email: str | None = None
    utk: str | None = None
    occurred_at: str | None = None
    uuid: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body HubSpot expects; empty optional fields are left out, properties always sent."""
        body: dict[str, Any] = {"eventName": self.event_name}
        for key, value in (
            ("objectId", self.object_id),
            ("email", self.email),
            ("utk", self.utk),
            ("occurredAt", self.occurred_at),
            ("uuid", self.uuid),
        ):
            if value not in (None, ""):
                body[key] = value
        # HubSpot's spec has flip-flopped on whether `properties` is required: always send it.
        body["properties"] = dict(self.properties)
        return body

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Occurrence:
        """Lenient: values are stringified, unknown fields dropped (use the validator first)."""

        def text(key: str) -> str | None:
            value = payload.get(key)
            return None if value is None else str(value)

        raw_props = payload.get("properties")
        properties = (
            {str(k): _property_text(v) for k, v in raw_props.items()} if isinstance(raw_props, Mapping) else {}
        )
        return cls(
            event_name=text("eventName") or "",
            properties=properties,
            object_id=text("objectId"),
            email=text("email"),
            utk=text("utk"),
            occurred_at=text("occurredAt"),
            uuid=text("uuid"),
        )


def _property_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def batch_payload(occurrences: list[Occurrence] | list[dict[str, Any]]) -> dict[str, Any]:
    """The body of POST /events/v3/send/batch."""
    return {"inputs": [o.to_payload() if isinstance(o, Occurrence) else o for o in occurrences]}


def is_batch_payload(payload: Any) -> bool:
    return isinstance(payload, Mapping) and "inputs" in payload and "eventName" not in payload


def chunk(items: list[T], size: int = MAX_BATCH_INPUTS) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]

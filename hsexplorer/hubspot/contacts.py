"""HubSpot's CRM contacts: search (`POST /crm/v3/objects/contacts/search`) and read one
(`GET /crm/v3/objects/contacts/{id}`), scope `crm.objects.contacts.read`.

Uses the client's authenticated JSON calls (retries, pacing, redaction and HubSpot's error
mapping happen there) through `ContactsTransport`, which `HubSpotClient` satisfies as it is, so
the client does not grow. Request and response shapes: HubSpot's "Search the CRM" guide (see
`hsexplorer/sandbox/crm_contacts.py`, which emulates it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

CONTACTS_READ_SCOPE = "crm.objects.contacts.read"
SEARCH_PATH = "/crm/v3/objects/contacts/search"
CONTACT_PATH = "/crm/v3/objects/contacts/{id}"
MAX_LIMIT = 200  # HubSpot refuses more per page
MAX_IN_VALUES = 100  # values of one IN filter [INFERENCE: HubSpot's search guide caps IN lists at 100]
PROPERTIES = ("email", "firstname", "lastname", "createdate")


class ContactsTransport(Protocol):
    """What is needed of `HubSpotClient`: its JSON GET and write calls."""

    async def _get_json(self, path: str, params: Sequence[tuple[str, str]] | None = None) -> tuple[Any, Any]: ...

    async def _write_json(self, method: str, path: str, body: Any | None = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    email: str
    first_name: str
    last_name: str
    created_at: str  # ISO 8601, as HubSpot gives `createdate`

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class ContactPage:
    contacts: tuple[Contact, ...]
    total: int
    next_after: str | None  # pass as `after` for the next page; None on the last one


def contact_from_json(data: Mapping[str, Any]) -> Contact:
    properties = data.get("properties") or {}
    return Contact(
        id=str(data.get("id") or properties.get("hs_object_id") or ""),
        email=str(properties.get("email") or ""),
        first_name=str(properties.get("firstname") or ""),
        last_name=str(properties.get("lastname") or ""),
        created_at=str(properties.get("createdate") or data.get("createdAt") or ""),
    )


def filter_(property_name: str, operator: str, value: str) -> dict[str, str]:
    return {"propertyName": property_name, "operator": operator, "value": value}


async def search_contacts(client: ContactsTransport, *, filter_groups: Sequence[Sequence[Mapping[str, str]]] = (),
                          query: str = "", limit: int = 10, after: str | None = None,
                          sorts: Sequence[Mapping[str, str]] = ()) -> ContactPage:
    """One page of contacts matching any filter group (filters in a group all match) and `query`."""
    body: dict[str, Any] = {
        "filterGroups": [{"filters": [dict(f) for f in group]} for group in filter_groups],
        "properties": list(PROPERTIES),
        "limit": max(1, min(limit, MAX_LIMIT)),
    }
    if query:
        body["query"] = query
    if sorts:
        body["sorts"] = [dict(s) for s in sorts]
    if after:
        body["after"] = after
    data = await client._write_json("POST", SEARCH_PATH, body) or {}
    results = data.get("results") or []
    next_after = ((data.get("paging") or {}).get("next") or {}).get("after")
    return ContactPage(tuple(contact_from_json(r) for r in results if isinstance(r, Mapping)),
                       int(data.get("total") or len(results)), str(next_after) if next_after else None)


async def get_contact(client: ContactsTransport, contact_id: str, *, id_property: str = "") -> Contact:
    """One contact by record id (or by `id_property`, e.g. "email"); NotFoundError when there is none."""
    params = [("properties", ",".join(PROPERTIES))]
    if id_property:
        params.append(("idProperty", id_property))
    data, _trace = await client._get_json(CONTACT_PATH.format(id=quote(contact_id, safe="")), params)
    return contact_from_json(data or {})


async def contacts_by_ids(client: ContactsTransport, contact_ids: Sequence[str]) -> dict[str, Contact]:
    """The contacts with these record ids (unknown ids are absent): one search request per 100
    ids (an IN filter on hs_object_id), never one request per id."""
    wanted = list(dict.fromkeys(i for i in contact_ids if i.isdigit()))
    found: dict[str, Contact] = {}
    for start in range(0, len(wanted), MAX_IN_VALUES):
        chunk = wanted[start:start + MAX_IN_VALUES]
        body = {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "IN", "values": chunk}]}],
                "properties": list(PROPERTIES), "limit": len(chunk)}
        data = await client._write_json("POST", SEARCH_PATH, body) or {}
        for result in data.get("results") or []:
            if isinstance(result, Mapping):
                contact = contact_from_json(result)
                found[contact.id] = contact
    return found

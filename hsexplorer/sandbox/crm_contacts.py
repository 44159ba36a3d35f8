"""HubSpot's CRM contacts search and read in the sandbox, so the app can find a person by name.

    POST /crm/v3/objects/contacts/search   (and /crm/objects/2026-03|2026-09/contacts/search)
    GET  /crm/v3/objects/contacts/{id}     (?properties=a,b  ?idProperty=email)

Sources: HubSpot's "Search the CRM" guide (developers.hubspot.com/docs/api-reference/2026-03/crm/
search-the-crm; docs-beta/crm/search for the v3 paths) and the search request schema (filterGroups
of filters {propertyName, operator, value}, `query`, `properties`, `sorts`, `limit`, `after`):
groups are ORed, filters in a group ANDed; at most 5 groups, 6 filters each, 18 in all; `limit` at
most 200; paging stops at 10,000 results; contacts return createdate, email, firstname,
hs_object_id, lastmodifieddate and lastname by default. Scope `crm.objects.contacts.read`; without
it HubSpot's 403 MISSING_SCOPES body (HUBSPOT_API.md §10.3).
[INFERENCE] `query` matches the start of a word in the default searchable text properties (names,
email, phone, company); CONTAINS_TOKEN matches a whole word, `*` as a wildcard.

These routes authenticate themselves (the app's `_auth_policy` covers the events paths only), and
are not counted against the rate limits.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.errors import ErrorDetail, not_found, validation_error
from hsexplorer.sandbox.judging import parse_json_body

CONTACTS_READ_SCOPE = auth.CONTACTS_READ_SCOPE
DEFAULT_PROPERTIES = ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
QUERY_PROPERTIES = ("firstname", "lastname", "email", "phone", "company")
MAX_LIMIT = 200
DEFAULT_LIMIT = 10
MAX_RESULTS = 10_000
MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 6, 18
OPERATORS = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
                       "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN", "BETWEEN"})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def contact_properties(contact: Mapping[str, Any]) -> dict[str, str | None]:
    """Every property of a stored contact as HubSpot names them (values are strings)."""
    created = _iso(contact["created_at"])
    values: dict[str, str | None] = {
        "createdate": created,
        "lastmodifieddate": created,
        "hs_object_id": str(contact["id"]),
        "email": contact.get("email"),
        "firstname": contact.get("firstname") or None,
        "lastname": contact.get("lastname") or None,
    }
    for name, value in (contact.get("properties") or {}).items():
        values.setdefault(name, None if value is None else str(value))
    return values


def contact_object(contact: Mapping[str, Any], wanted: Sequence[str]) -> dict[str, Any]:
    every = contact_properties(contact)
    created = every["createdate"]
    return {
        "id": str(contact["id"]),
        "properties": {name: every.get(name) for name in wanted},
        "createdAt": created,
        "updatedAt": created,
        "archived": False,
    }


def _words(value: str | None) -> list[str]:
    return _WORD.findall((value or "").casefold())


def _filter_matches(properties: Mapping[str, str | None], flt: Mapping[str, Any]) -> bool:
    name, operator = str(flt.get("propertyName", "")), str(flt.get("operator", "EQ"))
    actual = properties.get(name)
    value = "" if flt.get("value") is None else str(flt.get("value"))
    if operator == "HAS_PROPERTY":
        return actual not in (None, "")
    if operator == "NOT_HAS_PROPERTY":
        return actual in (None, "")
    if operator in ("IN", "NOT_IN"):
        inside = (actual or "").casefold() in {str(v).casefold() for v in flt.get("values") or []}
        return inside if operator == "IN" else not inside
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = value.casefold()
        candidates = [*_words(actual), (actual or "").casefold()]
        found = any(fnmatch.fnmatchcase(word, pattern) for word in candidates) if pattern else False
        return found if operator == "CONTAINS_TOKEN" else not found
    if operator in ("EQ", "NEQ"):
        same = (actual or "").casefold() == value.casefold()
        return same if operator == "EQ" else not same
    low, high = value, "" if flt.get("highValue") is None else str(flt.get("highValue"))
    key = _comparable(actual)
    if key is None:
        return False
    if operator == "BETWEEN":
        return bool(_comparable(low) <= key <= _comparable(high))
    target = _comparable(low)
    return bool({"LT": key < target, "LTE": key <= target, "GT": key > target, "GTE": key >= target}[operator])


def _comparable(value: str | None) -> Any:
    if value is None or value == "":
        return None
    try:
        return (0, float(value))
    except ValueError:
        return (1, value.casefold())


def _query_matches(properties: Mapping[str, str | None], query: str) -> bool:
    wanted = _words(query)
    words = [w for name in QUERY_PROPERTIES for w in _words(properties.get(name))]
    texts = [(properties.get(name) or "").casefold() for name in QUERY_PROPERTIES]
    return all(any(w.startswith(q) for w in words) or any(t.startswith(query.casefold().strip()) for t in texts)
               for q in wanted) if wanted else True


def _check_request(body: Any) -> tuple[list[list[Mapping[str, Any]]], int, int]:
    if not isinstance(body, Mapping):
        raise validation_error("Invalid input JSON: the search request must be an object.")
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) for g in groups):
        raise validation_error("filterGroups must be a list of objects with filters.")
    filters = [list(g.get("filters") or []) for g in groups]
    if len(groups) > MAX_GROUPS or any(len(f) > MAX_FILTERS_PER_GROUP for f in filters) \
            or sum(len(f) for f in filters) > MAX_FILTERS:
        raise validation_error(
            f"Too many filters: at most {MAX_GROUPS} filterGroups, {MAX_FILTERS_PER_GROUP} filters in a group and "
            f"{MAX_FILTERS} in all.")
    for group in filters:
        for flt in group:
            if not isinstance(flt, Mapping) or not flt.get("propertyName") or flt.get("operator") not in OPERATORS:
                raise validation_error("Each filter needs a propertyName and an operator.",
                                       [ErrorDetail(f"operator must be one of {', '.join(sorted(OPERATORS))}",
                                                    code="INVALID_ENUM")])
    limit = body.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}; it was {limit!r}.",
                               [ErrorDetail(f"Maximum limit is {MAX_LIMIT}.", code="INVALID_LIMIT",
                                            context={"limit": [str(limit)]})])
    after = body.get("after") or "0"
    if not str(after).isdigit():
        raise validation_error(f"after must be the cursor of an earlier page; it was {after!r}.")
    offset = int(after)
    if offset + limit > MAX_RESULTS:
        raise validation_error(f"Search paging stops at {MAX_RESULTS:,} results: narrow the filters.")
    return filters, limit, offset


def _sort_key(sorts: Any) -> tuple[str, bool]:
    first = sorts[0] if isinstance(sorts, list) and sorts else None
    if isinstance(first, str):
        return first.lstrip("-"), first.startswith("-")
    if isinstance(first, Mapping):
        return str(first.get("propertyName", "hs_object_id")), str(first.get("direction", "")).upper() == "DESCENDING"
    return "hs_object_id", False


def _authorised(request: Request) -> None:
    sandbox = request.app.state.sandbox
    headers = {k.lower(): v for k, v in request.headers.items()}
    query = dict(parse_qsl(request.url.query))
    record = auth.authenticate(sandbox.store, headers, query, sandbox.accepted_tokens)
    auth.require_scopes(record, [CONTACTS_READ_SCOPE])


def _all_contacts(request: Request) -> list[dict[str, Any]]:
    store = request.app.state.sandbox.store
    found = (store.find_contact(id=str(contact_id)) for contact_id in store.contact_ids_matching({}))
    return [c for c in found if c is not None]


async def search_contacts(request: Request) -> JSONResponse:
    _authorised(request)
    body = parse_json_body(await request.body())
    filters, limit, offset = _check_request(body)
    query = str(body.get("query") or "")
    wanted = [str(p) for p in body.get("properties") or []] or list(DEFAULT_PROPERTIES)
    matches = []
    for contact in _all_contacts(request):
        properties = contact_properties(contact)
        if filters and not any(all(_filter_matches(properties, f) for f in group) for group in filters):
            continue
        if query and not _query_matches(properties, query):
            continue
        matches.append((contact, properties))
    name, descending = _sort_key(body.get("sorts"))
    matches.sort(key=lambda m: (_comparable(m[1].get(name)) is None, _comparable(m[1].get(name)) or (0, 0)),
                 reverse=descending)
    page = matches[offset:offset + limit]
    answer: dict[str, Any] = {"total": len(matches), "results": [contact_object(c, wanted) for c, _ in page]}
    if offset + limit < len(matches):
        answer["paging"] = {"next": {"after": str(offset + limit)}}
    return JSONResponse(answer)


async def get_contact(request: Request) -> JSONResponse:
    _authorised(request)
    contact_id = request.path_params["contactId"]
    id_property = request.query_params.get("idProperty") or "hs_object_id"
    store = request.app.state.sandbox.store
    if id_property == "hs_object_id" and not contact_id.isdigit():
        contact = None
    else:
        contact = store.find_contact(**{"id" if id_property == "hs_object_id" else id_property: contact_id})
    if contact is None:
        raise not_found(f"Object not found.  objectId are usually numeric. ({contact_id})")
    wanted = [p for p in request.query_params.get("properties", "").split(",") if p] or list(DEFAULT_PROPERTIES)
    return JSONResponse(contact_object(contact, wanted))


CRM_CONTACTS_ROUTES = [
    route
    for base in ("/crm/v3/objects/contacts", "/crm/objects/2026-03/contacts", "/crm/objects/2026-09/contacts")
    for route in (Route(base + "/search", search_contacts, methods=["POST"]),
                  Route(base + "/{contactId}", get_contact, methods=["GET"]))
]

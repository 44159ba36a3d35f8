"""Chosen history entries as a Postman collection (v2.1), for the people who implement the events.

The token is never written: the collection authenticates with Bearer `{{hubspot_token}}`, a
collection variable left empty for whoever imports it; recorded Authorization headers and
`hapikey` query parameters are dropped. The first entry's origin becomes `{{baseUrl}}`, so the
collection can point at the sandbox or at HubSpot by changing one variable.
Schema: https://schema.getpostman.com/json/collection/v2.1.0/collection.json (required: `info`
with `name` and `schema`, `item`; each item a `request`).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from hsexplorer.storage.history import HistoryEntry

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
TOKEN_VARIABLE = "hubspot_token"
BASE_URL_VARIABLE = "baseUrl"
# Recorded headers that are the credential, or that the HTTP client sets by itself.
_DROPPED_HEADERS = frozenset({"authorization", "content-length", "host", "connection", "accept-encoding", "user-agent",
                              "cookie"})
_SECRET_QUERY = frozenset({"hapikey", "access_token", "token"})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _url(entry_url: str, base: str) -> dict[str, Any]:
    parts = urlsplit(entry_url)
    origin = _origin(entry_url)
    host = "{{" + BASE_URL_VARIABLE + "}}" if origin == base else origin
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _SECRET_QUERY]
    raw = host + parts.path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    return {"raw": raw, "host": [host], "path": [p for p in parts.path.split("/") if p],
            "query": [{"key": k, "value": v} for k, v in query]}


def _item(entry: HistoryEntry, base: str) -> dict[str, Any]:
    headers = [{"key": k, "value": v} for k, v in entry.request_headers.items() if k.lower() not in _DROPPED_HEADERS]
    request: dict[str, Any] = {"method": entry.method.upper(), "header": headers, "url": _url(entry.url, base)}
    if entry.request_body:
        body = entry.request_json()
        raw = json.dumps(body, indent=2, ensure_ascii=False) if body is not None else entry.request_body
        request["body"] = {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}
    name = entry.subject or f"{entry.method} {urlsplit(entry.url).path}"
    description = f"Recorded {entry.recorded_datetime:%Y-%m-%d %H:%M:%S} UTC on {entry.account_name}: {entry.status_text}"
    return {"name": name, "request": {**request, "description": description}, "response": []}


def postman_collection(entries: Iterable[HistoryEntry], *, name: str = "hsexplorer requests") -> dict[str, Any]:
    chosen = list(entries)
    base = _origin(chosen[0].url) if chosen else "https://api.hubapi.com"
    return {
        "info": {"_postman_id": str(uuid.uuid4()), "name": name, "schema": SCHEMA_URL,
                 "description": "Exported from hsexplorer's History. Set the hubspot_token variable to your token."},
        "item": [_item(entry, base) for entry in chosen],
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{" + TOKEN_VARIABLE + "}}", "type": "string"}]},
        "variable": [{"key": BASE_URL_VARIABLE, "value": base, "type": "string"},
                     {"key": TOKEN_VARIABLE, "value": "", "type": "string"}],
    }


def write_postman_collection(entries: Iterable[HistoryEntry], path: Path, *, name: str = "") -> int:
    """Write the collection atomically; returns how many requests it holds."""
    collection = postman_collection(entries, name=name or path.name.split(".")[0] or "hsexplorer requests")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(collection, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return len(collection["item"])

"""HubSpot's event-definition routes: list, create, read, update and delete definitions and their properties."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hsexplorer.domain.definitions import split_fully_qualified_name
from hsexplorer.sandbox import definition_rules
from hsexplorer.sandbox.errors import not_found, validation_error
from hsexplorer.sandbox.input_limits import INT32_MAX, bounded_int
from hsexplorer.sandbox.route_support import API_BASES, SandboxState, read_json, sandbox_state

DEFINITIONS_DEFAULT_LIMIT = 20
DEFINITIONS_MAX_LIMIT = 100


def _definition_or_404(state: SandboxState, event_name: str) -> dict[str, Any]:
    body = state.store.definition_body(event_name)
    if body is None:
        split = split_fully_qualified_name(event_name)
        if split is not None and split[0] == state.store.portal_id:
            body = state.store.definition_body(split[1])
    if body is None:
        raise state.store.readings.missing_definition(event_name)  # 404 or 400: a sandbox reading
    return body


def _definition_url(request: Request, name: str, prop: str | None = None) -> str:
    base = request.url.path.partition("/event-definitions")[0]  # the API version the caller used
    path = f"{base}/event-definitions/{name}" + (f"/property/{prop}" if prop else "")
    return str(request.url.replace(path=path, query=""))


async def list_definitions(request: Request) -> Response:
    params = request.query_params
    bodies = sandbox_state(request).store.definition_bodies()
    search = params.get("searchString", "").strip().lower()
    if search:
        bodies = [b for b in bodies if search in b["name"].lower()]
    descending = params.get("sortOrder", "ASC").strip().upper() in ("DESC", "DESCENDING")
    bodies.sort(key=lambda b: b["name"], reverse=descending)
    limit = min(_positive_int(params.get("limit"), DEFINITIONS_DEFAULT_LIMIT, "limit"), DEFINITIONS_MAX_LIMIT)
    start = _positive_int(params.get("after"), 0, "after") if params.get("after") else 0
    include_properties = _boolean_flag(params.get("includeProperties"), "includeProperties")
    page = bodies[start : start + limit]
    results = [b if include_properties else {**b, "properties": []} for b in page]
    body: dict[str, Any] = {"total": len(bodies), "results": results}
    if start + limit < len(bodies):
        after = str(start + limit)
        body["paging"] = {
            "next": {"after": after, "link": str(request.url.include_query_params(after=after))}
        }
    return JSONResponse(body)


def _positive_int(raw: str | None, default: int, name: str) -> int:
    if raw in (None, ""):
        return default
    # limit is the spec's int32; `after` is the sandbox's own cursor (an offset), same bounds.
    value = bounded_int(raw, 1 if name == "limit" else 0, INT32_MAX)
    if value is None:
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise validation_error(
            f"{name} must be a whole number from {1 if name == 'limit' else 0} to {INT32_MAX}, not {shown!r}."
        )
    return value


def _boolean_flag(raw: str | None, name: str) -> bool:
    """The spec types includeProperties as boolean: true or false, anything else is refused."""
    if raw is None:
        return False
    text = raw.strip().lower()
    if text not in ("true", "false"):
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise validation_error(f"{name} must be true or false, not {shown!r}.")
    return text == "true"


async def create_definition(request: Request) -> Response:
    state = sandbox_state(request)
    egg = await read_json(request)
    store = state.store
    body = definition_rules.build_definition(
        egg,
        portal_id=store.portal_id,
        definition_id=store.next_definition_id(),
        existing_names=store.definition_names(),
        retired_names=store.retired_names(),
        definition_count=store.count_definitions(),
    )
    store.save_definition(body)
    return JSONResponse(body, status_code=201, headers={"Location": _definition_url(request, body["name"])})


async def get_definition(request: Request) -> Response:
    return JSONResponse(_definition_or_404(sandbox_state(request), request.path_params["eventName"]))


async def patch_definition(request: Request) -> Response:
    state = sandbox_state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    updated = definition_rules.patch_definition(current, await read_json(request))
    state.store.save_definition(updated)
    return JSONResponse(
        updated, status_code=201, headers={"Location": _definition_url(request, updated["name"])}
    )


async def delete_definition(request: Request) -> Response:
    state = sandbox_state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    state.store.delete_definition(current["name"], current["fullyQualifiedName"])
    return Response(status_code=204)


def _property_or_404(body: dict[str, Any], name: str) -> dict[str, Any]:
    prop = definition_rules.find_property(body, name)
    if prop is None:
        raise not_found(f"The event {body['name']} has no property named {name}.")
    return prop


async def create_property(request: Request) -> Response:
    state = sandbox_state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    updated, prop = definition_rules.add_property(current, await read_json(request))
    state.store.save_definition(updated)
    location = _definition_url(request, updated["name"], prop["name"])
    return JSONResponse(prop, status_code=201, headers={"Location": location})


async def patch_property(request: Request) -> Response:
    state = sandbox_state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    name = request.path_params["propertyName"]
    _property_or_404(current, name)
    updated, prop = definition_rules.patch_property(current, name, await read_json(request))
    state.store.save_definition(updated)
    location = _definition_url(request, updated["name"], name)
    return JSONResponse(prop, status_code=201, headers={"Location": location})


async def delete_property(request: Request) -> Response:
    state = sandbox_state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    name = request.path_params["propertyName"]
    _property_or_404(current, name)
    state.store.save_definition(definition_rules.remove_property(current, name))
    return Response(status_code=204)


def _definition_routes(base: str) -> list[Route]:
    definitions = f"{base}/event-definitions"
    return [
        Route(definitions, list_definitions, methods=["GET"]),
        Route(definitions, create_definition, methods=["POST"]),
        Route(definitions + "/{eventName}", get_definition, methods=["GET"]),
        Route(definitions + "/{eventName}", patch_definition, methods=["PATCH"]),
        Route(definitions + "/{eventName}", delete_definition, methods=["DELETE"]),
        Route(definitions + "/{eventName}/property", create_property, methods=["POST"]),
        Route(definitions + "/{eventName}/property/{propertyName}", patch_property, methods=["PATCH"]),
        Route(definitions + "/{eventName}/property/{propertyName}", delete_property, methods=["DELETE"]),
    ]


ROUTES = [route for base in API_BASES for route in _definition_routes(base)]

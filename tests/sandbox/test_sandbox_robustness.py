"""Whatever a client sends, the sandbox answers with HubSpot's shapes: never a crash, never a 500."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsexplorer.sandbox.definition_rules import (
    add_property,
    build_definition,
    patch_definition,
    patch_property,
)
from hsexplorer.sandbox.errors import ApiError
from hsexplorer.sandbox.event_query import parse_events_request
from hsexplorer.sandbox.judging import DEDUPE_WINDOW_MS, judge_batch, judge_send
from hsexplorer.sandbox.seed import SeedSettings, seed_demo
from hsexplorer.sandbox.store import SandboxStore
from hsexplorer.sandbox.store_rows import now_ms

STORE = SandboxStore.in_memory()
seed_demo(STORE, SeedSettings(contacts=20, completions=50))

names = st.sampled_from(
    [
        "pe1234567_login_event",
        "pe1234567_plan_upgraded",
        "pe1234567_feature_used",
        "pe1234567_invoice_paid",
        "login_event",
        "pe999_login_event",
        "",
        "pe1234567_",
    ]
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30))
property_names = st.one_of(
    st.sampled_from(["hs_city", "login_method", "seats", "to_plan", "customer_id", "amount", "HS_CITY"]),
    st.text(alphabet=string.ascii_letters + "_- 1", max_size=12),
)
occurrence = st.fixed_dictionaries(
    {},
    optional={
        "eventName": st.one_of(names, scalars),
        "objectId": st.one_of(scalars, st.integers(min_value=1, max_value=10**12).map(str)),
        "email": st.one_of(st.sampled_from(["bilbo@shire.com", "new@example.org", "BAD"]), scalars),
        "utk": st.one_of(st.just("0" * 32), scalars),
        "occurredAt": st.one_of(scalars, st.just("2025-01-01T00:00:00Z"), st.integers(0, 2 * 10**12)),
        "uuid": st.one_of(st.uuids().map(str), scalars),
        "properties": st.one_of(
            st.dictionaries(property_names, st.one_of(scalars, st.lists(scalars)), max_size=6), scalars
        ),
    },
)


def judged(call, payload) -> None:
    try:
        pending = call(STORE, payload)
    except ApiError as error:
        assert error.status == 400 and error.errors
        return
    STORE.record(pending, dedupe_since=now_ms() - DEDUPE_WINDOW_MS)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(occurrence)
def test_any_single_send_is_judged_without_crashing(payload: dict) -> None:
    judged(judge_send, payload)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.fixed_dictionaries({"inputs": st.lists(occurrence, max_size=5)}), st.lists(occurrence), scalars
    )
)
def test_any_batch_is_judged_without_crashing(payload: object) -> None:
    judged(judge_batch, payload)


query_keys = st.sampled_from(
    [
        "objectType",
        "objectId",
        "eventType",
        "occurredAfter",
        "occurredBefore",
        "after",
        "before",
        "limit",
        "sort",
        "id",
        "properties",
        "property.hs_city",
        "objectProperty.email",
        "objectProperty.customer_id",
        "hapikey",
    ]
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(query_keys, st.text(max_size=20)), max_size=6))
def test_any_events_query_is_answered_or_refused_cleanly(params: list[tuple[str, str]]) -> None:
    try:
        request = parse_events_request(params)
    except ApiError as error:
        assert error.status == 400 and error.errors
        return
    STORE.query_events(request.filter, limit=request.limit, after=request.after)


json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
property_create = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(["tier", "hs_city", "Bad Name", ""]), scalars),
        "label": st.one_of(st.sampled_from(["Tier", ""]), scalars),
        "type": st.one_of(st.sampled_from(["string", "enumeration", "NUMBER", "bool", "float"]), scalars),
        "options": st.one_of(
            st.lists(
                st.one_of(st.fixed_dictionaries({"label": scalars, "value": scalars}), scalars), max_size=3
            ),
            scalars,
        ),
        "description": json_values,
    },
)
definition_egg = st.fixed_dictionaries(
    {},
    optional={
        "label": st.one_of(st.just("Robust event"), scalars),
        "name": st.one_of(st.sampled_from(["robust_event", "login_event", "Bad"]), scalars),
        "description": json_values,
        "primaryObject": st.one_of(st.sampled_from(["CONTACT", "companies", "my_object"]), scalars),
        "includeDefaultProperties": st.one_of(st.booleans(), scalars),
        "propertyDefinitions": st.one_of(st.lists(property_create, max_size=3), scalars),
        "customMatchingId": st.one_of(
            json_values,
            st.just(
                {"primaryObjectRule": {"eventPropertyName": "tier", "targetObjectPropertyName": "email"}}
            ),
        ),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    definition_egg,
    st.one_of(
        json_values, st.fixed_dictionaries({}, optional={"label": scalars, "propertyOrder": json_values})
    ),
    property_create,
    json_values,
)
def test_any_definition_request_is_built_or_refused_cleanly(egg, patch, prop, prop_patch) -> None:
    try:
        body = build_definition(egg, portal_id=1234567, definition_id=1, existing_names={"login_event"})
    except ApiError as error:
        assert error.status in (400, 409) and error.errors
        return
    for step in (
        lambda b: patch_definition(b, patch),
        lambda b: add_property(b, prop)[0],
        lambda b: patch_property(b, b["properties"][-1]["name"], prop_patch)[0] if b["properties"] else b,
    ):
        try:
            body = step(body)
        except ApiError as error:
            assert error.status in (400, 409) and error.errors

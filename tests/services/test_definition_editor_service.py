"""Definition use cases against the sandbox over loopback: create, edit, delete; bad input never sent."""

from __future__ import annotations

import pytest
from fixtures_client import run

from hsexplorer.domain.definition_changes import (
    ChangeNotAllowed,
    DefinitionFileError,
    create_body,
    definition_file_text,
    plan_changes,
    read_definition_file,
)
from hsexplorer.domain.definitions import MAX_DEFINITIONS_PER_ACCOUNT
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.services import definition_manager as manager
from hsexplorer.services.history_recorder import AccountRef, HistoryRecorder
from hsexplorer.storage.history import HistoryStore


def body(**overrides):
    data = {
        "label": "Checkout completed",
        "name": "checkout_completed",
        "description": "An order was paid.",
        "primaryObject": "CONTACT",
        "includeDefaultProperties": True,
        "propertyDefinitions": [
            {"name": "order_total", "label": "Order total", "type": "number"},
            {"name": "payment", "label": "Payment", "type": "enumeration",
             "options": [{"label": "Card", "value": "card"}, {"label": "Invoice", "value": "invoice"}]},
        ],
    }
    data.update(overrides)
    return data


class Counting:
    """Counts the requests a client makes (every attempt reaches the trace listener)."""

    def __init__(self, client: HubSpotClient) -> None:
        self.requests: list[str] = []
        client.add_trace_listener(lambda t: self.requests.append(f"{t.method} {t.url.split('/events/v3', 1)[-1]}"))


def make_client(sandbox):
    client = HubSpotClient(PrivateAppToken(sandbox.token), sandbox.base_url, allow_custom_host=True)
    return client, Counting(client)


def test_create_edit_and_delete_a_definition_on_the_sandbox(sandbox_server):
    async def scenario():
        client, counting = make_client(sandbox_server)
        async with client:
            account = manager.account_definitions(await client.list_definitions())
            created = await manager.create(client, body(), account)
            assert created.fully_qualified_name == sandbox_server.event_name("checkout_completed")
            draft = create_body(created)
            draft["label"] = "Checkout paid"
            draft["description"] = "Paid by card or invoice."
            draft["propertyDefinitions"] = [
                {"name": "payment", "label": "Payment method", "type": "enumeration",
                 "options": [{"label": "Card", "value": "card"}, {"label": "Invoice", "value": "invoice"},
                             {"label": "PayPal", "value": "paypal"}]},
                {"name": "coupon", "label": "Coupon", "type": "string"},
            ]  # order_total removed, payment relabelled with a new option, coupon added
            done = await manager.apply_edit(client, created, draft)
            # The definition PATCH comes last: its propertyOrder names the new property too.
            assert done == ["Delete property order_total", "Update property payment", "Add property coupon",
                            "Update the label, description and property order"]
            edited = await client.get_definition("checkout_completed")
            assert edited.label == "Checkout paid" and edited.description == "Paid by card or invoice."
            assert sorted(p.name for p in edited.custom_properties) == ["coupon", "payment"]
            payment = edited.find_property("payment")
            assert payment.label == "Payment method" and [o.value for o in payment.options] == ["card", "invoice", "paypal"]
            with pytest.raises(manager.ConfirmationMismatch):
                await manager.delete(client, "checkout_completed", "checkout")
            before = len(counting.requests)
            await manager.delete(client, "checkout_completed", "checkout_completed")
            assert counting.requests[before:] == ["DELETE /event-definitions/checkout_completed"]
            names = {d.name for d in await client.list_definitions()}
            assert "checkout_completed" not in names

    run(scenario())


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"name": "Checkout-Completed"}, "INVALID_NAME"),
        ({"name": "c" * 51}, "TOO_LONG"),
        ({"label": "x" * 101}, "TOO_LONG"),
        ({"propertyDefinitions": [{"name": "hs_total", "label": "Total", "type": "number"}]}, "RESERVED_PREFIX"),
        ({"propertyDefinitions": [{"name": f"p{i}", "label": "P", "type": "string"} for i in range(51)]},
         "TOO_MANY_PROPERTIES"),
        ({"propertyDefinitions": [{"name": "plan", "label": "Plan", "type": "enumeration", "options": []}]}, "REQUIRED"),
        ({"name": "login_event"}, "OBJECT_ALREADY_EXISTS"),
    ],
)
def test_invalid_definitions_are_blocked_before_any_request(sandbox_server, overrides, code):
    async def scenario():
        client, counting = make_client(sandbox_server)
        async with client:
            account = manager.account_definitions(await client.list_definitions())
            sent_before = list(counting.requests)
            with pytest.raises(manager.DefinitionRejected) as caught:
                await manager.create(client, body(**overrides), account)
            assert counting.requests == sent_before  # nothing was sent
            return caught.value

    rejected = run(scenario())
    assert code in {f.code for f in rejected.findings}
    assert rejected.user_message


def test_the_500_cap_and_a_deleted_name_block_creation(sandbox_server, tmp_path):
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    recorder = HistoryRecorder(store)

    async def scenario():
        client, counting = make_client(sandbox_server)
        recorder.attach(client, AccountRef("sandbox", "Sandbox"))
        async with client:
            await manager.create(client, body(name="short_lived", propertyDefinitions=[]))
            await manager.delete(client, "short_lived", "short_lived")
            recorder.flush()
            retired = store.deleted_definition_names("sandbox")
            assert retired == {"short_lived"}
            account = manager.account_definitions(await client.list_definitions(), retired)
            sent = len(counting.requests)
            with pytest.raises(manager.DefinitionRejected, match="never"):
                await manager.create(client, body(name="short_lived"), account)
            full = manager.AccountDefinitions(account.names, MAX_DEFINITIONS_PER_ACCOUNT)
            with pytest.raises(manager.DefinitionRejected, match="500"):
                await manager.create(client, body(), full)
            assert len(counting.requests) == sent

    run(scenario())
    recorder.close()
    store.close()


def test_an_edit_checks_new_properties_before_any_request(sandbox_server):
    async def scenario():
        client, counting = make_client(sandbox_server)
        async with client:
            original = await client.get_definition("login_event")
            draft = create_body(original)
            draft["propertyDefinitions"].append({"name": "Bad Name", "label": "Bad", "type": "string"})
            sent = len(counting.requests)
            with pytest.raises(manager.DefinitionRejected, match="lowercase"):
                await manager.apply_edit(client, original, draft)
            changed_type = create_body(original)
            changed_type["propertyDefinitions"][0]["type"] = "number"
            with pytest.raises(ChangeNotAllowed, match="cannot be changed"):
                await manager.apply_edit(client, original, changed_type)
            assert len(counting.requests) == sent
            assert await manager.apply_edit(client, original, create_body(original)) == []  # nothing to do

    run(scenario())


def test_a_definition_exported_as_json_creates_the_same_definition_again(sandbox_server):
    async def scenario():
        client, _counting = make_client(sandbox_server)
        async with client:
            original = await client.get_definition("feature_used")
            text = definition_file_text(original)
            imported = read_definition_file(text)
            assert imported == create_body(original)
            imported["name"] = "feature_used_copy"
            copy = await manager.create(client, imported)
            assert [(p.name, p.type, p.options) for p in copy.custom_properties] == [
                (p.name, p.type, p.options) for p in original.custom_properties]
            assert copy.custom_matching_id == original.custom_matching_id

    run(scenario())


@pytest.mark.parametrize(
    ("text", "message"),
    [("nope", "not a JSON file"), ("[1, 2]", "one JSON object"), ('{"foo": 1}', "not an event definition"),
     ('{"results": [{"name": "a"}, {"name": "b"}]}', "several definitions")],
)
def test_malformed_definition_files_are_refused(text, message):
    with pytest.raises(DefinitionFileError, match=message):
        read_definition_file(text)


def test_name_and_primary_object_of_an_existing_event_cannot_change():
    from hsexplorer.domain.definitions import parse_definition

    original = parse_definition(body())
    with pytest.raises(ChangeNotAllowed, match="name"):
        plan_changes(original, {**create_body(original), "name": "other"})
    with pytest.raises(ChangeNotAllowed, match="primary object"):
        plan_changes(original, {**create_body(original), "primaryObject": "DEAL"})


def test_reordering_properties_and_hiding_an_option_reach_hubspot_as_the_spec_asks(sandbox_server):
    """The v3 definition PATCH requires `propertyOrder`; options carry displayOrder and hidden."""
    async def scenario():
        client, _counting = make_client(sandbox_server)
        async with client:
            original = await client.get_definition("login_event")
            draft = create_body(original)
            names = [p["name"] for p in draft["propertyDefinitions"]]
            draft["propertyDefinitions"].reverse()
            method = next(p for p in draft["propertyDefinitions"] if p["name"] == "login_method")
            method["options"].reverse()
            method["options"][0]["hidden"] = True
            plan = plan_changes(original, draft)
            assert [p.describe() for p in plan] == ["Update property login_method",
                                                    "Update the label, description and property order"]
            patch = plan[-1].body
            assert [item["name"] for item in patch["propertyOrder"]] == list(reversed(names))
            assert [item["displayOrder"] for item in patch["propertyOrder"]] == list(range(len(names)))
            options = plan[0].body["options"]
            assert all({"label", "value", "displayOrder", "hidden"} <= set(o) for o in options)
            await manager.apply_edit(client, original, draft)
            edited = create_body(await client.get_definition("login_event"))
            assert [p["name"] for p in edited["propertyDefinitions"]] == list(reversed(names))
            edited_method = next(p for p in edited["propertyDefinitions"] if p["name"] == "login_method")
            assert [(o["value"], o["hidden"]) for o in edited_method["options"]] == [
                (o["value"], o["hidden"]) for o in method["options"]]
            assert edited_method["options"][0]["hidden"] is True
            # Saved as edited: nothing more to do.
            assert plan_changes(await client.get_definition("login_event"), edited) == []

    run(scenario())


@pytest.mark.parametrize("version", ["2025-09", "2026-03", "2026-09"])
def test_dated_versions_patch_only_label_and_description_and_refuse_a_reorder(version):
    """The dated definition-PATCH schemas list only label and description (no propertyOrder)."""
    from hsexplorer.domain.definitions import parse_definition

    original = parse_definition(body())
    relabelled = {**create_body(original), "label": "Renamed"}
    plan = plan_changes(original, relabelled, api_version=version)
    assert [(p.kind, dict(p.body)) for p in plan] == [("definition.update", {"label": "Renamed"})]
    assert "propertyOrder" in plan_changes(original, relabelled, api_version="v3")[-1].body

    reordered = create_body(original)
    reordered["propertyDefinitions"].reverse()
    with pytest.raises(ChangeNotAllowed, match="switch this account to API version v3"):
        plan_changes(original, reordered, api_version=version)
    assert plan_changes(original, reordered, api_version="v3")

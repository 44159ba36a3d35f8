"""The sandbox's CRM contacts search, read and scope check against HubSpot's documented shapes
("Search the CRM": filterGroups of {propertyName, operator, value}, `query`, `properties`, `sorts`,
`limit` ≤ 200, `after` paging; scope crm.objects.contacts.read; 403 MISSING_SCOPES), over loopback HTTP."""

from __future__ import annotations

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.embedded import ensure_default_token
from hsexplorer.sandbox.store import SandboxStore

SEARCH = "/crm/v3/objects/contacts/search"


def _search(sandbox, body, token="default"):
    with sandbox.client(token) as http:
        return http.post(SEARCH, json=body)


def test_the_full_scope_token_holds_the_contacts_scope_and_searches(sandbox_server):
    assert auth.CONTACTS_READ_SCOPE in auth.ALL_SCOPES
    token = sandbox_server.add_token(auth.ALL_SCOPES)["token"]
    assert _search(sandbox_server, {"query": "bilbo"}, token=token).status_code == 200


def test_every_token_without_the_contacts_scope_gets_hubspots_403_shape(sandbox_server):
    token = sandbox_server.add_token(auth.ALL_SCOPES - {auth.CONTACTS_READ_SCOPE})["token"]
    with sandbox_server.client(token) as http:
        answers = (http.post(SEARCH, json={"query": "bilbo"}), http.get("/crm/v3/objects/contacts/608001"))
    for answer in answers:
        assert answer.status_code == 403
        body = answer.json()
        assert body["status"] == "error" and body["category"] == "MISSING_SCOPES" and body["correlationId"]
        assert body["errors"][0]["context"]["requiredScopes"] == [auth.CONTACTS_READ_SCOPE]


def test_eq_and_contains_token_filters_and_the_free_text_query(sandbox_server):
    eq = _search(sandbox_server, {"filterGroups": [{"filters": [
        {"propertyName": "email", "operator": "EQ", "value": "bilbo@shire.com"}]}]}).json()
    assert [r["properties"]["lastname"] for r in eq["results"]] == ["Baggins"]
    token = _search(sandbox_server, {"filterGroups": [{"filters": [
        {"propertyName": "lastname", "operator": "CONTAINS_TOKEN", "value": "baggins"},
        {"propertyName": "firstname", "operator": "CONTAINS_TOKEN", "value": "bilbo"}]}],
        "properties": ["email"]}).json()
    assert [r["properties"] for r in token["results"]] == [{"email": "bilbo@shire.com"}]
    query = _search(sandbox_server, {"query": "baggi", "limit": 200}).json()
    assert "bilbo@shire.com" in [r["properties"]["email"] for r in query["results"]]


def test_in_on_the_record_id_reads_a_batch_of_contacts_in_one_request(sandbox_server):
    ids = ["608001", "608002", "608003", "999999999"]
    answer = _search(sandbox_server, {"filterGroups": [{"filters": [
        {"propertyName": "hs_object_id", "operator": "IN", "values": ids}]}], "limit": 200}).json()
    assert sorted(r["id"] for r in answer["results"]) == ids[:3] and answer["total"] == 3


def test_after_pages_and_limit_is_capped_at_200(sandbox_server):
    first = _search(sandbox_server, {"limit": 200}).json()
    assert len(first["results"]) == 200 and first["paging"]["next"]["after"] == "200"
    second = _search(sandbox_server, {"limit": 200, "after": first["paging"]["next"]["after"]}).json()
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    refused = _search(sandbox_server, {"limit": 201})
    assert refused.status_code == 400 and refused.json()["category"] == "VALIDATION_ERROR"


def test_demo_contacts_all_have_first_and_last_names(sandbox_server):
    answer = _search(sandbox_server, {"limit": 200}).json()
    assert all(r["properties"]["firstname"] and r["properties"]["lastname"] for r in answer["results"])


def test_a_sandbox_file_whose_default_token_predates_the_contacts_scope_gets_it(tmp_path):
    store = SandboxStore.open(tmp_path / "sandbox.db")
    token = ensure_default_token(store)
    store.put_token(auth.private_app_token(token, auth.ALL_SCOPES - {auth.CONTACTS_READ_SCOPE}))
    assert ensure_default_token(store) == token
    record = store.get_token(token)
    assert record is not None and record.scopes == auth.ALL_SCOPES

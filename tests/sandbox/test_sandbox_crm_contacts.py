"""The sandbox's CRM contacts search and read over loopback HTTP, in HubSpot's documented shapes."""

from __future__ import annotations

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.crm_contacts import CONTACTS_READ_SCOPE

SEARCH = "/crm/v3/objects/contacts/search"


def _search(sandbox, body, token="default"):
    with sandbox.client(token) as http:
        return http.post(SEARCH, json=body)


def test_eq_on_email_finds_bilbo_with_the_default_properties(sandbox_server):
    answer = _search(sandbox_server, {"filterGroups": [{"filters": [
        {"propertyName": "email", "operator": "EQ", "value": "BILBO@shire.com"}]}]})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 1 and "paging" not in body
    contact = body["results"][0]
    assert contact["properties"]["firstname"] == "Bilbo" and contact["properties"]["lastname"] == "Baggins"
    assert set(contact["properties"]) == {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                                          "lastname"}
    assert contact["id"] == contact["properties"]["hs_object_id"] and contact["archived"] is False
    assert contact["createdAt"].endswith("Z")


def test_contains_token_on_names_and_groups_are_ored(sandbox_server):
    body = {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "CONTAINS_TOKEN", "value": "bilbo"}]},
                             {"filters": [{"propertyName": "lastname", "operator": "CONTAINS_TOKEN", "value": "bag*"}]}],
            "properties": ["firstname", "lastname"], "limit": 200}
    results = _search(sandbox_server, body).json()["results"]
    assert results and all(r["properties"]["firstname"] == "Bilbo" or r["properties"]["lastname"].lower().startswith("bag")
                           for r in results)
    assert all(set(r["properties"]) == {"firstname", "lastname"} for r in results)


def test_free_text_query_matches_the_start_of_a_name(sandbox_server):
    answer = _search(sandbox_server, {"query": "bilb", "limit": 200}).json()
    emails = [r["properties"]["email"] for r in answer["results"]]
    assert "bilbo@shire.com" in emails and answer["total"] == len(emails) < sandbox_server.store.count_contacts()
    assert all(r["properties"]["firstname"].lower().startswith("bilb") or r["properties"]["lastname"].lower().startswith(
        "bilb") or r["properties"]["email"].startswith("bilb") for r in answer["results"])
    assert "bilbo@shire.com" in [r["properties"]["email"] for r in _search(
        sandbox_server, {"query": "Bilbo Baggins", "limit": 200}).json()["results"]]
    assert _search(sandbox_server, {"query": "zzzz-nobody"}).json() == {"total": 0, "results": []}


def test_paging_with_after_walks_every_contact_once(sandbox_server):
    seen: list[str] = []
    after = None
    total = None
    while True:
        body = {"limit": 100, "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]}
        if after:
            body["after"] = after
        page = _search(sandbox_server, body).json()
        total = page["total"]
        seen += [r["id"] for r in page["results"]]
        after = page.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
    assert len(seen) == len(set(seen)) == total == sandbox_server.store.count_contacts()
    assert seen == sorted(seen, key=int)


def test_a_limit_over_200_is_refused_as_hubspot_documents(sandbox_server):
    answer = _search(sandbox_server, {"limit": 201})
    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR" and "200" in answer.json()["message"]


def test_too_many_filter_groups_are_refused(sandbox_server):
    group = {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}
    answer = _search(sandbox_server, {"filterGroups": [group] * 6})
    assert answer.status_code == 400 and "filterGroups" in answer.json()["message"]


def test_without_the_contacts_scope_hubspots_missing_scopes_403(sandbox_server):
    token = sandbox_server.add_token({auth.SEND_SCOPE, auth.READ_SCOPE})["token"]
    answer = _search(sandbox_server, {"query": "bilbo"}, token=token)
    assert answer.status_code == 403
    body = answer.json()
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredScopes"] == ["crm.objects.contacts.read"]
    with sandbox_server.client(token) as http:
        assert http.get("/crm/v3/objects/contacts/608001").status_code == 403
    with sandbox_server.client(None) as http:
        assert http.post(SEARCH, json={}).status_code == 401


def test_read_one_contact_by_id_or_by_email(sandbox_server):
    bilbo = _search(sandbox_server, {"query": "bilbo@shire.com"}).json()["results"][0]
    with sandbox_server.client() as http:
        by_id = http.get(f"/crm/v3/objects/contacts/{bilbo['id']}", params={"properties": "firstname,email"})
        by_email = http.get("/crm/v3/objects/contacts/bilbo@shire.com", params={"idProperty": "email"})
        missing = http.get("/crm/v3/objects/contacts/999999999")
    assert by_id.json()["properties"] == {"firstname": "Bilbo", "email": "bilbo@shire.com"}
    assert by_email.json()["id"] == bilbo["id"]
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"


def test_a_token_with_only_the_contacts_scope_may_search(sandbox_server):
    token = sandbox_server.add_token({CONTACTS_READ_SCOPE})["token"]
    assert _search(sandbox_server, {"query": "bilbo"}, token=token).status_code == 200

"""Open in HubSpot: the record page URL for each object type and data centre."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fixtures_client import run

from hsexplorer.domain.record_urls import (
    app_host,
    hublet_of_token,
    is_contact_type,
    object_type_id,
    record_url,
)
from hsexplorer.sandbox import auth as sandbox_auth
from hsexplorer.sandbox.store import TokenRecord
from hsexplorer.services.connections import check_connection
from hsexplorer.storage.accounts import Account, AuthKind
from hsexplorer.storage.secrets import AccountSecret


def test_a_contacts_page_on_the_us_data_centre():
    assert record_url(1234567, "contact", 608001) == "https://app.hubspot.com/contacts/1234567/record/0-1/608001"
    assert record_url(1234567, "CONTACTS", "608001") == record_url(1234567, "0-1", "608001")


def test_a_custom_object_is_addressed_by_its_object_type_id():
    assert record_url(99, "2-1234", "51") == "https://app.hubspot.com/contacts/99/record/2-1234/51"


@pytest.mark.parametrize(("word", "type_id"), [("company", "0-2"), ("deal", "0-3"), ("ticket", "0-5")])
def test_standard_objects_by_their_word(word, type_id):
    assert object_type_id(word) == type_id


def test_the_eu_data_centre_has_its_own_app_host():
    assert record_url(5, "contact", 7, hublet="eu1") == "https://app-eu1.hubspot.com/contacts/5/record/0-1/7"
    assert app_host("na1") == "app.hubspot.com" and app_host("") == "app.hubspot.com"


@pytest.mark.parametrize(("args", "says"), [
    ((0, "contact", 1), "portal id"), ((5, "widget", 1), "object type id"), ((5, "contact", "bilbo@shire.com"), "number"),
])
def test_what_cannot_make_a_url_is_explained(args, says):
    with pytest.raises(ValueError, match=says):
        record_url(*args)
    with pytest.raises(ValueError, match="data centre"):
        app_host("evil.example.com/")


def test_contact_spellings():
    assert all(is_contact_type(t) for t in ("CONTACT", "contacts", "0-1")) and not is_contact_type("2-1")


def test_a_private_app_token_names_its_data_centre_and_other_credentials_do_not():
    assert hublet_of_token("pat-eu1-11111111-2222-3333-4444-555555555555") == "eu1"
    assert hublet_of_token("pat-na1-11111111-2222-3333-4444-555555555555") == "na1"
    assert hublet_of_token("CJDo8f6xMhIHAAEAQAAAARjY") == ""  # an OAuth access token says nothing
    assert hublet_of_token("pat-") == ""


def test_an_eu_account_is_learnt_when_tested_kept_in_the_settings_and_its_links_go_to_app_eu1(sandbox_server):
    token = "pat-eu1-0a1b2c3d-1111-2222-3333-444455556666"
    sandbox_server.store.put_token(TokenRecord(token, "private_app", frozenset(sandbox_auth.ALL_SCOPES)))
    account = Account(id="eu", name="EU portal", auth_kind=AuthKind.PRIVATE_APP, base_url=sandbox_server.base_url)

    report = run(check_connection(account, AccountSecret(token)))
    saved = Account.from_json(replace(account, portal_id=report.portal_id, hublet=report.hublet).to_json())

    assert report.hublet == "eu1" and saved.hublet == "eu1"
    assert record_url(saved.portal_id or 0, "contact", 608001, hublet=saved.hublet) == (
        f"https://app-eu1.hubspot.com/contacts/{sandbox_server.portal_id}/record/0-1/608001"
    )
    # Accounts saved before the data centre was kept read as "not known" (links go to app.hubspot.com).
    assert Account.from_json({"id": "old", "name": "Old"}).hublet == ""

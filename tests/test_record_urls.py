"""Open in HubSpot: the record page URL for each object type and data centre."""

from __future__ import annotations

import pytest

from hsexplorer.domain.record_urls import app_host, is_contact_type, object_type_id, record_url


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

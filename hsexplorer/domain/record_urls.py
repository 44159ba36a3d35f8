"""Where a CRM record lives in HubSpot's web app, for "Open in HubSpot".

Every record page is `https://app.hubspot.com/contacts/{portalId}/record/{objectTypeId}/{id}`
(the `/contacts/` segment is historical and holds for every object type), on the app host of the
account's data centre: `app.hubspot.com` for na1, `app-eu1.hubspot.com` for eu1 (and
`app-<hublet>.hubspot.com` for any other), the hublet HubSpot's token metadata reports
(HUBSPOT_API.md §1, `signed_access_token.hublet`).
"""

from __future__ import annotations

import re

DEFAULT_HUBLET = "na1"
# HubSpot's object type ids for the standard objects the events API names by word.
OBJECT_TYPE_IDS = {
    "contact": "0-1", "contacts": "0-1",
    "company": "0-2", "companies": "0-2",
    "deal": "0-3", "deals": "0-3",
    "ticket": "0-5", "tickets": "0-5",
}
_TYPE_ID = re.compile(r"^\d+-\d+$")  # 0-1, 2-1234 (custom objects)
_HUBLET = re.compile(r"^[a-z]{2}\d+$")
# Private-app tokens name their data centre: pat-na1-…, pat-eu1-… (HUBSPOT_API.md §1).
_TOKEN_HUBLET = re.compile(r"^pat-([a-z]{2}\d+)-")


def object_type_id(object_type: str) -> str:
    """"0-1" for contact(s), a custom object's "2-1234" as it is; ValueError for anything else."""
    text = object_type.strip().lower()
    if _TYPE_ID.match(text):
        return text
    try:
        return OBJECT_TYPE_IDS[text]
    except KeyError:
        raise ValueError(f"No HubSpot object type id is known for {object_type!r}: use its id, e.g. 2-1234.") from None


def is_contact_type(object_type: str) -> bool:
    return object_type.strip().lower() in ("contact", "contacts", "0-1")


def app_host(hublet: str = DEFAULT_HUBLET) -> str:
    hublet = (hublet or DEFAULT_HUBLET).strip().lower()
    if not _HUBLET.match(hublet):
        raise ValueError(f"{hublet!r} is not a HubSpot data centre (e.g. na1, eu1).")
    return "app.hubspot.com" if hublet == DEFAULT_HUBLET else f"app-{hublet}.hubspot.com"


def record_url(portal_id: int, object_type: str, object_id: str | int, *, hublet: str = DEFAULT_HUBLET) -> str:
    """The record's page in HubSpot; ValueError when the portal, type or id cannot make one."""
    record = str(object_id).strip()
    if not record.isdigit():
        raise ValueError(f"A record id is a number; {object_id!r} is not.")
    if portal_id <= 0:
        raise ValueError("The account's portal id is not known yet: test the account to learn it.")
    return f"https://{app_host(hublet)}/contacts/{portal_id}/record/{object_type_id(object_type)}/{record}"


def hublet_of_token(token: str) -> str:
    """The data centre a private-app token names (`pat-eu1-…` → "eu1"), or "" when it names none."""
    found = _TOKEN_HUBLET.match(token.strip().lower())
    return found.group(1) if found else ""

"""The demo portal: realistic definitions, a few hundred contacts, thousands of completions.

Deterministic for a given RNG seed (times are relative to the seeding moment), fast enough
to run on the app's first start (well under a second), and built through the same definition
rules the API uses, so the demo data is exactly what a client could have created.
Contact ids start at 608001 so HubSpot's documented example (`"objectId": "608051"`) names
a real demo contact, and the portal id defaults to 1234567 like the docs' `pe1234567_...`.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hsexplorer.sandbox.definition_rules import build_definition
from hsexplorer.sandbox.store import SandboxStore
from hsexplorer.sandbox.store_rows import now_ms

DAY_MS = 86_400_000
FIRST_CONTACT_ID = 608001
FIRST_COMPANY_ID = 9_100_001


@dataclass(frozen=True, slots=True)
class SeedSettings:
    seed: int = 42
    contacts: int = 300
    companies: int = 40
    completions: int = 6000
    days: int = 90


def _enum(name: str, label: str, values: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "enumeration",
        "options": [{"label": v.replace("_", " ").title(), "value": v} for v in values],
    }


def _prop(name: str, label: str, ptype: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "label": label, "type": ptype, "description": description}


PLANS = ["free", "starter", "professional", "enterprise"]
DEMO_DEFINITIONS: tuple[dict[str, Any], ...] = (
    {
        "name": "login_event",
        "label": "Logged in",
        "description": "A user signed in to the product.",
        "propertyDefinitions": [
            _enum("login_method", "Login method", ["password", "sso", "magic_link", "google"]),
            _prop("app_version", "App version", "string"),
            _prop("two_factor", "Used two-factor", "bool"),
        ],
    },
    {
        "name": "plan_upgraded",
        "label": "Upgraded plan",
        "description": "A customer moved to a higher subscription plan.",
        "propertyDefinitions": [
            _enum("from_plan", "From plan", PLANS),
            _enum("to_plan", "To plan", PLANS),
            _enum("billing_cycle", "Billing cycle", ["monthly", "annual"]),
            _prop("monthly_value", "Monthly value (USD)", "number"),
            _prop("seats", "Seats", "number"),
        ],
    },
    {
        "name": "webinar_attended",
        "label": "Attended webinar",
        "description": "A contact joined a webinar live or watched the recording.",
        "propertyDefinitions": [
            _prop("webinar_id", "Webinar ID", "string"),
            _prop("webinar_title", "Webinar title", "string"),
            _prop("minutes_watched", "Minutes watched", "number"),
            _prop("attended_live", "Attended live", "bool"),
            _prop("registered_at", "Registered at", "datetime"),
        ],
    },
    {
        "name": "trial_started",
        "label": "Started trial",
        "description": "A visitor started a free trial.",
        "propertyDefinitions": [
            _enum("signup_source", "Signup source", ["website", "partner", "app_marketplace", "sales"]),
            _prop("trial_end_date", "Trial end date", "date"),
            _prop("trial_length_days", "Trial length (days)", "number"),
        ],
    },
    {
        "name": "feature_used",
        "label": "Used a feature",
        "description": "The product reported a feature use, matched to the contact by customer id.",
        "propertyDefinitions": [
            _prop("customer_id", "Customer ID", "string"),
            _enum("feature", "Feature", ["reports", "exports", "automation", "api", "mobile_app"]),
            _prop("usage_count", "Usage count", "number"),
        ],
        "customMatchingId": {
            "primaryObjectRule": {
                "eventPropertyName": "customer_id",
                "targetObjectPropertyName": "customer_id",
            }
        },
    },
    {
        "name": "invoice_paid",
        "label": "Paid invoice",
        "description": "A company paid an invoice.",
        "primaryObject": "COMPANY",
        "includeDefaultProperties": False,
        "propertyDefinitions": [
            _prop("amount", "Amount", "number"),
            _enum("currency", "Currency", ["USD", "EUR", "GBP"]),
            _prop("invoice_url", "Invoice URL", "string"),
        ],
    },
)

FIRST_NAMES = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Hedy",
    "Guido",
    "Katherine",
    "Donald",
    "Sophie",
    "John",
    "Mary",
    "Bilbo",
    "Frodo",
    "Samwise",
    "Rosie",
    "Peregrin",
    "Meriadoc",
    "Elena",
    "Omar",
    "Priya",
    "Yuki",
    "Lars",
]
LAST_NAMES = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Berners-Lee",
    "Lamarr",
    "Rossum",
    "Johnson",
    "Knuth",
    "Wilson",
    "Baggins",
    "Gamgee",
    "Took",
    "Brandybuck",
    "Novak",
    "Haddad",
    "Sharma",
    "Tanaka",
    "Nilsson",
]
DOMAINS = ("example.com", "acme.test", "globex.test", "initech.test", "shire.test", "umbrella.test")
CITIES = (
    ("Cambridge", "United States", "Massachusetts"),
    ("Dublin", "Ireland", "Leinster"),
    ("Berlin", "Germany", "Berlin"),
    ("Portland", "United States", "Oregon"),
    ("Tokyo", "Japan", "Tokyo"),
    ("Sydney", "Australia", "New South Wales"),
    ("São Paulo", "Brazil", "São Paulo"),
    ("Paris", "France", "Île-de-France"),
)
DEVICES = ("Desktop", "Smartphone", "Tablet", "Personal Computer")
BROWSERS = ("Chrome", "Firefox", "Safari", "Edge")
SOURCES = ("DIRECT_TRAFFIC", "ORGANIC_SEARCH", "EMAIL_MARKETING", "PAID_SEARCH", "REFERRALS", "SOCIAL_MEDIA")
WEBINARS = (
    ("wb-101", "Getting started with custom events"),
    ("wb-102", "Attribution that marketing trusts"),
    ("wb-103", "Scaling your onboarding"),
)
# Relative frequency of each demo event among the seeded completions.
WEIGHTS = {
    "login_event": 50,
    "feature_used": 20,
    "webinar_attended": 10,
    "trial_started": 8,
    "plan_upgraded": 5,
    "invoice_paid": 7,
}


def seed_demo(store: SandboxStore, settings: SeedSettings | None = None, *, now: int | None = None) -> None:
    """Replace the portal's data with the demo portal, its times ending at `now` (default: the current hour)."""
    settings = settings or SeedSettings()
    rng = random.Random(settings.seed)
    store.reset()
    portal = store.portal_id
    for egg in DEMO_DEFINITIONS:
        store.save_definition(
            build_definition(egg, portal_id=portal, definition_id=store.next_definition_id())
        )
    if now is None:
        now = now_ms() - now_ms() % 3_600_000
    contacts = _contacts(rng, settings.contacts)
    for contact in contacts:
        contact["created_at"] = now - (settings.days + 30) * DAY_MS + rng.randrange(30 * DAY_MS)
    store.add_contacts(contacts)
    rows = [_completion(rng, portal, contacts, settings, now) for _ in range(settings.completions)]
    store.insert_events(rows)
    store.set_meta("seeded", str(settings.seed))


def seed_file(path: Path, settings: SeedSettings | None = None) -> None:
    """Seed the sandbox stored in `path`: a worker process's job (it opens the file itself).

    The app seeds its sandbox so when the user resets it (ui/session.py): ~0.1 s of pure Python,
    which beside the window would hold the interpreter lock the window needs.
    """
    store = SandboxStore.open(path)
    try:
        seed_demo(store, settings)
    finally:
        store.close()


def _contacts(rng: random.Random, count: int) -> list[dict[str, Any]]:
    contacts: list[dict[str, Any]] = [
        {
            "id": FIRST_CONTACT_ID,
            "email": "bilbo@shire.com",
            "firstname": "Bilbo",
            "lastname": "Baggins",
            "utk": f"{rng.getrandbits(128):032x}",
            "properties": {"customer_id": "CUST-00001"},
        }
    ]
    for n in range(1, count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        contacts.append(
            {
                "id": FIRST_CONTACT_ID + n,
                "email": f"{first}.{last}{n}@{rng.choice(DOMAINS)}".lower(),
                "firstname": first,
                "lastname": last,
                "utk": f"{rng.getrandbits(128):032x}",
                "properties": {"customer_id": f"CUST-{n + 1:05d}"},
            }
        )
    return contacts


def _completion(
    rng: random.Random, portal: int, contacts: list[dict[str, Any]], settings: SeedSettings, now: int
) -> tuple[str, str, str, int, str, dict[str, str]]:
    name = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    occurred = now - rng.randrange(settings.days * DAY_MS)
    event_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if name == "invoice_paid":
        company = FIRST_COMPANY_ID + rng.randrange(settings.companies)
        props = {
            "amount": f"{rng.choice((49, 99, 249, 499, 1200))}.{rng.choice(('0', '5'))}",
            "currency": rng.choice(("USD", "EUR", "GBP")),
            "invoice_url": f"https://billing.example.com/invoices/{rng.randrange(10**6):06d}",
        }
        return (f"pe{portal}_{name}", "COMPANY", str(company), occurred, event_uuid, props)
    contact = rng.choice(contacts)
    city, country, region = rng.choice(CITIES)
    props = {
        "hs_city": city,
        "hs_country": country,
        "hs_region": region,
        "hs_device_type": rng.choice(DEVICES),
        "hs_browser": rng.choice(BROWSERS),
        "hs_touchpoint_source": rng.choice(SOURCES),
    }
    props.update(_custom_properties(rng, name, contact, occurred))
    return (f"pe{portal}_{name}", "CONTACT", str(contact["id"]), occurred, event_uuid, props)


def _custom_properties(
    rng: random.Random, name: str, contact: dict[str, Any], occurred: int
) -> dict[str, str]:
    if name == "login_event":
        return {
            "login_method": rng.choice(("password", "sso", "magic_link", "google")),
            "app_version": f"4.{rng.randrange(12)}.{rng.randrange(5)}",
            "two_factor": rng.choice(("true", "false")),
        }
    if name == "plan_upgraded":
        start = rng.randrange(len(PLANS) - 1)
        end = rng.randrange(start + 1, len(PLANS))
        seats = rng.choice((1, 3, 5, 10, 25, 50))
        return {
            "from_plan": PLANS[start],
            "to_plan": PLANS[end],
            "billing_cycle": rng.choice(("monthly", "annual")),
            "monthly_value": f"{(20, 50, 90, 180)[end] * seats}.0",
            "seats": str(seats),
        }
    if name == "webinar_attended":
        webinar_id, title = rng.choice(WEBINARS)
        return {
            "webinar_id": webinar_id,
            "webinar_title": title,
            "minutes_watched": str(rng.randrange(5, 61)),
            "attended_live": rng.choice(("true", "false")),
            "registered_at": str(occurred - rng.randrange(1, 14) * DAY_MS),
        }
    if name == "trial_started":
        length = rng.choice((14, 30))
        end = occurred - occurred % DAY_MS + length * DAY_MS
        return {
            "signup_source": rng.choice(("website", "partner", "app_marketplace", "sales")),
            "trial_end_date": str(end),
            "trial_length_days": str(length),
        }
    return {  # feature_used
        "customer_id": contact["properties"]["customer_id"],
        "feature": rng.choice(("reports", "exports", "automation", "api", "mobile_app")),
        "usage_count": str(rng.randrange(1, 40)),
    }

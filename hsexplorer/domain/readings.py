"""The rules HubSpot's documentation leaves open, and the readings hsexplorer could take of each.

The validator (`domain/validation.py`) predicts with each rule's *default* reading. The
sandbox can be switched to any *alternative* (Sandbox menu, `/_sandbox/settings`,
`hsexplorer sandbox serve --reading RULE=READING`), so a QA engineer can provoke the answer
HubSpot might really give and watch the workbench report it as a surprise. Each rule keeps
the evidence it was read from, quoted with its source, for the readings page and the README.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Evidence:
    source: str  # where it was read: a document tag of HUBSPOT_API.md or a file
    quote: str


@dataclass(frozen=True, slots=True)
class Alternative:
    id: str
    answer: str  # what HubSpot answers under this reading, as a user would see it


@dataclass(frozen=True, slots=True)
class Reading:
    """One uncertain rule: the question, hsexplorer's default answer, the others, and why."""

    id: str
    title: str
    question: str
    default: str
    alternatives: tuple[Alternative, ...]  # the default first
    codes: tuple[str, ...]  # the validator's finding codes this rule decides
    why_default: str
    evidence: tuple[Evidence, ...]

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.alternatives)

    def answer(self, choice: str) -> str:
        return next(a.answer for a in self.alternatives if a.id == choice)


UPPERCASE_PROPERTY_NAMES = "uppercase_property_names"
UNKNOWN_PROPERTIES = "unknown_properties"
NON_STRING_VALUES = "non_string_values"
MISSING_PROPERTIES = "missing_properties"
UNKNOWN_FIELDS = "unknown_fields"
INVALID_EMAIL_WITH_OBJECT_ID = "invalid_email_with_object_id"
DUPLICATE_UUID = "duplicate_uuid"
MISSING_DEFINITION = "missing_definition"
BATCH_WITH_BAD_INPUT = "batch_with_bad_input"

_API = "shared/HUBSPOT_API.md"
_VALIDATION = "hsexplorer/domain/validation.py"

READINGS: tuple[Reading, ...] = (
    Reading(
        UPPERCASE_PROPERTY_NAMES,
        "Upper-case property names",
        "Is a property name with capital letters (Plan_Tier) lowercased or refused?",
        "lowercased",
        (
            Alternative("lowercased", "accepted (204); the name is stored in lower case"),
            Alternative("rejected", "refused (400) for the name"),
        ),
        ("property.name_uppercase",),
        "The same page de-duplicates names equal after lowercasing, which only makes sense if upper case "
        "is accepted; a warning costs nothing when HubSpot is lenient.",
        (
            Evidence(_API, "the docs list \"lowercase a–z, 0–9, underscore\" among the limits that fail a request, "
                     "and in the same list say that names equal after lowercasing are de-duplicated"),
            Evidence(_VALIDATION, "we read upper case as a warning (HubSpot lowercases), and anything else "
                     "outside the pattern as an error"),
        ),
    ),
    Reading(
        UNKNOWN_PROPERTIES,
        "Properties not on the definition",
        "Is a property the event definition does not have refused, or dropped silently?",
        "rejected",
        (
            Alternative("rejected", "refused (400) for the property"),
            Alternative("dropped", "accepted (204); the unknown property is not stored"),
        ),
        ("property.unknown",),
        "Integrations that met the real API create missing properties before sending; predicting a refusal "
        "makes the user fix the definition before data is lost.",
        (
            Evidence(_VALIDATION, "Undocumented in HubSpot's answers; integrations (Segment's destination) create "
                     "missing properties before sending because sends with unknown properties fail."),
        ),
    ),
    Reading(
        NON_STRING_VALUES,
        "Numbers and booleans as values",
        "Is a JSON number or boolean property value converted to a string or refused?",
        "coerced",
        (
            Alternative("coerced", "accepted (204); the value is stored as text (12 → \"12\")"),
            Alternative("rejected", "refused (400) for the value"),
        ),
        ("property.value_not_string",),
        "Third-party clients send raw numbers and booleans and report no failures; the warning still asks "
        "for strings.",
        (
            Evidence(_API, "Property values: spec types them as strings; third-party clients send raw JSON "
                     "numbers/booleans […] whether HubSpot coerces them is [UNCERTAIN]."),
            Evidence(_VALIDATION, "whether HubSpot coerces JSON numbers and booleans is undocumented (Segment "
                     "sends them raw)."),
        ),
    ),
    Reading(
        MISSING_PROPERTIES,
        "A missing properties object",
        "Is a send without \"properties\" accepted?",
        "accepted",
        (
            Alternative("accepted", "accepted (204) with no properties"),
            Alternative("rejected", "refused (400): properties is required"),
        ),
        ("properties.missing",),
        "The definitions page says properties are not required for an occurrence to be valid; the spec "
        "flip-flops, so the warning asks for \"properties\": {} anyway.",
        (
            Evidence(_API, "properties requiredness flip-flops in spec history: required in 2025-03/2025-12/"
                     "2026-05..HEAD, not required in 2025-10-28, 2026-01-20, 2026-02-06 versions"),
            Evidence(_API, "[DOC-define] says event properties \"are not required for an event occurrence to "
                     "be valid\"."),
        ),
    ),
    Reading(
        UNKNOWN_FIELDS,
        "Fields the send body does not have",
        "Is a top-level field the spec does not list (objectType, timestamp) ignored or refused?",
        "ignored",
        (
            Alternative("ignored", "accepted (204); the field is ignored"),
            Alternative("rejected", "refused (400) for the field"),
        ),
        ("payload.unknown_field",),
        "Old HubSpot docs showed objectType \"by mistake\" and such sends worked; a warning still asks to "
        "remove the field.",
        (
            Evidence(_VALIDATION, "SPEC-send lists no other fields. `objectType` appeared in old docs \"by "
                     "mistake\" (HubSpot/hubspot-api-php#361); whether HubSpot rejects unknown fields is "
                     "undocumented."),
        ),
    ),
    Reading(
        INVALID_EMAIL_WITH_OBJECT_ID,
        "An invalid email beside an objectId",
        "When objectId already names the record, is an invalid email ignored or refused?",
        "ignored",
        (
            Alternative("ignored", "accepted (204); objectId decides the record"),
            Alternative("rejected", "refused (400) for the email"),
        ),
        ("identifier.email_invalid",),
        "objectId has the higher priority, so HubSpot has no reason to read the email.",
        (
            Evidence(_VALIDATION, "Undocumented: we predict a rejection when the email is what HubSpot would "
                     "match on, and only a warning when objectId (higher priority) decides the record anyway."),
        ),
    ),
    Reading(
        DUPLICATE_UUID,
        "A uuid already used for the event",
        "Is an occurrence whose uuid was already accepted refused with 400, or dropped silently?",
        "reject",
        (
            Alternative("reject", "refused (400) with errors[] code uuid.duplicate; nothing of the request stored"),
            Alternative("ignore", "accepted (204); the duplicate is dropped, the first one kept"),
        ),
        ("batch.duplicate_uuid", "uuid.duplicate"),
        "The spec says the others \"will be rejected\"; a loud answer lets QA see the rule fire and a client "
        "that retries recognise \"already stored\".",
        (
            Evidence("SPEC-send (uuid), quoted in " + _VALIDATION, "When multiple events have the same ID within "
                     "a year, the first will be accepted and all others will be rejected."),
            Evidence("hsexplorer/sandbox/judging.py", "how the rejection surfaces is undocumented"),
        ),
    ),
    Reading(
        MISSING_DEFINITION,
        "A definition that does not exist",
        "Does reading, changing or deleting a definition that does not exist answer 404 or 400?",
        "not_found",
        (
            Alternative("not_found", "404 OBJECT_NOT_FOUND \"Event with fully qualified name … does not exist.\""),
            Alternative("validation_error", "400 VALIDATION_ERROR with the same message"),
        ),
        (),
        "The only 400-shaped evidence is a mocked response in a third party's tests, not a captured answer, "
        "while HubSpot's error guide lists 404 for what does not exist; clients must cope with both, which "
        "the alternative lets QA check.",
        (
            Evidence(_API, "GET of a non-existent definition mocked as 400 with message StandardError{status=error, "
                     "category=VALIDATION_ERROR, message=Event with fully qualified name custom_event_1 does not "
                     "exist., …} (looks like a pasted real message, but this is a test mock)."),
            Evidence(_API, "400 validation, 401 bad/missing auth, 403 missing scope, 404, 409 conflict, …"),
        ),
    ),
    Reading(
        BATCH_WITH_BAD_INPUT,
        "A batch with one bad input",
        "Does one invalid input refuse the whole batch, or only itself?",
        "whole",
        (
            Alternative("whole", "refused (400) listing each bad input; nothing of the batch stored"),
            Alternative("partial", "refused (400) listing each bad input; the valid inputs are stored"),
            Alternative("drop_bad", "accepted (204); the valid inputs are stored, the bad ones dropped silently"),
        ),
        (),
        "No 207 Multi-Status is defined for the endpoint, so an answer is all-or-nothing; refusing the whole "
        "batch is the reading that loses nothing silently.",
        (
            Evidence(_API, "Partial-failure behaviour (whether one bad input fails the whole batch with 4xx, or "
                     "is dropped) is [UNCERTAIN — not documented]. Emulator recommendation [INFERENCE]: validate "
                     "all inputs first; if any invalid → 400 VALIDATION_ERROR listing each bad input"),
        ),
    ),
)

READINGS_BY_ID: dict[str, Reading] = {r.id: r for r in READINGS}


def defaults() -> dict[str, str]:
    return {r.id: r.default for r in READINGS}


def check_choice(rule: str, choice: str) -> None:
    """Raise ValueError, naming what is allowed, unless `choice` is a reading of `rule`."""
    reading = READINGS_BY_ID.get(rule)
    if reading is None:
        raise ValueError(f"unknown rule {rule!r}; rules: {', '.join(READINGS_BY_ID)}")
    if choice not in reading.choices:
        raise ValueError(f"{rule} has no reading {choice!r}; readings: {', '.join(reading.choices)}")


def parse_reading_option(text: str) -> tuple[str, str]:
    """`RULE=READING` (as given to `sandbox serve --reading`), checked against the catalogue."""
    rule, sep, choice = text.partition("=")
    rule, choice = rule.strip(), choice.strip()
    if not sep or not rule or not choice:
        raise ValueError(f"{text!r}: write RULE=READING, e.g. {NON_STRING_VALUES}=rejected")
    check_choice(rule, choice)
    return rule, choice

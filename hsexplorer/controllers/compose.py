"""The composer's state and decisions, without Qt: the Compose page renders this and forwards intents.

State: the payload under edit (`ComposerState`, domain), the account's definitions, the findings
(the validator's, the JSON reader's, HubSpot's refusal), the JSON text's error, whether a send is
on its way, and what was last sent (for verification). Intents: pick an event, edit a field,
read typed JSON, load a payload, start a new occurrence, send. Each intent says what changed, so
the page only repaints what it must. The per-account memory of the last event lives in the
settings store (`settings.extra`).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.composer import (
    EVENT_FIELD,
    IDENTIFIER_FIELD,
    OCCURRED_AT_FIELD,
    UUID_FIELD,
    ComposerFormatError,
    ComposerState,
    IdentifierKind,
    SendReadiness,
    resent_uuid_finding,
    send_readiness,
)
from hsexplorer.domain.definitions import EventDefinition, index_definitions
from hsexplorer.domain.findings import Finding
from hsexplorer.domain.payload_json import PayloadSyntaxError, load_payload
from hsexplorer.services.send_occurrence import SendOutcome, send_occurrence

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.storage.settings import SettingsStore

LAST_EVENT_KEY = "composer_last_event"  # settings.extra: {account id: event name}
MAX_JSON_FILE_BYTES = 5 * 1024 * 1024


class JsonFileError(Exception):
    """A send body file that could not be read; the message is the user's."""


def read_json_file(path: str | Path) -> str:
    """The text of a JSON file dropped or chosen in the composer (at most 5 MB, UTF-8 with or without BOM)."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_JSON_FILE_BYTES:
            raise OSError(f"the file is larger than {MAX_JSON_FILE_BYTES // (1024 * 1024)} MB")
        return file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise JsonFileError(f"Could not read {file.name}: {getattr(exc, 'strerror', None) or exc}") from exc


def payload_text(payload: Any) -> str:
    """How the JSON view shows a body (indented, non-ASCII kept)."""
    return json.dumps(payload, indent=2, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class JsonProblem:
    """Why typed JSON could not become the payload (the form keeps the last valid one)."""

    message: str
    line: int | None = None  # where to mark a syntax error
    column: int | None = None


class JsonReading(enum.Enum):
    """What reading typed JSON did to the state."""

    REFUSED = "refused"  # a syntax or shape error: see `json_problem`
    VALUES = "values"  # the payload changed, the definition did not
    DEFINITION = "definition"  # the eventName now names another definition


class ComposeController:
    """One composer: the occurrence under edit and everything decided about it."""

    def __init__(self, settings: SettingsStore | None = None) -> None:
        self.settings = settings
        self.state = ComposerState()
        self.generated_uuid: str | None = self.state.regenerate_uuid()  # the last uuid the app filled in
        self.definitions: list[EventDefinition] = []
        self.index: dict[str, EventDefinition] = {}
        self.definitions_stale = True
        self.pending_definition_name: str | None = None
        self.findings: list[Finding] = []  # the validator's and the JSON reader's
        self.json_findings: list[Finding] = []
        self.hubspot_findings: list[Finding] = []  # HubSpot's refusal of the last send, until the next edit
        self.json_problem: JsonProblem | None = None
        self.sending = False
        self.send_anyway = False  # an explicit choice for one send: never carried over to the next
        self.last_outcome: SendOutcome | None = None  # what the Response tab shows; None: nothing yet
        self.last_sent: dict[str, Any] | None = None
        self.last_sent_definition: EventDefinition | None = None
        self.last_sent_at_ms = 0

    # --- findings and the send button ---------------------------------------------------------
    @property
    def shown_findings(self) -> list[Finding]:
        return self.findings + self.hubspot_findings

    def validate(self, portal_id: int | None) -> list[Finding]:
        self.findings = self.json_findings + self.state.findings(portal_id)
        resent = resent_uuid_finding(self.state.get(UUID_FIELD), (self.last_sent or {}).get(UUID_FIELD))
        if resent is not None:
            self.findings.append(resent)
        return self.findings

    def readiness(self) -> SendReadiness:
        if self.json_problem is not None:
            return SendReadiness("Fix the JSON to send", False, 0, 0)
        return send_readiness(self.findings, send_anyway=self.send_anyway, busy=self.sending)

    def regenerate_uuid(self) -> str:
        """A fresh uuid in the payload, remembered as the app's own (replaced after the next send)."""
        self.generated_uuid = self.state.regenerate_uuid()
        self.payload_edited()
        return self.generated_uuid

    def payload_edited(self, *, from_json: bool = False) -> None:
        """Any edit makes HubSpot's last answer (and, from the form, the JSON reader's) out of date."""
        self.hubspot_findings = []
        if not from_json:
            self.json_findings = []

    # --- definitions --------------------------------------------------------------------------
    def set_definitions(self, definitions: list[EventDefinition], account_id: str) -> bool:
        """The account's definitions arrived: pick the one the payload names, else the remembered
        (or first) one. True when the payload changed (a definition was chosen for an empty form)."""
        self.definitions = list(definitions)
        self.index = index_definitions(definitions)
        self.definitions_stale = False
        wanted = self.pending_definition_name or self.state.event_name
        self.pending_definition_name = None
        definition = self.index.get(wanted) if wanted else None
        if definition is None and not wanted:
            remembered = self.remembered_event(account_id)
            definition = self.index.get(remembered) if remembered else None
            if definition is None and self.definitions:
                definition = sorted(self.definitions, key=lambda d: d.label.lower())[0]
        if definition is None:
            return False
        if wanted:
            self.state.definition = definition  # keep the payload as loaded/typed
            return False
        self.choose_definition(definition, account_id)
        return True

    def choose_definition(self, definition: EventDefinition, account_id: str) -> None:
        """Build the occurrence on `definition` (properties already entered are kept)."""
        self.state.set_definition(definition)
        self.remember_event(account_id, definition.fully_qualified_name or definition.name)
        self.payload_edited()

    def definition_for_payload(self, payload: Any) -> EventDefinition | None:
        """The definition an eventName names; before any are loaded, the current one if it matches."""
        name = payload.get("eventName") if isinstance(payload, dict) else None
        if not isinstance(name, str):
            return None
        if name in self.index:
            return self.index[name]
        current = self.state.definition
        if not self.index and current is not None and name in (current.fully_qualified_name, current.name):
            return current
        return None

    def account_changed(self) -> None:
        """What was sent belongs to the previous account: it cannot be verified through the new one."""
        self.last_sent = None
        self.definitions_stale = True

    # --- per-account memory -------------------------------------------------------------------
    def remembered_event(self, account_id: str) -> str | None:
        remembered = self.settings.settings.extra.get(LAST_EVENT_KEY) if self.settings is not None else None
        if isinstance(remembered, dict):
            value = remembered.get(account_id)
            return str(value) if value else None
        return None

    def remember_event(self, account_id: str, name: str) -> None:
        if self.settings is None:
            return
        extra = dict(self.settings.settings.extra)
        remembered = dict(extra.get(LAST_EVENT_KEY) or {})
        if remembered.get(account_id) != name:
            remembered[account_id] = name
            extra[LAST_EVENT_KEY] = remembered
            self.settings.update(extra=extra)

    # --- edits --------------------------------------------------------------------------------
    def edit_field(self, key: str, value: Any, account_id: str, identifier_kind: IdentifierKind | None = None) -> bool:
        """One form field changed; True when the event name now names another definition."""
        state = self.state
        definition_changed = False
        if key == EVENT_FIELD:
            state.set_field("eventName", value)
            definition = self.index.get(value) if isinstance(value, str) else None
            if definition is not state.definition and (definition is not None or value not in self.index):
                state.definition = definition
                if definition is not None:
                    self.remember_event(account_id, value)
                definition_changed = True
        elif key == IDENTIFIER_FIELD:
            state.set_identifier(identifier_kind or state.identifier_kind(), value or "")
        elif key in (OCCURRED_AT_FIELD, UUID_FIELD):
            state.set_field(key, value)
        elif key.startswith("properties."):
            state.set_property(key[len("properties.") :], value)
        self.payload_edited()
        return definition_changed

    def read_json(self, text: str) -> JsonReading:
        """Typed JSON becomes the payload, or stays text with the reason (nothing typed is lost)."""
        try:
            payload, duplicate_findings = load_payload(text)
            state = ComposerState.from_payload(payload, self.definition_for_payload(payload))
        except PayloadSyntaxError as error:
            self.json_problem = JsonProblem(f"Line {error.line}, column {error.column}: {error.message}. The form "
                                            "keeps the last valid payload; your text is kept as typed.",
                                            error.line, error.column)
            return JsonReading.REFUSED
        except ComposerFormatError as error:
            self.json_problem = JsonProblem(f"{error} Your text is kept as typed.")
            return JsonReading.REFUSED
        self.json_problem = None
        definition_changed = state.definition is not self.state.definition
        self.state = state
        self.json_findings = duplicate_findings
        self.payload_edited(from_json=True)
        return JsonReading.DEFINITION if definition_changed else JsonReading.VALUES

    def discard_json_edits(self) -> None:
        self.json_problem = None
        self.payload_edited()

    def load_payload(self, payload: dict[str, Any], definition_name: str | None = None) -> bool:
        """Open a send body (from history, explore, a file); False when it is not one (e.g. a batch)."""
        definition = self.index.get(definition_name) if definition_name else None
        if definition is None:
            definition = self.definition_for_payload(payload)
        if definition is None and isinstance(payload, dict) and (definition_name or payload.get("eventName")) \
                and not self.index:
            self.pending_definition_name = definition_name or str(payload.get("eventName"))
        try:
            self.state = ComposerState.from_payload(payload, definition)
        except ComposerFormatError:
            return False
        self.json_problem = None
        self.payload_edited()
        return True

    def new_occurrence_payload(self, typed_event_name: str) -> dict[str, Any]:
        """A fresh body for the same event (a new uuid, nothing else). New also forgets the last
        answer and the "send anyway" choice: they belonged to the previous occurrence."""
        fresh = ComposerState(self.state.definition)
        if self.state.definition is None:
            fresh.set_definition(None, event_name=typed_event_name)
        self.generated_uuid = fresh.regenerate_uuid()
        self.send_anyway = False
        self.last_outcome = None
        self.hubspot_findings = []
        return fresh.to_payload()

    # --- sending ------------------------------------------------------------------------------
    async def send(self, client: HubSpotClient, payload: dict[str, Any], definition: EventDefinition | None,
                   *, on_started: Callable[[], object] | None = None) -> SendOutcome:
        """Send through the shared use case; a refusal becomes findings, an acceptance can be verified.
        `on_started` runs once `sending` is set (the page greys the Send button then)."""
        self.sending = True
        if on_started is not None:
            on_started()
        try:
            outcome = await send_occurrence(client, payload)
        finally:
            self.sending = False
        self.last_sent_at_ms = outcome.sent_at_ms
        self.last_outcome = outcome
        self.send_anyway = False
        if outcome.accepted:
            self.last_sent, self.last_sent_definition = payload, definition
        # A uuid the app filled in is replaced for the next send (a repeat would be a duplicate); one
        # the user typed, or a template's {{uuid}}, is theirs and stays (the form then warns of a repeat).
        current = self.state.get(UUID_FIELD)
        if current and current == self.generated_uuid:
            self.regenerate_uuid()
        self.hubspot_findings = list(outcome.findings)  # shown until the next edit
        return outcome

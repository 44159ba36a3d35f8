"""The sandbox's current reading of each uncertain rule (catalogue: `domain/readings.py`).

The sandbox judges with the validator, which predicts the default readings; an alternative
reading is applied on top of the validator's findings: a warning the rule decides becomes
an error ("rejected"), or an error becomes nothing and its property is not stored
("dropped"). So with every rule at its default the sandbox agrees with every prediction, and
each switched rule makes exactly the sends it decides answer differently.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from hsexplorer.domain import readings as catalogue
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.sandbox.errors import ApiError, not_found, validation_error

# Alternatives that turn the rule's warnings into refusals.
_PROMOTING = {
    catalogue.UPPERCASE_PROPERTY_NAMES: "rejected",
    catalogue.NON_STRING_VALUES: "rejected",
    catalogue.MISSING_PROPERTIES: "rejected",
    catalogue.UNKNOWN_FIELDS: "rejected",
    catalogue.INVALID_EMAIL_WITH_OBJECT_ID: "rejected",
}
# Alternatives that turn the rule's refusals into silent acceptance.
_DROPPING = {
    catalogue.UNKNOWN_PROPERTIES: "dropped",
    catalogue.DUPLICATE_UUID: "ignore",
}


class SandboxReadings:
    """Which reading the sandbox applies to each rule; changed as a whole or not at all."""

    def __init__(self, choices: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._choices = catalogue.defaults()
        if choices:
            self.update(choices)

    def get(self, rule: str) -> str:
        return self._choices[rule]

    def update(self, choices: Mapping[str, Any]) -> None:
        """Apply `{rule: reading}`; ValueError (and nothing changed) if any is unknown."""
        if not isinstance(choices, Mapping):
            raise ValueError("readings must be a JSON object of rule: reading")
        for rule, choice in choices.items():
            catalogue.check_choice(str(rule), str(choice) if isinstance(choice, str) else repr(choice))
        with self._lock:
            self._choices = {**self._choices, **{str(k): str(v) for k, v in choices.items()}}

    def reset(self) -> None:
        with self._lock:
            self._choices = catalogue.defaults()

    def to_json(self) -> dict[str, str]:
        return dict(self._choices)

    def changed(self) -> dict[str, str]:
        """The rules read differently from hsexplorer's default."""
        return {rule: choice for rule, choice in self._choices.items() if choice != catalogue.READINGS_BY_ID[rule].default}

    @property
    def rejects_duplicates(self) -> bool:
        return self._choices[catalogue.DUPLICATE_UUID] == "reject"

    @property
    def batch_mode(self) -> str:
        return self._choices[catalogue.BATCH_WITH_BAD_INPUT]

    def adjust(self, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
        """(the findings under the current readings, the refusals that became silent drops)."""
        choices = self._choices
        promote: set[str] = set()
        drop: set[str] = set()
        for rule, alternative in _PROMOTING.items():
            if choices[rule] == alternative:
                promote.update(catalogue.READINGS_BY_ID[rule].codes)
        for rule, alternative in _DROPPING.items():
            if choices[rule] == alternative:
                drop.update(catalogue.READINGS_BY_ID[rule].codes)
        if not promote and not drop:
            return findings, []
        adjusted: list[Finding] = []
        dropped: list[Finding] = []
        for finding in findings:
            if finding.code in promote and finding.severity is Severity.WARNING:
                adjusted.append(Finding(Severity.ERROR, finding.code, finding.path, finding.message))
            elif finding.code in drop and finding.severity is Severity.ERROR:
                dropped.append(finding)
            else:
                adjusted.append(finding)
        return adjusted, dropped

    def missing_definition(self, event_name: str) -> ApiError:
        message = f"Event with fully qualified name {event_name} does not exist."
        if self._choices[catalogue.MISSING_DEFINITION] == "validation_error":
            return validation_error(message)
        return not_found(message)


def without_dropped(item: Any, dropped: list[Finding], prefix: str = "") -> Any:
    """`item` without the properties whose refusal became a silent drop (they are not stored)."""
    names = {f.path[len(prefix) + len("properties."):] for f in dropped
             if f.path.startswith(prefix + "properties.")}
    if not names or not isinstance(item, Mapping) or not isinstance(item.get("properties"), Mapping):
        return item
    return {**item, "properties": {k: v for k, v in item["properties"].items() if str(k) not in names}}

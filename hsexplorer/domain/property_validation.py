"""The property rules of the validator: names, value types and lengths, formats, collisions, attribution.

Part of `hsexplorer.domain.validation` (which runs them for each occurrence); each rule cites
the documentation it comes from, as there. DOC-send = "Send custom event occurrences"
(2026-03-30), DOC-define = "Define custom events" (2026-03-30), SPEC-send = sendEventCompletions.json.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from hsexplorer.domain import attribution
from hsexplorer.domain.default_properties import DEFAULT_PROPERTIES_BY_NAME, attribution_only_property
from hsexplorer.domain.definitions import (
    INTERNAL_NAME,
    MAX_NAME_LENGTH,
    EventDefinition,
    PropertyDefinition,
    PropertyType,
    max_value_length,
)
from hsexplorer.domain.findings import Severity
from hsexplorer.domain.occurrence import MAX_PROPERTIES
from hsexplorer.domain.payload_json import LONE_SURROGATE_MESSAGE, has_lone_surrogate
from hsexplorer.domain.values import MS_PER_DAY, NUMBER, TimeFormat, read_time

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_LOWERCASE_NAME = INTERNAL_NAME


def _is_mapping(value: Any) -> bool:
    # Parsed JSON objects are dicts: skip the slower abstract-base-class check for them.
    return type(value) is dict or isinstance(value, Mapping)


def _closest(value: str, candidates: list[str] | tuple[str, ...] | frozenset[str]) -> str | None:
    lowered = value.lower()
    for candidate in candidates:
        if candidate.lower() == lowered:
            return candidate
    matches = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _did_you_mean(value: str, candidates: list[str] | tuple[str, ...] | frozenset[str]) -> str:
    suggestion = _closest(value, candidates)
    return f' Did you mean "{suggestion}"?' if suggestion else ""


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


class _NameFacts(NamedTuple):
    """What a property name alone decides: its lower-case form, value limit and naming problems."""

    lowered: str
    limit: int
    valid: bool
    problems: tuple[tuple[Severity, str, str], ...]


@lru_cache(maxsize=8192)
def _name_facts(name: str) -> _NameFacts:
    # DOC-send: names "must start with a letter and contain only lowercase a-z, 0-9, _", at most 50
    # characters. The same page de-duplicates names that are equal after lowercasing, which only
    # makes sense if upper case is accepted: we read upper case as a warning (HubSpot lowercases),
    # and anything else outside the pattern as an error.
    problems: list[tuple[Severity, str, str]] = []
    valid = True
    if len(name) > MAX_NAME_LENGTH:
        valid = False
        problems.append((ERROR, "property.name_too_long", f"Property names are at most {MAX_NAME_LENGTH} characters; this one has {len(name)}."))
    lowered = name.lower()
    if not _LOWERCASE_NAME.match(name):
        if _LOWERCASE_NAME.match(lowered):
            problems.append((WARNING, "property.name_uppercase", f'HubSpot matches property names in lower case; write "{lowered}".'))
        else:
            valid = False
            problems.append((ERROR, "property.name_invalid", "Property names start with a letter and use only lowercase letters, digits and underscores."))
    return _NameFacts(lowered, max_value_length(name), valid, tuple(problems))


class PropertyChecks:
    """The property half of an occurrence check; the class using it provides `add` and `definition`."""

    __slots__ = ()
    definition: EventDefinition | None

    def add(self, severity: Severity, code: str, path: str, message: str) -> None:
        raise NotImplementedError

    def check_properties(self, payload: Mapping[str, Any]) -> None:
        if "properties" not in payload:
            # SPEC-send has marked `properties` required in some versions and not in others, and
            # DOC-define says properties are not required: a warning, not an error.
            self.add(WARNING, "properties.missing", "properties", 'Add "properties": {} — some versions of HubSpot\'s API require it.')
            return
        properties = payload["properties"]
        if not _is_mapping(properties):
            self.add(ERROR, "properties.not_object", "properties", "properties must be a JSON object of name-value pairs.")
            return
        count = len(properties)
        if count > MAX_PROPERTIES:
            # DOC-send: "≤ 50 properties per event occurrence" fails the request.
            self.add(
                ERROR,
                "properties.too_many",
                "properties",
                f"This occurrence has {count} properties; HubSpot accepts at most {MAX_PROPERTIES}, so remove {count - MAX_PROPERTIES}.",
            )
        lowered_names: set[str] = set()
        for name, value in properties.items():
            name = str(name)
            facts = _name_facts(name)
            lowered_names.add(facts.lowered)
            self.check_property(name, value, facts)
        if len(lowered_names) < count:
            self.check_collisions(properties)
        self.check_attribution(properties)

    def check_property(self, name: str, value: Any, facts: _NameFacts) -> None:
        path = "properties." + name
        for severity, code, message in facts.problems:
            self.add(severity, code, path, message)
        definition = self.definition
        prop: PropertyDefinition | None
        if definition is not None:
            by_name = definition.properties_by_lower_name
            prop = by_name.get(facts.lowered) or attribution_only_property(by_name, facts.lowered)
            if prop is None and facts.valid:
                # Undocumented in HubSpot's answers; integrations (Segment's destination) create missing
                # properties before sending because sends with unknown properties fail.
                self.add(
                    ERROR,
                    "property.unknown",
                    path,
                    f'The event has no property "{name}"; add it to the definition or remove it.'
                    + _did_you_mean(name, [p.name for p in definition.properties]),
                )
        else:
            prop = DEFAULT_PROPERTIES_BY_NAME.get(facts.lowered)
        if not name.isascii() and has_lone_surrogate(name):
            self.add(ERROR, "text.lone_surrogate", path, LONE_SURROGATE_MESSAGE)
        text = value if type(value) is str else self.check_value_type(path, value, prop)
        if text is None:
            return
        if not text.isascii() and has_lone_surrogate(text):
            self.add(ERROR, "text.lone_surrogate", path, LONE_SURROGATE_MESSAGE)
        limit = facts.limit
        length = len(text)
        if length > limit:
            # Two HubSpot pages disagree. DOC-send's limits list: "URL and referrer properties can
            # receive up to 1,024 characters, while all other properties can receive up to 256
            # characters" and "exceeding any of the following limits will result in a failed request".
            # The property field-type table (knowledge.hubspot.com "Property field types in HubSpot"):
            # single-line text "When the value is added through the CRM, the character limit is
            # 65,536 characters". The second is about CRM record properties; the first is the send
            # endpoint's own rule, so the validator applies 256 / 1,024 and says so in the finding.
            why = " (names with url, referrer or link allow 1,024)" if limit == 256 else ""
            self.add(ERROR, "property.value_too_long", path,
                     f"This value has {length:,} characters; HubSpot's event API accepts at most {limit:,}{why}. "
                     "The 65,536 in HubSpot's property-type table is for CRM record properties, not event "
                     "occurrences, whose limits list fails the request.")
        elif length * 2 > limit and len(text.encode("utf-16-le")) // 2 > limit:
            # HubSpot runs on Java, where characters outside the BMP (emoji) count twice.
            self.add(WARNING, "property.value_utf16_length", path, f"With emoji counted twice, as Java does, this value is over {limit:,} characters; shorten it.")
        if prop is not None and prop.type is not PropertyType.STRING:
            self.check_format(path, text, prop)

    def check_value_type(self, path: str, value: Any, prop: PropertyDefinition | None) -> str | None:
        """The value as the string HubSpot will see, or None after reporting why it has none."""
        if isinstance(value, str):
            return value
        if value is None:
            self.add(ERROR, "property.value_null", path, "A property value cannot be null; remove the property or give it a value.")
            return None
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float):
            text = repr(value) if isinstance(value, float) else str(value)
        else:
            self.add(ERROR, "property.value_not_scalar", path, "A property value must be a string, not a list or an object.")
            return None
        # SPEC-send types property values as strings; whether HubSpot coerces JSON numbers and
        # booleans is undocumented (Segment sends them raw).
        self.add(WARNING, "property.value_not_string", path, f'HubSpot documents property values as strings; send "{text}".')
        return text

    def check_format(self, path: str, text: str, prop: PropertyDefinition) -> None:
        kind = prop.type
        if kind is PropertyType.NUMBER:
            if not NUMBER.match(text):
                hint = " Remove the thousands separators." if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text) else ""
                self.add(ERROR, "property.number_invalid", path, f'"{_short(text)}" is not a number HubSpot accepts (digits, an optional sign and one decimal point).{hint}')
        elif kind is PropertyType.BOOL:
            if text not in ("true", "false"):
                if text.lower() in ("true", "false"):
                    self.add(WARNING, "property.bool_case", path, f'Write "{text.lower()}" in lower case.')
                else:
                    self.add(ERROR, "property.bool_invalid", path, f'"{_short(text)}" is not a boolean; use "true" or "false".')
        elif kind is PropertyType.ENUMERATION:
            self.check_enumeration(path, text, prop)
        elif kind is PropertyType.DATE:
            self.check_date(path, text)
        elif kind is PropertyType.DATETIME:
            self.check_datetime(path, text)

    def check_enumeration(self, path: str, text: str, prop: PropertyDefinition) -> None:
        if not prop.options:
            return  # HubSpot does not publish the options (e.g. hs_language): nothing to judge.
        values = prop.option_values
        if text in values:
            return
        # DOC-send-old: "When sending multiple values, separate them with a semicolon".
        parts = text.split(";")
        labels = {o.label: o.value for o in prop.options}
        for part in parts:
            if part in values:
                continue
            if part == "":
                self.add(WARNING, "property.enum_empty_part", path, "Remove the empty value between semicolons.")
                continue
            if prop.name == attribution.PAGE_CONTENT_TYPE_PROPERTY and part in attribution.ASSET_TYPES:
                # DOC-send's attribution list is longer than the property's six options.
                self.add(WARNING, "attribution.content_type_not_option", path, f'"{part}" is a documented asset type but not one of this property\'s options; HubSpot may drop it.')
                continue
            if part in labels:
                self.add(ERROR, "property.enum_label", path, f'"{part}" is the option\'s label; send its internal value "{labels[part]}".')
                continue
            self.add(
                ERROR,
                "property.enum_invalid",
                path,
                f'"{_short(part)}" is not an option of {prop.name}.' + (_did_you_mean(part, sorted(values)) or f" Options: {', '.join(sorted(values)[:8])}."),
            )

    def check_date(self, path: str, text: str) -> None:
        # DOC-define / DOC-props: a date is an ISO date (YYYY-MM-DD) or epoch ms at midnight UTC.
        reading = read_time(text)
        if reading.format is TimeFormat.INVALID:
            self.add(ERROR, "property.date_invalid", path, "A date must be YYYY-MM-DD or epoch milliseconds at midnight UTC.")
        elif reading.format is TimeFormat.EPOCH_SECONDS:
            assert reading.epoch_ms is not None  # every reading but INVALID carries a time
            self.add(ERROR, "property.epoch_seconds", path, f"This looks like epoch seconds; dates take milliseconds at midnight UTC, e.g. {reading.epoch_ms - reading.epoch_ms % MS_PER_DAY}.")
        elif not reading.at_utc_midnight:
            assert reading.epoch_ms is not None
            midnight = reading.epoch_ms - reading.epoch_ms % MS_PER_DAY
            self.add(ERROR, "property.date_not_midnight", path, f"A date must be midnight UTC; use {midnight} for that day.")
        elif reading.format is TimeFormat.ISO_DATETIME:
            self.add(WARNING, "property.date_has_time", path, f'Send the date alone: "{text[:10]}".')

    def check_datetime(self, path: str, text: str) -> None:
        # DOC-define: "UNIX ms timestamp or ISO 8601 string".
        reading = read_time(text)
        if reading.format is TimeFormat.INVALID:
            self.add(ERROR, "property.datetime_invalid", path, "A date-time must be ISO 8601 (2024-05-01T12:00:00Z) or epoch milliseconds.")
        elif reading.format is TimeFormat.EPOCH_SECONDS:
            assert reading.epoch_ms is not None  # every reading but INVALID carries a time
            self.add(WARNING, "property.epoch_seconds", path, f"This looks like epoch seconds; HubSpot reads milliseconds and would show 1970, so send {reading.epoch_ms}.")
        elif reading.format is TimeFormat.ISO_DATETIME and not reading.has_timezone:
            self.add(WARNING, "property.datetime_no_timezone", path, "Add a time zone (Z or +02:00) so HubSpot does not have to guess it.")

    def check_collisions(self, properties: Mapping[str, Any]) -> None:
        # DOC-send: "Properties with the same internal name after lowercasing are considered duplicates,
        # and only one of the properties will be used on occurrence. HubSpot will sort in ascending
        # lexicographical order and keep the last property seen among the first 50 properties."
        groups: dict[str, list[str]] = {}
        for name in properties:
            groups.setdefault(str(name).lower(), []).append(str(name))
        considered = sorted(str(n) for n in properties)[:MAX_PROPERTIES]
        kept: dict[str, str] = {}
        for name in considered:
            kept[name.lower()] = name
        for lowered, names in groups.items():
            if len(names) < 2:
                continue
            winner = kept.get(lowered)
            for name in names:
                if name == winner:
                    continue
                outcome = f'"{winner}" is kept' if winner else "none of them is among the first 50"
                others = ", ".join('"' + n + '"' for n in names if n != name)
                self.add(
                    WARNING,
                    "property.name_collision",
                    "properties." + name,
                    f'"{name}" is the same property as {others} after lowercasing; '
                    f"HubSpot sorts names ascending and keeps the last of the first 50, so {outcome} and this one is dropped.",
                )

    def check_attribution(self, properties: Mapping[str, Any]) -> None:
        # DOC-send, attribution: hs_page_content_type overrides hs_asset_type; the values come from
        # documented lists, but both properties are strings, so other values are only warned about.
        content_type = properties.get(attribution.PAGE_CONTENT_TYPE_PROPERTY)
        asset_type = properties.get(attribution.ASSET_TYPE_PROPERTY)
        if content_type not in (None, "") and asset_type not in (None, ""):
            self.add(
                WARNING,
                "attribution.content_type_overrides_asset_type",
                "properties." + attribution.ASSET_TYPE_PROPERTY,
                "hs_page_content_type is also set, so HubSpot uses it and ignores hs_asset_type; remove one of them.",
            )
        if isinstance(asset_type, str) and asset_type and asset_type not in attribution.ASSET_TYPES:
            self.add(
                WARNING,
                "attribution.unknown_asset_type",
                "properties." + attribution.ASSET_TYPE_PROPERTY,
                f'"{_short(asset_type)}" is not a documented asset type, so attribution reports may not group it.'
                + _did_you_mean(asset_type, tuple(attribution.ASSET_TYPES)),
            )
        source = properties.get(attribution.TOUCHPOINT_SOURCE_PROPERTY)
        if isinstance(source, str) and source and source not in attribution.TOUCHPOINT_SOURCES:
            self.add(
                WARNING,
                "attribution.unknown_touchpoint_source",
                "properties." + attribution.TOUCHPOINT_SOURCE_PROPERTY,
                f'"{_short(source)}" is not a documented touchpoint source, so attribution reports may not group it.'
                + _did_you_mean(source, tuple(attribution.TOUCHPOINT_SOURCES)),
            )

"""Named templates of a composer payload, their placeholders, and the file format teams share them in.

Placeholders are filled at send time, in every string of the payload:

- `{{now}}`   the send time, ISO 8601 UTC with milliseconds (`2026-11-22T10:15:00.000Z`);
- `{{now_ms}}` the send time in epoch milliseconds;
- `{{uuid}}`  a new random UUID for each place it appears (so every occurrence of a batch differs);
- `{{email}}` and any other `{{name}}`: a value the user gives when sending, pre-filled from the
  template's saved `variables` (so `{{email}}` comes from the send dialog, defaulting to the
  template's saved email).

A string that is exactly one placeholder becomes the filled text; placeholders inside longer
strings are replaced in place.

File format (`.json`), version 1:

    {"format": "hsexplorer-templates", "version": 1, "exportedAt": "<ISO 8601>",
     "templates": [{"name": "...", "scope": "global" | "account", "accountName": "...",
                    "description": "...", "payload": {...}, "variables": {"email": "..."}}]}

`payload` is a send body (`{"eventName": ...}`) or a batch body (`{"inputs": [...]}`).
Account-scoped templates are imported into the account chosen at import time.
"""

from __future__ import annotations

import json
import re
import uuid as uuid_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from hsexplorer.domain.payload_json import PayloadSyntaxError, loads_strict

FILE_FORMAT = "hsexplorer-templates"
FILE_VERSION = 1
MAX_NAME_LENGTH = 100
BUILTIN_PLACEHOLDERS = frozenset({"now", "now_ms", "uuid"})
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class TemplateError(ValueError):
    """A template or templates file that cannot be used; the message says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    payload: Mapping[str, Any]
    account_id: str | None = None  # None: available in every account
    account_name: str = ""  # for display and export only
    description: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    updated_at: str = ""

    @property
    def is_global(self) -> bool:
        return self.account_id is None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.account_id, self.name.casefold())

    def placeholders(self) -> list[str]:
        return placeholders_in(self.payload)

    def needed_values(self) -> list[str]:
        """Placeholders the user must supply at send time (in order of first appearance)."""
        return [p for p in self.placeholders() if p not in BUILTIN_PLACEHOLDERS]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "scope": "global" if self.is_global else "account",
            "description": self.description,
            "payload": dict(self.payload),
            "variables": dict(self.variables),
        }
        if not self.is_global:
            data["accountName"] = self.account_name
        if self.updated_at:
            data["updatedAt"] = self.updated_at
        return data


def check_name(name: str) -> str:
    """The cleaned name, or TemplateError."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise TemplateError("A template needs a name.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise TemplateError(f"A template name can have at most {MAX_NAME_LENGTH} characters.")
    return cleaned


def _walk_strings(value: Any, visit: Callable[[str], Any]) -> Any:
    if isinstance(value, str):
        return visit(value)
    if isinstance(value, Mapping):
        return {k: _walk_strings(v, visit) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk_strings(v, visit) for v in value]
    return value


def placeholders_in(payload: Any) -> list[str]:
    found: dict[str, None] = {}

    def collect(text: str) -> str:
        for match in PLACEHOLDER.finditer(text):
            found.setdefault(match.group(1), None)
        return text

    _walk_strings(payload, collect)
    return list(found)


def format_now(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fill_placeholders(
    payload: Any,
    values: Mapping[str, str] | None = None,
    *,
    now: datetime | None = None,
    make_uuid: Callable[[], str] | None = None,
) -> Any:
    """A copy of `payload` with every placeholder filled; TemplateError names any value missing."""
    values = dict(values or {})
    moment = now or datetime.now(UTC)
    new_uuid = make_uuid or (lambda: str(uuid_module.uuid4()))
    missing = [p for p in placeholders_in(payload) if p not in BUILTIN_PLACEHOLDERS and not values.get(p)]
    if missing:
        names = ", ".join("{{" + m + "}}" for m in missing)
        raise TemplateError(f"Give a value for {names} before sending.")

    def value_of(name: str) -> str:
        if name == "now":
            return format_now(moment)
        if name == "now_ms":
            return str(int(moment.timestamp() * 1000))
        if name == "uuid":
            return new_uuid()
        return values[name]

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: value_of(m.group(1)), text)

    return _walk_strings(payload, fill)


# Stand-ins used to judge a payload whose placeholders are filled only at send time.
PREVIEW_VALUES = {"email": "placeholder@example.com"}


def preview_fill(payload: Any, *, now: datetime | None = None) -> Any:
    """The payload as it will roughly look once sent: built-in placeholders filled, `{{email}}` by a
    stand-in address; other placeholders stay as written, since their values are not known yet."""
    moment = now or datetime.now(UTC)

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "now":
            return format_now(moment)
        if name == "now_ms":
            return str(int(moment.timestamp() * 1000))
        if name == "uuid":
            return str(uuid_module.uuid4())
        return PREVIEW_VALUES.get(name, match.group(0))

    return _walk_strings(payload, lambda text: PLACEHOLDER.sub(value_of, text) if "{{" in text else text)


# --- the shared file format -------------------------------------------------------------------
def templates_to_file(templates: list[Template], *, now: datetime | None = None) -> dict[str, Any]:
    return {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "exportedAt": format_now(now or datetime.now(UTC)),
        "templates": [t.to_json() for t in templates],
    }


def dumps_templates(templates: list[Template], *, now: datetime | None = None) -> str:
    return json.dumps(templates_to_file(templates, now=now), indent=2, ensure_ascii=False) + "\n"


def template_items(text: str) -> list[Any]:
    """The raw `templates` list of a templates file, after checking its format and version."""
    try:
        data = loads_strict(text)  # a shared file: the same strict reading as payloads (no NaN, no traceback)
    except PayloadSyntaxError as exc:
        raise TemplateError(f"This is not a JSON file ({exc}).") from None
    if not isinstance(data, Mapping) or data.get("format") != FILE_FORMAT:
        raise TemplateError(f"This is not an hsexplorer templates file (it needs \"format\": \"{FILE_FORMAT}\").")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise TemplateError("The templates file has no version number.")
    if version > FILE_VERSION:
        raise TemplateError(f"The templates file is format version {version}; this hsexplorer reads up to {FILE_VERSION}.")
    raw = data.get("templates")
    if not isinstance(raw, list):
        raise TemplateError("The templates file has no \"templates\" list.")
    return raw


def parse_templates_file(text: str, *, account_id: str | None = None, account_name: str = "") -> list[Template]:
    """Templates from a shared file; account-scoped ones go to `account_id` (global if None).

    Raises TemplateError with what is wrong and where (`templates[2].payload`).
    """
    templates = [parse_template(item, f"templates[{i}]", account_id, account_name)
                 for i, item in enumerate(template_items(text))]
    seen: set[tuple[str | None, str]] = set()
    for i, template in enumerate(templates):
        if template.key in seen:
            raise TemplateError(f"templates[{i}]: the name “{template.name}” appears twice in the file.")
        seen.add(template.key)
    return templates


def parse_template(item: Any, where: str = "template", account_id: str | None = None, account_name: str = "") -> Template:
    """One template object of a templates file (account-scoped ones go to `account_id`)."""
    if not isinstance(item, Mapping):
        raise TemplateError(f"{where} must be an object.")
    name = item.get("name")
    if not isinstance(name, str):
        raise TemplateError(f"{where}.name must be text.")
    try:
        name = check_name(name)
    except TemplateError as exc:
        raise TemplateError(f"{where}.name: {exc}") from None
    scope = item.get("scope", "global")
    if scope not in ("global", "account"):
        raise TemplateError(f"{where}.scope must be \"global\" or \"account\".")
    payload = item.get("payload")
    if not isinstance(payload, Mapping) or not ("eventName" in payload or isinstance(payload.get("inputs"), list)):
        raise TemplateError(f"{where}.payload must be a send body (with eventName) or a batch body (with inputs).")
    variables = item.get("variables", {})
    if not isinstance(variables, Mapping) or not all(isinstance(v, str) for v in variables.values()):
        raise TemplateError(f"{where}.variables must map names to text values.")
    description = item.get("description", "")
    if not isinstance(description, str):
        raise TemplateError(f"{where}.description must be text.")
    scoped = scope == "account" and account_id is not None
    return Template(
        name=name,
        payload=dict(payload),
        account_id=account_id if scoped else None,
        account_name=account_name if scoped else "",
        description=description,
        variables={str(k): v for k, v in variables.items()},
        updated_at=str(item.get("updatedAt") or ""),
    )


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`... whichever is free (compared case-insensitively)."""
    lowered = {t.casefold() for t in taken}
    if name.casefold() not in lowered:
        return name
    n = 2
    while f"{name} ({n})".casefold() in lowered:
        n += 1
    return f"{name} ({n})"


def renamed(template: Template, name: str) -> Template:
    return replace(template, name=name)

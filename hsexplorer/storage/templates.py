"""The saved templates: one JSON file in the data folder (the shared file format), written atomically.

Global templates are offered in every account; account templates only in theirs. Names are
unique per scope, compared case-insensitively. An unreadable file is set aside (never
overwritten) and the store starts empty with `load_problem` saying so.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from hsexplorer.domain.templates import (
    FILE_FORMAT,
    FILE_VERSION,
    Template,
    TemplateError,
    check_name,
    dumps_templates,
    format_now,
    parse_template,
    parse_templates_file,
    template_items,
    unique_name,
)
from hsexplorer.storage.quarantine import read_profile_text, set_aside

log = logging.getLogger(__name__)

FILE_NAME = "templates.json"


class Conflict(enum.Enum):
    """What an import does with a template whose name already exists in the same scope."""

    KEEP_BOTH = "keep_both"  # the imported one gets "name (2)"
    REPLACE = "replace"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = [f"{len(self.added)} added"]
        if self.replaced:
            parts.append(f"{len(self.replaced)} replaced")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped (same name)")
        return ", ".join(parts)


def templates_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


class TemplateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._templates: list[Template] = []
        self.load_problem = ""
        self._load()

    def _load(self) -> None:
        try:
            text = read_profile_text(self.path)
        except FileNotFoundError:
            return
        except UnicodeDecodeError:
            self._set_aside("it is not UTF-8 text")
            return
        except OSError as exc:
            self.load_problem = f"The templates file could not be read ({exc.strerror})."
            return
        try:
            self._templates = _read_stored(text)
        except TemplateError as exc:
            self._set_aside(str(exc))

    def _set_aside(self, reason: str) -> None:
        try:
            moved = set_aside(self.path)
        except OSError as exc:
            self.load_problem = (f"The templates file is unreadable ({reason}) and could not be set aside "
                                 f"({exc.strerror}).")
        else:
            self.load_problem = f"The templates file was unreadable ({reason}); it was kept as {moved}."
        log.info("%s", self.load_problem)  # the user is told through load_problem (once)

    # --- reading ----------------------------------------------------------------------------
    def all(self) -> list[Template]:
        with self._lock:
            return list(self._templates)

    def for_account(self, account_id: str | None) -> list[Template]:
        """Global templates and those of `account_id`, sorted by name."""
        with self._lock:
            chosen = [t for t in self._templates if t.is_global or t.account_id == account_id]
        return sorted(chosen, key=lambda t: (t.name.casefold(), t.is_global))

    def get(self, name: str, account_id: str | None) -> Template | None:
        key = (account_id, name.casefold())
        with self._lock:
            return next((t for t in self._templates if t.key == key), None)

    # --- writing ----------------------------------------------------------------------------
    def save(self, template: Template, *, overwrite: bool = False) -> Template:
        """Add or (with `overwrite`) replace the template of the same name and scope."""
        template = replace(template, name=check_name(template.name), updated_at=format_now(datetime.now(UTC)))
        with self._lock:
            existing = [t for t in self._templates if t.key == template.key]
            if existing and not overwrite:
                raise TemplateError(f"A template named “{template.name}” already exists here.")
            self._templates = [t for t in self._templates if t.key != template.key] + [template]
            self._write()
        return template

    def delete(self, template: Template) -> None:
        with self._lock:
            self._templates = [t for t in self._templates if t.key != template.key]
            self._write()

    def rename(self, template: Template, new_name: str) -> Template:
        new_name = check_name(new_name)
        with self._lock:
            if any(t.key == (template.account_id, new_name.casefold()) and t.key != template.key for t in self._templates):
                raise TemplateError(f"A template named “{new_name}” already exists here.")
            renamed = replace(template, name=new_name, updated_at=format_now(datetime.now(UTC)))
            self._templates = [renamed if t.key == template.key else t for t in self._templates]
            self._write()
        return renamed

    # --- sharing ----------------------------------------------------------------------------
    def export_file(self, path: Path, templates: list[Template]) -> None:
        _atomic_write(path, dumps_templates(templates))

    def import_file(self, path: Path, *, account_id: str | None, account_name: str = "",
                    conflict: Conflict = Conflict.KEEP_BOTH) -> ImportReport:
        """Import a shared file; nothing is saved when the file is malformed (TemplateError)."""
        try:
            text = read_profile_text(path)  # a shared file saved with a byte-order mark is fine too
        except UnicodeDecodeError:
            raise TemplateError("The file is not text (UTF-8); choose a templates .json file.") from None
        except OSError as exc:
            raise TemplateError(f"The file could not be read ({exc.strerror}).") from None
        incoming = parse_templates_file(text, account_id=account_id, account_name=account_name)
        added: list[str] = []
        replaced: list[str] = []
        skipped: list[str] = []
        stamp = format_now(datetime.now(UTC))
        with self._lock:
            templates = list(self._templates)
            for template in incoming:
                template = replace(template, updated_at=template.updated_at or stamp)
                clash = any(t.key == template.key for t in templates)
                if clash and conflict is Conflict.SKIP:
                    skipped.append(template.name)
                    continue
                if clash and conflict is Conflict.REPLACE:
                    templates = [t for t in templates if t.key != template.key]
                    replaced.append(template.name)
                elif clash:
                    taken = {t.name for t in templates if t.account_id == template.account_id}
                    template = replace(template, name=unique_name(template.name, taken))
                    added.append(template.name)
                else:
                    added.append(template.name)
                templates.append(template)
            self._templates = templates
            self._write()
        return ImportReport(tuple(added), tuple(replaced), tuple(skipped))

    def _write(self) -> None:
        _atomic_write(self.path, _dump_stored(self._templates))


# The stored file is the shared format plus each account template's account id.
def _dump_stored(templates: list[Template]) -> str:
    data = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "templates": [{**t.to_json(), **({"accountId": t.account_id} if t.account_id else {})} for t in templates],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _read_stored(text: str) -> list[Template]:
    templates = []
    for i, item in enumerate(template_items(text)):
        account_id = item.get("accountId") if isinstance(item, dict) else None
        account_name = str(item.get("accountName") or "") if isinstance(item, dict) else ""
        templates.append(parse_template(item, f"templates[{i}]", account_id if isinstance(account_id, str) else None,
                                        account_name))
    return templates


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise

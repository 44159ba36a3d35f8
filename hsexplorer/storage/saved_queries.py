"""Named Explore searches and the last one run, in a small JSON file of their own.

`saved_queries.json` beside the settings file: the shell's settings stay about the window
and the accounts, and a broken queries file can never cost the user their accounts.
Written atomically (temp file + rename); an unreadable file is set aside, not overwritten.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.storage.quarantine import read_profile_text, set_aside

log = logging.getLogger(__name__)

FILE_NAME = "saved_queries.json"
FORMAT_VERSION = 1
MAX_NAME_LENGTH = 120


@dataclass(frozen=True, slots=True)
class SavedQuery:
    name: str
    filter: ExploreFilter


class SavedQueryStore:
    """Saved searches by name (case-insensitive, order kept) and the last search run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queries: list[SavedQuery] = []
        self.last: ExploreFilter | None = None
        self.load_problem = ""
        self._load()

    @classmethod
    def in_folder(cls, folder: Path) -> SavedQueryStore:
        return cls(folder / FILE_NAME)

    # --- reading ----------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            data = json.loads(read_profile_text(self.path))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError too
            try:
                moved = set_aside(self.path)
            except OSError:
                self.load_problem = f"The saved searches file is unreadable ({exc})."
            else:
                self.load_problem = f"The saved searches file was unreadable ({exc}); it was kept as {moved.name}."
            log.info("%s", self.load_problem)  # the user is told through load_problem (once)
            return
        for raw in data.get("saved") or ():
            if isinstance(raw, dict) and isinstance(raw.get("name"), str) and isinstance(raw.get("filter"), dict):
                self._queries.append(SavedQuery(raw["name"], ExploreFilter.from_json(raw["filter"])))
        if isinstance(data.get("last"), dict):
            self.last = ExploreFilter.from_json(data["last"])

    @property
    def queries(self) -> list[SavedQuery]:
        return list(self._queries)

    @property
    def names(self) -> list[str]:
        return [q.name for q in self._queries]

    def get(self, name: str) -> SavedQuery | None:
        key = name.strip().casefold()
        return next((q for q in self._queries if q.name.casefold() == key), None)

    # --- changing -------------------------------------------------------------------------
    def save(self, name: str, flt: ExploreFilter) -> SavedQuery:
        """Save under `name`, replacing a query of the same name (in place)."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("A saved search needs a name.")
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"Keep the name under {MAX_NAME_LENGTH} characters.")
        saved = SavedQuery(name, flt)
        existing = self.get(name)
        if existing is None:
            self._queries.append(saved)
        else:
            self._queries[self._queries.index(existing)] = saved
        self._write()
        return saved

    def delete(self, name: str) -> bool:
        existing = self.get(name)
        if existing is None:
            return False
        self._queries.remove(existing)
        self._write()
        return True

    def remember_last(self, flt: ExploreFilter) -> None:
        if flt != self.last:
            self.last = flt
            self._write()

    def _write(self) -> None:
        payload: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "saved": [{"name": q.name, "filter": q.filter.to_json()} for q in self._queries],
            "last": self.last.to_json() if self.last is not None else None,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".saved-queries-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=2, ensure_ascii=False)
                handle.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

"""The app's settings: one typed record with defaults, a version number, and an atomic JSON file.

Keys this version does not know are kept and written back untouched (a newer version or
another module may own them). A file from a newer version is opened read-only, so an older
app never destroys a newer one's settings; an unreadable file is set aside, not overwritten.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hsexplorer.storage.accounts import EMBEDDED_SANDBOX_ID, Account
from hsexplorer.storage.quarantine import read_profile_text, set_aside

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
THEMES = ("system", "light", "dark")
AREAS = ("compose", "explore", "history", "definitions")


@dataclass(frozen=True, slots=True)
class Settings:
    version: int = SETTINGS_VERSION
    accounts: tuple[Account, ...] = ()
    active_account_id: str = EMBEDDED_SANDBOX_ID
    # QWidget.saveGeometry()/QMainWindow.saveState(), base64: opaque to everything but the UI.
    window_geometry: str = ""
    window_state: str = ""
    last_area: str = "definitions"
    theme: str = "system"
    # What the last keyring backend discovery found (storage.secrets.BackendMemo as JSON).
    keyring_memo: Mapping[str, Any] = field(default_factory=dict)
    # Top-level keys we do not know, preserved verbatim.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data.update(
            version=self.version,
            accounts=[a.to_json() for a in self.accounts],
            active_account_id=self.active_account_id,
            window_geometry=self.window_geometry,
            window_state=self.window_state,
            last_area=self.last_area,
            theme=self.theme,
            keyring_memo=dict(self.keyring_memo),
        )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        defaults = cls()
        accounts = []
        for raw in data.get("accounts") or ():
            try:
                if not isinstance(raw, Mapping):
                    raise TypeError(f"an account entry is {type(raw).__name__}, not an object")
                accounts.append(Account.from_json(raw))
            except (KeyError, TypeError, ValueError) as exc:  # one bad entry must not lose the others
                log.warning("skipping an unreadable account entry in the settings: %s", exc)
        theme = data.get("theme")
        area = data.get("last_area")
        return cls(
            version=SETTINGS_VERSION,
            accounts=tuple(accounts),
            active_account_id=str(data.get("active_account_id") or defaults.active_account_id),
            window_geometry=str(data.get("window_geometry") or ""),
            window_state=str(data.get("window_state") or ""),
            last_area=area if area in AREAS else defaults.last_area,
            theme=theme if theme in THEMES else defaults.theme,
            keyring_memo=dict(data["keyring_memo"]) if isinstance(data.get("keyring_memo"), dict) else {},
            extra={k: v for k, v in data.items() if k not in known},
        )


# version N -> a function turning a version-N dict into a version-(N+1) dict.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = int(data.get("version") or 0)
    if version == 0:  # written before versions existed: same shape as version 1
        version = 1
    while version < SETTINGS_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    data["version"] = version
    return data


class SettingsStore:
    """Holds the current settings and writes them to `path` when asked (atomically)."""

    def __init__(self, path: Path, settings: Settings | None = None, *, read_only: bool = False) -> None:
        self.path = path
        self.settings = settings or Settings()
        self.read_only = read_only
        # A sentence for the user when the file could not be used as it was; else "".
        self.load_problem = ""
        self._dirty = False

    @classmethod
    def load(cls, path: Path) -> SettingsStore:
        try:
            text = read_profile_text(path)
        except FileNotFoundError:
            return cls(path)
        except UnicodeDecodeError:
            return cls._set_aside(path, "it is not UTF-8 text")
        except OSError as exc:
            store = cls(path, read_only=True)
            store.load_problem = f"The settings file could not be read ({exc.strerror}); changes will not be saved."
            return store
        try:
            data = json.loads(text)
        except ValueError as exc:
            return cls._set_aside(path, f"it is not valid JSON: {exc}")
        if not isinstance(data, dict):
            return cls._set_aside(path, "it does not hold a JSON object")
        version = int(data.get("version") or 0) if str(data.get("version") or 0).isdigit() else 0
        if version > SETTINGS_VERSION:
            store = cls(path, Settings.from_json(data), read_only=True)
            store.load_problem = (
                f"The settings were written by a newer version (format {version}); "
                "they are used read-only so that version's settings stay intact."
            )
            return store
        try:
            return cls(path, Settings.from_json(migrate(data)))
        except (KeyError, TypeError, ValueError) as exc:  # a known key holding the wrong kind of value
            return cls._set_aside(path, f"its contents have the wrong shape ({type(exc).__name__}: {exc})")

    @classmethod
    def _set_aside(cls, path: Path, reason: str) -> SettingsStore:
        """Keep the unreadable file beside itself and start with defaults (saved over a fresh file)."""
        try:
            moved = set_aside(path)
        except OSError as exc:  # cannot even rename it: never overwrite it, so do not save
            store = cls(path, read_only=True)
            store.load_problem = (f"The settings file is unreadable ({reason}) and could not be set aside "
                                  f"({exc.strerror}); defaults are used and changes will not be saved.")
        else:
            store = cls(path)
            store.load_problem = (f"The settings file was unreadable ({reason}); it was kept as {moved} "
                                  "and default settings are used.")
        log.info("%s", store.load_problem)  # the user is told through load_problem (once)
        return store

    @property
    def dirty(self) -> bool:
        return self._dirty

    def update(self, **changes: Any) -> Settings:
        new = replace(self.settings, **changes)
        if new != self.settings:
            self.settings = new
            self._dirty = True
        return new

    def save(self) -> None:
        """Write the file atomically: a crash leaves either the old or the new file, never half."""
        if self.read_only:
            self._dirty = False
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self.settings.to_json(), indent=2, sort_keys=True) + "\n"
        fd, tmp_name = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        self._dirty = False

    def flush(self) -> None:
        if self._dirty:
            self.save()

"""Account secrets in the OS keyring, with a visible state when there is no usable keyring.

Service = the app id, username = the account's stable id (never the token). When the OS
has no usable keyring (headless Linux: `keyring.backends.fail.Keyring`; a locked or broken
keychain: errors; only a backend that keeps secrets in a plain file, such as keyrings.alt's
PlaintextKeyring, or one keyring ranks priority <= 0), the store says so through `status` and, only once the user agrees
(`allow_session_only()`), keeps secrets in memory for this session. It never writes a
secret anywhere else, and never uses keyring's `null` backend, which drops writes silently.

Keyring calls can block (unlock prompts, D-Bus): the `a*` methods run them in a worker thread.

Backend discovery imports every backend keyring knows (on Linux that pulls in `cryptography`,
~0.3 s). Its answer is remembered (`BackendMemo`, kept in the settings by the caller) with a
fingerprint of the environment that decides it; while the fingerprint matches, `probe()`
reports the remembered answer without importing anything, and the first real secret
operation opens the backend for real (correcting the status if the answer changed).
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hsexplorer.appinfo import KEYRING_SERVICE
from hsexplorer.storage.logging_setup import register_secret

log = logging.getLogger(__name__)
T = TypeVar("T")
# Which backends count as secure (_insecure_reason) is part of a remembered answer's fingerprint:
# bumped when those rules change, so an answer found under older rules is not trusted.
_CLASSIFIER_VERSION = "2"


class SecretsState(enum.Enum):
    UNKNOWN = "unknown"  # not probed yet
    KEYRING = "keyring"  # a working OS keyring
    UNAVAILABLE = "unavailable"  # no usable keyring; the user has not chosen session-only storage
    SESSION_ONLY = "session_only"  # no usable keyring; secrets are kept in memory until exit


@dataclass(frozen=True, slots=True)
class SecretsStatus:
    state: SecretsState
    backend_name: str = ""  # "SecretService Keyring", "macOS Keyring", ... or "" when none
    reason: str = ""  # why the keyring is unusable, for the user

    @property
    def persistent(self) -> bool:
        return self.state is SecretsState.KEYRING

    @property
    def summary(self) -> str:
        if self.state is SecretsState.KEYRING:
            return f"OS keyring ({self.backend_name})"
        if self.state is SecretsState.SESSION_ONLY:
            return "No OS keyring: secrets are kept for this session only"
        if self.state is SecretsState.UNAVAILABLE:
            return f"No usable OS keyring: {self.reason}"
        return "OS keyring not checked yet"


class SecretStoreUnavailable(RuntimeError):
    """No usable keyring, and session-only storage has not been allowed."""


@dataclass(frozen=True, slots=True)
class AccountSecret:
    """What authenticates one account. Never printed: the repr hides every value."""

    token: str = field(repr=False)  # service key, private app token, OAuth access token, API key, sandbox token
    refresh_token: str = field(default="", repr=False)
    # Accounts saved before the client id moved to the settings (Account.oauth_client_id) keep it here.
    client_id: str = field(default="", repr=False)
    client_secret: str = field(default="", repr=False)
    # When the OAuth access token expires (epoch seconds), so it is renewed before, even after a restart.
    expires_at: float | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return "AccountSecret(<hidden>)"

    def values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.token, self.refresh_token, self.client_secret) if v)

    def to_keyring_value(self) -> str:
        data: dict[str, str | float] = {"token": self.token}
        for key in ("refresh_token", "client_id", "client_secret"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.expires_at is not None:
            data["expires_at"] = self.expires_at
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_keyring_value(cls, value: str) -> AccountSecret:
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            # Written by hand or by another tool: the whole value is the token.
            return cls(token=value)
        return cls(
            token=data["token"],
            refresh_token=str(data.get("refresh_token") or ""),
            client_id=str(data.get("client_id") or ""),
            client_secret=str(data.get("client_secret") or ""),
            expires_at=_epoch(data.get("expires_at")),
        )


def _epoch(value: Any) -> float | None:
    """A stored expiry, or None when absent or unreadable (the token is then renewed on a 401)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class BackendMemo:
    """What the last full backend discovery found, and the environment it found it in."""

    available: bool
    backend_name: str
    reason: str
    fingerprint: str

    def to_json(self) -> dict[str, Any]:
        return {"available": self.available, "backend_name": self.backend_name, "reason": self.reason,
                "fingerprint": self.fingerprint}

    @classmethod
    def from_json(cls, data: Any) -> BackendMemo | None:
        if not isinstance(data, dict) or not isinstance(data.get("fingerprint"), str):
            return None
        return cls(bool(data.get("available")), str(data.get("backend_name") or ""), str(data.get("reason") or ""),
                   data["fingerprint"])


def _keyring_config_files() -> list[Path]:
    """Where keyring looks for `keyringrc.cfg` (its own rules, without importing keyring)."""
    home = Path.home()
    roots = [Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "python_keyring",
             home / "Library" / "Application Support" / "python_keyring"]
    if os.environ.get("LOCALAPPDATA"):
        roots.append(Path(os.environ["LOCALAPPDATA"]) / "Python Keyring")
    return [root / "keyringrc.cfg" for root in roots]


def environment_fingerprint() -> str:
    """Changes whenever something that decides keyring's backend choice may have changed.

    Cheap on purpose (it runs at every start): environment variables, keyring's config file,
    and the modification times of keyring's package folder and of the folder it is installed
    in, which change when keyring or any other package (a backend) is installed or removed.
    """
    import importlib.util

    parts = [sys.platform, sys.executable, f"classifier={_CLASSIFIER_VERSION}"]
    for name in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "XDG_CURRENT_DESKTOP", "KDE_FULL_SESSION"):
        parts.append(f"{name}={os.environ.get(name, '')}")
    spec = importlib.util.find_spec("keyring")
    package = Path(spec.origin).parent if spec is not None and spec.origin else None
    paths = [*_keyring_config_files(), *([package, package.parent] if package else [])]
    for path in paths:
        try:
            parts.append(f"{path}:{path.stat().st_mtime_ns}")
        except OSError:
            parts.append(f"{path}:-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _backend_label(backend: Any) -> str:
    return str(getattr(backend, "name", "") or type(backend).__name__)


def _insecure_reason(backend: Any) -> str:
    """Why this one backend must never hold a secret, or "" when it is a real, encrypted OS keyring.

    keyrings.alt (Debian's python3-keyrings.alt) wins keyring's choice on a headless Linux box
    with its PlaintextKeyring: a base64 "secret" in ~/.local/share/python_keyring. Every backend
    that keeps secrets in a file or unencrypted, and every one keyring itself ranks as unsuitable
    (priority <= 0: fail, null, ...), counts as no keyring at all.
    """
    import keyring.backends.fail
    import keyring.backends.null

    if backend is None or isinstance(backend, keyring.backends.fail.Keyring):
        return "the system has no keyring service (for example a headless Linux session without a Secret Service)"
    if isinstance(backend, keyring.backends.null.Keyring):
        return "the keyring is configured as 'null', which discards secrets"
    label = _backend_label(backend)
    module = type(backend).__module__
    class_name = type(backend).__name__.casefold()
    if module == "keyrings.alt" or module.startswith("keyrings.alt."):
        return f"the only keyring found ({label}, from keyrings.alt) keeps secrets in a file, not in an OS keyring"
    if "plaintext" in class_name or "unencrypted" in class_name or hasattr(type(backend), "file_path"):
        return f"the only keyring found ({label}) keeps secrets in a plain file"
    try:
        priority = float(backend.priority)
    except Exception:  # keyring raises from `priority` for a backend that cannot work here
        return f"the keyring {label} cannot be used on this system"
    if priority <= 0:
        return f"the keyring {label} is ranked unsuitable by keyring itself (priority {priority:g})"
    return ""


def _secure_backend(backend: Any) -> tuple[Any | None, str]:
    """The backend secrets may go to, or None and why not.

    keyring's ChainerBackend hands a secret to the first of the backends it chains; when that
    one refuses it tries the next, which may be a plaintext file. So a chain is narrowed to its
    first secure member, and never used as a whole.
    """
    inner = getattr(backend, "backends", None)
    if inner is None:
        problem = _insecure_reason(backend)
        return (None, problem) if problem else (backend, "")
    chained = list(inner)
    if not chained:
        return None, "no keyring backend is available"
    secure = [b for b in chained if not _insecure_reason(b)]
    if not secure:
        return None, _insecure_reason(chained[0])
    return secure[0], ""


class SecretStore:
    """The one place secrets are read and written."""

    def __init__(
        self,
        service: str = KEYRING_SERVICE,
        *,
        memo: BackendMemo | None = None,
        on_discovered: Callable[[BackendMemo], None] | None = None,
    ) -> None:
        self.service = service
        self._memo = memo
        self._on_discovered = on_discovered
        self._opened = False  # True once keyring itself has chosen (and imported) a backend
        self._backend: Any = None  # the secure backend chosen then (see _secure_backend), or None
        self._status = SecretsStatus(SecretsState.UNKNOWN)
        self._session: dict[str, AccountSecret] = {}
        self._session_allowed = False
        self._lock = threading.Lock()
        self._listeners: list[Callable[[SecretsStatus], None]] = []

    # --- state ---------------------------------------------------------------------------
    @property
    def status(self) -> SecretsStatus:
        return self._status

    def add_status_listener(self, callback: Callable[[SecretsStatus], None]) -> None:
        """Called (on the thread that noticed) whenever the state changes."""
        self._listeners.append(callback)

    def _set_status(self, status: SecretsStatus) -> None:
        with self._lock:
            changed = status != self._status
            self._status = status
        if changed:
            for listener in list(self._listeners):
                listener(status)

    def _unusable(self, reason: str) -> SecretsStatus:
        state = SecretsState.SESSION_ONLY if self._session_allowed else SecretsState.UNAVAILABLE
        return SecretsStatus(state, "", reason)

    def probe(self) -> SecretsStatus:
        """Which keyring the OS offers: the remembered answer when still valid, else a full discovery."""
        memo = self._memo
        if not self._opened and memo is not None and memo.fingerprint == environment_fingerprint():
            if memo.available:
                status = SecretsStatus(SecretsState.KEYRING, memo.backend_name)
            else:
                status = self._unusable(memo.reason)
            self._set_status(status)
            return status
        return self.open_backend()

    def open_backend(self) -> SecretsStatus:
        """Let keyring choose its backend (imports every candidate: can take a while)."""
        import keyring

        try:
            backend, problem = _secure_backend(keyring.get_keyring())
        except Exception as exc:  # a broken backend configuration must not stop the app
            problem = f"the keyring could not be set up ({type(exc).__name__})"
            backend = None
        if backend is None:
            status = self._unusable(problem)
        else:
            status = SecretsStatus(SecretsState.KEYRING, _backend_label(backend))
        self._backend = backend
        self._opened = True
        self._set_status(status)
        memo = BackendMemo(status.persistent, status.backend_name, "" if status.persistent else status.reason,
                           environment_fingerprint())
        if memo != self._memo:
            self._memo = memo
            if self._on_discovered is not None:
                self._on_discovered(memo)
        return status

    def allow_session_only(self) -> None:
        """The user agreed to keep secrets in memory until the app exits."""
        self._session_allowed = True
        if self._status.state is SecretsState.UNAVAILABLE:
            self._set_status(SecretsStatus(SecretsState.SESSION_ONLY, "", self._status.reason))

    def _keyring(self) -> Any | None:
        """The backend to use, or None when secrets must stay in this session."""
        if not self._opened:
            self.open_backend()
        if self._status.state is not SecretsState.KEYRING:
            return None
        return self._backend  # never keyring.get_keyring() itself: it may be a chain ending in a file

    def _keyring_failed(self, exc: Exception) -> None:
        # Locked keychain, D-Bus gone, user refused the prompt...: visible, not fatal.
        log.warning("keyring call failed: %s", type(exc).__name__)
        self._set_status(self._unusable(f"the keyring refused the request ({type(exc).__name__})"))

    # --- secrets (blocking) --------------------------------------------------------------
    def get(self, account_id: str) -> AccountSecret | None:
        if account_id in self._session:
            return self._session[account_id]
        backend = self._keyring()
        if backend is None:
            return None
        try:
            value = backend.get_password(self.service, account_id)
        except Exception as exc:
            self._keyring_failed(exc)
            return None
        if value is None:
            return None
        secret = AccountSecret.from_keyring_value(value)
        _register(secret)
        return secret

    def set(self, account_id: str, secret: AccountSecret) -> SecretsState:
        """Store the secret; returns where it went (KEYRING or SESSION_ONLY)."""
        _register(secret)
        backend = self._keyring()
        if backend is not None:
            try:
                backend.set_password(self.service, account_id, secret.to_keyring_value())
            except Exception as exc:
                self._keyring_failed(exc)
            else:
                self._session.pop(account_id, None)
                return SecretsState.KEYRING
        if not self._session_allowed:
            raise SecretStoreUnavailable(self._status.reason or "no usable keyring")
        self._session[account_id] = secret
        return SecretsState.SESSION_ONLY

    def delete(self, account_id: str) -> None:
        """Forget the secret wherever it is; a secret that was never stored is not an error."""
        self._session.pop(account_id, None)
        backend = self._keyring()
        if backend is None:
            return
        import keyring.errors

        try:
            backend.delete_password(self.service, account_id)
        except keyring.errors.PasswordDeleteError:
            pass
        except Exception as exc:
            self._keyring_failed(exc)
            raise SecretStoreUnavailable(self._status.reason) from None

    # --- the same, off the UI thread -----------------------------------------------------
    async def aprobe(self) -> SecretsStatus:
        return await _in_worker(self.probe)

    async def aget(self, account_id: str) -> AccountSecret | None:
        return await _in_worker(self.get, account_id)

    async def aset(self, account_id: str, secret: AccountSecret) -> SecretsState:
        return await _in_worker(self.set, account_id, secret)

    async def adelete(self, account_id: str) -> None:
        await _in_worker(self.delete, account_id)


def _register(secret: AccountSecret) -> None:
    for value in secret.values():
        register_secret(value)


async def _in_worker(func: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, func, *args)

"""The sandbox as the app's default account: persistent, seeded on first open, no port.

The app talks to `EmbeddedSandbox.app` through an in-process ASGI transport; `token` is the
private-app token that account uses (all scopes, kept in the sandbox file so it survives
restarts). "Reset sandbox" empties the portal; "seed" brings the demo portal back.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.app import SandboxApp, create_app
from hsexplorer.sandbox.store import SandboxStore

if TYPE_CHECKING:
    from hsexplorer.sandbox.seed import SeedSettings

DEFAULT_TOKEN_KEY = "default_token"


def ensure_default_token(store: SandboxStore) -> str:
    """The sandbox's own token (all scopes), created once and remembered in its store."""
    token = store.get_meta(DEFAULT_TOKEN_KEY)
    record = store.get_token(token) if token is not None else None
    if token is None or record is None:
        token = auth.generate_private_app_token()
        store.put_token(auth.private_app_token(token))
        store.set_meta(DEFAULT_TOKEN_KEY, token)
    elif record.scopes != auth.ALL_SCOPES:  # made before a scope joined ALL_SCOPES (e.g. contacts)
        store.put_token(auth.private_app_token(token))
    return token


def _set_aside(db_path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = db_path.with_name(f"{db_path.name}.corrupt-{stamp}")
    db_path.replace(target)
    for suffix in ("-wal", "-shm"):
        companion = db_path.with_name(db_path.name + suffix)
        if companion.exists():
            companion.replace(target.with_name(target.name + suffix))
    return target


class EmbeddedSandbox:
    """A store, its ASGI app and its token: what the app needs to use the sandbox as an account."""

    def __init__(self, store: SandboxStore, *, seed: bool = True) -> None:
        self.store = store
        self.recovered_from: Path | None = None
        if seed and store.get_meta("seeded") is None:
            from hsexplorer.sandbox.seed import seed_demo  # first start only: a returning user's app skips it

            seed_demo(store)
        self.token = ensure_default_token(store)
        self.app: SandboxApp = create_app(store)

    @classmethod
    def open(cls, db_path: str | Path, *, seed: bool = True) -> EmbeddedSandbox:
        """The persistent sandbox in `db_path` (created, and seeded, on first open).

        A file SQLite cannot read is set aside (renamed `*.corrupt-<time>`) and a fresh sandbox
        takes its place: sandbox data is demo data, and the app must start. `recovered_from`
        then names the set-aside file so the app can say so.
        """
        db_path = Path(db_path)
        recovered_from = None
        try:
            store = SandboxStore.open(db_path)
        except sqlite3.DatabaseError:
            recovered_from = _set_aside(db_path)
            store = SandboxStore.open(db_path)
        sandbox = cls(store, seed=seed)
        sandbox.recovered_from = recovered_from
        return sandbox

    @classmethod
    def in_memory(cls, *, seed: bool = True) -> EmbeddedSandbox:
        return cls(SandboxStore.in_memory(), seed=seed)

    @property
    def portal_id(self) -> int:
        return self.store.portal_id

    def reset(self) -> None:
        """Empty the portal: no definitions, contacts or occurrences (the token stays valid)."""
        self.store.reset()
        self.app.state.faults.clear()
        self.app.state.limiter.reset()

    def seed(self, settings: SeedSettings | None = None) -> None:
        from hsexplorer.sandbox.seed import seed_demo

        seed_demo(self.store, settings)

    def close(self) -> None:
        self.store.close()

    def __repr__(self) -> str:
        return f"EmbeddedSandbox(portal_id={self.portal_id}, path={self.store.path!s})"

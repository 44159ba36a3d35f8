"""Test-wide isolation: offscreen Qt, a throwaway profile, an in-memory keyring.

Fixture families live in their own plugin modules (listed in `pytest_plugins`) so
that each area's fixtures stay beside each other.
"""

from __future__ import annotations

import os

# Before anything imports Qt: widgets render without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import keyring
import keyring.backend
import pytest

pytest_plugins: list[str] = ["fixtures_a11y", "fixtures_client", "fixtures_qt", "fixtures_sandbox"]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in memory, so no test ever touches a real keychain."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        import keyring.errors

        try:
            del self.store[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def isolated_profile(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own settings and data folders, never the developer's."""
    root = tmp_path_factory.mktemp("profile")
    monkeypatch.setenv("HSEXPLORER_DATA_DIR", str(root))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "xdg-cache"))
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    return root

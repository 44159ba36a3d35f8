"""Where the app keeps its files: the platform's own directories, or one throwaway folder.

`--data-dir DIR` puts everything (settings, databases, logs, sandbox state) under DIR,
so tests and smoke runs never touch the user's real profile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from hsexplorer.appinfo import APP_ID

# Lets a whole process tree (tests, the frozen-app smoke test) share one profile.
DATA_DIR_ENV = "HSEXPLORER_DATA_DIR"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The folders of one profile."""

    config_dir: Path
    data_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def sandbox_db(self) -> Path:
        return self.data_dir / "sandbox.sqlite3"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def outbox_db(self) -> Path:
        return self.data_dir / "outbox.sqlite3"

    def ensure(self) -> AppPaths:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """The profile to use: an explicit folder, the environment's, or the platform default."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return AppPaths(config_dir=root, data_dir=root)
    return AppPaths(
        config_dir=platformdirs.user_config_path(APP_ID, appauthor=False),
        data_dir=platformdirs.user_data_path(APP_ID, appauthor=False),
    )

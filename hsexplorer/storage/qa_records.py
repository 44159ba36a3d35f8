"""Each account's QA record: the one record the QA workbench and `hsexplorer qa run` send cases under.

Kept in its own small file in the profile (`qa_records.json`, account id → {"email"} or
{"objectId"}). The embedded sandbox has a default, a demo contact of its own; a real account
has none until the user chooses one, so cases never land on a real person by accident.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from hsexplorer.domain.edge_cases import SANDBOX_QA_EMAIL, QaRecord
from hsexplorer.storage.accounts import Account
from hsexplorer.storage.paths import AppPaths

QA_RECORDS_FILE = "qa_records.json"
log = logging.getLogger(__name__)


class QaRecordStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @classmethod
    def for_paths(cls, paths: AppPaths) -> QaRecordStore:
        return cls(paths.config_dir / QA_RECORDS_FILE)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            # Unreadable: no record is chosen (the safe side); the next save rewrites the file.
            log.warning("cannot read %s: %s", self.path.name, error)
            return {}
        return data if isinstance(data, dict) else {}

    def chosen(self, account_id: str) -> QaRecord | None:
        """The record the user chose for this account, if any."""
        with self._lock:
            raw = self._read().get(account_id)
        if raw is None:
            return None
        try:
            return QaRecord.from_json(raw)
        except ValueError:
            return None

    def record_for(self, account: Account) -> QaRecord | None:
        """The chosen record, or the embedded sandbox's demo QA contact; None: the user must choose."""
        chosen = self.chosen(account.id)
        if chosen is None and account.is_embedded_sandbox:
            return QaRecord(email=SANDBOX_QA_EMAIL)
        return chosen

    def choose(self, account_id: str, record: QaRecord | None) -> None:
        with self._lock:
            data = self._read()
            if record is None:
                data.pop(account_id, None)
            else:
                data[account_id] = record.to_json()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(self.path.name + ".tmp")
            temporary.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
            temporary.replace(self.path)  # atomic: a crash never loses the other accounts' records

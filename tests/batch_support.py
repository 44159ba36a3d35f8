"""Helpers shared by the batch, outbox and QA tests: files as spreadsheets write them, and runs to completion."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fixtures_client import run

from hsexplorer.domain.definitions import parse_definition
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.hubspot.rate_limit import RetryPolicy
from hsexplorer.services.batch_sender import BatchSender, Progress, SenderOptions
from hsexplorer.services.importer import RowValidator, auto_map, open_source, stage
from hsexplorer.storage.outbox import Outbox


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def login_definition(sandbox) -> Any:
    body = sandbox.store.definition_body("login_event")
    assert body is not None
    return parse_definition(body)


def login_csv(tmp_path: Path, rows: int, *, bad_rows: frozenset[int] = frozenset(), name: str = "logins.csv") -> Path:
    """`rows` data rows for login_event; the data rows listed in `bad_rows` (1-based) have an invalid method."""
    lines = ["Contact ID,Login method,App version"]
    for n in range(1, rows + 1):
        method = "carrier_pigeon" if n in bad_rows else ("sso" if n % 2 else "password")
        lines.append(f"{608001 + n % 200},{method},v{n}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fast_client(sandbox, **kwargs: Any) -> HubSpotClient:
    """A client for the served sandbox whose retries wait milliseconds, not seconds."""
    policy = RetryPolicy(base_delay=0.01, max_delay=0.05, max_rate_limit_wait=5.0)
    return HubSpotClient(PrivateAppToken(sandbox.token), sandbox.base_url, retry_policy=policy, **kwargs)


def stage_file(outbox: Outbox, sandbox, path: Path, *, now_ms: int | None = None):
    definition = login_definition(sandbox)
    source = open_source(path)
    validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition,
                             sandbox.portal_id, now_ms)
    return stage(source, validator, outbox, target="test sandbox")


def send_run(sandbox, outbox: Outbox, run_id: int, options: SenderOptions | None = None,
             progress: list[Progress] | None = None, control=None) -> Progress:
    async def go() -> Progress:
        async with fast_client(sandbox) as client:
            sender = BatchSender(client, outbox, run_id, options=options,
                                 on_progress=progress.append if progress is not None else None)
            if control is not None:
                asyncio.get_running_loop().call_soon(control, sender)
            return await sender.run()

    return run(go(), timeout=120)

"""Sandbox state: persistence across restarts, reset, concurrency, and the in-process (no port) form."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from fixtures_client import run
from fixtures_sandbox import ServedSandbox

from hsexplorer.sandbox.app import ConnectionDropped
from hsexplorer.sandbox.embedded import EmbeddedSandbox
from hsexplorer.sandbox.faults import parse_fault
from hsexplorer.sandbox.seed import seed_file
from hsexplorer.sandbox.server import SandboxServer
from hsexplorer.sandbox.store import SandboxStore
from hsexplorer.services.worker_process import run_in_worker_process

SEND = {"eventName": "pe1234567_login_event", "objectId": "608051", "properties": {"hs_city": "Dublin"}}


def served_send(sandbox: EmbeddedSandbox, body: dict) -> httpx.Response:
    with SandboxServer(sandbox.app) as server, httpx.Client(base_url=server.base_url, verify=False) as client:
        return client.post("/events/v3/send", json=body, headers={"Authorization": f"Bearer {sandbox.token}"})


def test_first_open_seeds_and_a_restart_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    first = EmbeddedSandbox.open(db)
    seeded = first.store.count_events()
    assert seeded > 0 and first.store.count_definitions() >= 5
    event_uuid = str(uuid.uuid4())
    assert served_send(first, {**SEND, "uuid": event_uuid}).status_code == 204
    token = first.token
    first.close()

    again = EmbeddedSandbox.open(db)
    try:
        assert again.token == token  # the app's account keeps working after a restart
        assert again.store.count_events() == seeded + 1  # not re-seeded
        with (
            SandboxServer(again.app) as server,
            httpx.Client(base_url=server.base_url, verify=False) as client,
        ):
            found = client.get(
                "/events/v3/events",
                params={"eventType": "pe1234567_login_event", "id": event_uuid},
                headers={"Authorization": f"Bearer {token}"},
            ).json()["results"]
        assert [e["properties"]["hs_city"] for e in found] == ["Dublin"]
    finally:
        again.close()


def test_an_unreadable_sandbox_file_is_set_aside_and_replaced(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    db.write_bytes(b"garbage, not SQLite" * 200)
    sandbox = EmbeddedSandbox.open(db)
    try:
        assert sandbox.recovered_from is not None and sandbox.recovered_from.exists()
        assert sandbox.recovered_from.read_bytes().startswith(b"garbage")
        assert sandbox.store.count_definitions() >= 5  # a fresh, seeded demo portal
    finally:
        sandbox.close()


def test_two_processes_on_one_file_see_each_others_definitions(tmp_path: Path) -> None:
    # The app and `hsexplorer sandbox serve` may share the profile's sandbox file.
    db = tmp_path / "sandbox.sqlite3"
    app_side = EmbeddedSandbox.open(db)
    served_side = SandboxStore.open(db)
    try:
        assert "pe1234567_login_event" in app_side.store.event_definitions()
        served_side.delete_definition("login_event", "pe1234567_login_event")
        assert "pe1234567_login_event" not in app_side.store.event_definitions()
        assert served_send(app_side, SEND).status_code == 400
    finally:
        served_side.close()
        app_side.close()


def test_reset_empties_the_sandbox_and_it_stays_empty_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    sandbox = EmbeddedSandbox.open(db)
    sandbox.reset()
    assert (
        sandbox.store.count_events(),
        sandbox.store.count_definitions(),
        sandbox.store.count_contacts(),
    ) == (0, 0, 0)
    sandbox.close()
    reopened = EmbeddedSandbox.open(db)
    try:
        assert reopened.store.count_definitions() == 0
        # An empty portal refuses the documented example: its definition is gone.
        assert served_send(reopened, SEND).status_code == 400
        reopened.seed()
        assert reopened.store.count_definitions() >= 5
    finally:
        reopened.close()


def test_many_clients_sending_at_once_lose_nothing(sandbox_server: ServedSandbox) -> None:
    before = sandbox_server.store.count_events("pe1234567_login_event")
    workers, batches, per_batch = 8, 5, 50
    errors: list[str] = []

    def work(worker: int) -> None:
        with sandbox_server.client() as client:
            for b in range(batches):
                inputs = [
                    {**SEND, "uuid": str(uuid.uuid4()), "objectId": str(900000 + worker)}
                    for _ in range(per_batch)
                ]
                response = client.post("/events/v3/send/batch", json={"inputs": inputs})
                if response.status_code != 204:
                    errors.append(f"{worker}/{b}: {response.status_code} {response.text[:200]}")
                single = client.post("/events/v3/send", json={**SEND, "email": f"w{worker}b{b}@example.org"})
                if single.status_code != 204:
                    errors.append(f"{worker}/{b} single: {single.status_code}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    expected = workers * batches * (per_batch + 1)
    assert sandbox_server.store.count_events("pe1234567_login_event") == before + expected
    assert len(sandbox_server.store.contact_ids_matching({})) >= workers * batches


def test_concurrent_duplicates_store_exactly_one(sandbox_server: ServedSandbox) -> None:
    event_uuid = str(uuid.uuid4())
    codes: list[int] = []

    def work() -> None:
        with sandbox_server.client() as client:
            codes.append(client.post("/events/v3/send", json={**SEND, "uuid": event_uuid}).status_code)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [204] + [400] * 5


def test_in_process_app_answers_like_the_served_one() -> None:
    sandbox = EmbeddedSandbox.in_memory()

    async def session() -> tuple[int, int, list[dict]]:
        transport = httpx.ASGITransport(app=sandbox.app)
        headers = {"Authorization": f"Bearer {sandbox.token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox.local", headers=headers
        ) as client:
            sent = await client.post("/events/v3/send", json=SEND)
            refused = await client.post("/events/v3/send", json={**SEND, "eventName": "pe1234567_nope"})
            page = await client.get(
                "/events/v3/events",
                params={"objectType": "contact", "objectId": "608051", "sort": "-occurredAt", "limit": 1},
            )
            return sent.status_code, refused.status_code, page.json()["results"]

    try:
        # Its own thread and loop: the GUI tests keep a qasync loop current in the main thread.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            sent, refused, results = pool.submit(asyncio.run, session()).result(30)
    finally:
        sandbox.close()
    assert (sent, refused) == (204, 400)
    assert results[0]["properties"] == {"hs_city": "Dublin"}


def test_a_drop_fault_in_process_raises_connection_dropped_even_after_serving() -> None:
    sandbox = EmbeddedSandbox.in_memory()
    SandboxServer(sandbox.app).start().stop()  # the app goes back to in-process behaviour
    sandbox.app.state.faults.arm(parse_fault({"path": "/events/v3/events", "action": "drop"}))

    async def call() -> None:
        transport = httpx.ASGITransport(app=sandbox.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.local") as client:
            await client.get("/events/v3/events", headers={"Authorization": f"Bearer {sandbox.token}"})

    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool, pytest.raises(ConnectionDropped):
            pool.submit(asyncio.run, call()).result(30)
    finally:
        sandbox.close()


def test_a_worker_process_reseeds_an_open_sandbox_file_and_the_open_app_sees_the_demo_portal(tmp_path: Path) -> None:
    sandbox = EmbeddedSandbox.open(tmp_path / "sandbox.sqlite3")
    try:
        seeded = (sandbox.store.count_definitions(), sandbox.store.count_events(), sandbox.store.count_contacts())
        sandbox.reset()
        assert sandbox.store.count_events() == 0 and sandbox.store.definition_names() == set()
        run(run_in_worker_process(seed_file, sandbox.store.path))
        assert (sandbox.store.count_definitions(), sandbox.store.count_events(),
                sandbox.store.count_contacts()) == seeded
        # The definitions the app judges sends by are the worker's, not the emptied portal's.
        assert served_send(sandbox, {**SEND, "uuid": str(uuid.uuid4())}).status_code == 204
    finally:
        sandbox.close()

"""Every sender is recorded: the composer page (through the session's client) and the batch sender."""

from __future__ import annotations

import pytest
from batch_support import fast_client, login_csv, stage_file
from composer_support import close_harness, make_harness
from fixtures_client import run

from hsexplorer.domain.history_records import RequestKind
from hsexplorer.services.batch_sender import BatchSender
from hsexplorer.services.history_recorder import AccountRef, HistoryRecorder
from hsexplorer.storage.history import HistoryQuery, HistoryStore
from hsexplorer.storage.outbox import Outbox


def test_the_batch_sender_is_recorded_chunk_by_chunk(sandbox_server, tmp_path):
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    recorder = HistoryRecorder(store)
    outbox = Outbox.open(tmp_path / "outbox.sqlite3")
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 1100, bad_rows=frozenset({7})))

    async def go():
        async with fast_client(sandbox_server, allow_custom_host=True) as client:
            recorder.attach(client, AccountRef("served", "Served sandbox", sandbox_server.portal_id))
            return await BatchSender(client, outbox, staged.run_id).run()

    progress = run(go(), timeout=120)
    assert recorder.flush()
    batches = store.search(HistoryQuery(kinds=frozenset({RequestKind.BATCH})))
    assert batches and all(e.account_name == "Served sandbox" for e in batches)
    accepted = sum(e.occurrences for e in batches if e.status_class == "2xx")
    assert accepted == progress.sent  # every accepted row is in a recorded 2xx batch
    assert progress.sent == 1099 and progress.not_sendable == 1  # the invalid row was never sent, nor recorded
    assert len(batches) >= 3  # HubSpot takes at most 500 per batch
    # A row's objectId finds the chunk that carried it.
    assert store.search(HistoryQuery(text="608050", kinds=frozenset({RequestKind.BATCH})))
    recorder.close()
    store.close()
    outbox.close()


@pytest.mark.gui
def test_a_send_from_the_composer_page_is_recorded_by_the_session(qtbot, run_async):
    harness = make_harness(qtbot, run_async)
    try:
        page = harness.page
        page.load_payload({"eventName": harness.event("login_event"), "email": "composer.send@example.com",
                           "properties": {"login_method": "sso"}})
        qtbot.waitUntil(page.send_button.isEnabled, timeout=10_000)
        task = page.send()
        assert task is not None
        run_async(task, timeout=20)
        history = harness.session.history
        found = run_async(_search(history, "composer.send@example.com"))
        assert len(found) == 1
        entry = found[0]
        assert entry.kind is RequestKind.SEND and entry.status_class == "2xx"
        assert entry.account_name == harness.session.active_account.name
        assert entry.portal_id == harness.portal_id
    finally:
        close_harness(harness, run_async)


async def _search(history, text):
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, history.search, HistoryQuery(text=text))

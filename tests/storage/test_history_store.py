"""The history database on real SQLite files: search, filters, retention, corruption, versions, exports."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time

import pytest

from hsexplorer.domain.history_records import RequestKind
from hsexplorer.storage.history import (
    SCHEMA_VERSION,
    HistoryQuery,
    HistoryStore,
    NewEntry,
    Retention,
    export_entries,
    to_csv,
)

NOW = float(int(time.time()))


def entry(n: int = 0, *, email: str = "jane@example.com", status: int | None = 204, event: str = "pe1_login_event",
          at: float = NOW, account: str = "acct-a", kind: RequestKind = RequestKind.SEND, **extra) -> NewEntry:
    body = {"eventName": event, "email": email, "uuid": f"uuid-{n}", "properties": {"n": n}}
    status_class = "network" if status is None else f"{status // 100}xx"
    values = dict(
        recorded_at=at, account_id=account, account_name=f"Account {account}", portal_id=1, kind=kind,
        method="POST", url="https://api.hubapi.com/events/v3/send", status=status, status_class=status_class,
        duration_ms=12.5, correlation_id=f"corr-{n}", attempt=1, error="" if status else "connection reset",
        request_headers={"Authorization": "Bearer [REDACTED]"}, request_body=json.dumps(body),
        response_headers={"X-HubSpot-RateLimit-Remaining": "99"},
        response_body="" if status == 204 else json.dumps({"message": f"bad thing {n}"}),
        rate_limit={"X-HubSpot-RateLimit-Remaining": "99"}, event_names=(event,), emails=(email,),
        uuids=(f"uuid-{n}",), occurrences=1,
    )
    values.update(extra)
    return NewEntry(**values)


@pytest.fixture
def store(tmp_path):
    s = HistoryStore.open(tmp_path / "history.sqlite3", Retention(days=0, max_entries=0))
    yield s
    s.close()


def ids(entries):
    return [e.correlation_id for e in entries]


def test_entries_round_trip_and_come_back_newest_first(store):
    store.add_many([entry(1), entry(2, status=400)])
    found = store.search()
    assert ids(found) == ["corr-2", "corr-1"]
    assert found[0].status == 400 and found[0].status_class == "4xx"
    assert found[0].request_json()["email"] == "jane@example.com"
    assert found[0].rate_limit == {"X-HubSpot-RateLimit-Remaining": "99"}
    assert store.get(found[1].id).correlation_id == "corr-1"


def test_search_by_email_event_object_id_status_and_text(store):
    store.add_many([
        entry(1, email="jane@example.com"),
        entry(2, email="bob@corp.io", status=400, event="pe1_plan_upgraded"),
        entry(3, email="", object_ids=("90210",), status=None),
    ])
    assert ids(store.search(HistoryQuery(text="jane@example"))) == ["corr-1"]
    assert ids(store.search(HistoryQuery(text="plan_upgraded"))) == ["corr-2"]
    assert ids(store.search(HistoryQuery(text="90210"))) == ["corr-3"]
    assert ids(store.search(HistoryQuery(text="400"))) == ["corr-2"]
    assert ids(store.search(HistoryQuery(text="bad thing 2"))) == ["corr-3", "corr-2"]  # "2" is in 90210
    assert ids(store.search(HistoryQuery(text='"bad thing 2"'))) == ["corr-2"]  # a quoted phrase
    assert ids(store.search(HistoryQuery(text="corp.io 400"))) == ["corr-2"]  # terms are ANDed
    assert ids(store.search(HistoryQuery(text="bob jane"))) == []
    assert ids(store.search(HistoryQuery(text="io"))) == ["corr-2"]  # short terms still match (LIKE)


def test_search_text_with_fts_syntax_is_taken_literally(store):
    store.add_many([entry(1, email='we"ird@x.com')])
    assert ids(store.search(HistoryQuery(text='we"ird'))) == ["corr-1"]
    assert store.search(HistoryQuery(text="NOT OR AND *")) == []


def test_filters_by_account_status_class_kind_and_date(store):
    store.add_many([
        entry(1, account="a", at=NOW - 86_400),
        entry(2, account="b", status=500),
        entry(3, account="a", status=None),
        entry(4, account="a", kind=RequestKind.DEFINITION_CREATE),
    ])
    assert ids(store.search(HistoryQuery(account_id="b"))) == ["corr-2"]
    assert ids(store.search(HistoryQuery(status_classes=frozenset({"5xx", "network"})))) == ["corr-3", "corr-2"]
    assert ids(store.search(HistoryQuery(kinds=frozenset({RequestKind.DEFINITION_CREATE})))) == ["corr-4"]
    assert ids(store.search(HistoryQuery(until=NOW - 3600))) == ["corr-1"]
    assert ids(store.search(HistoryQuery(since=NOW - 3600, account_id="a"))) == ["corr-4", "corr-3"]
    assert store.accounts() == [("a", "Account a"), ("b", "Account b")]


def test_retention_by_age_and_by_count(tmp_path):
    store = HistoryStore.open(tmp_path / "h.sqlite3", Retention(days=30, max_entries=3))
    store.add_many([entry(1, at=NOW - 31 * 86_400)] + [entry(n, at=NOW) for n in range(2, 7)])
    removed = store.apply_retention(now=NOW)
    assert removed == 3
    assert ids(store.search()) == ["corr-6", "corr-5", "corr-4"]
    # The search index forgets removed entries too.
    assert store.search(HistoryQuery(text="uuid-2")) == []
    store.close()


def test_retention_comes_from_the_settings_with_safe_defaults():
    assert Retention.from_settings({}) == Retention()
    assert Retention.from_settings({"history": {"retention_days": 7, "max_entries": "lots"}}) == Retention(7, Retention().max_entries)
    extra = Retention(5, 10).to_settings({"other": 1})
    assert extra == {"other": 1, "history": {"retention_days": 5, "max_entries": 10}}
    assert Retention.from_settings(extra) == Retention(5, 10)


def test_the_file_survives_reopening_and_uses_wal(tmp_path):
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    store.add(entry(1))
    store.close()
    again = HistoryStore.open(path)
    assert ids(again.search()) == ["corr-1"]
    assert again.recovery_message == ""
    again.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_a_corrupt_file_is_moved_aside_and_a_fresh_history_starts(tmp_path):
    path = tmp_path / "history.sqlite3"
    garbage = b"this is not a database \x00\xff" * 200
    path.write_bytes(garbage)
    store = HistoryStore.open(path)
    assert "could not be read" in store.recovery_message and ".corrupt-" in store.recovery_message
    moved = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == garbage
    store.add(entry(1))
    assert ids(store.search()) == ["corr-1"]
    store.close()


def test_a_damaged_page_inside_a_real_database_is_detected(tmp_path):
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    store.add_many([entry(n) for n in range(300)])
    store.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = b"\xa5" * 4096  # scribble over the second page
    path.write_bytes(bytes(data))
    reopened = HistoryStore.open(path)
    assert reopened.recovery_message
    assert reopened.count() == 0
    reopened.close()


def test_a_file_from_a_newer_version_is_left_untouched(tmp_path):
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE future (x)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    store = HistoryStore.open(path)
    assert "newer version" in store.recovery_message
    store.add(entry(1))  # the session still has a (memory) history
    assert store.count() == 1
    store.close()
    assert path.read_bytes() == before


def test_exports_as_json_lines_and_csv(store, tmp_path):
    store.add_many([entry(1), entry(2, status=400)])
    entries = store.search()
    assert export_entries(entries, tmp_path / "out.jsonl") == 2
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert first["status"] == 400 and first["request"]["email"] == "jane@example.com"
    assert first["response"] == {"message": "bad thing 2"}
    export_entries(entries, tmp_path / "out.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text())))
    assert [r["status"] for r in rows] == ["400", "204"]
    assert json.loads(rows[0]["request"])["uuid"] == "uuid-2"
    assert to_csv([]).strip().startswith("id,recordedAt")


def test_delete_and_clear(store):
    new_ids = store.add_many([entry(1), entry(2)])
    store.delete([new_ids[0]])
    assert ids(store.search()) == ["corr-2"]
    store.clear()
    assert store.count() == 0 and store.search(HistoryQuery(text="uuid")) == []


def test_values_deep_in_a_big_batch_are_found_once_indexed(store):
    inputs = [{"eventName": "pe1_login_event", "objectId": str(1000 + i), "properties": {"app_version": f"v{i}"}}
              for i in range(500)]
    store.add(entry(1, kind=RequestKind.BATCH, request_body=json.dumps({"inputs": inputs}),
                    object_ids=tuple(i["objectId"] for i in inputs), occurrences=500))
    assert ids(store.search(HistoryQuery(text="v499"))) == ["corr-1"]
    assert ids(store.search(HistoryQuery(text="1499"))) == ["corr-1"]
    assert store.search(HistoryQuery(text="v500")) == []


def test_search_words_lists_each_key_and_value_once():
    from hsexplorer.domain.history_records import search_words

    body = json.dumps({"inputs": [{"eventName": "e", "properties": {"plan": "pro"}}] * 3})
    assert search_words(body).splitlines() == ["inputs", "eventName", "e", "properties", "plan", "pro"]
    assert search_words("not json at all") == "not json at all"

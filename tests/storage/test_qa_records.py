"""Each account's QA record, kept in its own profile file."""

from __future__ import annotations

import json

from hsexplorer.domain.edge_cases import SANDBOX_QA_EMAIL, QaRecord
from hsexplorer.storage.accounts import Account, AuthKind, embedded_sandbox_account, new_account_id
from hsexplorer.storage.qa_records import QaRecordStore


def real_account() -> Account:
    return Account(id=new_account_id(), name="Live", auth_kind=AuthKind.PRIVATE_APP, portal_id=42)


def test_a_real_account_has_no_record_until_one_is_chosen_and_the_choice_survives_a_restart(tmp_path):
    account, other = real_account(), real_account()
    store = QaRecordStore(tmp_path / "qa_records.json")
    assert store.record_for(account) is None
    store.choose(account.id, QaRecord(email="qa@example.org"))
    store.choose(other.id, QaRecord(object_id="901"))
    again = QaRecordStore(tmp_path / "qa_records.json")
    assert again.record_for(account) == QaRecord(email="qa@example.org")
    assert again.record_for(other) == QaRecord(object_id="901")
    again.choose(account.id, None)
    assert QaRecordStore(tmp_path / "qa_records.json").record_for(account) is None
    assert json.loads((tmp_path / "qa_records.json").read_text()) == {other.id: {"objectId": "901"}}


def test_the_embedded_sandbox_defaults_to_its_own_qa_contact_but_can_be_changed(tmp_path):
    store = QaRecordStore(tmp_path / "qa_records.json")
    sandbox = embedded_sandbox_account()
    assert store.record_for(sandbox) == QaRecord(email=SANDBOX_QA_EMAIL)
    store.choose(sandbox.id, QaRecord(email="someone.else@example.org"))
    assert store.record_for(sandbox) == QaRecord(email="someone.else@example.org")


def test_an_unreadable_file_means_no_record_chosen_and_is_rewritten_on_the_next_choice(tmp_path):
    path = tmp_path / "qa_records.json"
    path.write_text("{not json", encoding="utf-8")
    account = real_account()
    store = QaRecordStore(path)
    assert store.record_for(account) is None
    path.write_text(json.dumps({account.id: {"email": "not an email"}}), encoding="utf-8")
    assert store.record_for(account) is None  # a hand-edited bad record is never used
    store.choose(account.id, QaRecord(object_id="7"))
    assert store.record_for(account) == QaRecord(object_id="7")

"""hsexplorer/worker_pacing.py: a long worker loop offers the interpreter lock once per interval, never more."""

from __future__ import annotations

import types

from hsexplorer import worker_pacing
from hsexplorer.worker_pacing import LockYielder


def test_pacer_sleeps_zero_seconds_once_per_interval(monkeypatch):
    now = [1_000.0]
    sleeps: list[float] = []
    fake_time = types.SimpleNamespace(perf_counter=lambda: now[0], sleep=sleeps.append)
    monkeypatch.setattr(worker_pacing, "time", fake_time)

    pace = LockYielder(every=0.002)
    for _ in range(1_000):  # a fast loop: no time passes, so the lock is never offered
        pace()
    assert sleeps == [] and pace.yields == 0

    now[0] += 0.002
    pace()
    assert sleeps == [0] and pace.yields == 1

    now[0] += 0.001  # half an interval since the last offer
    pace()
    assert sleeps == [0]

    now[0] += 0.0015
    pace()
    pace()  # the interval restarts at the offer: one offer, not two
    assert sleeps == [0, 0] and pace.yields == 2


def test_paced_yields_every_item_in_order_and_offers_the_lock_while_consumed(monkeypatch):
    now = [0.0]
    sleeps: list[float] = []
    monkeypatch.setattr(worker_pacing, "time", types.SimpleNamespace(perf_counter=lambda: now[0], sleep=sleeps.append))

    def slow_items():
        for number in range(10):
            now[0] += 0.001  # each item takes 1 ms to produce
            yield number

    assert list(worker_pacing.paced(slow_items(), every=0.002)) == list(range(10))
    assert len(sleeps) == 5  # 10 ms of work: an offer every 2 ms

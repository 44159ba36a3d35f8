"""services/worker_pacing.py: a long worker loop offers the interpreter lock once per interval, never more."""

from __future__ import annotations

import types

from hsexplorer.services import worker_pacing
from hsexplorer.services.worker_pacing import Pacer


def test_pacer_sleeps_zero_seconds_once_per_interval(monkeypatch):
    now = [1_000.0]
    sleeps: list[float] = []
    fake_time = types.SimpleNamespace(perf_counter=lambda: now[0], sleep=sleeps.append)
    monkeypatch.setattr(worker_pacing, "time", fake_time)

    pace = Pacer(every=0.002)
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

"""The shared debouncer: one call per pause in triggers, flushable, cancellable, observable."""

from __future__ import annotations

import pytest

from hsexplorer.ui.widgets.debounce import Debouncer

pytestmark = pytest.mark.gui


def test_a_burst_of_triggers_runs_the_callback_once_after_the_pause(qtbot):
    calls = []
    debouncer = Debouncer(lambda: calls.append(1), 20)
    for _ in range(10):
        debouncer.trigger()
    assert debouncer.pending() and calls == []
    with qtbot.waitSignal(debouncer.fired, timeout=3000):
        pass
    assert calls == [1] and not debouncer.pending()


def test_flush_runs_a_pending_call_now_and_only_then(qtbot):
    calls = []
    debouncer = Debouncer(lambda: calls.append(1), 10_000)
    assert debouncer.flush() is False and calls == []
    debouncer.trigger()
    with qtbot.waitSignal(debouncer.fired, timeout=1000):
        assert debouncer.flush() is True
    assert calls == [1] and not debouncer.pending()


def test_cancel_drops_the_pending_call(qtbot):
    calls = []
    debouncer = Debouncer(lambda: calls.append(1), 10)
    debouncer.trigger()
    debouncer.cancel()
    assert not debouncer.pending()
    assert debouncer.flush() is False and calls == []

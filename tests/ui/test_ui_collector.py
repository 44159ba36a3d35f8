"""ui/heap.py: once the app is up, the cyclic collector never runs in a worker thread.

A collection in a worker can destroy Qt objects off the UI thread (a CI run segfaulted so).
"""

from __future__ import annotations

import gc
import threading

from hsexplorer.ui import heap


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_workers_allocating_cycles_never_collect_and_the_ui_thread_does(qasync_loop, qtbot):
    assert heap.collecting_on_ui_thread()
    assert not gc.isenabled()  # no automatic passes, in any thread
    collected_in: list[int] = []

    def on_collection(phase: str, _info: dict) -> None:
        if phase == "start":
            collected_in.append(threading.get_ident())

    gc.callbacks.append(on_collection)
    try:
        worker = threading.Thread(target=lambda: [Cycle() for _ in range(200_000)])
        worker.start()
        qtbot.waitUntil(lambda: not worker.is_alive(), timeout=20_000)
        worker.join()
        # The garbage the worker left is collected from the UI thread's timer.
        qtbot.waitUntil(lambda: bool(collected_in), timeout=2 * heap.COLLECT_CHECK_MS + 2_000)
    finally:
        gc.callbacks.remove(on_collection)
    assert set(collected_in) == {threading.main_thread().ident}


def test_a_pass_runs_only_when_the_allocation_count_calls_for_it(qasync_loop):
    gc.collect()
    assert heap.collect_if_due() is None  # nothing allocated since
    threshold = gc.get_threshold()[0]
    keep = [Cycle() for _ in range(threshold + 10)]
    assert heap.collect_if_due() == 0
    assert gc.get_count()[0] < threshold
    del keep

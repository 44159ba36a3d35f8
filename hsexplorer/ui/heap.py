"""The cyclic garbage collector in a Qt app: only on the UI thread, and short while bulk work runs.

Automatic collection runs in whichever thread happens to allocate. When that is a worker
(seeding the sandbox, staging a batch) and the garbage holds Qt wrappers, their C++ objects are
destroyed off the UI thread while the UI thread may be inside Qt: a CI run crashed so (segfault,
"Garbage-collecting" in a worker under `seed_demo` while pytest-qt processed events).
`collect_on_ui_thread()` turns automatic collection off and runs the same generational passes,
by the same thresholds, from a timer on the UI thread.

A full collection walks every object the process holds; with Qt, the app's modules and its
pages that is tens of thousands of objects, and on a slow machine one pass stops every thread
for 40-100 ms, the window included. Bulk work (100,000 rows validated, staged and sent)
allocates enough to trigger such passes every few seconds. `hold()` moves every object that
exists into the permanent generation (`gc.freeze()`, a constant-time list splice, so holding
costs no pause itself), and passes during the work only look at what the work allocated;
`release()` hands the frozen objects back to the collector, which then frees whatever became
garbage meanwhile. Holds nest: all this is undone when the last holder releases it.

The other half of a responsive window during bulk work is keeping pure-Python bulk work out of
the window's process: it runs in a worker process (hsexplorer/services/worker_process.py), where
neither the interpreter lock nor this collector is shared with the window.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

_lock = threading.Lock()
_holders = 0
_collector_timer: Any = None  # the QTimer of collect_on_ui_thread, once started
COLLECT_CHECK_MS = 100


def collect_on_ui_thread(check_every_ms: int = COLLECT_CHECK_MS) -> None:
    """From now on the cyclic collector runs only on this (the UI) thread. Idempotent.

    Call on the UI thread once the QApplication exists. Reference counting still frees almost
    everything at once in every thread; only reference cycles wait for the next check.
    """
    global _collector_timer
    from PySide6.QtCore import QTimer

    gc.disable()
    if _collector_timer is None:
        _collector_timer = QTimer()
        _collector_timer.setObjectName("uiThreadCollector")
        _collector_timer.timeout.connect(collect_if_due)
    _collector_timer.start(check_every_ms)


def collecting_on_ui_thread() -> bool:
    return _collector_timer is not None and _collector_timer.isActive()


def collect_if_due() -> int | None:
    """One generational pass if the allocation counts call for it, as automatic collection would.

    Returns the generation collected, or None when no pass was due.
    """
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if thresholds[0] == 0 or counts[0] <= thresholds[0]:
        return None
    generation = 0
    if counts[1] > thresholds[1]:
        generation = 1
        if counts[2] > thresholds[2]:
            generation = 2
    gc.collect(generation)
    return generation


def freeze_before_bulk_load() -> None:
    """Move everything alive now out of the collector's full passes before a bulk load.

    Cheap (a list splice) and safe to repeat: frozen objects are still freed by reference
    counting; only reference cycles among them wait for the next `release()` to be collected.
    """
    gc.freeze()


def hold() -> None:
    global _holders
    with _lock:
        _holders += 1
        if _holders == 1:
            gc.freeze()


def release() -> None:
    global _holders
    with _lock:
        if _holders == 0:
            return
        _holders -= 1
        if _holders == 0:
            gc.unfreeze()


def holders() -> int:
    return _holders

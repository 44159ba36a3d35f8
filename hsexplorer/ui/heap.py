"""Short garbage-collector pauses and interpreter-lock waits while bulk work runs beside the UI.

A full collection walks every object the process holds; with Qt, the app's modules and its
pages that is tens of thousands of objects, and on a slow machine one pass stops every thread
for 40-100 ms, the window included. Bulk work (100,000 rows validated, staged and sent)
allocates enough to trigger such passes every few seconds. `hold()` moves every object that
exists into the permanent generation (`gc.freeze()`, a constant-time list splice, so holding
costs no pause itself), and passes during the work only look at what the work allocated;
`release()` hands the frozen objects back to the collector, which then frees whatever became
garbage meanwhile. While held, threads also switch every 1 ms instead of every 5 ms (see
BULK_SWITCH_INTERVAL). Holds nest: all this is undone when the last holder releases it.
"""

from __future__ import annotations

import gc
import sys
import threading

# While held, the interpreter switches threads at least this often. A worker running Python
# (validating, staging, writing history) keeps the interpreter lock for up to the switch
# interval (5 ms by default) each time the UI thread comes back from Qt into Python and asks
# for it, and one turn of the event loop does that several times: gaps of 30-100 ms in which
# the UI thread did no work of its own. 1 ms bounds each such wait at a small cost in switches.
BULK_SWITCH_INTERVAL = 0.001

_lock = threading.Lock()
_holders = 0
_interval_before = 0.005


def freeze_before_bulk_load() -> None:
    """Move everything alive now out of the collector's full passes before a bulk load.

    Cheap (a list splice) and safe to repeat: frozen objects are still freed by reference
    counting; only reference cycles among them wait for the next `release()` to be collected.
    """
    gc.freeze()


def hold() -> None:
    global _holders, _interval_before
    with _lock:
        _holders += 1
        if _holders == 1:
            gc.freeze()
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval_before, BULK_SWITCH_INTERVAL))


def release() -> None:
    global _holders
    with _lock:
        if _holders == 0:
            return
        _holders -= 1
        if _holders == 0:
            gc.unfreeze()
            sys.setswitchinterval(_interval_before)


def holders() -> int:
    return _holders

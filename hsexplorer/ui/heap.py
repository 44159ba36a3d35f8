"""Short garbage-collector pauses while bulk work runs beside the UI.

A full collection walks every object the process holds; with Qt, the app's modules and its
pages that is tens of thousands of objects, and on a slow machine one pass stops every thread
for 40-100 ms, the window included. Bulk work (100,000 rows validated, staged and sent)
allocates enough to trigger such passes every few seconds. `hold()` moves every object that
exists into the permanent generation (`gc.freeze()`, a constant-time list splice, so holding
costs no pause itself), and passes during the work only look at what the work allocated;
`release()` hands the frozen objects back to the collector, which then frees whatever became
garbage meanwhile. Holds nest: all this is undone when the last holder releases it.

The other half of a responsive window during bulk work is the worker threads' own: they offer
the interpreter lock every couple of milliseconds (hsexplorer/worker_pacing.py). Shortening the
switch interval instead (1 ms) was tried first and measured worse than pacing alone.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_holders = 0


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

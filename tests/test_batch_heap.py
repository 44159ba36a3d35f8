"""ui/heap.py: holds nest, and the frozen heap is handed back to the collector on the last release."""

from __future__ import annotations

import gc

from hsexplorer.ui import heap


def test_holds_nest_and_the_last_release_unfreezes():
    assert heap.holders() == 0
    gc.unfreeze()  # an Explore search earlier in this process froze everything (freeze_before_bulk_load)
    before = gc.get_freeze_count()
    heap.hold()
    frozen = gc.get_freeze_count()
    assert frozen > before + 1_000  # everything alive now is out of the collector's full passes
    heap.hold()
    heap.release()
    assert heap.holders() == 1 and gc.get_freeze_count() >= frozen
    heap.release()
    assert heap.holders() == 0 and gc.get_freeze_count() < frozen
    heap.release()  # an extra release is harmless
    assert heap.holders() == 0

"""ui/heap.py: holds nest, and the frozen heap is handed back to the collector on the last release."""

from __future__ import annotations

import gc

from hsexplorer.ui import heap


def _frozen(obj: object) -> bool:
    """Whether `obj` sits in the permanent generation (out of the collector's passes).

    `gc.get_objects()` lists the three collected generations only, never the frozen objects.
    Asked about one object of the test's own, not about `gc.get_freeze_count()`: that count
    drops whenever any thread frees a frozen object, so comparing two readings of it was racy
    (this test failed about 1 run in 7 so).
    """
    assert gc.is_tracked(obj)
    return not any(o is obj for o in gc.get_objects())


def test_holds_nest_and_the_last_release_unfreezes():
    assert heap.holders() == 0
    gc.unfreeze()  # an Explore search earlier in this process froze everything (freeze_before_bulk_load)
    alive_before = [object()]  # a tracked object that exists when the first hold starts
    assert not _frozen(alive_before)
    heap.hold()
    assert _frozen(alive_before)  # everything alive now is out of the collector's full passes
    heap.hold()
    heap.release()
    assert heap.holders() == 1 and _frozen(alive_before)  # an inner release keeps the heap held
    created_while_held = [object()]
    assert not _frozen(created_while_held)  # what the bulk work allocates is still collected
    heap.release()
    assert heap.holders() == 0 and not _frozen(alive_before)  # the last release hands it back
    heap.release()  # an extra release is harmless
    assert heap.holders() == 0 and not _frozen(alive_before)

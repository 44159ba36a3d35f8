"""The Compose page on the embedded sandbox, shared by the compose tests."""

import pytest
from composer_support import close_harness, make_harness


@pytest.fixture
def harness(qasync_loop, qtbot, run_async):
    h = make_harness(qtbot, run_async)
    yield h
    close_harness(h, run_async)
    assert not h.failures, h.failures

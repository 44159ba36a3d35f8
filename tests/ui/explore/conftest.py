"""The `pane` fixture: an Explore page over the served sandbox, for every Explore GUI test."""

from __future__ import annotations

import pytest
from explore_support import Pane


@pytest.fixture
def pane(qasync_loop, qtbot, run_async, sandbox_server):
    made = Pane(qtbot, run_async, sandbox_server)
    yield made
    made.close()



"""Closing the window while the start page's connection is still being opened leaves nothing open.

The first client waits for the embedded sandbox (opened, and on a first start seeded, in a worker
thread); a window closed meanwhile must not get a client or a sandbox afterwards that nobody closes.
"""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.gui


def _session():
    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.secrets import SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui.session import AppSession

    paths = resolve_paths().ensure()
    return AppSession(paths, SettingsStore.load(paths.settings_file), SecretStore())


def test_a_client_still_opening_when_the_window_closes_is_not_handed_out(qasync_loop, run_async, isolated_profile):
    session = _session()
    assert session.active_account.is_embedded_sandbox  # a first start: the sandbox is seeded, which takes a while

    async def close_while_opening() -> BaseException | object:
        opening = asyncio.ensure_future(session.client())
        await asyncio.sleep(0)  # it is now waiting for the sandbox's worker thread
        assert not opening.done()
        await session.aclose()
        try:
            return await opening
        except asyncio.CancelledError as stopped:
            return stopped

    outcome = run_async(close_while_opening(), timeout=60)
    assert isinstance(outcome, asyncio.CancelledError), f"a closed session handed out {outcome!r}"

    async def ask_again() -> BaseException | object:
        try:
            return await session.client()
        except asyncio.CancelledError as stopped:
            return stopped

    assert isinstance(run_async(ask_again(), timeout=30), asyncio.CancelledError)

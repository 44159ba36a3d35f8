"""A second served sandbox for the definitions-transfer tests: another portal that lacks part of the demo.

The "production" portal (7654321) has `login_event` without `two_factor` and without two of
`login_method`'s options, `plan_upgraded` with `seats` as a string (a type conflict with the
demo's number), an event of its own (`nps_submitted`), and none of the other demo events.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from fixtures_sandbox import ServedSandbox

from hsexplorer.sandbox.app import create_app
from hsexplorer.sandbox.definition_rules import build_definition
from hsexplorer.sandbox.embedded import ensure_default_token
from hsexplorer.sandbox.seed import DEMO_DEFINITIONS
from hsexplorer.sandbox.server import SandboxServer
from hsexplorer.sandbox.store import SandboxStore

OTHER_PORTAL_ID = 7654321


def _demo(name: str) -> dict:
    return copy.deepcopy(next(d for d in DEMO_DEFINITIONS if d["name"] == name))


def partial_definitions() -> list[dict]:
    login = _demo("login_event")
    login["propertyDefinitions"] = [p for p in login["propertyDefinitions"] if p["name"] != "two_factor"]
    method = login["propertyDefinitions"][0]
    method["options"] = [o for o in method["options"] if o["value"] in ("password", "sso")]
    upgraded = _demo("plan_upgraded")
    for prop in upgraded["propertyDefinitions"]:
        if prop["name"] == "seats":
            prop["type"] = "string"
    nps = {"name": "nps_submitted", "label": "Submitted NPS", "description": "",
           "propertyDefinitions": [{"name": "score", "label": "Score", "type": "number"}]}
    return [login, upgraded, nps]


@pytest.fixture(scope="session")
def _other_sandbox_session() -> Iterator[tuple[SandboxServer, SandboxStore, SandboxStore]]:
    template = SandboxStore.in_memory()
    template.set_meta("portal_id", str(OTHER_PORTAL_ID))
    template.reset()
    for egg in partial_definitions():
        template.save_definition(build_definition(egg, portal_id=OTHER_PORTAL_ID,
                                                  definition_id=template.next_definition_id()))
    ensure_default_token(template)
    live = SandboxStore.in_memory()
    template.copy_to(live)
    app = create_app(live)
    server = SandboxServer(app).start()
    yield server, live, template
    server.stop()
    live.close()
    template.close()


@pytest.fixture
def other_sandbox(_other_sandbox_session) -> ServedSandbox:
    """A second served sandbox (portal 7654321), fresh for each test."""
    server, live, template = _other_sandbox_session
    template.copy_to(live)
    token = live.get_meta("default_token")
    assert token is not None
    return ServedSandbox(server=server, app=server.app, store=live, token=token)

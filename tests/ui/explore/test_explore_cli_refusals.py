"""What Explore refuses, `hsexplorer query` refuses, in the same words: one search use case.

Each case is the same search typed into the Explore page and given as options to the command;
the page shows its refusals under the filters (✖ lines) and sends nothing, the command exits 2
printing exactly those refusals and sends nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hsexplorer.domain.event_query import UTK_UNSUPPORTED, ExploreFilter, LookupKind, PropertyFilter

pytestmark = pytest.mark.gui

CASES = [
    pytest.param(ExploreFilter(lookup=LookupKind.UTK, value="0123456789abcdef0123456789abcdef"),
                 ["--utk", "0123456789abcdef0123456789abcdef"], UTK_UNSUPPORTED, id="utk lookup"),
    pytest.param(ExploreFilter(lookup=LookupKind.ANY_RECORD, property_filters=(PropertyFilter("plan", ("pro",)),)),
                 ["--property", "plan=pro"], "needs an event type", id="property filter without an event type"),
    pytest.param(ExploreFilter.for_record("contact", "42a"),
                 ["--object-type", "contact", "--object-id", "42a"], "A record ID is a whole number",
                 id="record id not a number"),
    pytest.param(ExploreFilter(lookup=LookupKind.RECORD_ID, value="42", object_type=""),
                 ["--object-id", "42"], "Choose the record's object type", id="record id without an object type"),
    pytest.param(ExploreFilter(lookup=LookupKind.ANY_RECORD, event_type="pe1_signup",
                               property_filters=(PropertyFilter("plan", ()),)),
                 ["--event-type", "pe1_signup", "--property", "plan="], "Give at least one value for plan",
                 id="property filter without a value"),
]


def query_command(*args: str, server_url: str):
    env = dict(os.environ, HUBSPOT_ACCESS_TOKEN="pat-na1-refusal0-1111-2222-3333-444444444444")
    return subprocess.run([sys.executable, "-m", "hsexplorer", "query", *args, "--base-url", server_url],
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize(("flt", "options", "reason"), CASES)
def test_the_command_refuses_what_explore_refuses_in_the_same_words(pane, scripted_server, flt, options, reason):
    page = pane.page
    sent: list[str] = []
    client = pane.run_async(pane.session.client())
    client.add_trace_listener(lambda t: sent.append(t.url))
    page.set_filter(flt)
    assert page.run_search() is None and page.last_state == "refused"
    shown = [line.removeprefix("✖ ") for line in page.form.problems_label.text().splitlines() if line.startswith("✖ ")]
    assert shown and any(reason in line for line in shown)
    assert sent == []

    done = query_command(*options, server_url=scripted_server.base_url)
    assert done.returncode == 2
    assert done.stderr.strip() == "hsexplorer query: " + " ".join(shown)
    assert scripted_server.received == []

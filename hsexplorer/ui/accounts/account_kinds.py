"""The credential kinds the account editor offers, in order, with HubSpot's steps to get each one.

The scopes to tick come from `hubspot.scopes.FEATURES` (one table for the editor, the report and
the README), never typed twice. Steps: HUBSPOT_API.md §6.4–6.6.
"""

from __future__ import annotations

import html

from hsexplorer.hubspot.scopes import FEATURES, scopes_to_tick
from hsexplorer.storage.accounts import AuthKind

# Service keys first: since 2026-10-26 no HubSpot account can create a legacy private app.
KIND_ORDER = (AuthKind.SERVICE_KEY, AuthKind.OAUTH, AuthKind.PRIVATE_APP, AuthKind.LEGACY_API_KEY, AuthKind.SANDBOX)
KIND_CHOICES = {
    AuthKind.SERVICE_KEY: "Service key (recommended)",
    AuthKind.OAUTH: "OAuth app",
    AuthKind.PRIVATE_APP: "Legacy private app token",
    AuthKind.LEGACY_API_KEY: "Legacy API key (retired)",
    AuthKind.SANDBOX: "Sandbox served on a port",
}
LEGACY_WARNING = (
    "HubSpot retired API keys on 30 November 2022 and may reject them at any time. "
    "Use a service key unless you know this portal still accepts its key."
)


def scope_table() -> str:
    """Each feature of the app and the scope to tick for it (HTML)."""
    rows = "".join(
        f"<tr><td>{html.escape(f.title)}&nbsp;&nbsp;</td><td><code>{html.escape(f.scope)}</code></td></tr>"
        for f in FEATURES
    )
    return f"<table>{rows}</table>"


def _ticks() -> str:
    return ", ".join(f"<code>{html.escape(s)}</code>" for s in scopes_to_tick())


def steps_html(kind: AuthKind) -> str:
    """What to do in HubSpot to get this kind of credential, and what to paste here."""
    if kind is AuthKind.SERVICE_KEY:
        return (
            "<b>Create a service key</b> (HubSpot public beta; a super admin or a user with the "
            "<i>Developer tools</i> permission):<ol>"
            "<li>In HubSpot open <b>Development › Keys › Service keys</b> "
            "(or <b>Settings › Integrations › Service keys</b>) and click <b>Create service key</b>.</li>"
            "<li>Name it, click <b>Add new scope</b> and tick the scopes below "
            "(a key only gets scopes you have yourself).</li>"
            "<li>Click <b>Create</b>, then <b>Show</b>, copy the key and paste it here.</li></ol>"
            + scope_table()
        )
    if kind is AuthKind.OAUTH:
        return (
            "<b>Your OAuth app</b>: from the app's <b>Auth</b> page copy the <b>client id</b> and "
            "<b>client secret</b>; install the app in the portal with the scopes below "
            f"({_ticks()}) and paste the <b>refresh token</b> you received. The access token is optional: "
            "the app gets a fresh one (they last 30 minutes) with OAuth v3. OAuth v1 is deprecated on "
            "2027-02-16 and is used only if a server has no v3."
            + scope_table()
        )
    if kind is AuthKind.PRIVATE_APP:
        return (
            "<b>Legacy private app</b>: HubSpot no longer lets anyone create one (since 26 October 2026), "
            "but existing tokens keep working. In HubSpot open <b>Settings › Integrations › Private apps</b>, "
            "your app, <b>Auth › Show token</b>, and paste it here. It needs these scopes:"
            + scope_table()
        )
    if kind is AuthKind.LEGACY_API_KEY:
        return "<b>Legacy API key</b> (<code>hapikey</code>): HubSpot does not say which scopes a key has."
    return "<b>A sandbox served on a port</b>: paste the token and URL shown by “Serve sandbox on a port…”."

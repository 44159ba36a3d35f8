"""Copy as code: the composer's request as curl, Python or JavaScript, with the token read from the
environment unless the user asked for the secret itself (it then goes to the clipboard only)."""

from __future__ import annotations

from typing import Any

from hsexplorer.ui.session import AppSession


async def request_as_code(session: AppSession, payload: dict[str, Any], language: Any,
                          include_secret: bool) -> tuple[str, str]:
    """The code for `payload` sent to the active account, and a sentence saying what was copied."""
    from hsexplorer.hubspot.client import DEFAULT_BASE_URL
    from hsexplorer.services.snippets import request_for, snippet

    account = session.active_account
    secret = None
    if account.is_embedded_sandbox:
        # The in-process sandbox has no address other programs can reach: serve it on loopback.
        served = await session.serve_sandbox()
        base_url, secret = served.base_url, served.token
    else:
        base_url = account.base_url or DEFAULT_BASE_URL
        if include_secret:
            stored = await session.secrets.aget(account.id)
            secret = stored.token if stored is not None else None
    request = request_for(base_url, payload, auth_kind=account.auth_kind.value, secret=secret,
                          api_version=account.api_version)
    code = snippet(language, request, include_secret=include_secret and secret is not None)
    where = f" (the sandbox is served at {base_url})" if account.is_embedded_sandbox else ""
    from hsexplorer.services.snippets import BrowserSnippet

    if isinstance(language, BrowserSnippet):
        token = "with no token (browser code is never authenticated)"
    else:
        token = "with the access token included" if include_secret else "reading the token from $" + request.variable
    return code, f"Copied as {language.value}, {token}{where}."

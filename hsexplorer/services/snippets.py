"""Hand-off: the composed request as curl, Python (httpx) and JavaScript (fetch) code.

The account's base URL is filled in; the secret is not: the snippets read it from the
environment variable `HUBSPOT_ACCESS_TOKEN` (or `HUBSPOT_API_KEY` for a legacy key), so a
snippet pasted into a ticket or a chat leaks nothing. Only `include_secret=True`, which the
UI offers as an explicit choice, writes the secret itself into the code.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hsexplorer.domain.api_versions import LEGACY_VERSION, send_path

SEND_PATH = send_path(LEGACY_VERSION)
TOKEN_VARIABLE = "HUBSPOT_ACCESS_TOKEN"
API_KEY_VARIABLE = "HUBSPOT_API_KEY"


class SnippetLanguage(enum.Enum):
    CURL = "curl"
    PYTHON = "Python (httpx)"
    JAVASCRIPT = "JavaScript (fetch)"


class CredentialStyle(enum.Enum):
    BEARER = "bearer"  # private app token, OAuth access token, sandbox token
    API_KEY = "hapikey"  # legacy API key in the query string


@dataclass(frozen=True, slots=True)
class SendRequest:
    """What the snippets describe: POST `base_url + path` with a JSON body."""

    base_url: str
    payload: Any
    credential: CredentialStyle = CredentialStyle.BEARER
    secret: str | None = None  # only used with include_secret=True
    path: str = SEND_PATH

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + self.path

    @property
    def variable(self) -> str:
        return API_KEY_VARIABLE if self.credential is CredentialStyle.API_KEY else TOKEN_VARIABLE


def _json_text(payload: Any) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _shell_quote(text: str) -> str:
    """Single-quoted for POSIX shells: nothing inside is expanded."""
    return "'" + text.replace("'", "'\\''") + "'"


def _literal_secret(request: SendRequest, include_secret: bool) -> str | None:
    if include_secret:
        if not request.secret:
            raise ValueError("there is no secret to include for this account")
        return request.secret
    return None


def curl(request: SendRequest, *, include_secret: bool = False) -> str:
    secret = _literal_secret(request, include_secret)
    url = request.url
    headers = ["Content-Type: application/json"]
    if request.credential is CredentialStyle.API_KEY:
        if secret is not None:
            url_arg = _shell_quote(url + "?" + urlencode({"hapikey": secret}))
        else:
            # Double quotes so that the shell expands the variable.
            url_arg = f'"{url}?hapikey=${request.variable}"'
        header_args = [_shell_quote(h) for h in headers]
    else:
        url_arg = _shell_quote(url)
        auth = _shell_quote(f"Authorization: Bearer {secret}") if secret is not None else f'"Authorization: Bearer ${request.variable}"'
        header_args = [auth] + [_shell_quote(h) for h in headers]
    lines = [f"curl --request POST {url_arg}"]
    lines += [f"  --header {h}" for h in header_args]
    lines.append(f"  --data {_shell_quote(_json_text(request.payload))}")
    return " \\\n".join(lines)


def python_httpx(request: SendRequest, *, include_secret: bool = False) -> str:
    secret = _literal_secret(request, include_secret)
    secret_expr = repr(secret) if secret is not None else f'os.environ["{request.variable}"]'
    body = _json_text(request.payload)
    # JSON literals true/false/null are not Python: load the body from a JSON string instead.
    lines = [
        "import json",
        *([] if secret is not None else ["import os"]),
        "",
        "import httpx",
        "",
        f"payload = json.loads(r'''{body}''')" if "'''" not in body else f"payload = json.loads({body!r})",
    ]
    if request.credential is CredentialStyle.API_KEY:
        lines += [
            "response = httpx.post(",
            f"    {request.url!r},",
            f'    params={{"hapikey": {secret_expr}}},',
            "    json=payload,",
            ")",
        ]
    else:
        lines += [
            "response = httpx.post(",
            f"    {request.url!r},",
            f'    headers={{"Authorization": "Bearer " + {secret_expr}}},',
            "    json=payload,",
            ")",
        ]
    lines += [
        "# HubSpot answers 204 No Content when it accepts the occurrence.",
        'print(response.status_code, response.headers.get("x-hubspot-correlation-id"), response.text)',
    ]
    return "\n".join(lines) + "\n"


def javascript_fetch(request: SendRequest, *, include_secret: bool = False) -> str:
    secret = _literal_secret(request, include_secret)
    secret_expr = json.dumps(secret) if secret is not None else f"process.env.{request.variable}"
    headers: dict[str, str] = {"Content-Type": "application/json"}
    if request.credential is CredentialStyle.API_KEY:
        url_expr = f"{json.dumps(request.url + '?hapikey=')} + encodeURIComponent({secret_expr})"
        header_lines = [f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in headers.items()]
    else:
        url_expr = json.dumps(request.url)
        header_lines = [f'    "Authorization": `Bearer ${{{secret_expr}}}`,'] + [
            f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in headers.items()
        ]
    body = _json_text(request.payload).replace("\n", "\n  ")
    return "\n".join(
        [
            f"const response = await fetch({url_expr}, {{",
            '  method: "POST",',
            "  headers: {",
            *header_lines,
            "  },",
            f"  body: JSON.stringify({body}),",
            "});",
            "// HubSpot answers 204 No Content when it accepts the occurrence.",
            'console.log(response.status, response.headers.get("x-hubspot-correlation-id"), await response.text());',
        ]
    ) + "\n"


_RENDERERS = {
    SnippetLanguage.CURL: curl,
    SnippetLanguage.PYTHON: python_httpx,
    SnippetLanguage.JAVASCRIPT: javascript_fetch,
}


def snippet(language: SnippetLanguage, request: SendRequest, *, include_secret: bool = False) -> str:
    return _RENDERERS[language](request, include_secret=include_secret)


def credential_style_for(auth_kind: str) -> CredentialStyle:
    """`legacy_api_key` (any spelling with "api_key"/"hapikey") uses the query string; all else bearer."""
    lowered = auth_kind.lower()
    return CredentialStyle.API_KEY if "api_key" in lowered or "apikey" in lowered else CredentialStyle.BEARER


def request_for(base_url: str, payload: Mapping[str, Any] | Any, *, auth_kind: str = "private_app",
                secret: str | None = None, api_version: str = LEGACY_VERSION) -> SendRequest:
    """The send request for an account: its base URL and its API version's send path."""
    return SendRequest(base_url, payload, credential_style_for(auth_kind), secret, send_path(api_version))

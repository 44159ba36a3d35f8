"""Hand-off: the composed request as curl, Python (httpx), JavaScript (fetch), HubSpot's SDKs
(Python `hubspot-api-client`, Node `@hubspot/api-client`) and the tracking code's `_hsq.push`.

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
from hsexplorer.hubspot.hosts import DEFAULT_BASE_URL

SEND_PATH = send_path(LEGACY_VERSION)
TOKEN_VARIABLE = "HUBSPOT_ACCESS_TOKEN"
API_KEY_VARIABLE = "HUBSPOT_API_KEY"


class SnippetLanguage(enum.Enum):
    """Server-side code: it carries the credential (from an environment variable unless asked)."""

    CURL = "curl"
    PYTHON = "Python (httpx)"
    JAVASCRIPT = "JavaScript (fetch)"
    PYTHON_SDK = "Python (hubspot-api-client)"
    NODE_SDK = "Node (@hubspot/api-client)"


class BrowserSnippet(enum.Enum):
    """Code for a web page: HubSpot's tracking code sends it, so it never carries a credential."""

    TRACKING_CODE = "HubSpot tracking code (_hsq)"


# Everything "Copy as" can offer, in menu order.
COPY_KINDS: tuple[SnippetLanguage | BrowserSnippet, ...] = (*SnippetLanguage, *BrowserSnippet)


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


def _python_payload_line(payload: Any) -> str:
    body = _json_text(payload)
    return f"payload = json.loads(r'''{body}''')" if "'''" not in body else f"payload = json.loads({body!r})"


def python_sdk(request: SendRequest, *, include_secret: bool = False) -> str:
    """HubSpot's Python SDK (hubspot-api-client 12). Its typed call `events.send.basic_api.send`
    only knows `/events/v3/send`; for a dated API version, or a legacy API key (which the typed
    call does not send as `hapikey`), the SDK's generic `api_request` posts to the account's path."""
    secret = _literal_secret(request, include_secret)
    secret_expr = repr(secret) if secret is not None else f'os.environ["{request.variable}"]'
    base_url = request.base_url.rstrip("/")
    credential = "api_key" if request.credential is CredentialStyle.API_KEY else "access_token"
    typed = request.path == SEND_PATH and request.credential is CredentialStyle.BEARER
    lines = ["# pip install hubspot-api-client", "import json", *([] if secret is not None else ["import os"]), "",
             "from hubspot import HubSpot"]
    if typed:
        lines.append("from hubspot.events.send import BehavioralEventHttpCompletionRequest")
    lines += ["", _python_payload_line(request.payload)]
    if typed:
        host = "" if base_url == DEFAULT_BASE_URL else f", host={base_url!r}"
        lines += [
            f"client = HubSpot({credential}={secret_expr}{host})",
            "# The SDK's typed call speaks /events/v3/send; it raises ApiException unless HubSpot accepts (204).",
            "client.events.send.basic_api.send(behavioral_event_http_completion_request=BehavioralEventHttpCompletionRequest(",
            '    event_name=payload["eventName"],',
            *(f'    {attr}=payload.get("{key}"),' for attr, key in _SDK_FIELDS),
            "))",
            'print("204 accepted")',
        ]
    else:
        base = "" if base_url == DEFAULT_BASE_URL else f", base_url={base_url!r}"
        lines += [
            f"client = HubSpot({credential}={secret_expr}{base})",
            f"# The SDK's typed send call only speaks /events/v3/send: {request.path} goes through api_request.",
            f'response = client.api_request({{"method": "POST", "path": {request.path!r}, "body": payload}})',
            "# HubSpot answers 204 No Content when it accepts the occurrence.",
            'print(response.status_code, response.headers.get("x-hubspot-correlation-id"), response.text)',
        ]
    return "\n".join(lines) + "\n"


_SDK_FIELDS = (("email", "email"), ("utk", "utk"), ("object_id", "objectId"), ("uuid", "uuid"),
               ("occurred_at", "occurredAt"), ("properties", "properties"))


def node_sdk(request: SendRequest, *, include_secret: bool = False) -> str:
    """HubSpot's Node SDK (@hubspot/api-client): `events.send.basicApi.send` for /events/v3/send,
    its generic `apiRequest` for a dated API version's path or a legacy API key."""
    secret = _literal_secret(request, include_secret)
    secret_expr = json.dumps(secret) if secret is not None else f"process.env.{request.variable}"
    base_url = request.base_url.rstrip("/")
    option = "apiKey" if request.credential is CredentialStyle.API_KEY else "accessToken"
    base = "" if base_url == DEFAULT_BASE_URL else f", basePath: {json.dumps(base_url)}"
    body = _json_text(request.payload)
    lines = ["// npm install @hubspot/api-client", 'import { Client } from "@hubspot/api-client";', "",
             f"const hubspotClient = new Client({{ {option}: {secret_expr}{base} }});", f"const payload = {body};"]
    if request.path == SEND_PATH and request.credential is CredentialStyle.BEARER:
        lines += ["// Resolves when HubSpot accepts the occurrence (204); rejects with the error otherwise.",
                  "await hubspotClient.events.send.basicApi.send(payload);", 'console.log("204 accepted");']
    else:
        lines += [f"// The SDK's typed send call only speaks /events/v3/send: {request.path} goes through apiRequest.",
                  "const response = await hubspotClient.apiRequest({",
                  '  method: "POST",', f"  path: {json.dumps(request.path)},", "  body: payload,", "});",
                  "console.log(response.status, await response.text());"]
    return "\n".join(lines) + "\n"


# What the tracking code sends itself. /work/shared/HUBSPOT_API.md §7 ("Contacts by email/utk"): "`utk` =
# `hubspotutk` cookie value from the tracking code" — so the browser call carries no email, utk
# or objectId, and no occurredAt (it happens now). Which hs_* default properties (page URL,
# referrer, browser…) the tracking code fills in is not documented there: [UNCERTAIN].
_TRACKING_CODE_OWN_FIELDS = ("email", "utk", "objectId", "occurredAt", "uuid")


def tracking_code(request: SendRequest, *, include_secret: bool = False) -> str:
    """`_hsq.push(["trackCustomBehavioralEvent", {name, properties}])` for a page that loads
    HubSpot's tracking code. Never a credential: the browser call is not authenticated."""
    del include_secret  # a secret must never reach a web page
    payload = request.payload if isinstance(request.payload, Mapping) else {}
    call = {"name": payload.get("eventName", ""), "properties": payload.get("properties", {})}
    dropped = [key for key in _TRACKING_CODE_OWN_FIELDS if key in payload]
    body = _json_text(call)
    lines = [
        "// In a page that loads HubSpot's tracking code. No token: the browser call is not authenticated.",
        "// The tracking code identifies the visitor itself, by the hubspotutk cookie (or an earlier",
        '// _hsq.push(["identify", {email}])), and the occurrence happens now'
        + (f" (left out here: {', '.join(dropped)})." if dropped else "."),
        "// Which hs_* properties (page URL, referrer, browser…) it fills in itself is not documented: check one",
        "// occurrence in Explore before relying on them.",
        "var _hsq = (window._hsq = window._hsq || []);",
        f'_hsq.push(["trackCustomBehavioralEvent", {body}]);',
    ]
    return "\n".join(lines) + "\n"


_RENDERERS = {
    SnippetLanguage.CURL: curl,
    SnippetLanguage.PYTHON: python_httpx,
    SnippetLanguage.JAVASCRIPT: javascript_fetch,
    SnippetLanguage.PYTHON_SDK: python_sdk,
    SnippetLanguage.NODE_SDK: node_sdk,
    BrowserSnippet.TRACKING_CODE: tracking_code,
}


def snippet(language: SnippetLanguage | BrowserSnippet, request: SendRequest, *, include_secret: bool = False) -> str:
    return _RENDERERS[language](request, include_secret=include_secret)


def credential_style_for(auth_kind: str) -> CredentialStyle:
    """`legacy_api_key` (any spelling with "api_key"/"hapikey") uses the query string; all else bearer."""
    lowered = auth_kind.lower()
    return CredentialStyle.API_KEY if "api_key" in lowered or "apikey" in lowered else CredentialStyle.BEARER


def request_for(base_url: str, payload: Mapping[str, Any] | Any, *, auth_kind: str = "private_app",
                secret: str | None = None, api_version: str = LEGACY_VERSION) -> SendRequest:
    """The send request for an account: its base URL and its API version's send path."""
    return SendRequest(base_url, payload, credential_style_for(auth_kind), secret, send_path(api_version))

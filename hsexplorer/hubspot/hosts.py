"""Where a token may be sent: HubSpot's API hosts, the local sandbox on loopback, or an opted-in host.

Each refusal's user message says what would help for that reason: https instead of http, no
credentials in the address, a web address at all; only an https host that is simply not
HubSpot's raises `CustomHostNotAllowed`, the one refusal an explicit opt-in can lift.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from hsexplorer.hubspot.errors import UnsafeHostError

DEFAULT_BASE_URL = "https://api.hubapi.com"
HUBSPOT_HOSTS = frozenset({"api.hubapi.com", "api.hubspot.com"})


class CustomHostNotAllowed(UnsafeHostError):
    """An https host that is neither HubSpot's nor this computer: allowed only when explicitly opted in."""


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback IP address.

    `*.localhost` names are not trusted by their spelling: RFC 6761 asks resolvers to map them to
    loopback, but a hosts file or DNS server may point them anywhere, and resolving the name here
    would only check where it pointed a moment before the client connects (DNS rebinding). The
    sandbox is reachable as 127.0.0.1 or localhost, so such names are refused instead.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, *, allow_custom_host: bool = False) -> str:
    """The normalised base URL, or UnsafeHostError explaining why the token would not be safe there."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeHostError(f"not an http(s) URL: {base_url!r}",
                              user_message=f"“{base_url}” is not a web address: write it as https://host "
                              "(or http://127.0.0.1:PORT for the sandbox on this computer).")
    if parts.username or parts.password:
        raise UnsafeHostError("credentials in the base URL are not allowed",
                              user_message="The server address must not contain a user name or password: remove "
                              "the “name:password@” part. The access token is sent separately, never in the address.")
    host = parts.hostname
    if host.endswith(".localhost"):
        raise UnsafeHostError(
            f"refusing {host}: a *.localhost name is not trusted as loopback",
            user_message=f"{host} is not trusted as this computer (such names can point elsewhere). For the "
            "sandbox on this computer use http://127.0.0.1:PORT or http://localhost:PORT.",
        )
    if is_loopback_host(host):
        pass  # the local sandbox; plain http is fine on this machine
    elif parts.scheme != "https":
        raise UnsafeHostError(
            f"refusing plain http to {host}: the token would travel unencrypted",
            user_message=f"The address {base_url} is not encrypted (http), so the token would travel readable. "
            f"Use https://{host}{parts.path.rstrip('/')} instead.",
        )
    elif host not in HUBSPOT_HOSTS and not allow_custom_host:
        raise CustomHostNotAllowed(
            f"{host} is not a HubSpot API host; pass allow_custom_host=True to send the token there",
            user_message=f"{host} is not HubSpot. The access token is only sent to HubSpot or the local "
            "sandbox unless you explicitly allow this server.",
        )
    path = parts.path.rstrip("/")
    port = f":{parts.port}" if parts.port else ""
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{port}{path}"

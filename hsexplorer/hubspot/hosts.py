"""Where a token may be sent: HubSpot's API hosts, the local sandbox on loopback, or an opted-in host."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from hsexplorer.hubspot.errors import UnsafeHostError

DEFAULT_BASE_URL = "https://api.hubapi.com"
HUBSPOT_HOSTS = frozenset({"api.hubapi.com", "api.hubspot.com"})


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
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
                              user_message=f"“{base_url}” is not a web address (it must start with https://).")
    if parts.username or parts.password:
        raise UnsafeHostError("credentials in the base URL are not allowed",
                              user_message="The server address must not contain a user name or password.")
    host = parts.hostname
    if is_loopback_host(host):
        pass  # the local sandbox; plain http is fine on this machine
    elif parts.scheme != "https":
        raise UnsafeHostError(
            f"refusing plain http to {host}: the token would travel unencrypted",
            user_message=f"The address {base_url} is not encrypted (http). Use https.",
        )
    elif host not in HUBSPOT_HOSTS and not allow_custom_host:
        raise UnsafeHostError(
            f"{host} is not a HubSpot API host; pass allow_custom_host=True to send the token there",
            user_message=f"{host} is not HubSpot. The access token is only sent to HubSpot or the local "
            "sandbox unless you explicitly allow this server.",
        )
    path = parts.path.rstrip("/")
    port = f":{parts.port}" if parts.port else ""
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{port}{path}"

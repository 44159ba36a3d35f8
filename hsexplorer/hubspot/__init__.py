"""The async HTTP client for HubSpot's events APIs: the only package that imports httpx.

- `client`: `HubSpotClient` (send, send_batch, iter_event_pages, definitions, token_info)
- `auth`: `ServiceKey`, `PrivateAppToken`, `OAuthTokens`, `LegacyApiKey` (reprs never show the secret)
- `oauth`: OAuth renewal and introspection (v3; v1 only as a noted fallback); `credentials`: token info, service-key probes
- `errors`: `HubSpotError` and its typed subclasses (API refusals, network failures)
- `rate_limit`: rate-limit headers, pacing, the retry policy and an injectable clock
- `trace`: `Trace` of every call with secrets redacted, `as_curl()`
- `hosts`, `paging`, `scopes`, `network`: host policy, the query and its pages, scopes, transport errors
"""

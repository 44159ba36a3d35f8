"""The async HubSpot client: the one place in hsexplorer that speaks HTTP to HubSpot.

One `httpx.AsyncClient` (one connection pool) per `HubSpotClient`, i.e. per account.
Connect failures are retried by the transport; everything else (429, 5xx, network errors
after connecting, expired OAuth tokens) is decided here:

- GETs are retried on 5xx, network errors and unreadable bodies (capped backoff + jitter).
- Sends are retried on those only when every occurrence carries a `uuid`, because HubSpot
  de-duplicates on it; without one a retry could store the occurrence twice.
- A 429 is retried for every request (HubSpot refused it before doing anything): after
  Retry-After when given, else after the rate-limit window; a DAILY limit is never retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from hsexplorer.appinfo import VERSION
from hsexplorer.domain import api_versions as versions
from hsexplorer.domain.definitions import (
    EventDefinition,
    PropertyDefinition,
    parse_definition,
    parse_property,
)
from hsexplorer.domain.occurrence import MAX_BATCH_INPUTS, Occurrence
from hsexplorer.hubspot import network
from hsexplorer.hubspot.auth import Auth
from hsexplorer.hubspot.credentials import CredentialRequests, TokenInfo, token_info
from hsexplorer.hubspot.definition_bodies import checked_definition_patch, definition_create_body
from hsexplorer.hubspot.errors import (
    ApiError,
    ApiVersionNotServedError,
    AuthenticationError,
    BatchAbortedError,
    ConfigurationError,
    HubSpotError,
    MissingScopesError,
    OAuthRefreshError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TokenExpiredError,
    api_error,
)
from hsexplorer.hubspot.hosts import DEFAULT_BASE_URL, check_base_url, is_loopback_host
from hsexplorer.hubspot.oauth import OAuthKeeper, TokenRefreshCallback, TokenRequests
from hsexplorer.hubspot.paging import EventPage, EventQuery, next_cursor
from hsexplorer.hubspot.rate_limit import Clock, RateLimitGate, RateLimitState, RetryPolicy, parse_retry_after
from hsexplorer.hubspot.send_result import SendResult
from hsexplorer.hubspot.trace import Trace

__all__ = [
    "DEFAULT_BASE_URL",
    "EventPage",
    "EventQuery",
    "HubSpotClient",
    "SendResult",
    "TokenInfo",
]

log = logging.getLogger(__name__)

IN_PROCESS_BASE_URL = "http://sandbox.in-process"
TraceListener = Callable[[Trace], None]


def _dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _segment(name: str) -> str:
    return quote(str(name), safe="")


# Errors after which the rest of a batch would fail the same way.
_FATAL_FOR_BATCH = (AuthenticationError, MissingScopesError, OAuthRefreshError, ApiVersionNotServedError)


class HubSpotClient:
    """Async client for HubSpot's custom behavioral events APIs (see the package contract)."""

    def __init__(
        self,
        auth: Auth,
        base_url: str = DEFAULT_BASE_URL,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_custom_host: bool = False,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        retry_policy: RetryPolicy | None = None,
        clock: Clock | None = None,
        on_token_refresh: TokenRefreshCallback | None = None,
        send_concurrency: int = 4,
        connect_retries: int = 2,
        api_version: str = versions.LEGACY_VERSION,
        _in_process: bool = False,
    ) -> None:
        if not isinstance(auth, Auth):
            raise ConfigurationError(f"auth must be ServiceKey, PrivateAppToken, OAuthTokens or LegacyApiKey, not {type(auth).__name__}")
        # Default v3: code that says nothing keeps its paths. Accounts, the embedded sandbox and
        # the command line always choose (new ones: the newest dated version).
        self._api_version = versions.check_version(api_version)  # else UnknownApiVersionError
        self._base_url = base_url.rstrip("/") if _in_process else check_base_url(
            base_url, allow_custom_host=allow_custom_host
        )
        self.retry_policy = retry_policy or RetryPolicy()
        self.clock = clock or Clock()
        self._rate_gate = RateLimitGate(self.clock, reserve=max(1, send_concurrency))
        self._credentials = OAuthKeeper(auth, TokenRequests(self._post_form, self._get_json), self.clock,
                                        on_token_refresh=on_token_refresh)
        self._redactor = self._credentials.redactor  # knows every secret, renewed ones too
        self._send_concurrency = max(1, send_concurrency)
        self._listeners: list[TraceListener] = []
        host = httpx.URL(self._base_url).host
        local = _in_process or is_loopback_host(host)
        if transport is None:
            # TLS verification is always on for remote hosts. Plain http on loopback uses no
            # TLS at all, so loading the CA bundle (tens of ms) is skipped there.
            plain_local = local and self._base_url.startswith("http://")
            # `retries` only covers failed connects.
            transport = httpx.AsyncHTTPTransport(
                verify=not plain_local,
                retries=connect_retries,
                # Idle connections are dropped after 4 s, before the 5 s after which common servers
                # (uvicorn, Node) close them: reusing one the server is closing fails a POST with a
                # ReadError that cannot safely be retried (seen with the served sandbox under load).
                limits=httpx.Limits(max_connections=max(10, 2 * send_concurrency), max_keepalive_connections=20,
                                    keepalive_expiry=4.0),
            )
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, connect_timeout)),
            headers={"User-Agent": f"hsexplorer/{VERSION}", "Accept": "application/json"},
            follow_redirects=False,  # a redirect must never carry the token to another host
            trust_env=not local,  # proxies from the environment, but never for the local sandbox
        )
        self._closed = False

    @classmethod
    def for_asgi_app(cls, app: Any, auth: Auth, **kwargs: Any) -> HubSpotClient:
        """A client for an ASGI app in this process (the embedded sandbox): no port, no network."""
        return cls(auth, IN_PROCESS_BASE_URL, transport=httpx.ASGITransport(app=app), _in_process=True, **kwargs)

    # --- lifecycle --------------------------------------------------------------------

    async def __aenter__(self) -> HubSpotClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._http.aclose()

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        return f"HubSpotClient(base_url={self._base_url!r}, api_version={self._api_version!r}, auth={self._auth!r})"

    # --- observation ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def auth(self) -> Auth:
        return self._credentials.auth

    @property
    def _auth(self) -> Auth:
        return self._credentials.auth

    @property
    def credentials(self) -> OAuthKeeper:  # `notes`, `on_sign_in_required` (see oauth.py)
        return self._credentials

    @property
    def api_version(self) -> str:
        """`v3` or a dated version (`2026-09`): which of HubSpot's paths every call uses."""
        return self._api_version

    @api_version.setter
    def api_version(self, version: str) -> None:  # for callers that choose after building the client
        self._api_version = versions.check_version(version)

    @property
    def rate_limit(self) -> RateLimitState | None:
        return self._rate_gate.state

    def add_trace_listener(self, callback: TraceListener) -> Callable[[], None]:
        """Call `callback(trace)` after every attempt; returns a function that unsubscribes."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def redact(self, text: str) -> str:
        """Any text with this client's secrets removed (for messages built by callers)."""
        return self._redactor.text(text)

    def _emit(self, trace: Trace) -> None:
        log.debug("%s", trace.summary())
        for listener in tuple(self._listeners):
            try:
                listener(trace)
            except Exception:  # a broken listener must not break the request
                log.exception("trace listener failed")

    # --- the request engine -----------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        content: bytes | None = None,
        content_type: str = "application/json",
        retry_on_failure: bool,
        authenticate: bool = True,
        issues_secrets: bool = False,
    ) -> tuple[httpx.Response, Trace]:
        """One logical request with retries; returns the 2xx response or raises a HubSpotError.

        `issues_secrets`: the answer carries new tokens (the OAuth token endpoint); they are
        learnt by the redactor before the trace is built, so no trace ever shows them.
        """
        failures = 0
        rate_limited = 0
        refreshed = False
        attempt = 0
        policy = self.retry_policy
        while True:
            attempt += 1
            if authenticate:
                await self._credentials.refresh_if_expiring()
            await self._rate_gate.before_request()
            try:
                response, trace = await self._attempt(
                    method, path, params, content, content_type, authenticate, attempt, issues_secrets
                )
            except HubSpotError as error:
                if error.retryable and retry_on_failure and failures + 1 < policy.max_attempts:
                    failures += 1
                    await self.clock.sleep(policy.backoff(failures))
                    continue
                raise
            if response.status_code < 300:
                return response, trace
            failure = self._error_for(response, trace, path)
            if isinstance(failure, TokenExpiredError) and authenticate and not refreshed and self._credentials.can_refresh:
                refreshed = True
                await self._credentials.refresh(failed_token=self._auth)
                continue
            if isinstance(failure, RateLimitError) and failure.retryable:
                wait = policy.rate_limit_wait(failure.retry_after, failure.hubspot_message, self._rate_gate.state)
                if rate_limited < policy.max_rate_limit_retries and wait <= policy.max_rate_limit_wait:
                    rate_limited += 1
                    log.info("rate limited (%s); waiting %.1f s", failure.policy_name or "429", wait)
                    await self.clock.sleep(wait)
                    continue
            if isinstance(failure, ServerError) and retry_on_failure and failures + 1 < policy.max_attempts:
                failures += 1
                await self.clock.sleep(policy.backoff(failures))
                continue
            raise failure

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] | None,
        content: bytes | None,
        content_type: str,
        authenticate: bool,
        attempt: int,
        issues_secrets: bool = False,
    ) -> tuple[httpx.Response, Trace]:
        if self._closed:
            raise ConfigurationError("this HubSpot client was closed", user_message="The connection to this account was closed.")
        headers = {"Content-Type": content_type} if content is not None else {}
        query: list[tuple[str, str | int | float | bool | None]] = list(params or ())
        if authenticate:
            headers.update(self._auth.headers())
            query += self._auth.query_params()
        request = self._http.build_request(method, self._base_url + path, params=query or None,
                                           content=content, headers=headers)
        redactor = self._redactor
        trace = Trace(
            method=method,
            url=redactor.text(str(request.url)),
            request_headers=redactor.headers(request.headers.items()),
            request_body=redactor.data(content) if content else None,
            attempt=attempt,
        )
        started = time.perf_counter()
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            trace.duration = time.perf_counter() - started
            error = network.error_from(exc, method, trace.url, redactor)
            trace.error = str(error)
            error.trace = trace
            self._emit(trace)
            raise error from None
        trace.duration = time.perf_counter() - started
        trace.status = response.status_code
        if issues_secrets:
            self._credentials.learn_issued_secrets(response.content)
        trace.response_headers = redactor.headers(response.headers.items())
        trace.response_body = redactor.data(response.content)
        trace.correlation_id = response.headers.get("x-hubspot-correlation-id", "")
        self._rate_gate.observe(response.headers)
        self._emit(trace)
        return response, trace

    def _error_for(self, response: httpx.Response, trace: Trace, path: str) -> ApiError:
        retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock.wall())
        return api_error(
            response.status_code,
            trace.response_body,  # already redacted: HubSpot's message may quote the request
            path=path,
            correlation_id=trace.correlation_id,
            retry_after=retry_after,
            trace=trace,
            api_version=self._api_version,
        )

    @staticmethod
    def _json(response: httpx.Response, trace: Trace) -> Any:
        try:
            return json.loads(response.content)
        except ValueError:
            raise ResponseFormatError(
                f"{trace.method} {trace.url}: HTTP {response.status_code} with a body that is not JSON", trace=trace
            ) from None

    async def _get_json(self, path: str, params: Sequence[tuple[str, str]] | None = None) -> tuple[Any, Trace]:
        # An unreadable body on a GET is retried like a network error.
        failures = 0
        while True:
            response, trace = await self._call("GET", path, params=params, retry_on_failure=True)
            try:
                return self._json(response, trace), trace
            except ResponseFormatError:
                failures += 1
                if failures >= self.retry_policy.max_attempts:
                    raise
                await self.clock.sleep(self.retry_policy.backoff(failures))

    async def _write_json(self, method: str, path: str, body: Any | None = None) -> Any:
        content = None if body is None else _dumps(body)
        response, trace = await self._call(method, path, content=content, retry_on_failure=False)
        if response.status_code == 204 or not response.content:
            return None
        return self._json(response, trace)

    # --- OAuth (the logic is in oauth.py) --------------------------------------------

    async def _post_form(self, path: str, form: Mapping[str, str]) -> Any:
        response, trace = await self._call(
            "POST", path, content=urlencode(form).encode(), content_type="application/x-www-form-urlencoded",
            retry_on_failure=True, authenticate=False, issues_secrets=True,
        )
        return self._json(response, trace)

    # --- sending ----------------------------------------------------------------------

    async def send(self, payload: Mapping[str, Any] | Occurrence) -> SendResult:
        """POST the version's send path. Raises ApiError when HubSpot refuses, NetworkError when unreachable."""
        body = payload.to_payload() if isinstance(payload, Occurrence) else payload
        if not isinstance(body, Mapping):
            raise ConfigurationError("a send body must be a JSON object")
        response, trace = await self._call(
            "POST", versions.send_path(self._api_version), content=_dumps(body), retry_on_failure=bool(body.get("uuid"))
        )
        return SendResult(response.status_code, trace.duration, trace.correlation_id, trace)

    async def send_batch(
        self,
        inputs: Sequence[Mapping[str, Any] | Occurrence],
        *,
        chunk_size: int = MAX_BATCH_INPUTS,
        on_chunk_done: Callable[[SendResult], None] | None = None,
    ) -> list[SendResult]:
        """POST the version's send/batch path in chunks of at most 500, a few chunks at a time.

        Never raises for a refused chunk: each result says what happened to its chunk
        (`first_index`, `count`, `error`), so nothing is silently lost. After an error that
        would repeat for every chunk (bad token, missing scope, daily limit) the remaining
        chunks are not sent and carry BatchAbortedError.
        """
        if not 1 <= chunk_size <= MAX_BATCH_INPUTS:
            raise ConfigurationError(f"chunk_size must be between 1 and {MAX_BATCH_INPUTS}")
        bodies = [i.to_payload() if isinstance(i, Occurrence) else i for i in inputs]
        starts = range(0, len(bodies), chunk_size)
        semaphore = asyncio.Semaphore(self._send_concurrency)
        fatal: list[HubSpotError] = []

        async def send_chunk(start: int) -> SendResult:
            chunk = bodies[start : start + chunk_size]
            async with semaphore:
                if fatal:
                    result = SendResult(None, 0.0, "", None, len(chunk), start,
                                        BatchAbortedError(f"not sent because an earlier chunk failed: {fatal[0]}",
                                                          user_message=fatal[0].user_message))
                else:
                    result = await self._send_chunk(chunk, start)
                    if result.error is not None and _is_fatal(result.error):
                        fatal.append(result.error)
            if on_chunk_done is not None:
                on_chunk_done(result)
            return result

        return list(await asyncio.gather(*(send_chunk(s) for s in starts)))

    async def _send_chunk(self, chunk: list[Any], start: int) -> SendResult:
        all_have_uuid = all(isinstance(i, Mapping) and i.get("uuid") for i in chunk)
        return await self.post_batch_body(_dumps({"inputs": chunk}), len(chunk), start=start, retry_on_failure=all_have_uuid)

    async def post_batch_body(self, content: bytes, count: int, *, start: int = 0, retry_on_failure: bool) -> SendResult:
        """POST an already-encoded send/batch body of `count` inputs (hubspot/prepared_batch.py builds one)."""
        try:
            response, trace = await self._call(
                "POST", versions.batch_path(self._api_version), content=content, retry_on_failure=retry_on_failure
            )
        except HubSpotError as error:
            failed_trace = error.trace
            return SendResult(
                getattr(error, "status", None), failed_trace.duration if failed_trace else 0.0,
                failed_trace.correlation_id if failed_trace else "", failed_trace, count, start, error,
            )
        return SendResult(response.status_code, trace.duration, trace.correlation_id, trace, count, start)

    # --- querying ---------------------------------------------------------------------

    async def iter_event_pages(
        self, query: EventQuery, *, max_results: int | None = None, prefetch: bool = True
    ) -> AsyncGenerator[EventPage, None]:
        """Pages of the version's occurrence query, following `paging.next.after` until the end or `max_results`.

        With `prefetch`, the next page is requested as soon as this one's cursor is known, so
        the server works while the consumer handles the current page. Closing the iterator
        (break, cancel) cancels that read-ahead: at most one page is fetched in vain.
        """
        problems = query.problems()
        if problems:
            raise ConfigurationError("; ".join(problems), user_message="The search is incomplete: " + "; ".join(problems) + ".")
        fetched = 0
        number = 0
        pending: asyncio.Future[tuple[list[dict[str, Any]], str | None, Trace]] | None = None
        try:
            page = await self._event_page(query, None, max_results)
            while True:
                results, cursor, trace = page
                if max_results is not None and fetched + len(results) > max_results:
                    del results[max_results - fetched :]
                fetched += len(results)
                number += 1
                more = cursor is not None and (max_results is None or fetched < max_results)
                remaining = None if max_results is None else max_results - fetched
                if more and prefetch:
                    pending = asyncio.ensure_future(self._event_page(query, cursor, remaining))
                yield EventPage(results, cursor if more else None, number, trace)
                if not more:
                    return
                if pending is not None:
                    page, pending = await pending, None
                else:
                    page = await self._event_page(query, cursor, remaining)
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, HubSpotError):
                    await pending

    async def event_page(self, query: EventQuery, after: str | None = None) -> EventPage:
        """One page of `query`, from the `after` cursor of an earlier page (None: the first page):
        for going back to a page already seen, or following a search one request at a time."""
        problems = query.problems()
        if problems:
            raise ConfigurationError("; ".join(problems), user_message="The search is incomplete: " + "; ".join(problems) + ".")
        results, cursor, trace = await self._event_page(query, after, None)
        return EventPage(results, cursor, 0, trace)  # 0: its number in a stream is the caller's to know

    async def _event_page(
        self, query: EventQuery, after: str | None, remaining: int | None
    ) -> tuple[list[dict[str, Any]], str | None, Trace]:
        params = query.to_params(after)
        if remaining is not None and query.page_size is not None and remaining < query.page_size:
            params = [(k, v) for k, v in params if k != "limit"] + [("limit", str(remaining))]
        data, trace = await self._get_json(versions.occurrences_path(self._api_version), params)
        results = data.get("results") if isinstance(data, Mapping) else None
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise ResponseFormatError("the events response has no `results` list of objects", trace=trace)
        cursor = next_cursor(data)
        if cursor is not None and cursor == after:
            raise ResponseFormatError("the server returned the same page cursor twice", trace=trace)
        return results, cursor, trace

    async def fetch_events(self, query: EventQuery, *, max_results: int | None = None) -> list[dict[str, Any]]:
        """Every matching occurrence (or the first `max_results`) as one list."""
        events: list[dict[str, Any]] = []
        async for page in self.iter_event_pages(query, max_results=max_results):
            events.extend(page.results)
        return events

    async def event_types(self) -> list[str]:
        data, trace = await self._get_json(versions.event_types_path(self._api_version))
        types = data.get("eventTypes") if isinstance(data, Mapping) else None
        if not isinstance(types, list):
            raise ResponseFormatError("the event types response has no `eventTypes` list", trace=trace)
        return [str(t) for t in types]

    # --- definitions ------------------------------------------------------------------

    async def list_definitions(
        self, search: str | None = None, include_properties: bool = True, page_size: int = 100
    ) -> list[EventDefinition]:
        """Every event definition (all pages), optionally only names containing `search`."""
        definitions: list[EventDefinition] = []
        after: str | None = None
        while True:
            params = [("limit", str(page_size)), ("includeProperties", "true" if include_properties else "false")]
            if search:
                params.append(("searchString", search))
            if after:
                params.append(("after", after))
            data, trace = await self._get_json(versions.definitions_path(self._api_version), params)
            results = data.get("results") if isinstance(data, Mapping) else None
            if not isinstance(results, list):
                raise ResponseFormatError("the definitions response has no `results` list", trace=trace)
            definitions.extend(parse_definition(d) for d in results if isinstance(d, Mapping))
            cursor = next_cursor(data)
            if cursor is None or cursor == after:
                return definitions
            after = cursor

    async def get_definition(self, name: str) -> EventDefinition:
        data, _ = await self._get_json(versions.definitions_path(self._api_version, name))
        return parse_definition(data)

    async def create_definition(self, body: Mapping[str, Any] | EventDefinition) -> EventDefinition:
        if isinstance(body, EventDefinition):
            body = definition_create_body(body)
        return parse_definition(await self._write_json("POST", versions.definitions_path(self._api_version), body))

    async def update_definition(self, name: str, patch: Mapping[str, Any]) -> EventDefinition:
        patch = checked_definition_patch(self._api_version, patch)
        data = await self._write_json("PATCH", versions.definitions_path(self._api_version, name), patch)
        return parse_definition(data) if data else await self.get_definition(name)

    async def delete_definition(self, name: str) -> None:
        await self._write_json("DELETE", versions.definitions_path(self._api_version, name))

    async def create_property(self, event_name: str, body: Mapping[str, Any]) -> PropertyDefinition:
        data = await self._write_json("POST", versions.property_path(self._api_version, event_name), body)
        return parse_property(data)

    async def update_property(self, event_name: str, prop: str, patch: Mapping[str, Any]) -> PropertyDefinition:
        path = versions.property_path(self._api_version, event_name, prop)
        return parse_property(await self._write_json("PATCH", path, patch))

    async def delete_property(self, event_name: str, prop: str) -> None:
        await self._write_json("DELETE", versions.property_path(self._api_version, event_name, prop))

    # --- token information ------------------------------------------------------------

    async def token_info(self) -> TokenInfo:
        """The portal and scopes of the current credential (so missing scopes are said up front)."""
        return await token_info(self._credentials, CredentialRequests(self._get_json, self._write_json, self._api_version))


def _is_fatal(error: HubSpotError) -> bool:
    if isinstance(error, RateLimitError):
        return error.is_daily
    return isinstance(error, _FATAL_FOR_BATCH)


"""OAuth v3 and service keys end to end: the client and the connection check against the sandbox on loopback."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from fixtures_client import run

from hsexplorer.hubspot.auth import OAuthTokens, PrivateAppToken, ServiceKey
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.hubspot.credentials import TokenInfo
from hsexplorer.hubspot.oauth import SignInRequiredError
from hsexplorer.hubspot.scopes import DEFINITIONS_SCOPE, FEATURES, READ_SCOPE, SEND_SCOPE, scopes_to_tick
from hsexplorer.sandbox import auth as sandbox_auth
from hsexplorer.services.connections import check_connection, client_for, keep_credentials_current
from hsexplorer.storage.accounts import Account, AccountStore, AuthKind
from hsexplorer.storage.secrets import AccountSecret, SecretStore
from hsexplorer.storage.settings import SettingsStore

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "client-secret-for-tests-0123456789"


def mint_oauth(sandbox, *, scopes=sandbox_auth.ALL_SCOPES, expires_in: float = 1800) -> dict:
    return sandbox.add_token(scopes, kind=sandbox_auth.OAUTH, expiresIn=expires_in)


def oauth_auth(minted: dict, *, expires_at: float | None = None) -> OAuthTokens:
    return OAuthTokens(minted["token"], minted["refreshToken"], client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                       expires_at=expires_at)


def summary(traces) -> list[tuple[str, str, int | None]]:
    return [(t.method, httpx.URL(t.url).path, t.status) for t in traces]


def traced_run(sandbox, auth, action, **kwargs):
    """Run `action(client)`; returns (result, traces, tokens handed to on_token_refresh)."""
    traces, renewed = [], []

    async def go():
        async with HubSpotClient(auth, sandbox.base_url, on_token_refresh=renewed.append, **kwargs) as client:
            client.add_trace_listener(traces.append)
            return await action(client)

    return run(go()), traces, renewed


def everything_shown(traces) -> str:
    return "".join(json.dumps(t.to_json()) + t.as_curl() for t in traces)


def test_v3_introspection_reports_the_portal_scopes_and_expiry(sandbox_server):
    minted = mint_oauth(sandbox_server, scopes=[SEND_SCOPE, READ_SCOPE])
    info, traces, _ = traced_run(sandbox_server, oauth_auth(minted), lambda c: c.token_info())

    assert summary(traces) == [("POST", "/oauth/v3/token/introspect", 200)]
    assert info.portal_id == sandbox_server.portal_id and info.kind == "oauth"
    assert info.has(SEND_SCOPE) and not info.has(DEFINITIONS_SCOPE)
    assert 0 < info.expires_in <= 1800 and info.notes == ()
    shown = everything_shown(traces)
    assert minted["token"] not in shown and CLIENT_SECRET not in shown


def test_the_access_token_is_renewed_before_it_expires(sandbox_server):
    sandbox_server.configure(oauthLifetimeSeconds=30)  # short-lived: inside the client's one-minute margin
    minted = mint_oauth(sandbox_server, expires_in=30)
    auth = oauth_auth(minted, expires_at=time.time() + 30)

    (client_auth, types), traces, renewed = traced_run(
        sandbox_server, auth, lambda c: _types_and_auth(c))

    assert summary(traces) == [("POST", "/oauth/v3/token", 200), ("GET", "/events/v3/events/event-types", 200)]
    assert types and renewed == [client_auth] and client_auth.access_token != minted["token"]
    assert client_auth.expires_at == pytest.approx(time.time() + 30, abs=10)
    assert client_auth.refresh_token == minted["refreshToken"]


async def _types_and_auth(client):
    types = await client.event_types()
    return client.auth, types


def test_an_expired_access_token_is_renewed_after_the_401_and_the_request_repeated(sandbox_server):
    minted = mint_oauth(sandbox_server, expires_in=0)  # HubSpot will say it expired

    (client_auth, types), traces, renewed = traced_run(sandbox_server, oauth_auth(minted), _types_and_auth)

    assert summary(traces) == [
        ("GET", "/events/v3/events/event-types", 401),
        ("POST", "/oauth/v3/token", 200),
        ("GET", "/events/v3/events/event-types", 200),
    ]
    assert types and renewed == [client_auth]
    shown = everything_shown(traces)
    for secret in (minted["token"], minted["refreshToken"], CLIENT_SECRET, client_auth.access_token):
        assert secret not in shown


def _revoke(sandbox, refresh_token: str) -> None:
    with sandbox.client(token=None) as http:
        answer = http.post("/oauth/v3/token/revoke", data={
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token": refresh_token,
            "token_type_hint": "refresh_token"})
    assert answer.status_code == 204


def test_a_revoked_refresh_token_asks_for_a_new_sign_in_and_marks_the_account(sandbox_server, tmp_path):
    minted = mint_oauth(sandbox_server, expires_in=0)
    _revoke(sandbox_server, minted["refreshToken"])
    accounts = AccountStore(SettingsStore(tmp_path / "settings.json"))
    account = accounts.add(Account(id="acct-oauth", name="OAuth portal", auth_kind=AuthKind.OAUTH,
                                   base_url=sandbox_server.base_url, oauth_client_id=CLIENT_ID))
    secret = AccountSecret(minted["token"], minted["refreshToken"], client_secret=CLIENT_SECRET)

    async def go():
        async with client_for(account, secret) as client:
            keep_credentials_current(client, account, SecretStore(), accounts)
            await client.event_types()

    with pytest.raises(SignInRequiredError) as caught:
        run(go())
    message = caught.value.user_message
    assert "Sign in again" in message and "revoked" in message
    for shown in (message, str(caught.value)):
        assert minted["refreshToken"] not in shown and CLIENT_SECRET not in shown
    assert accounts.get("acct-oauth").needs_sign_in


def test_v1_is_only_a_fallback_when_v3_is_not_served_and_says_it_is_deprecated(sandbox_server):
    sandbox_server.admin("PATCH", "/_sandbox/oauth", {"v3": False})
    minted = mint_oauth(sandbox_server, expires_in=0)

    async def renew_then_check(client):
        await client.event_types()
        return await client.token_info()

    info, traces, renewed = traced_run(sandbox_server, oauth_auth(minted), renew_then_check)

    paths = summary(traces)
    assert paths[:4] == [
        ("GET", "/events/v3/events/event-types", 401),
        ("POST", "/oauth/v3/token", 404),
        ("POST", "/oauth/v1/token", 200),
        ("GET", "/events/v3/events/event-types", 200),
    ]
    assert paths[4] == ("POST", "/oauth/v3/token/introspect", 404)
    assert paths[5][0] == "GET" and paths[5][1].startswith("/oauth/v1/access-tokens/") and paths[5][2] == 200
    assert len(renewed) == 1 and info.portal_id == sandbox_server.portal_id
    assert info.notes and all("OAuth v1 token check, deprecated on 2027-02-16" in n for n in info.notes)
    assert renewed[0].access_token not in everything_shown(traces)


def test_the_connection_check_shows_the_v1_note(sandbox_server):
    sandbox_server.admin("PATCH", "/_sandbox/oauth", {"v3": False})
    minted = mint_oauth(sandbox_server)
    account = Account(id="a", name="OAuth", auth_kind=AuthKind.OAUTH, base_url=sandbox_server.base_url,
                      oauth_client_id=CLIENT_ID)
    report = run(check_connection(account, AccountSecret(minted["token"], minted["refreshToken"],
                                                         client_secret=CLIENT_SECRET)))
    assert any("deprecated on 2027-02-16" in note for note in report.notes)
    assert report.portal_id == sandbox_server.portal_id and report.complete


# -- service keys ------------------------------------------------------------------------------------


def service_key(sandbox, scopes) -> str:
    return sandbox.admin("POST", "/_sandbox/service-keys", {"scopes": sorted(scopes)})["token"]


def service_account(sandbox) -> Account:
    return Account(id="sk", name="Service key", auth_kind=AuthKind.SERVICE_KEY, base_url=sandbox.base_url)


def test_a_service_key_with_every_scope_allows_every_feature(sandbox_server):
    key = service_key(sandbox_server, scopes_to_tick())
    report = run(check_connection(service_account(sandbox_server), AccountSecret(key)))

    assert [(c.feature.key, c.state) for c in report.features] == [(f.key, "ok") for f in FEATURES]
    assert report.complete and report.scopes_known
    # The portal id comes from a definition's `pe{portal}_…` name: no extra request.
    assert report.portal_id == sandbox_server.portal_id
    assert report.rate_limit is not None and report.rate_limit.daily_remaining is not None


def test_a_service_key_without_the_send_scope_reports_send_missing_and_stores_nothing(sandbox_server):
    key = service_key(sandbox_server, [DEFINITIONS_SCOPE, READ_SCOPE])
    stored_before = sandbox_server.store.count_events()

    report = run(check_connection(service_account(sandbox_server), AccountSecret(key)))

    states = {c.feature.key: c.state for c in report.features}
    assert states == {"send": "missing", "definitions": "ok", "query": "ok", "contacts": "ok"}
    assert [d.scope for d in report.disabled] == [SEND_SCOPE]
    assert sandbox_server.store.count_events() == stored_before


def test_a_service_key_probe_with_all_scopes_stores_nothing_either(sandbox_server):
    key = service_key(sandbox_server, scopes_to_tick())
    stored_before = sandbox_server.store.count_events()
    run(check_connection(service_account(sandbox_server), AccountSecret(key)))
    assert sandbox_server.store.count_events() == stored_before


@pytest.mark.parametrize("version", ["v3", "2026-03", "2026-09"])
def test_service_key_probes_use_the_paths_of_the_clients_api_version(sandbox_server, version):
    from hsexplorer.domain import api_versions

    key = service_key(sandbox_server, [DEFINITIONS_SCOPE, READ_SCOPE])
    info, traces, _ = traced_run(sandbox_server, ServiceKey(key), lambda client: client.token_info(),
                                 api_version=version)
    paths = {path for _method, path, _status in summary(traces)}
    assert paths == {api_versions.definitions_path(version), api_versions.occurrences_path(version),
                     api_versions.send_path(version)}
    assert {c.feature.key: c.state for c in info.features()}["send"] == "missing"


# -- scope names across spec versions -------------------------------------------------------------------


def test_scope_names_of_every_spec_version_are_understood(sandbox_server):
    other_names = ["behavioral-events-ingestion", "oauth-access", DEFINITIONS_SCOPE]
    token = sandbox_server.add_token(other_names)["token"]  # a private app reporting the other names

    async def go():
        async with HubSpotClient(PrivateAppToken(token), sandbox_server.base_url) as client:
            return await client.token_info()

    info = run(go())
    assert sorted(info.scopes) == sorted(other_names)
    assert info.missing() == [] and all(c.ok for c in info.features())


def test_a_token_without_a_scope_under_any_name_is_reported_missing():
    info = TokenInfo(kind="private_app", portal_id=1, scopes=frozenset({"oauth-access"}))
    assert info.missing() == [SEND_SCOPE, DEFINITIONS_SCOPE]
    assert {c.feature.key: c.state for c in info.features()} == {
        "send": "missing", "definitions": "missing", "query": "ok", "contacts": "ok"}


def test_the_readme_lists_the_same_scope_per_feature_as_the_app():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| ") and "`" in line and "Scope" not in line]
    documented = {line.split("|")[1].strip(): line.split("|")[2].strip().strip("`") for line in rows}
    for feature in FEATURES:
        assert documented.get(feature.title) == feature.scope, feature.title


def test_a_missing_scope_tells_a_service_key_user_where_to_add_it(sandbox_server):
    from hsexplorer.hubspot.auth import ServiceKey
    from hsexplorer.hubspot.errors import MissingScopesError

    key = service_key(sandbox_server, [DEFINITIONS_SCOPE, READ_SCOPE])

    async def go():
        async with HubSpotClient(ServiceKey(key), sandbox_server.base_url) as client:
            await client.send({"eventName": sandbox_server.event_name("x"), "email": "a@example.com"})

    with pytest.raises(MissingScopesError) as caught:
        run(go())
    assert SEND_SCOPE in caught.value.user_message and "Service keys" in caught.value.user_message
    assert key not in caught.value.user_message


def test_an_inactive_access_token_is_renewed_once_before_the_check_answers(sandbox_server):
    minted = mint_oauth(sandbox_server, expires_in=0)  # introspect says {"active": false}
    info, traces, renewed = traced_run(sandbox_server, oauth_auth(minted), lambda c: c.token_info())
    assert summary(traces) == [
        ("POST", "/oauth/v3/token/introspect", 200),
        ("POST", "/oauth/v3/token", 200),
        ("POST", "/oauth/v3/token/introspect", 200),
    ]
    assert len(renewed) == 1 and info.portal_id == sandbox_server.portal_id


def test_an_oauth_token_that_stays_inactive_is_reported_as_expired(scripted_server):
    from fixtures_client import Reply

    from hsexplorer.hubspot.errors import TokenExpiredError

    scripted_server.queue("/oauth/v3/token/introspect", Reply(200, json={"active": False}),
                          Reply(200, json={"active": False}))
    scripted_server.queue("/oauth/v3/token", Reply(200, json={"access_token": "fresh-token-1234", "expires_in": 1800}))

    async def go():
        auth = OAuthTokens("old-token-1234", "refresh-1234", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        async with HubSpotClient(auth, scripted_server.base_url) as client:
            await client.token_info()

    with pytest.raises(TokenExpiredError):
        run(go())
    assert [r.path for r in scripted_server.received] == [
        "/oauth/v3/token/introspect", "/oauth/v3/token", "/oauth/v3/token/introspect"]

"""OAuth token endpoint, partner-initiated authorize page and Playground tokens."""

import base64
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from simulator import Simulator
from simulator.ids import ManualClock
from simulator.oauth import pkce_challenge
from simulator.scenario import DEFAULT_ACCOUNT_ID, PLAYGROUND_ACCOUNT_ID

from .helpers import api, control, exchange_code, link_account, refresh

VERIFIER = "a-long-enough-code-verifier-0123456789-abcdefghijklmnop"


async def test_appstore_code_exchange(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """A code from the install step gives a token pair; scope ava.v1; 4 h by default."""
    install = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    tokens = await exchange_code(session, sim, install["code"])
    assert set(tokens) == {
        "access_token",
        "refresh_token",
        "scope",
        "expires_in",
        "token_type",
    }
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 14400
    assert tokens["scope"] == "ava.v1"
    me = await api(session, sim, "/v1/users/me", tokens["access_token"])
    assert me["data"] == {
        "type": "users",
        "id": DEFAULT_ACCOUNT_ID,
        "attributes": {
            "first_name": "Demo",
            "last_name": "User",
            "email": "demo.user@example.com",
            "phone_number": "18005550100",
        },
    }
    assert "time" in me["meta"]


async def test_code_single_use(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """A code works once; the second exchange is invalid_grant."""
    install = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    await exchange_code(session, sim, install["code"])
    body = await exchange_code(session, sim, install["code"], expect=400)
    assert body["error"] == "invalid_grant"
    assert "error_description" in body


async def test_appstore_code_expires_after_60s(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Appstore codes live 60 s."""
    install = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    clock.advance(61)
    body = await exchange_code(session, sim, install["code"], expect=400)
    assert body == {
        "error": "invalid_grant",
        "error_description": "Authorization code has expired",
    }


async def test_refresh_rotates(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Each refresh returns a new refresh token; the old one stops working."""
    first = await link_account(session, sim)
    second = await refresh(session, sim, first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (await refresh(session, sim, first["refresh_token"], expect=400))[
        "error"
    ] == ("invalid_grant")
    third = await refresh(session, sim, second["refresh_token"])
    await api(session, sim, "/v1/devices", third["access_token"])


async def test_access_token_expires(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Access tokens stop working after expires_in; a refresh restores access."""
    sim.config.access_token_lifetime = 100
    tokens = await link_account(session, sim)
    assert tokens["expires_in"] == 100
    await api(session, sim, "/v1/devices", tokens["access_token"])
    clock.advance(100)
    body = await api(session, sim, "/v1/devices", tokens["access_token"], expect=401)
    assert body["errors"][0]["status"] == "401"
    assert body["errors"][0]["title"] == "Invalid Client"
    fresh = await refresh(session, sim, tokens["refresh_token"])
    await api(session, sim, "/v1/devices", fresh["access_token"])


async def test_expire_tokens_control(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """`POST /_sim/tokens/expire` expires access tokens now, refresh tokens keep working."""
    tokens = await link_account(session, sim)
    assert (
        await control(
            session, sim, "/tokens/expire", {"account_id": DEFAULT_ACCOUNT_ID}
        )
    )["expired"] == 1
    await api(session, sim, "/v1/devices", tokens["access_token"], expect=401)
    await refresh(session, sim, tokens["refresh_token"])


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "authorization_code", "code": "x"}, 401, "invalid_client"),
        (
            {"grant_type": "client_credentials", "auth": True},
            401,
            "unsupported_grant_type",
        ),
        ({"auth": True}, 400, "invalid_request"),
        ({"grant_type": "authorization_code", "auth": True}, 400, "invalid_request"),
        (
            {"grant_type": "authorization_code", "code": "nope", "auth": True},
            400,
            "invalid_grant",
        ),
        (
            {"grant_type": "refresh_token", "refresh_token": "nope", "auth": True},
            400,
            "invalid_grant",
        ),
    ],
)
async def test_token_errors(
    sim: Simulator,
    session: aiohttp.ClientSession,
    form: dict[str, object],
    status: int,
    error: str,
) -> None:
    """RFC 6749 error bodies."""
    data = {k: str(v) for k, v in form.items() if k != "auth"}
    if form.get("auth"):
        data |= {"client_id": "sim-client-id", "client_secret": "sim-client-secret"}
    async with session.post(sim.token_url, data=data) as response:
        assert response.status == status
        body = await response.json()
    assert body["error"] == error
    assert response.headers["Cache-Control"] == "no-store"


async def test_token_endpoint_wants_form(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """JSON bodies are refused; HTTP Basic client authentication works."""
    async with session.post(
        sim.token_url, json={"grant_type": "refresh_token"}
    ) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "invalid_request"
    basic = {
        "Authorization": "Basic " + base64.b64encode(b"sim-client-id:wrong").decode()
    }
    async with session.post(
        sim.token_url, data={"grant_type": "x"}, headers=basic
    ) as response:
        assert response.status == 401
    basic = {
        "Authorization": "Basic "
        + base64.b64encode(b"sim-client-id:sim-client-secret").decode()
    }
    async with session.post(
        sim.token_url, data={"grant_type": "x"}, headers=basic
    ) as response:
        assert (await response.json())["error"] == "unsupported_grant_type"


def _authorize_params(sim: Simulator, **extra: str) -> dict[str, str]:
    """Return valid partner-initiated authorize parameters."""
    return {
        "client_id": sim.config.client_id,
        "redirect_uri": "https://partner.example/callback",
        "response_type": "code",
        "scope": "ava.v1:read",
        "state": "xyz",
        "code_challenge": pkce_challenge(VERIFIER),
        "code_challenge_method": "S256",
    } | extra


async def _decide(
    session: aiohttp.ClientSession, sim: Simulator, decision: str, **extra: str
) -> dict[str, list[str]]:
    """Load the page, press a button and return the redirect's query."""
    params = _authorize_params(sim, **extra)
    async with session.get(sim.authorize_url, params=params) as response:
        assert response.status == 200
        page = await response.text()
    assert "Allow" in page
    assert "Deny" in page
    async with session.post(
        sim.authorize_url, data={**params, "decision": decision}, allow_redirects=False
    ) as response:
        assert response.status == 302
        location = urlsplit(response.headers["Location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == params["redirect_uri"]
    )
    return parse_qs(location.query)


async def test_partner_initiated_pkce(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Allow → code + state; exchange needs the right verifier; PATCH completes the link."""
    query = await _decide(session, sim, "allow")
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    state = await control(session, sim, "/state", method="GET")
    account = next(a for a in state["accounts"] if a["id"] == DEFAULT_ACCOUNT_ID)
    assert account["integration_status"] == "awaiting"
    assert account["link_time_ms"] == int(clock() * 1000)
    body = await exchange_code(
        session, sim, code, code_verifier="wrong-verifier", expect=400
    )
    assert body["error"] == "invalid_grant"
    # The code was consumed by the failed attempt (single use).
    query = await _decide(session, sim, "allow")
    assert (await exchange_code(session, sim, query["code"][0], expect=400))[
        "error"
    ] == ("invalid_grant")
    query = await _decide(session, sim, "allow")
    tokens = await exchange_code(session, sim, query["code"][0], code_verifier=VERIFIER)
    assert tokens["scope"] == "ava.v1:read"
    await api(session, sim, "/v1/devices", tokens["access_token"])
    patched = await api(
        session,
        sim,
        "/v1/accounts/me/app-integrations",
        tokens["access_token"],
        method="PATCH",
        json_body={"status": "completed"},
    )
    assert patched["status"] == "completed"


async def test_partner_code_lives_10_minutes(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Partner-initiated codes expire after 10 minutes."""
    query = await _decide(session, sim, "allow")
    clock.advance(601)
    await exchange_code(
        session, sim, query["code"][0], code_verifier=VERIFIER, expect=400
    )


async def test_authorize_deny_and_errors(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Deny → access_denied; bad client → generic page; missing PKCE → error redirect."""
    query = await _decide(session, sim, "deny")
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["xyz"]
    params = _authorize_params(sim, client_id="someone-else")
    async with session.get(sim.authorize_url, params=params) as response:
        assert response.status == 400
        assert "Something went wrong" in await response.text()
    params = _authorize_params(sim, code_challenge_method="plain")
    async with session.get(
        sim.authorize_url, params=params, allow_redirects=False
    ) as response:
        assert response.status == 302
        assert parse_qs(urlsplit(response.headers["Location"]).query)["error"] == [
            "invalid_request"
        ]
    params = _authorize_params(sim, response_type="token")
    async with session.get(
        sim.authorize_url, params=params, allow_redirects=False
    ) as response:
        assert "unsupported_response_type" in response.headers["Location"]
    sim.config.redirect_uris = ("https://registered.example/cb",)
    async with session.get(
        sim.authorize_url, params=_authorize_params(sim)
    ) as response:
        assert response.status == 400


async def test_playground_token(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """30 minutes, no refresh token, the Playground account and device, read-only."""
    body = await control(session, sim, "/playground/token")
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["expires_in"] == 1800
    token = body["access_token"]
    me = await api(session, sim, "/v1/users/me", token)
    assert me["data"]["id"] == PLAYGROUND_ACCOUNT_ID
    devices = await api(session, sim, "/v1/devices", token)
    assert [d["attributes"]["name"] for d in devices["data"]] == ["Playground Device"]
    body = await api(
        session,
        sim,
        "/v1/accounts/me/app-integrations",
        token,
        method="PATCH",
        json_body={"status": "completed"},
        expect=403,
    )
    assert body["errors"][0]["title"] == "Out of Scope Access"
    history = await api(
        session, sim, f"/v1/history/devices/{devices['data'][0]['id']}/events", token
    )
    assert history == {"data": []}


async def test_users_me_bad_token_is_403(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """`/v1/users/me` answers 403 (not 401) for a bad token, as documented."""
    body = await api(session, sim, "/v1/users/me", "garbage", expect=403)
    assert body["errors"][0]["status"] == "403"
    await api(session, sim, "/v1/users/me", None, expect=403)

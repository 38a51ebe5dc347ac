"""OAuth token endpoint and Playground tokens."""

import base64

import aiohttp
import pytest

from simulator import Simulator
from simulator.ids import ManualClock
from simulator.scenario import DEFAULT_ACCOUNT_ID, PLAYGROUND_ACCOUNT_ID

from .helpers import api, control, exchange_code, link_account, refresh


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

"""Partner-initiated OAuth: the authorize page, PKCE S256 and partner codes."""

from urllib.parse import parse_qs, urlsplit

import aiohttp

from simulator import Simulator
from simulator.ids import ManualClock
from simulator.oauth import pkce_challenge
from simulator.scenario import DEFAULT_ACCOUNT_ID

from .helpers import api, control, exchange_code

VERIFIER = "a-long-enough-code-verifier-0123456789-abcdefghijklmnop"


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

"""Helpers for the simulator tests."""

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from simulator import Simulator
from simulator.oauth import pkce_challenge
from simulator.scenario import DEFAULT_ACCOUNT_ID

# Copies of shared/fixtures/recorded (real responses recorded from api.amazonvision.com).
FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    """Load a recorded fixture."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """Return the structure of a JSON value: keys and value types at every depth."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        unique: list[Any] = []
        for item in value:
            if (item_shape := shape(item)) not in unique:
                unique.append(item_shape)
        return unique
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def bearer(token: str) -> dict[str, str]:
    """Return an Authorization header."""
    return {"Authorization": f"Bearer {token}"}


async def _token_request(
    session: aiohttp.ClientSession, sim: Simulator, form: dict[str, str], expect: int
) -> dict[str, Any]:
    """POST a grant with the simulator's client credentials to the token endpoint."""
    credentials = {
        "client_id": sim.config.client_id,
        "client_secret": sim.config.client_secret,
    }
    async with session.post(sim.token_url, data=form | credentials) as response:
        assert response.status == expect, await response.text()
        return dict(await response.json())


async def exchange_code(
    session: aiohttp.ClientSession,
    sim: Simulator,
    code: str,
    *,
    code_verifier: str | None = None,
    expect: int = 200,
) -> dict[str, Any]:
    """Exchange a code at the token endpoint."""
    form = {"grant_type": "authorization_code", "code": code}
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    return await _token_request(session, sim, form, expect)


async def refresh(
    session: aiohttp.ClientSession,
    sim: Simulator,
    refresh_token: str,
    *,
    expect: int = 200,
) -> dict[str, Any]:
    """Use the refresh grant."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await _token_request(session, sim, form, expect)


async def control(
    session: aiohttp.ClientSession,
    sim: Simulator,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    method: str = "POST",
    expect: int = 200,
) -> Any:
    """Call the control API and return its JSON."""
    async with session.request(
        method, f"{sim.base_url}/_sim{path}", json=body
    ) as response:
        assert response.status == expect, await response.text()
        return await response.json()


async def api(
    session: aiohttp.ClientSession,
    sim: Simulator,
    path: str,
    token: str | None,
    *,
    method: str = "GET",
    json_body: Any = None,
    expect: int | None = 200,
) -> Any:
    """Call the API with a bearer and return the JSON body."""
    headers = bearer(token) if token else {}
    async with session.request(
        method, f"{sim.base_url}{path}", headers=headers, json=json_body
    ) as response:
        if expect is not None:
            assert response.status == expect, await response.text()
        return await response.json()


async def link_account(
    session: aiohttp.ClientSession,
    sim: Simulator,
    account_id: str = DEFAULT_ACCOUNT_ID,
    *,
    complete: bool = True,
    partner_tokens: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Link: install, exchange (here or by the partner stand-in), nonce POST, PATCH."""
    install = await control(session, sim, f"/accounts/{account_id}/install")
    if "code" in install:
        tokens = await exchange_code(session, sim, install["code"])
    else:  # the partner stand-in received and exchanged the code
        assert partner_tokens
        tokens = partner_tokens[-1]
    token = tokens["access_token"]
    body = await api(
        session,
        sim,
        "/v1/accounts/me/app-integrations",
        token,
        method="POST",
        json_body={"nonce": install["nonce"]},
    )
    assert body == {"status": "awaiting"}
    if complete:
        await api(
            session,
            sim,
            "/v1/accounts/me/app-integrations",
            token,
            method="PATCH",
            json_body={"status": "completed"},
        )
    return tokens


async def partner_initiated_tokens(
    session: aiohttp.ClientSession, sim: Simulator, scope: str
) -> dict[str, Any]:
    """Link through the partner-initiated authorize page (Allow) and return the tokens."""
    verifier = "a-long-enough-code-verifier-0123456789-abcdefghijklmnop"
    params = {
        "client_id": sim.config.client_id,
        "redirect_uri": "https://partner.example/callback",
        "response_type": "code",
        "scope": scope,
        "state": "s",
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    async with session.post(
        sim.authorize_url, data={**params, "decision": "allow"}, allow_redirects=False
    ) as response:
        assert response.status == 302, await response.text()
        code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    return await exchange_code(session, sim, code, code_verifier=verifier)

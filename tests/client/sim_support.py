"""Helpers to drive the simulator for client tests: linking, control API, auth."""

from collections.abc import Callable
from typing import Any, override
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web

from custom_components.ring_partner.client import (
    AbstractAuth,
    IntegrationStatus,
    RateLimiter,
    RingPartnerClient,
    TokenResponse,
    check_link_time,
    compute_nonce,
    exchange_code,
    nonce_matches,
    refresh_access_token,
)
from simulator import Simulator

from .conftest import FakeServer

CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
HMAC_KEY = "sim-hmac-key"


class SimAuth(AbstractAuth):
    """Auth over tokens from the simulator's token endpoint, refreshing on demand."""

    def __init__(
        self,
        websession: aiohttp.ClientSession,
        sim: Simulator,
        token: TokenResponse,
        **kwargs: Any,
    ) -> None:
        """Initialize with an initial token."""
        super().__init__(websession, sim.base_url, **kwargs)
        self.sim = sim
        self.token = token
        self.refresh_calls = 0

    @override
    async def async_get_access_token(self) -> str:
        """Return the current access token."""
        return self.token.access_token

    @override
    async def async_force_refresh_access_token(self) -> str:
        """Refresh through the token endpoint (rotating the refresh token)."""
        self.refresh_calls += 1
        if self.token.refresh_token is None:
            return await super().async_force_refresh_access_token()
        self.token = await refresh_access_token(
            self.websession,
            token_url=self.sim.token_url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            refresh_token=self.token.refresh_token,
        )
        return self.token.access_token


class SimControl:
    """Thin wrapper over the simulator's `/_sim/` control API."""

    def __init__(self, session: aiohttp.ClientSession, sim: Simulator) -> None:
        """Initialize with a session and the simulator."""
        self.session = session
        self.sim = sim

    async def call(self, method: str, path: str, body: object = None) -> Any:
        """Call the control API and return decoded JSON (None when empty)."""
        async with self.session.request(
            method, f"{self.sim.base_url}/_sim/{path}", json=body
        ) as resp:
            assert resp.status < 400, (resp.status, await resp.text())
            text = await resp.text()
            return await resp.json() if text else None

    async def requests(self) -> list[dict[str, Any]]:
        """Return the simulator's request log."""
        result: list[dict[str, Any]] = await self.call("GET", "requests")
        return result

    async def clear_requests(self) -> None:
        """Clear the request log."""
        await self.call("DELETE", "requests")

    async def config(self, **changes: Any) -> None:
        """Change runtime settings."""
        await self.call("POST", "config", changes)

    async def fault(self, **fault: Any) -> None:
        """Inject a fault."""
        await self.call("POST", "faults", fault)


def token_exchange_receiver(partner: FakeServer) -> list[str]:
    """Serve a Token Exchange URL on the partner server; return the codes list."""
    codes: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        form = await request.post()
        codes.append(str(form["code"]))
        return web.Response(text="ok")

    partner.route("POST", "/ring/token-exchange", receive)
    return codes


async def link_account(
    session: aiohttp.ClientSession,
    sim: Simulator,
    control: SimControl,
    codes: list[str],
    account_id: str,
    *,
    complete: bool = True,
    auth_factory: Callable[[TokenResponse], SimAuth] | None = None,
) -> RingPartnerClient:
    """Run Ring's one-way linking end to end, as a partner would (§1.5)."""
    answer = await control.call("POST", f"accounts/{account_id}/install")
    code = codes[-1]
    token = await exchange_code(
        session,
        token_url=sim.token_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        code=code,
    )
    auth = (
        auth_factory(token)
        if auth_factory
        else SimAuth(session, sim, token, rate_limiter=RateLimiter())
    )
    client = RingPartnerClient(auth)
    user = await client.get_user()
    assert user.id == account_id
    query = parse_qs(urlsplit(answer["account_link_url"]).query)
    nonce, time = query["nonce"][0], query["time"][0]
    check_link_time(time)
    assert nonce_matches(HMAC_KEY, time, user.id, nonce)
    assert compute_nonce(HMAC_KEY, time, user.id) == nonce
    assert (
        await client.confirm_app_integration(nonce, "d***o@example.com")
        is IntegrationStatus.AWAITING
    )
    if complete:
        result = await client.update_app_integration(status=IntegrationStatus.COMPLETED)
        assert result.status is IntegrationStatus.COMPLETED
    return client

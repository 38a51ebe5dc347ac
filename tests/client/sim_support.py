"""Helpers to drive the simulator for client tests: linking, auth, Playground clients."""

from typing import Any, override
from urllib.parse import parse_qs, urlsplit

import aiohttp

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
from tests.conftest import CLIENT_ID, CLIENT_SECRET, HMAC_KEY, SimControl


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


async def link_account(
    session: aiohttp.ClientSession,
    sim: Simulator,
    control: SimControl,
    codes: list[str],
    account_id: str,
    *,
    complete: bool = True,
    **auth_kwargs: Any,
) -> RingPartnerClient:
    """Run Ring's one-way linking end to end, as a partner would (§1.5).

    `auth_kwargs` go to the client's SimAuth (default: a limiter of its own).
    """
    answer = await control.call("POST", f"accounts/{account_id}/install")
    code = codes[-1]
    token = await exchange_code(
        session,
        token_url=sim.token_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        code=code,
    )
    auth_kwargs.setdefault("rate_limiter", RateLimiter())
    client = RingPartnerClient(SimAuth(session, sim, token, **auth_kwargs))
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


async def playground_client(
    session: aiohttp.ClientSession, sim: Simulator, control: SimControl, **kwargs: Any
) -> RingPartnerClient:
    """Return a client over a fresh Playground token (no refresh token, read-only)."""
    raw = await control.call("POST", "playground/token")
    return RingPartnerClient(
        SimAuth(session, sim, TokenResponse.from_json(raw), **kwargs)
    )

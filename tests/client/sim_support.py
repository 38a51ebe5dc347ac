"""Helpers to drive the simulator for client tests: linking, auth, Playground clients."""

from typing import Any, override
from urllib.parse import parse_qs, urlsplit

import aiohttp

from custom_components.ring_partner.client import (
    AbstractAuth,
    IntegrationStatus,
    RateLimiter,
    RingPartnerAuthenticationError,
    RingPartnerClient,
    TokenResponse,
    Transport,
    check_link_time,
    compute_nonce,
    exchange_code,
    nonce_matches,
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
        """Refresh through the token endpoint (rotating the refresh token).

        The host owns refreshes (Home Assistant's OAuth2 helper in the integration), so
        this test auth plays that part with a plain form POST.
        """
        self.refresh_calls += 1
        if self.token.refresh_token is None:
            return await super().async_force_refresh_access_token()
        form = {
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": self.token.refresh_token,
        }
        async with self.websession.post(self.sim.token_url, data=form) as resp:
            if resp.status != 200:
                msg = f"Refresh refused ({resp.status})"
                raise RingPartnerAuthenticationError(msg, status=resp.status)
            self.token = TokenResponse.from_json(await resp.json())
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
    """Run Ring's one-way linking end to end, as a partner would.

    `auth_kwargs` go to the client's SimAuth (default: a limiter of its own).
    """
    answer = await control.call("POST", f"accounts/{account_id}/install")
    code = codes[-1]
    token = await exchange_code(
        Transport(session, sim.base_url),
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

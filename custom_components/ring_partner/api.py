"""Bridge Home Assistant's token handling to the Ring Partner API client."""

import time
from typing import Any, cast, override

from aiohttp import ClientError, ClientSession

from homeassistant.exceptions import (
    OAuth2TokenRequestError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session
from homeassistant.util.hass_dict import HassKey

from .client import (
    AbstractAuth,
    RateLimiter,
    RateLimiters,
    RingPartnerAuthenticationError,
    RingPartnerConnectionError,
)
from .const import DOMAIN

# Ring's 100 requests a second are per app (docs/ring-api.md#rate-limits): every entry of
# one client id shares a limiter, kept as long as this Home Assistant runs.
DATA_RATE_LIMITERS: HassKey[RateLimiters] = HassKey(f"{DOMAIN}_rate_limiters")

# Developer Playground tokens live 30 minutes and cannot be refreshed
# (docs/linking.md#playground-token).
PLAYGROUND_TOKEN_LIFETIME = 1800


class RingPartnerConfigEntryAuth(AbstractAuth):
    """Hand the client a fresh access token from an OAuth2 session."""

    def __init__(
        self,
        websession: ClientSession,
        api_base: str,
        oauth_session: OAuth2Session,
        *,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        """Initialize the auth."""
        super().__init__(websession, api_base, rate_limiter=rate_limiter)
        self._oauth_session = oauth_session

    @override
    async def async_get_access_token(self) -> str:
        """Return a valid access token, refreshing (and persisting the rotation) first."""
        await self._async_refresh(force=False)
        return cast("str", self._oauth_session.token["access_token"])

    @override
    async def async_force_refresh_access_token(self) -> str:
        """Refresh now, after Ring answered 401 to a token we believed valid."""
        await self._async_refresh(force=True)
        return cast("str", self._oauth_session.token["access_token"])

    async def _async_refresh(self, *, force: bool) -> None:
        """Refresh through Home Assistant's OAuth2 helper and map its errors for the client.

        The helper's token errors subclass aiohttp's, so they are translated here rather than
        left for the client to mistake for a connection problem with the API.
        """
        session = self._oauth_session
        try:
            if not force:
                await session.async_ensure_token_valid()
                return
            new_token = await session.implementation.async_refresh_token(session.token)
        except OAuth2TokenRequestReauthError as err:
            msg = "Ring refused the refresh token; the account must be linked again"
            raise RingPartnerAuthenticationError(msg) from err
        except OAuth2TokenRequestError as err:
            msg = f"Refreshing the access token failed ({err.status})"
            raise RingPartnerConnectionError(msg) from err
        except ClientError as err:
            msg = "Refreshing the access token failed: Ring's token endpoint is unreachable"
            raise RingPartnerConnectionError(msg) from err
        # Ring rotates refresh tokens on every exchange (docs/ring-api.md#token-endpoint):
        # persist the new one at once, before anything can lose it.
        session.hass.config_entries.async_update_entry(
            session.config_entry,
            data={**session.config_entry.data, "token": new_token},
        )


def playground_token(pasted: str) -> dict[str, Any]:
    """Return the token to store for a pasted Playground token ("Bearer " optional)."""
    access_token = pasted.strip().removeprefix("Bearer ").strip()
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": PLAYGROUND_TOKEN_LIFETIME,
        "expires_at": time.time() + PLAYGROUND_TOKEN_LIFETIME,
    }

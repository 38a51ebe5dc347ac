"""Exchange the one-time code Ring posts to the Token Exchange URL for an unclaimed token.

See docs/linking.md#token-exchange-url: the code must be exchanged within 60 s, and the
account it belongs to is learnt from users/me before the browser brings the nonce.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import time
from typing import Any

from aiohttp import ClientSession

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util

from ..client import RingPartnerError, Transport, User, exchange_code_for_account
from ..const import LOGGER

# Ring's code must be exchanged within 60 s; keep a margin for users/me.
EXCHANGE_TIMEOUT = 30.0
# An unclaimed token waits as long as the flow's progress step: the user installs the
# app, then Ring redirects the browser within seconds; nothing stays in memory longer.
UNCLAIMED_TOKEN_LIFETIME = timedelta(minutes=15)
# Anyone can POST codes while a flow waits; each costs a call to Ring's token endpoint.
# Ring sends one code per install, so a few in flight at once is plenty.
MAX_EXCHANGES_IN_FLIGHT = 3


@dataclass(frozen=True, kw_only=True)
class LinkCredentials:
    """The Ring app and endpoints a waiting flow exchanges codes with."""

    client_id: str
    client_secret: str = field(repr=False)
    token_url: str
    api_base: str


@dataclass(kw_only=True, eq=False)
class UnclaimedToken:
    """Tokens from a code exchange, waiting for the browser to bring the nonce."""

    credentials: LinkCredentials
    token: dict[str, Any] = field(repr=False)
    user: User
    expires: datetime


async def async_exchange_code(
    session: ClientSession, credentials: LinkCredentials, code: str
) -> UnclaimedToken:
    """Exchange a code with one app's credentials and identify the account.

    Raises RingPartnerError, or TimeoutError past EXCHANGE_TIMEOUT.
    """
    async with asyncio.timeout(EXCHANGE_TIMEOUT):
        linked = await exchange_code_for_account(
            Transport(session, credentials.api_base),
            token_url=credentials.token_url,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            code=code,
        )
    token: dict[str, Any] = {
        **linked.token.as_dict(),
        "expires_at": time.time() + linked.token.expires_in,
    }
    return UnclaimedToken(
        credentials=credentials,
        token=token,
        user=linked.user,
        expires=dt_util.utcnow() + UNCLAIMED_TOKEN_LIFETIME,
    )


class TokenExchange:
    """Codes exchanged in the background and their tokens, until a nonce claims them.

    Memory only, never persisted.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize with nothing received."""
        self.hass = hass
        self.unclaimed: list[UnclaimedToken] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> bool:
        """Return True when enough code exchanges are already running."""
        return len(self._tasks) >= MAX_EXCHANGES_IN_FLIGHT

    @callback
    def async_receive_code(
        self,
        code: str,
        candidates: list[LinkCredentials],
        on_failure: Callable[[], None],
    ) -> None:
        """Exchange a code from Ring in the background, so Ring gets its 200 at once."""
        task = self.hass.async_create_task(
            self._async_exchange(code, candidates, on_failure),
            "ring_partner code exchange",
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _async_exchange(
        self,
        code: str,
        candidates: list[LinkCredentials],
        on_failure: Callable[[], None],
    ) -> None:
        """Try each app's credentials until one exchanges the code.

        The Token Exchange URL is unauthenticated (docs/ambiguities.md#token-exchange-request):
        the exchange is the check.
        """
        session = async_get_clientsession(self.hass)
        for credentials in candidates:
            try:
                unclaimed = await async_exchange_code(session, credentials, code)
            except (RingPartnerError, TimeoutError) as err:
                LOGGER.debug(
                    "Code exchange with one app failed: %s", type(err).__name__
                )
                continue
            self.unclaimed.append(unclaimed)
            LOGGER.debug("Ring's code was exchanged; the token waits for its nonce")
            return
        LOGGER.warning(
            "Home Assistant received a code from Ring but could not exchange it; "
            "check the client id and secret of the Ring app"
        )
        on_failure()

    async def async_claimable(
        self, credentials: LinkCredentials
    ) -> dict[str, UnclaimedToken]:
        """Return an app's live tokens by account id, once running exchanges are done."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=EXCHANGE_TIMEOUT)
        now = dt_util.utcnow()
        self.unclaimed = [t for t in self.unclaimed if t.expires > now]
        return {t.user.id: t for t in self.unclaimed if t.credentials == credentials}

    @callback
    def async_drop(self, credentials: LinkCredentials) -> None:
        """Drop the unclaimed tokens of an app."""
        self.unclaimed = [t for t in self.unclaimed if t.credentials != credentials]

"""Token sources for the transport: an abstract one for hosts, a static one for fixed tokens."""

from abc import ABC, abstractmethod
from collections.abc import Callable
import time
from typing import Any, override

import aiohttp

from .const import API_BASE_URL
from .exceptions import RingPartnerAuthenticationError
from .transport import Transport


class AbstractAuth(Transport, ABC):
    """Supply bearer tokens to the transport; the host owns storage and refresh."""

    @abstractmethod
    @override
    async def async_get_access_token(self) -> str:
        """Return a valid access token (refreshing it first if needed)."""


class StaticTokenAuth(AbstractAuth):
    """Use one access token until it expires: Playground tokens and fresh link tokens.

    Playground tokens live 30 minutes with no refresh token (docs/linking.md#playground-token);
    an expired one fails as an authentication error, so the host can ask for a new one.
    """

    def __init__(
        self,
        websession: aiohttp.ClientSession,
        api_base: str = API_BASE_URL,
        *,
        token: str | dict[str, Any],
        wall_clock: Callable[[], float] | None = None,
        **kwargs: Any,
    ) -> None:
        """Initialize with a token string or an OAuth2 token dict (`expires_at` optional)."""
        super().__init__(websession, api_base, **kwargs)
        if isinstance(token, str):
            token = {"access_token": token}
        self._access_token = str(token["access_token"])
        expires_at = token.get("expires_at")
        self._expires_at = (
            float(expires_at) if isinstance(expires_at, int | float) else None
        )
        # Looked up per call, so a patched time.time (tests) is seen too.
        self._wall_clock = wall_clock or (lambda: time.time())  # noqa: PLW0108

    @override
    async def async_get_access_token(self) -> str:
        """Return the token, or fail as an auth error once it has expired."""
        if self._expires_at is not None and self._wall_clock() >= self._expires_at:
            msg = "The access token has expired and cannot be refreshed"
            raise RingPartnerAuthenticationError(msg)
        return self._access_token

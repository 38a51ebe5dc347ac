"""Token endpoint helpers: code exchange (optionally PKCE) and refresh (§1.2)."""

import asyncio
from collections.abc import Mapping
import json
import logging
import socket

import aiohttp

from ._json import as_object, opt_str
from .account import TokenResponse
from .const import DEFAULT_REQUEST_TIMEOUT, OAUTH_TOKEN_URL
from .exceptions import (
    RingPartnerConnectionError,
    RingPartnerInvalidGrantError,
    RingPartnerOAuthError,
    RingPartnerParseError,
    RingPartnerServerError,
    RingPartnerTimeoutError,
)

_LOGGER = logging.getLogger(__name__)


async def exchange_code(
    session: aiohttp.ClientSession,
    *,
    token_url: str = OAUTH_TOKEN_URL,
    client_id: str,
    client_secret: str,
    code: str,
    code_verifier: str | None = None,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> TokenResponse:
    """Exchange an authorization code (within 60 s of receipt) for tokens.

    `code_verifier` is sent only for partner-initiated OAuth with PKCE (§1.3).
    """
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
    }
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    return await _token_request(session, token_url, form, request_timeout)


async def refresh_access_token(
    session: aiohttp.ClientSession,
    *,
    token_url: str = OAUTH_TOKEN_URL,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> TokenResponse:
    """Refresh tokens; Ring rotates the refresh token, so persist the new one."""
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    return await _token_request(session, token_url, form, request_timeout)


async def _token_request(
    session: aiohttp.ClientSession,
    token_url: str,
    form: Mapping[str, str],
    request_timeout: float,
) -> TokenResponse:
    """POST a form to the token endpoint once and decode the answer.

    Never retried: a code is single-use and a refresh token rotates, so a retry
    after a lost answer could only fail or burn the new token.
    """
    grant = form["grant_type"]
    try:
        async with (
            asyncio.timeout(request_timeout),
            session.post(token_url, data=dict(form), allow_redirects=False) as resp,
        ):
            status = resp.status
            body = await resp.read()
    except TimeoutError as err:
        msg = f"Timeout during {grant} token request"
        raise RingPartnerTimeoutError(msg) from err
    except (aiohttp.ClientError, socket.gaierror) as err:
        msg = f"Error during {grant} token request: {type(err).__name__}"
        raise RingPartnerConnectionError(msg) from err
    _LOGGER.debug("Token request (%s) -> %s", grant, status)
    try:
        decoded: object = json.loads(body) if body else {}
    except UnicodeDecodeError, ValueError:
        decoded = None
    if status >= 400:
        payload = as_object(decoded)
        error = opt_str(payload.get("error"))
        description = opt_str(payload.get("error_description"))
        if error == "invalid_grant":
            msg = f"Token request rejected: invalid_grant ({status})"
            raise RingPartnerInvalidGrantError(
                msg, description=description, status=status
            )
        if error:
            msg = f"Token request rejected: {error} ({status})"
            raise RingPartnerOAuthError(
                msg, error=error, description=description, status=status
            )
        if status >= 500:
            msg = f"Token endpoint failed ({status})"
            raise RingPartnerServerError(msg, status=status)
        msg = f"Token request rejected ({status})"
        raise RingPartnerOAuthError(msg, error="unknown_error", status=status)
    if not isinstance(decoded, dict):
        msg = "Token endpoint answered with invalid JSON"
        raise RingPartnerParseError(msg)
    return TokenResponse.from_json(as_object(decoded))

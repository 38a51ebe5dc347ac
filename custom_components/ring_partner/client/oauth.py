"""Ring's token endpoint: the authorization-code grant, and a code's account (docs/linking.md).

Token requests go through the same `Transport.request()` as API calls; their error answers are
RFC 6749 bodies. They are never retried after a failure that may have reached Ring: a code is
single-use, so a second attempt could only fail (429 is retried, since Ring rejected it
unprocessed).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from .account import TokenResponse, User
from .auth import StaticTokenAuth
from .client import RingPartnerClient
from .const import OAUTH_TOKEN_URL
from .transport import Transport

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def exchange_code(
    transport: Transport,
    *,
    token_url: str = OAUTH_TOKEN_URL,
    client_id: str,
    client_secret: str,
    code: str,
    code_verifier: str | None = None,
    request_timeout: float | None = None,
) -> TokenResponse:
    """Exchange an authorization code (within 60 s of receipt) for tokens.

    `code_verifier` is sent only for partner-initiated OAuth with PKCE.
    """
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
    }
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    response = await transport.request(
        "POST",
        token_url,
        data=urlencode(form),
        headers=_FORM,
        authenticated=False,
        oauth=True,
        idempotent=False,
        request_timeout=request_timeout,
    )
    return TokenResponse.from_json(response.json())


@dataclass(frozen=True, kw_only=True, slots=True)
class LinkedAccount:
    """The tokens a code exchange produced and the Ring account they belong to."""

    token: TokenResponse
    user: User


async def exchange_code_for_account(
    transport: Transport,
    *,
    token_url: str = OAUTH_TOKEN_URL,
    client_id: str,
    client_secret: str,
    code: str,
) -> LinkedAccount:
    """Exchange a code and identify its account with `GET /v1/users/me`.

    Appstore linking needs the account id before the nonce can be matched
    (docs/linking.md#appstore-linking-steps).
    """
    token = await exchange_code(
        transport,
        token_url=token_url,
        client_id=client_id,
        client_secret=client_secret,
        code=code,
    )
    client = RingPartnerClient(
        StaticTokenAuth(
            transport.websession,
            str(transport.api_base),
            token=token.access_token,
            rate_limiter=transport.rate_limiter,
        )
    )
    return LinkedAccount(token=token, user=await client.get_user())

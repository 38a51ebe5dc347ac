"""Authorization codes, access tokens and rotating refresh tokens (docs/ring-api.md#token-endpoint).

Choices for the gaps in docs/ambiguities.md: errors are RFC 6749 bodies (docs/ambiguities.md#token-endpoint-errors); reusing a rotated refresh
token answers `invalid_grant` without revoking the family (docs/ambiguities.md#token-endpoint-errors); a code used twice answers
`invalid_grant` and leaves the tokens issued the first time alone; exchanging a new Appstore
code for an account revokes that account's older tokens (re-install, docs/ambiguities.md#reinstalling).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.ids import IdFactory

CODE_APPSTORE = "appstore"
CODE_PARTNER = "partner"


class OAuthError(Exception):
    """An RFC 6749 error answered by the token endpoint."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Describe the error."""
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


@dataclass(kw_only=True)
class AuthCode:
    """A one-time authorization code."""

    code: str = field(repr=False)
    account_id: str
    client_id: str
    kind: str
    expires_at: float
    scope: str
    redirect_uri: str | None = None
    code_challenge: str | None = field(default=None, repr=False)
    used: bool = False


@dataclass(kw_only=True)
class Grant:
    """What access and refresh tokens have in common: owner, client, scope, lifetime."""

    token: str = field(repr=False)
    account_id: str
    client_id: str
    scope: str
    expires_at: float
    revoked: bool = False


@dataclass(kw_only=True)
class AccessToken(Grant):
    """A bearer token for the API."""

    playground: bool = False


@dataclass(kw_only=True)
class RefreshToken(Grant):
    """A refresh token; replaced (and invalidated) by every refresh."""


class TokenStore:
    """All codes and tokens of the simulated OAuth server."""

    def __init__(self, ids: IdFactory, clock: Callable[[], float]) -> None:
        """Create an empty store."""
        self._ids = ids
        self._clock = clock
        self._codes: dict[str, AuthCode] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}

    def mint_code(
        self,
        *,
        account_id: str,
        client_id: str,
        kind: str,
        lifetime: float,
        scope: str,
        redirect_uri: str | None = None,
        code_challenge: str | None = None,
    ) -> AuthCode:
        """Create a code valid for `lifetime` seconds."""
        code = AuthCode(
            code=self._ids.token(24),
            account_id=account_id,
            client_id=client_id,
            kind=kind,
            expires_at=self._clock() + lifetime,
            scope=scope,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
        )
        self._codes[code.code] = code
        return code

    def _redeemable[G: (AuthCode, RefreshToken)](
        self, grant: G | None, client_id: str, *, name: str, spent: str
    ) -> G:
        """Return a code or refresh token the client may redeem; else raise invalid_grant."""
        if grant is None or grant.client_id != client_id:
            raise OAuthError("invalid_grant", f"Invalid {name}")
        if grant.used if isinstance(grant, AuthCode) else grant.revoked:
            raise OAuthError("invalid_grant", spent)
        if self._clock() > grant.expires_at:
            raise OAuthError("invalid_grant", f"{name.capitalize()} has expired")
        return grant

    def consume_code(self, code: str, client_id: str) -> AuthCode:
        """Return the code's grant and mark it used; raise OAuthError."""
        grant = self._redeemable(
            self._codes.get(code),
            client_id,
            name="authorization code",
            spent="Authorization code has already been used",
        )
        grant.used = True
        return grant

    def invalidate_code(self, code: AuthCode) -> None:
        """Forget a code that was never delivered."""
        self._codes.pop(code.code, None)

    def issue(
        self,
        *,
        account_id: str,
        client_id: str,
        scope: str,
        access_lifetime: float,
        refresh_lifetime: float | None,
        playground: bool = False,
    ) -> tuple[AccessToken, RefreshToken | None]:
        """Create an access token and (unless `refresh_lifetime` is None) a refresh token."""
        now = self._clock()
        access = AccessToken(
            token=self._ids.token(),
            account_id=account_id,
            client_id=client_id,
            scope=scope,
            expires_at=now + access_lifetime,
            playground=playground,
        )
        self._access[access.token] = access
        refresh = None
        if refresh_lifetime is not None:
            refresh = RefreshToken(
                token=self._ids.token(),
                account_id=account_id,
                client_id=client_id,
                scope=scope,
                expires_at=now + refresh_lifetime,
            )
            self._refresh[refresh.token] = refresh
        return access, refresh

    def use_refresh_token(self, token: str, client_id: str) -> RefreshToken:
        """Validate a refresh token and invalidate it (rotation); raise OAuthError."""
        grant = self._redeemable(
            self._refresh.get(token),
            client_id,
            name="refresh token",
            spent="Refresh token has been revoked or rotated",
        )
        grant.revoked = True
        return grant

    def access_token(self, token: str) -> AccessToken | None:
        """Return the live access token or None (unknown, expired or revoked)."""
        grant = self._access.get(token)
        if grant is None or grant.revoked or self._clock() >= grant.expires_at:
            return None
        return grant

    def revoke_account(self, account_id: str) -> int:
        """Revoke every access and refresh token of an account; return how many."""
        grants: list[Grant] = [
            *self._access.values(),
            *self._refresh.values(),
        ]
        count = 0
        for grant in grants:
            if grant.account_id == account_id and not grant.revoked:
                grant.revoked = True
                count += 1
        return count

    def expire_access_tokens(self, account_id: str | None = None) -> int:
        """Make access tokens (of one account, or all) expire now; return how many."""
        now = self._clock()
        count = 0
        for grant in self._access.values():
            if account_id in (None, grant.account_id) and grant.expires_at > now:
                grant.expires_at = now
                count += 1
        return count

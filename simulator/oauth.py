"""Ring's OAuth server: `/oauth/token` and the partner-initiated authorize page (docs/ring-api.md#token-endpoint, docs/linking.md#partner-initiated-oauth).

Token endpoint choices (docs/ambiguities.md#scope-strings/docs/ambiguities.md#token-endpoint-errors): RFC 6749 error bodies
`{"error": ..., "error_description": ...}`; `invalid_client` 401, `invalid_request` and
`invalid_grant` 400, and an unknown `grant_type` 401 `unsupported_grant_type` as observed for
`client_credentials`. Client credentials come from the form or HTTP Basic. Scope: `ava.v1` for
Appstore codes, the requested scope (default `ava.v1`) for partner-initiated codes; the
read-only `ava.v1:read` restrictions are only enforced for Playground tokens.

Authorize page: a non-matching `client_id` or `redirect_uri` shows a generic "Something went
wrong" page (FL-004) instead of redirecting; other errors redirect with `error`,
`error_description` and `state`. Allow sets the integration to `awaiting` (consent instant =
link time, unless already linked) and redirects with `code` and `state`; PKCE S256 is checked
when the code is exchanged. `account_id` is a simulator-only parameter choosing the account
(default: the first non-Playground account).
"""

import base64
import hashlib
import hmac
from html import escape
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from yarl import URL

from simulator.models import STATUS_AWAITING, STATUS_NONE, STATUS_PENDING
from simulator.state import SimState, get_state
from simulator.tokens import CODE_APPSTORE, CODE_PARTNER, OAuthError

APPSTORE_SCOPE = "ava.v1"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def pkce_challenge(verifier: str) -> str:
    """Return the S256 code challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _oauth_error(err: OAuthError) -> web.Response:
    """Render an RFC 6749 error body."""
    body = {"error": err.error, "error_description": err.description}
    return web.json_response(body, status=err.status, headers=NO_STORE)


def _client(request: web.Request, form: Any) -> tuple[str, str]:
    """Return (client_id, client_secret) from the form or HTTP Basic auth."""
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except ValueError:
            decoded = ""
        login, sep, password = decoded.partition(":")
        if sep:
            client_id, secret = unquote(login), unquote(password)
    return str(client_id), str(secret)


async def token(request: web.Request) -> web.Response:
    """Handle `POST /oauth/token` (authorization_code and refresh_token grants)."""
    state = get_state(request)
    try:
        body = await _token_grant(request, state)
    except OAuthError as err:
        return _oauth_error(err)
    return web.json_response(body, headers=NO_STORE)


async def _token_grant(request: web.Request, state: SimState) -> dict[str, Any]:
    """Authenticate the client and run the grant; raise OAuthError."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "Content-Type must be form-urlencoded")
    form = await request.post()
    client_id, secret = _client(request, form)
    config = state.config
    if not hmac.compare_digest(client_id.encode(), config.client_id.encode()) or (
        not hmac.compare_digest(secret.encode(), config.client_secret.encode())
    ):
        raise OAuthError("invalid_client", "Client authentication failed", 401)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant_type == "authorization_code":
        return _exchange_code(state, client_id, form)
    if grant_type == "refresh_token":
        return _refresh(state, client_id, form)
    raise OAuthError("unsupported_grant_type", "invalid grant type for client", 401)


def _exchange_code(state: SimState, client_id: str, form: Any) -> dict[str, Any]:
    """Exchange an authorization code (PKCE for partner-initiated codes)."""
    code = form.get("code")
    if not code:
        raise OAuthError("invalid_request", "code is required")
    grant = state.tokens.consume_code(str(code), client_id)
    if grant.kind == CODE_PARTNER:
        verifier = form.get("code_verifier")
        if not verifier:
            raise OAuthError("invalid_grant", "code_verifier is required")
        expected = grant.code_challenge or ""
        if not hmac.compare_digest(
            pkce_challenge(str(verifier)).encode(), expected.encode()
        ):
            raise OAuthError("invalid_grant", "PKCE verification failed")
    account = state.accounts.get(grant.account_id)
    if account is None or account.integration_status == STATUS_NONE:
        raise OAuthError("invalid_grant", "The app integration was removed")
    if grant.kind == CODE_APPSTORE:
        state.tokens.revoke_account(account.id)
    return _issue(state, account.id, client_id, grant.scope)


def _refresh(state: SimState, client_id: str, form: Any) -> dict[str, Any]:
    """Rotate a refresh token: the old one stops working."""
    refresh_token = form.get("refresh_token")
    if not refresh_token:
        raise OAuthError("invalid_request", "refresh_token is required")
    grant = state.tokens.use_refresh_token(str(refresh_token), client_id)
    return _issue(state, grant.account_id, client_id, grant.scope)


def _issue(
    state: SimState, account_id: str, client_id: str, scope: str
) -> dict[str, Any]:
    """Issue a token pair and return the token response body."""
    config = state.config
    access, refresh = state.tokens.issue(
        account_id=account_id,
        client_id=client_id,
        scope=scope,
        access_lifetime=config.access_token_lifetime,
        refresh_lifetime=config.refresh_token_lifetime,
    )
    assert refresh is not None
    return {
        "access_token": access.token,
        "refresh_token": refresh.token,
        "scope": scope,
        "expires_in": config.access_token_lifetime,
        "token_type": "Bearer",
    }


_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Ring</title></head>
<body style="font-family:sans-serif;max-width:30em;margin:3em auto">{body}</body></html>"""
_SOMETHING_WRONG = "<h1>Something went wrong</h1><p>Please try again later.</p>"
_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "account_id",
)


def _html(body: str, status: int = 200) -> web.Response:
    """Return an HTML page."""
    return web.Response(
        text=_PAGE.format(body=body), status=status, content_type="text/html"
    )


def _redirect(redirect_uri: str, params: dict[str, str]) -> web.HTTPFound:
    """Return a 302 to the partner's redirect URI with extra query parameters."""
    return web.HTTPFound(str(URL(redirect_uri).update_query(params)))


class _PageError(Exception):
    """The generic error page Ring shows instead of an OAuth error redirect."""


def _check(state: SimState, params: Any) -> tuple[str, dict[str, str]]:
    """Validate authorize parameters; return (redirect_uri, state-param dict) or raise."""
    config = state.config
    redirect_uri = params.get("redirect_uri", "")
    if params.get("client_id") != config.client_id or not redirect_uri:
        raise _PageError
    if config.redirect_uris and redirect_uri not in config.redirect_uris:
        raise _PageError
    extra = {"state": params["state"]} if params.get("state") else {}
    if params.get("response_type") != "code":
        raise _redirect(
            redirect_uri,
            {
                "error": "unsupported_response_type",
                "error_description": "Use code",
                **extra,
            },
        )
    if (
        not params.get("code_challenge")
        or params.get("code_challenge_method") != "S256"
    ):
        raise _redirect(
            redirect_uri,
            {
                "error": "invalid_request",
                "error_description": "PKCE S256 is required",
                **extra,
            },
        )
    return str(redirect_uri), extra


def _account_id(state: SimState, params: Any) -> str:
    """Return the chosen account (simulator-only `account_id`, default first real one)."""
    if (account_id := params.get("account_id")) in state.accounts:
        return str(account_id)
    return next(a.id for a in state.accounts.values() if not a.playground)


async def authorize_page(request: web.Request) -> web.Response:
    """Show the consent page with Allow / Deny (`GET /partner-link/authorize`)."""
    state = get_state(request)
    params = request.query
    try:
        _check(state, params)
    except _PageError:
        return _html(_SOMETHING_WRONG, 400)
    account = state.accounts[_account_id(state, params)]
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(params.get(name, ""))}">'
        for name in _FIELDS
        if name != "account_id"
    )
    hidden += f'<input type="hidden" name="account_id" value="{escape(account.id)}">'
    return _html(
        f"<h1>Ring</h1><p>Signed in as {escape(account.email)}.</p>"
        f"<p>Allow <b>{escape(state.config.client_id)}</b> to access your shared devices?</p>"
        f'<form method="post">{hidden}'
        '<button name="decision" value="allow">Allow</button> '
        '<button name="decision" value="deny">Deny</button></form>'
    )


async def authorize_decision(request: web.Request) -> web.Response:
    """Handle Allow / Deny: redirect to `redirect_uri` with code or error (and state)."""
    state = get_state(request)
    form = await request.post()
    try:
        redirect_uri, extra = _check(state, form)
    except _PageError:
        return _html(_SOMETHING_WRONG, 400)
    if form.get("decision") != "allow":
        raise _redirect(
            redirect_uri,
            {
                "error": "access_denied",
                "error_description": "The user denied access",
                **extra,
            },
        )
    account = state.accounts[_account_id(state, form)]
    if account.integration_status in (STATUS_NONE, STATUS_PENDING):
        account.integration_status = STATUS_AWAITING
        account.link_time_ms = state.now_ms()
        account.updated_at_ms = account.link_time_ms
    account.link_method = account.link_method or "oauth"
    code = state.tokens.mint_code(
        account_id=account.id,
        client_id=state.config.client_id,
        kind=CODE_PARTNER,
        lifetime=state.config.partner_code_lifetime,
        scope=str(form.get("scope") or APPSTORE_SCOPE),
        redirect_uri=redirect_uri,
        code_challenge=str(form.get("code_challenge")),
    )
    raise _redirect(redirect_uri, {"code": code.code, **extra})


def setup(app: web.Application) -> None:
    """Register the OAuth routes."""
    app.router.add_post("/oauth/token", token)
    app.router.add_get("/partner-link/authorize", authorize_page)
    app.router.add_post("/partner-link/authorize", authorize_decision)

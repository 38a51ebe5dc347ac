"""Appstore (one-way) linking and the app-integrations API (docs/linking.md#appstore-linking to docs/ring-api.md#set-the-integration-status).

Choices for docs/ambiguities.md#token-exchange-request/docs/ambiguities.md#token-exchange-failure, docs/ambiguities.md#reinstalling: the Token Exchange POST carries only
`code`, form-encoded by default (the only shape sources show); `token_exchange_shape`
switches to a JSON body `{"code": ...}` or a `?code=` query parameter with an empty body, since
Ring's exact request is undocumented. It must answer 200; otherwise the install fails (502
from the control API) and the account keeps its previous status. Installing again mints a new code; exchanging it
revokes the account's older tokens. The integration is `pending` until the nonce POST (the
consent instant); API device access needs `awaiting` or `completed` (403 before). A repeated
POST with the same still-fresh nonce is idempotent. `DELETE` works only for partner-initiated
links (403 for Appstore links, docs/linking.md#unlinking). POST and PATCH answer the documented flat objects; with
`app_integration_answer: jsonapi` they answer as one independent emulator does,
`{"meta": {"time"}, "data": {"type": "app-integrations", "id": <account>, "attributes":
{...the flat fields}}}`.
"""

import base64
import hashlib
import hmac
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from simulator import events
from simulator.errors import JsonApiError, bad_request, json_object_body, not_found
from simulator.ids import iso_seconds
from simulator.models import (
    STATUS_AWAITING,
    STATUS_COMPLETED,
    STATUS_NONE,
    STATUS_PENDING,
    Account,
)
from simulator.oauth import APPSTORE_SCOPE
from simulator.state import SimState, get_state
from simulator.tokens import CODE_APPSTORE


def compute_nonce(hmac_key: str, time_ms: str, account_id: str) -> str:
    """Return the Account Link nonce (docs/linking.md#nonce-algorithm): base64url(HMAC-SHA256(key, "time:account"))."""
    mac = hmac.new(
        hmac_key.encode("utf-8"), f"{time_ms}:{account_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


async def install(state: SimState, account: Account) -> dict[str, Any]:
    """Play Ring's side of an Appstore install up to the browser redirect."""
    if account.playground:
        raise JsonApiError(400, detail="The Playground account cannot install apps")
    config = state.config
    code = state.tokens.mint_code(
        account_id=account.id,
        client_id=config.client_id,
        kind=CODE_APPSTORE,
        lifetime=config.appstore_code_lifetime,
        scope=APPSTORE_SCOPE,
    )
    previous = (account.integration_status, account.link_time_ms, account.link_method)
    account.integration_status = STATUS_PENDING
    account.link_time_ms = None
    account.link_method = "appstore"
    if config.token_exchange_url:
        problem = await _deliver_code(state, config.token_exchange_url, code.code)
        if problem is not None:
            state.tokens.invalidate_code(code)
            account.integration_status, account.link_time_ms, account.link_method = (
                previous
            )
            raise JsonApiError(502, "Bad Gateway", f"Token Exchange URL: {problem}")
    for device in state.shared_devices(account):
        events.device_webhook(state, device, "device_added", state.now_ms())
    time_ms = state.now_ms()
    account.nonce = compute_nonce(config.hmac_key, str(time_ms), account.id)
    account.nonce_time_ms = time_ms
    link_url = None
    if config.account_link_url:
        query = {"nonce": account.nonce, "time": str(time_ms)}
        link_url = str(URL(config.account_link_url).update_query(query))
    result: dict[str, Any] = {
        "account_link_url": link_url,
        "nonce": account.nonce,
        "time": str(time_ms),
    }
    if not config.token_exchange_url:
        result["code"] = code.code
    return result


async def _deliver_code(state: SimState, url: str, code: str) -> str | None:
    """POST the code to the Token Exchange URL; return a problem description or None."""
    timeout = aiohttp.ClientTimeout(total=state.config.token_exchange_timeout_s)
    shape = state.config.token_exchange_shape
    options: dict[str, Any] = {}
    if shape == "json":
        options["json"] = {"code": code}
    elif shape == "query":
        url = str(URL(url).update_query({"code": code}))
    else:
        options["data"] = {"code": code}
    try:
        async with state.http.post(
            url, timeout=timeout, allow_redirects=False, **options
        ) as response:
            if response.status != 200:
                return f"answered {response.status}"
    except TimeoutError:
        return "timed out"
    except aiohttp.ClientError as err:
        return f"unreachable ({type(err).__name__})"
    return None


def uninstall(state: SimState, account: Account) -> dict[str, Any]:
    """Remove the app: app_integration_removed webhook, then revoke all tokens (401)."""
    delivery = None
    if account.integration_status != STATUS_NONE:
        delivery = events.account_webhook(state, account, "app_integration_removed")
    revoked = state.tokens.revoke_account(account.id)
    account.integration_status = STATUS_NONE
    account.link_time_ms = None
    account.link_method = None
    account.nonce = None
    account.nonce_time_ms = None
    state.notify("account_unlinked", None, account)
    request_id = (
        delivery.request_id if delivery and delivery.suppressed is None else None
    )
    return {"revoked_tokens": revoked, "request_id": request_id}


def _integration_account(request: web.Request) -> tuple[SimState, Account]:
    """Authenticate an app-integrations call (any non-revoked token, not Playground)."""
    state = get_state(request)
    grant = state.bearer_grant(request)
    if grant is None:
        raise JsonApiError(401, "Invalid Client", "Invalid or expired access token")
    if grant.playground:
        raise JsonApiError(
            403, "Out of Scope Access", "Token scope does not allow this call"
        )
    account = state.accounts[grant.account_id]
    if account.integration_status == STATUS_NONE:
        raise not_found("No app integration exists for this token")
    return state, account


async def confirm_integration(request: web.Request) -> web.Response:
    """`POST /v1/accounts/me/app-integrations`: verify the nonce, status `awaiting`."""
    state, account = _integration_account(request)
    body = await json_object_body(request)
    nonce = body.get("nonce")
    if not nonce or not isinstance(nonce, str):
        raise bad_request("nonce is required", "Missing Required Fields")
    age_ms = state.now_ms() - (account.nonce_time_ms or 0)
    fresh = (
        account.nonce is not None and 0 <= age_ms <= state.config.nonce_window_s * 1000
    )
    if not fresh or not hmac.compare_digest(
        nonce.encode(), (account.nonce or "").encode()
    ):
        raise bad_request("Nonce validation failed", "Invalid Nonce")
    if isinstance(identifier := body.get("account_identifier"), str):
        account.account_identifier = identifier
    if account.integration_status == STATUS_PENDING:
        account.integration_status = STATUS_AWAITING
        account.link_time_ms = state.now_ms()
        account.updated_at_ms = account.link_time_ms
    return _integration_answer(state, account, {"status": account.integration_status})


def _integration_answer(
    state: SimState, account: Account, attributes: dict[str, Any]
) -> web.Response:
    """Answer app-integrations POST/PATCH flat or JSON:API-wrapped (`app_integration_answer`)."""
    if state.config.app_integration_answer == "flat":
        return web.json_response(attributes)
    return web.json_response(
        {
            "meta": state.meta(),
            "data": {
                "type": "app-integrations",
                "id": account.id,
                "attributes": attributes,
            },
        }
    )


async def update_integration(request: web.Request) -> web.Response:
    """`PATCH /v1/accounts/me/app-integrations`: `awaiting` <-> `completed`."""
    state, account = _integration_account(request)
    body = await json_object_body(request)
    status = body.get("status")
    identifier = body.get("account_identifier")
    if status is None and identifier is None:
        raise bad_request(
            "status or account_identifier is required", "Missing Required Fields"
        )
    if status is not None and (
        status not in (STATUS_AWAITING, STATUS_COMPLETED)
        or account.integration_status == STATUS_PENDING
    ):
        raise bad_request(
            f"Cannot change status from {account.integration_status} to {status}",
            "Invalid Status Transition",
        )
    if isinstance(identifier, str):
        account.account_identifier = identifier
    previous = account.integration_status
    if status is not None:
        account.integration_status = status
    account.updated_at_ms = state.now_ms()
    if status == STATUS_COMPLETED and previous != STATUS_COMPLETED:
        events.account_webhook(state, account, "app_integration_added")
    return _integration_answer(
        state,
        account,
        {
            "account_identifier": account.account_identifier,
            "status": account.integration_status,
            "updated_at": iso_seconds(account.updated_at_ms),
        },
    )


async def delete_integration(request: web.Request) -> web.Response:
    """`DELETE /v1/accounts/me/app-integrations`: partner-initiated links only."""
    state, account = _integration_account(request)
    if account.link_method != "oauth":
        raise JsonApiError(
            403, "Forbidden", "Only partner-initiated integrations can be deleted"
        )
    uninstall(state, account)
    return web.Response(status=204)


def setup(app: web.Application) -> None:
    """Register the app-integrations routes."""
    app.router.add_post("/v1/accounts/me/app-integrations", confirm_integration)
    app.router.add_patch("/v1/accounts/me/app-integrations", update_integration)
    app.router.add_delete("/v1/accounts/me/app-integrations", delete_integration)

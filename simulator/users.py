"""`GET /v1/users/me` (docs/ring-api.md#current-user) and `GET /v1/accounts/me/subscriptions` (docs/ring-api.md#subscriptions).

Users: a bad or missing token answers 403 (not 401), as documented; it works as soon as the
code is exchanged (pending integration). Subscriptions: partner-app subscriptions created with
`POST /_sim/accounts/{id}/subscription`; fixed page size 25 with an opaque `page[cursor]`;
Playground tokens get 422 (3P observation).
"""

from typing import Any

from aiohttp import web

from simulator.errors import JsonApiError, bad_request
from simulator.ids import iso_seconds
from simulator.state import get_state

SUBSCRIPTION_PAGE = 25


async def users_me(request: web.Request) -> web.Response:
    """Return the token's Ring user."""
    state = get_state(request)
    grant = state.bearer_grant(request)
    if grant is None:
        raise JsonApiError(
            403, "Forbidden", "Client not authenticated or token invalid"
        )
    account = state.accounts[grant.account_id]
    attributes = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "phone_number": account.phone_number,
    }
    return web.json_response(
        {
            "data": {"type": "users", "id": account.id, "attributes": attributes},
            "meta": state.meta(),
        }
    )


async def subscriptions(request: web.Request) -> web.Response:
    """List the account's subscriptions to the partner app."""
    state = get_state(request)
    account = state.authenticate(request)
    if account.playground:
        raise JsonApiError(
            422, "Unprocessable Entity", "Subscriptions are not available"
        )
    cursor = request.query.get("page[cursor]", "0")
    if not cursor.isdigit():
        raise bad_request("Invalid page[cursor]")
    offset = int(cursor)
    items = account.subscriptions[offset : offset + SUBSCRIPTION_PAGE]
    data: list[dict[str, Any]] = []
    for item in items:
        attributes: dict[str, Any] = {"sub_type": item.sub_type, "status": item.status}
        if item.plan_id is not None:
            attributes["plan_id"] = item.plan_id
        attributes["expires_at"] = iso_seconds(item.expires_ms)
        attributes["created_at"] = iso_seconds(item.created_ms)
        devices = [
            {"type": "devices", "id": device_id} for device_id in item.device_ids
        ]
        data.append(
            {
                "id": item.id,
                "type": "subscriptions",
                "attributes": attributes,
                "relationships": {"devices": {"data": devices}},
            }
        )
    body: dict[str, Any] = {"data": data, "meta": state.meta()}
    if offset + SUBSCRIPTION_PAGE < len(account.subscriptions):
        next_cursor = offset + SUBSCRIPTION_PAGE
        body["links"] = {
            "next": f"/v1/accounts/me/subscriptions?page[cursor]={next_cursor}"
        }
    return web.json_response(body)


def setup(app: web.Application) -> None:
    """Register the users and subscriptions routes."""
    app.router.add_get("/v1/users/me", users_me)
    app.router.add_get("/v1/accounts/me/subscriptions", subscriptions)

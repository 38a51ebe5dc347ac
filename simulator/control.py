"""The control API under `/_sim/` (JSON in and out) that tests and people drive.

Not part of Ring's API, never rate limited, faulted or logged in `/_sim/requests`. In paths,
the account id `default` names the first non-Playground account.
"""

from aiohttp import web

from simulator import control_page, events, linking
from simulator.errors import JsonApiError, bad_request, json_object_body, not_found
from simulator.models import Account, Device
from simulator.scenario import DEVICE_KINDS, DeviceSpec
from simulator.state import SimState, get_state


def _account(state: SimState, request: web.Request) -> Account:
    """Resolve `{account_id}` (or `default`)."""
    account_id = request.match_info["account_id"]
    if account_id == "default":
        return next(a for a in state.accounts.values() if not a.playground)
    return state.account(account_id)


def _device(state: SimState, request: web.Request) -> Device:
    """Resolve `{device_id}` (removed devices included)."""
    if (device := state.devices.get(request.match_info["device_id"])) is None:
        raise not_found("Unknown device")
    return device


async def get_config(request: web.Request) -> web.Response:
    """`GET /_sim/config`."""
    return web.json_response(get_state(request).config.public_dict())


async def post_config(request: web.Request) -> web.Response:
    """`POST /_sim/config`: change runtime settings."""
    state = get_state(request)
    try:
        state.config.update(await json_object_body(request))
    except ValueError as err:
        raise bad_request(str(err)) from err
    return web.json_response(state.config.public_dict())


async def install(request: web.Request) -> web.Response:
    """`POST /_sim/accounts/{id}/install`; `GET` redirects a browser to the link URL."""
    state = get_state(request)
    result = await linking.install(state, _account(state, request))
    if request.method == "GET":
        if not result["account_link_url"]:
            raise bad_request("account_link_url is not configured")
        raise web.HTTPFound(result["account_link_url"])
    return web.json_response(result)


async def uninstall(request: web.Request) -> web.Response:
    """`POST /_sim/accounts/{id}/uninstall`."""
    state = get_state(request)
    return web.json_response(linking.uninstall(state, _account(state, request)))


async def add_device(request: web.Request) -> web.Response:
    """`POST /_sim/accounts/{id}/devices`: create and share a new device."""
    state = get_state(request)
    account = _account(state, request)
    body = await json_object_body(request)
    name, kind = body.get("name"), body.get("kind", "camera")
    if not isinstance(name, str) or not name or kind not in DEVICE_KINDS:
        raise bad_request(f"name and kind ({', '.join(DEVICE_KINDS)}) are required")
    spec = DeviceSpec(
        id=state.ids.opaque("ava1.ring.device."),
        name=name,
        kind=kind,
        battery=bool(body.get("battery", False)),
        online=bool(body.get("online", True)),
    )
    device = state.add_device(account, spec)
    result = events.set_shared(state, device, shared=True)
    return web.json_response({"id": device.id, **result})


async def subscription(request: web.Request) -> web.Response:
    """`POST /_sim/accounts/{id}/subscription` body `{"active": bool, "sub_type": ...}`."""
    state = get_state(request)
    body = await json_object_body(request)
    result = events.subscription(
        state,
        _account(state, request),
        bool(body.get("active", True)),
        str(body.get("sub_type", "paid")),
    )
    return web.json_response(result)


async def device_action(request: web.Request) -> web.Response:
    """`POST /_sim/devices/{id}/{motion|ding|online|offline|add|remove}`."""
    state = get_state(request)
    device = _device(state, request)
    action = request.match_info["action"]
    if device.removed and action != "add":
        raise JsonApiError(409, "Conflict", "The device is not shared")
    if action == "motion":
        body = await json_object_body(request)
        result = events.motion(state, device, str(body.get("subtype", "motion")))
    elif action == "ding":
        result = events.ding(state, device)
    elif action in ("online", "offline"):
        result = events.set_online(state, device, online=action == "online")
    else:
        result = events.set_shared(state, device, shared=action == "add")
    return web.json_response(result)


async def get_sim_state(request: web.Request) -> web.Response:
    """`GET /_sim/state`: accounts and devices."""
    state = get_state(request)
    accounts = [
        {
            "id": a.id,
            "name": f"{a.first_name} {a.last_name}",
            "email": a.email,
            "playground": a.playground,
            "linked": a.linked,
            "link_time_ms": state.consent_time(a),
            "link_method": a.link_method,
            "integration_status": a.integration_status,
        }
        for a in state.accounts.values()
    ]
    devices = [
        {
            "id": d.id,
            "name": d.name,
            "kind": d.kind,
            "online": d.online,
            "account_id": d.account_id,
            "battery": d.battery,
            "removed": d.removed,
        }
        for d in state.devices.values()
    ]
    return web.json_response({"accounts": accounts, "devices": devices})


async def playground_token(request: web.Request) -> web.Response:
    """`POST /_sim/playground/token`: a 30-minute token, no refresh token (§9)."""
    state = get_state(request)
    account = next((a for a in state.accounts.values() if a.playground), None)
    if account is None:
        raise not_found("The scenario has no Playground account")
    lifetime = state.config.playground_token_lifetime
    access, _ = state.tokens.issue(
        account_id=account.id,
        client_id=state.config.client_id,
        scope="ava.v1:read",
        access_lifetime=lifetime,
        refresh_lifetime=None,
        playground=True,
    )
    return web.json_response(
        {"access_token": access.token, "token_type": "Bearer", "expires_in": lifetime}
    )


async def expire_tokens(request: web.Request) -> web.Response:
    """`POST /_sim/tokens/expire` (optional body `{"account_id": ...}`)."""
    state = get_state(request)
    account_id = (await json_object_body(request)).get("account_id")
    return web.json_response({"expired": state.tokens.expire_access_tokens(account_id)})


async def faults(request: web.Request) -> web.Response:
    """`GET`/`POST`/`DELETE /_sim/faults`."""
    state = get_state(request)
    if request.method == "POST":
        try:
            fault = state.faults.add(await json_object_body(request))
        except ValueError as err:
            raise bad_request(str(err)) from err
        return web.json_response(fault.as_dict())
    if request.method == "DELETE":
        state.faults.clear()
    return web.json_response([fault.as_dict() for fault in state.faults.faults])


async def requests_log(request: web.Request) -> web.Response:
    """`GET`/`DELETE /_sim/requests`."""
    state = get_state(request)
    if request.method == "DELETE":
        state.request_log.clear()
    return web.json_response(state.request_log)


async def webhooks_log(request: web.Request) -> web.Response:
    """`GET`/`DELETE /_sim/webhooks`."""
    state = get_state(request)
    if request.method == "DELETE":
        state.webhooks.deliveries.clear()
    return web.json_response([d.as_dict() for d in state.webhooks.deliveries])


def setup(app: web.Application) -> None:
    """Register the control routes."""
    router = app.router
    router.add_get("/_sim/", control_page.page)
    router.add_get("/_sim", control_page.redirect)
    router.add_get("/_sim/config", get_config)
    router.add_post("/_sim/config", post_config)
    router.add_get("/_sim/accounts/{account_id}/install", install)
    router.add_post("/_sim/accounts/{account_id}/install", install)
    router.add_post("/_sim/accounts/{account_id}/uninstall", uninstall)
    router.add_post("/_sim/accounts/{account_id}/devices", add_device)
    router.add_post("/_sim/accounts/{account_id}/subscription", subscription)
    router.add_post(
        "/_sim/devices/{device_id}/{action:motion|ding|online|offline|add|remove}",
        device_action,
    )
    router.add_get("/_sim/state", get_sim_state)
    router.add_post("/_sim/playground/token", playground_token)
    router.add_post("/_sim/tokens/expire", expire_tokens)
    for method in ("GET", "POST", "DELETE"):
        router.add_route(method, "/_sim/faults", faults)
    for method in ("GET", "DELETE"):
        router.add_route(method, "/_sim/requests", requests_log)
        router.add_route(method, "/_sim/webhooks", webhooks_log)

"""The control API under `/_sim/` (JSON in and out) that tests and people drive.

Not part of Ring's API, never rate limited, faulted or logged in `/_sim/requests`. In paths,
the account id `default` names the first non-Playground account. Every action that emits a
webhook takes `"deliver": false` to drop just that webhook (shown as suppressed).
"""

from typing import Any

from aiohttp import web

from simulator import chime, control_page, events, linking, sensors
from simulator.config import CHOICES
from simulator.devices import RECORDED_CAPABILITY_KEYS
from simulator.errors import JsonApiError, bad_request, json_object_body, not_found
from simulator.ids import iso_seconds
from simulator.models import DEVICE_KINDS, KIND_ALIASES, Account, Device
from simulator.scenario import DeviceSpec
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


def _deliver(body: dict[str, Any]) -> bool:
    """Return the body's `deliver` flag (default True); 400 when it is not a boolean."""
    deliver = body.get("deliver", True)
    if not isinstance(deliver, bool):
        raise bad_request("deliver must be a boolean")
    return deliver


def _integer(body: dict[str, Any], key: str) -> int | None:
    """Return an optional non-negative integer field (epoch ms); 400 otherwise."""
    value = body.get(key)
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or value < 0
    ):
        raise bad_request(f"{key} must be a non-negative integer")
    return value


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
    if (
        not isinstance(name, str)
        or not name
        or (kind not in DEVICE_KINDS and kind not in KIND_ALIASES)
    ):
        raise bad_request(f"name and kind ({', '.join(DEVICE_KINDS)}) are required")
    components = body.get("components", [])
    if (
        not isinstance(components, list)
        or not all(isinstance(item, str) and item for item in components)
        or (components and kind != "multi_camera")
    ):
        raise bad_request("components: a list of lens ids, for a multi_camera only")
    deliver = _deliver(body)
    spec = DeviceSpec(
        id=state.ids.opaque("ava1.ring.device."),
        name=name,
        kind=kind,
        battery=bool(body.get("battery", False)),
        online=bool(body.get("online", True)),
        components=tuple(components),
    )
    device = state.add_device(account, spec)
    result = events.set_shared(state, device, shared=True, deliver=deliver)
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
        deliver=_deliver(body),
    )
    return web.json_response(result)


async def device_action(request: web.Request) -> web.Response:
    """`POST /_sim/devices/{id}/{motion|ding|online|offline|add|remove}`."""
    state = get_state(request)
    device = _device(state, request)
    action = request.match_info["action"]
    if device.removed and action != "add":
        raise JsonApiError(409, "Conflict", "The device is not shared")
    body = await json_object_body(request)
    deliver = _deliver(body)
    if action == "motion":
        result = events.motion(
            state,
            device,
            body.get("subtype", "motion"),
            component_ids=body.get("component_ids"),
            deliver=deliver,
        )
    elif action == "ding":
        result = events.ding(state, device, deliver=deliver)
    elif action in ("online", "offline"):
        result = events.set_online(
            state, device, online=action == "online", deliver=deliver
        )
    else:
        result = events.set_shared(
            state, device, shared=action == "add", deliver=deliver
        )
    return web.json_response(result)


async def sensor_action(request: web.Request) -> web.Response:
    """`POST /_sim/devices/{id}/sensor`: a sensor event and/or new readings (sensors.py)."""
    state = get_state(request)
    device = _device(state, request)
    if device.removed:
        raise JsonApiError(409, "Conflict", "The device is not shared")
    ts, delivery = sensors.sensor_event(state, device, await json_object_body(request))
    request_id = (
        delivery.request_id if delivery and delivery.suppressed is None else None
    )
    event_id = f"{device.id}_{delivery.type}_{ts}" if delivery else None
    return web.json_response(
        {"event_id": event_id, "timestamp": ts, "request_id": request_id}
    )


async def chime_slot(request: web.Request) -> web.Response:
    """`POST /_sim/devices/{id}/chime_slot` `{"event", "audio_name"}` (null clears the slot)."""
    state = get_state(request)
    device = _device(state, request)
    if not device.is_chime:
        raise JsonApiError(409, "Conflict", "The device is not a chime")
    body = await json_object_body(request)
    try:
        slot = chime.assign_slot(device, body.get("event"), body.get("audio_name"))
    except ValueError as err:
        raise bad_request(str(err)) from err
    return web.json_response(slot.as_dict())


async def chime_plays(request: web.Request) -> web.Response:
    """`GET`/`DELETE /_sim/chime/plays`: the playbacks the API accepted."""
    state = get_state(request)
    if request.method == "DELETE":
        state.chime_plays.clear()
    return web.json_response(state.chime_plays)


async def capability_shape(request: web.Request) -> web.Response:
    """`POST /_sim/devices/{id}/capability_shape` `{"shape", "blocks"}` (null: global)."""
    state = get_state(request)
    device = _device(state, request)
    body = await json_object_body(request)
    shape, blocks = body.get("shape"), body.get("blocks")
    shapes = CHOICES["capability_shape"]
    if shape is not None and shape not in shapes:
        raise bad_request(f"shape must be null or one of {', '.join(shapes)}")
    if blocks is not None and (
        not isinstance(blocks, list)
        or not blocks
        or not all(block in RECORDED_CAPABILITY_KEYS for block in blocks)
    ):
        raise bad_request(
            f"blocks must be a non-empty list of {', '.join(RECORDED_CAPABILITY_KEYS)}"
        )
    device.capability_shape = shape
    device.capability_shape_blocks = tuple(blocks) if blocks is not None else None
    return web.json_response({"shape": shape, "blocks": blocks})


async def snapshot(request: web.Request) -> web.Response:
    """`POST /_sim/devices/{id}/snapshot` `{"timestamp"?}`: store a still (origin snapshot)."""
    state = get_state(request)
    device = _device(state, request)
    if not device.has_video:
        raise JsonApiError(409, "Conflict", "The device has no camera")
    body = await json_object_body(request)
    at_ms = _integer(body, "timestamp")
    at_ms = state.now_ms() if at_ms is None else at_ms
    state.add_snapshot(device, at_ms)
    return web.json_response({"timestamp": at_ms, "time": iso_seconds(at_ms)})


async def corrupt(request: web.Request) -> web.Response:
    """`POST /_sim/devices/{id}/corrupt` `{"event_id"}` or `{"start_ms", "end_ms"}`.

    Without a body the device's newest recording becomes corrupt; media from it then
    answers 422 `CORRUPT_RECORDING`.
    """
    state = get_state(request)
    device = _device(state, request)
    body = await json_object_body(request)
    recordings = state.recordings(device)
    start, end = _integer(body, "start_ms"), _integer(body, "end_ms")
    if (event_id := body.get("event_id")) is not None:
        match = [r for r in recordings if r.event_id == event_id]
        if not match:
            raise not_found("No recording of that event")
        start, end = match[0].start_ms, match[0].end_ms
    elif start is None and end is None:
        if not recordings:
            raise not_found("The device has no recording")
        start, end = recordings[-1].start_ms, recordings[-1].end_ms
    if start is None or end is None or end < start:
        raise bad_request("event_id, or start_ms <= end_ms, is required")
    state.mark_corrupt(device, start, end)
    return web.json_response({"start_ms": start, "end_ms": end})


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
            **_kind_state(d),
        }
        for d in state.devices.values()
    ]
    return web.json_response({"accounts": accounts, "devices": devices})


def _kind_state(device: Device) -> dict[str, Any]:
    """Return the kind-specific part of a device in `GET /_sim/state`."""
    if device.components:
        return {"components": list(device.components)}
    if device.is_chime:
        return {"slots": [slot.as_dict() for slot in device.slots]}
    if device.is_sensor:
        sensor = device.sensor
        values: dict[str, dict[str, Any]] = {
            "contact_detection": {"contact_faulted": sensor.contact_faulted},
            "flood_detection": {"flood_faulted": sensor.flood_faulted},
            "freeze_detection": {"freeze_faulted": sensor.freeze_faulted},
            "tamper_detection": {"tamper_detected": sensor.tamper_detected},
            "temperature": {"temperature_c": sensor.temperature_c},
            "humidity": {"humidity_pct": sensor.humidity_pct},
            "pm25": {"pm25_ugm3": sensor.pm25_ugm3},
            "battery_status": {"battery_percentage": sensor.battery_percentage},
        }
        merged: dict[str, Any] = {}
        for feature in device.sensor_features():
            merged |= values[feature]
        return {"sensor": merged}
    return {}


async def playground_token(request: web.Request) -> web.Response:
    """`POST /_sim/playground/token`: a 30-minute token, no refresh token (docs/ring-api.md#developer-playground)."""
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
    router.add_post("/_sim/devices/{device_id}/sensor", sensor_action)
    router.add_post("/_sim/devices/{device_id}/chime_slot", chime_slot)
    router.add_post("/_sim/devices/{device_id}/capability_shape", capability_shape)
    router.add_post("/_sim/devices/{device_id}/snapshot", snapshot)
    router.add_post("/_sim/devices/{device_id}/corrupt", corrupt)
    for method in ("GET", "DELETE"):
        router.add_route(method, "/_sim/chime/plays", chime_plays)
    router.add_get("/_sim/state", get_sim_state)
    router.add_post("/_sim/playground/token", playground_token)
    router.add_post("/_sim/tokens/expire", expire_tokens)
    for method in ("GET", "POST", "DELETE"):
        router.add_route(method, "/_sim/faults", faults)
    for method in ("GET", "DELETE"):
        router.add_route(method, "/_sim/requests", requests_log)
        router.add_route(method, "/_sim/webhooks", webhooks_log)

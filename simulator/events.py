"""Things that happen on Ring's side: motion, dings, connectivity, sharing, subscriptions.

Each action updates state (history, recordings, status) and emits the webhook. Webhooks are
only delivered when `SimState.webhooks_allowed` says so (integration completed, or
`webhooks_before_completed`; never for the Playground, docs/ring-api.md#developer-playground); suppressed ones still appear in
`GET /_sim/webhooks` with the reason. `deliver=False` drops the webhook of that one action
(reason `deliver: false`), so a test can lose a single webhook while others flow.

Motion accepts any subtype string (Ring may add more than the four documented ones) and,
on a multi-camera, the lenses that saw it (`component_ids`, default the main lens).
"""

import re
from typing import Any

from simulator.components import (
    UnknownComponentError,
    render_component_id,
    select_component,
)
from simulator.errors import JsonApiError
from simulator.ids import iso_seconds
from simulator.models import Account, Device, Subscription
from simulator.state import SimState
from simulator.webhooks import Delivery, account_event_data, device_event_data

SUBTYPE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
DROPPED = "deliver: false"


def suppression(state: SimState, account: Account, *, deliver: bool) -> str | None:
    """Return why a webhook is not delivered (a dropped one first), or None."""
    return DROPPED if not deliver else state.webhooks_allowed(account)


def device_webhook(
    state: SimState,
    device: Device,
    event_type: str,
    ts: int,
    subtype: str | None = None,
    *,
    extra: dict[str, Any] | None = None,
    deliver: bool = True,
) -> Delivery:
    """Emit a device webhook (delivered or suppressed)."""
    account = state.accounts[device.account_id]
    data = device_event_data(
        event_type,
        device.id,
        ts,
        subtype=subtype,
        placement=state.config.motion_subtype_placement,
        extra=extra,
    )
    return state.webhooks.send(
        account.id,
        data,
        device_id=device.id,
        suppressed=suppression(state, account, deliver=deliver),
    )


def account_webhook(state: SimState, account: Account, event_type: str) -> Delivery:
    """Emit app_integration_added / app_integration_removed."""
    data = account_event_data(
        event_type, state.ids.opaque("ava1.ring.event."), account.id, state.now_ms()
    )
    return state.webhooks.send(
        account.id, data, suppressed=state.webhooks_allowed(account)
    )


def _result(event_id: str | None, ts: int, delivery: Delivery | None) -> dict[str, Any]:
    """Return the control-API answer of a device action."""
    request_id = (
        delivery.request_id
        if delivery is not None and delivery.suppressed is None
        else None
    )
    return {"event_id": event_id, "timestamp": ts, "request_id": request_id}


def _recorded_event(
    state: SimState, device: Device, event_type: str, subtype: str | None
) -> tuple[str, int]:
    """Create a history event and its recording segment starting now."""
    if not device.online:
        raise JsonApiError(409, "Conflict", "The device is offline")
    start = state.now_ms()
    end = start + int(state.config.recording_segment_s * 1000)
    event = state.add_history_event(device, event_type, start, end, subtype)
    state.add_recording(device, start, end, event.id)
    return event.id, start


def _component_ids(device: Device, raw: object) -> list[str]:
    """Return the lenses a motion names (default: the main lens of a multi-camera)."""
    if raw is None:
        return list(device.components[:1])
    if not isinstance(raw, list) or not raw:
        raise JsonApiError(400, detail="component_ids must be a non-empty list")
    if not device.components:
        raise JsonApiError(409, "Conflict", "The device has no components")
    try:
        return [str(select_component(device, item)) for item in raw]
    except UnknownComponentError as err:
        raise JsonApiError(400, detail=str(err)) from err


def motion(
    state: SimState,
    device: Device,
    subtype: object,
    *,
    component_ids: object = None,
    deliver: bool = True,
) -> dict[str, Any]:
    """Motion: history event `motion` (subtype kept for filtering), recording, webhook."""
    if not device.has_video:
        raise JsonApiError(409, "Conflict", "The device has no camera")
    if not isinstance(subtype, str) or not SUBTYPE_PATTERN.fullmatch(subtype):
        raise JsonApiError(
            400, detail="subtype must be 1 to 64 letters, digits, '_' or '-'"
        )
    lenses = _component_ids(device, component_ids)
    extra = (
        {"component_ids": [render_component_id(state.config, c) for c in lenses]}
        if lenses
        else None
    )
    event_id, ts = _recorded_event(state, device, "motion", subtype)
    delivery = device_webhook(
        state, device, "motion_detected", ts, subtype, extra=extra, deliver=deliver
    )
    return _result(event_id, ts, delivery)


def ding(state: SimState, device: Device, *, deliver: bool = True) -> dict[str, Any]:
    """Doorbell press: history event `ding`, recording, `button_press` webhook."""
    if not device.is_doorbell:
        raise JsonApiError(409, "Conflict", "Only doorbells can be rung")
    event_id, ts = _recorded_event(state, device, "ding", None)
    delivery = device_webhook(state, device, "button_press", ts, deliver=deliver)
    return _result(event_id, ts, delivery)


def set_online(
    state: SimState, device: Device, online: bool, *, deliver: bool = True
) -> dict[str, Any]:
    """Change connectivity: status, reported_at, device_online/offline webhook."""
    ts = state.now_ms()
    device.online = online
    device.reported_at_ms = ts
    event_type = "device_online" if online else "device_offline"
    delivery = device_webhook(state, device, event_type, ts, deliver=deliver)
    if not online:
        state.notify("device_offline", device, state.accounts[device.account_id])
    return _result(f"{device.id}_{event_type}_{ts}", ts, delivery)


def set_shared(
    state: SimState, device: Device, shared: bool, *, deliver: bool = True
) -> dict[str, Any]:
    """Share or unshare a device: removed devices answer 404 everywhere."""
    ts = state.now_ms()
    device.removed = not shared
    event_type = "device_added" if shared else "device_removed"
    delivery = device_webhook(state, device, event_type, ts, deliver=deliver)
    if not shared:
        state.notify("device_removed", device, state.accounts[device.account_id])
    return _result(f"{device.id}_{event_type}_{ts}", ts, delivery)


def subscription(
    state: SimState,
    account: Account,
    active: bool,
    sub_type: str,
    *,
    deliver: bool = True,
) -> dict[str, Any]:
    """Activate or deactivate a partner-app subscription and emit its webhook (docs/webhooks.md#subscription-events)."""
    if sub_type not in ("paid", "trial"):
        raise JsonApiError(400, detail="sub_type must be paid or trial")
    now = state.now_ms()
    devices = [d.id for d in state.shared_devices(account)]
    match = next((s for s in account.subscriptions if s.sub_type == sub_type), None)
    if match is None:
        match = Subscription(
            id=state.ids.opaque("ava1.ring.subscription."),
            sub_type=sub_type,
            status="inactive",
            plan_id=state.ids.uuid() if sub_type == "paid" else None,
            created_ms=now,
            expires_ms=now + 30 * 86400 * 1000,
            device_ids=devices,
        )
        account.subscriptions.append(match)
    match.status = "active" if active else "inactive"
    attributes: dict[str, Any] = {
        "source": "subscriptions",
        "source_id": match.id,
        "sub_type": sub_type,
        "plan_id": match.plan_id,
    }
    if active:
        attributes["expires_at"] = iso_seconds(match.expires_ms)
    event_type = "subscription_activated" if active else "subscription_deactivated"
    data = {
        "id": state.ids.opaque("ava1.ring.event."),
        "type": event_type,
        "attributes": attributes,
        "relationships": {
            "devices": {
                "data": [{"type": "device", "id": d} for d in match.device_ids]
            },
            "subscriptions": {"links": {"self": "/v1/accounts/me/subscriptions"}},
        },
    }
    delivery = state.webhooks.send(
        account.id, data, suppressed=suppression(state, account, deliver=deliver)
    )
    return _result(str(data["id"]), now, delivery)

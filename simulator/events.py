"""Things that happen on Ring's side: motion, dings, connectivity, sharing, subscriptions.

Each action updates state (history, recordings, status) and emits the webhook. Webhooks are
only delivered when `SimState.webhooks_allowed` says so (integration completed, or
`webhooks_before_completed`; never for the Playground, §9); suppressed ones still appear in
`GET /_sim/webhooks` with the reason.
"""

from typing import Any

from simulator.errors import JsonApiError
from simulator.ids import iso_seconds
from simulator.models import Account, Device, Subscription
from simulator.state import SimState
from simulator.webhooks import Delivery, account_event_data, device_event_data

WEBHOOK_MOTION_SUBTYPES = ("motion", "human", "vehicle", "other_motion")


def device_webhook(
    state: SimState,
    device: Device,
    event_type: str,
    ts: int,
    subtype: str | None = None,
) -> Delivery:
    """Emit a device webhook (delivered or suppressed)."""
    account = state.accounts[device.account_id]
    data = device_event_data(
        event_type,
        device.id,
        ts,
        subtype=subtype,
        placement=state.config.motion_subtype_placement,
    )
    return state.webhooks.send(
        account.id,
        data,
        device_id=device.id,
        suppressed=state.webhooks_allowed(account),
    )


def account_webhook(state: SimState, account: Account, event_type: str) -> Delivery:
    """Emit app_integration_added / app_integration_removed."""
    data = account_event_data(
        event_type, state.ids.opaque("ava1.ring.event."), account.id, state.now_ms()
    )
    return state.webhooks.send(
        account.id, data, suppressed=state.webhooks_allowed(account)
    )


def _result(event_id: str, ts: int, delivery: Delivery) -> dict[str, Any]:
    """Return the control-API answer of a device action."""
    request_id = delivery.request_id if delivery.suppressed is None else None
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


def motion(state: SimState, device: Device, subtype: str) -> dict[str, Any]:
    """Motion: history event `motion` (subtype kept for filtering), recording, webhook."""
    if not device.has_video:
        raise JsonApiError(409, "Conflict", "The device has no camera")
    if subtype not in WEBHOOK_MOTION_SUBTYPES:
        raise JsonApiError(
            400, detail=f"subtype must be one of {WEBHOOK_MOTION_SUBTYPES}"
        )
    event_id, ts = _recorded_event(state, device, "motion", subtype)
    return _result(
        event_id, ts, device_webhook(state, device, "motion_detected", ts, subtype)
    )


def ding(state: SimState, device: Device) -> dict[str, Any]:
    """Doorbell press: history event `ding`, recording, `button_press` webhook."""
    if not device.is_doorbell:
        raise JsonApiError(409, "Conflict", "Only doorbells can be rung")
    event_id, ts = _recorded_event(state, device, "ding", None)
    return _result(event_id, ts, device_webhook(state, device, "button_press", ts))


def set_online(state: SimState, device: Device, online: bool) -> dict[str, Any]:
    """Change connectivity: status, reported_at, device_online/offline webhook."""
    ts = state.now_ms()
    device.online = online
    device.reported_at_ms = ts
    event_type = "device_online" if online else "device_offline"
    delivery = device_webhook(state, device, event_type, ts)
    if not online:
        state.notify("device_offline", device, state.accounts[device.account_id])
    return _result(f"{device.id}_{event_type}_{ts}", ts, delivery)


def set_shared(state: SimState, device: Device, shared: bool) -> dict[str, Any]:
    """Share or unshare a device: removed devices answer 404 everywhere."""
    ts = state.now_ms()
    device.removed = not shared
    event_type = "device_added" if shared else "device_removed"
    delivery = device_webhook(state, device, event_type, ts)
    if not shared:
        state.notify("device_removed", device, state.accounts[device.account_id])
    return _result(f"{device.id}_{event_type}_{ts}", ts, delivery)


def subscription(
    state: SimState, account: Account, active: bool, sub_type: str
) -> dict[str, Any]:
    """Activate or deactivate a partner-app subscription and emit its webhook (§6.6)."""
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
        account.id, data, suppressed=state.webhooks_allowed(account)
    )
    return _result(str(data["id"]), now, delivery)

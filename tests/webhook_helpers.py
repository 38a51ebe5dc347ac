"""Helpers for the webhook, event, binary sensor and fallback tests: bodies, signing, posting."""

import json
from typing import Any
import uuid

from aiohttp import ClientResponse

from custom_components.ring_partner.client import compute_signature
from custom_components.ring_partner.const import WEBHOOK_PATH
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from simulator.scenario import DEFAULT_ACCOUNT_ID

from .conftest import HMAC_KEY, SimControl

type TestClient = Any


def event_ms(offset_ms: int = 0) -> int:
    """Return an event time `offset_ms` after now (test clock), in epoch milliseconds.

    Events older than the lateness limit are recorded but not fired, so bodies carry times
    near now; tests add small offsets to make distinct events.
    """
    return int(dt_util.utcnow().timestamp() * 1000) + offset_ms


def webhook_body(
    event_type: str,
    *,
    device_id: str | None = None,
    account_id: str | None = DEFAULT_ACCOUNT_ID,
    request_id: str | None = None,
    event_id: str | None = None,
    timestamp_ms: int | None = None,
    subtype: str | None = None,
    placement: str = "data.subType",
) -> bytes:
    """Return a v1.1 webhook body as Ring would send it (docs/webhooks.md#envelope).

    The event time defaults to now (`event_ms`).
    """
    if timestamp_ms is None:
        timestamp_ms = event_ms()
    meta: dict[str, Any] = {
        "version": "1.1",
        "time": "2026-02-13T13:39:57.200155525Z",
        "request_id": request_id or str(uuid.uuid4()),
    }
    if account_id is not None:
        meta["account_id"] = account_id
    if device_id is not None:
        id_part = subtype or event_type
        attributes: dict[str, Any] = {
            "source": device_id,
            "source_type": "devices",
            "timestamp": timestamp_ms,
        }
        data: dict[str, Any] = {
            "id": event_id or f"{device_id}_{id_part}_{timestamp_ms}",
            "type": event_type,
            "attributes": attributes,
            "relationships": {
                "devices": {"links": {"self": f"/v1/devices/{device_id}"}}
            },
        }
        if subtype is not None:
            if placement in ("data.subType", "both"):
                data["subType"] = subtype
            if placement in ("attributes.sub_type", "both"):
                attributes["sub_type"] = subtype
    else:
        data = {
            "id": event_id or f"ava1.ring.event.{uuid.uuid4().hex}",
            "type": event_type,
            "attributes": {
                "source": account_id,
                "source_type": "users",
                "timestamp": timestamp_ms,
            },
        }
    return json.dumps({"meta": meta, "data": data}, separators=(",", ":")).encode()


async def post_webhook(
    client: TestClient,
    body: bytes,
    *,
    key: str | None = HMAC_KEY,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> ClientResponse:
    """POST a body to the webhook view, signed with `key` unless a signature is given."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if signature is not None:
        all_headers["X-Signature"] = signature
    elif key is not None:
        all_headers["X-Signature"] = compute_signature(body, key)
    response: ClientResponse = await client.post(
        WEBHOOK_PATH, data=body, headers=all_headers
    )
    return response


async def sim_event(
    hass: HomeAssistant, sim_control: SimControl, path: str, json_body: Any = None
) -> dict[str, Any]:
    """Trigger a simulator control action and wait until its webhook was delivered."""
    result: dict[str, Any] = await sim_control.call("POST", path, json_body)
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done()
    return result

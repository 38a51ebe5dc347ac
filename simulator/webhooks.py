"""Signed webhook delivery with Ring's retry schedule (docs/webhooks.md).

Body: v1.1 envelope, serialized once; `X-Signature: sha256=<hex HMAC-SHA256(key, body)>`.
Attempt 1 is immediate, then +1 s, +5 s, +30 s, +2 min, +10 min, +1 h (times `time_scale`)
after a 5xx, a timeout (`webhook_timeout_s`, 5 s) or a connection error; 2xx is delivered,
anything else (4xx, 3xx) is a permanent failure. Retries reuse the body and `meta.request_id`
(docs/ambiguities.md#webhook-retry-ids). Motion subtype placement follows `motion_subtype_placement` (docs/ambiguities.md#motion-subtype-placement); any subtype
string is sent as given (`package`, `package_delivery` appear in the libraries). Motion on a
multi-camera carries `attributes.component_ids`. Sensor webhooks (Early Access) use the
device envelope with `data.id` `<device>_<type>_<ts>`; threshold events carry the reading
under the measurement's name and, on `*_exceeded`, `threshold_type` (`min`/`max`), as the
one library that models them reads them. Chaos
switches: `webhook_duplicate_rate` (same body sent twice), `webhook_max_delay_ms` (random
extra delay before the first attempt) and `webhook_reorder` (each delivery is held until the
next one has made its first attempt, or 0.5 s).
"""

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
import hashlib
import hmac
import json
from typing import Any

import aiohttp

from simulator.config import SimulatorConfig
from simulator.ids import IdFactory, iso_nanos

REORDER_WINDOW_S = 0.5
WEBHOOK_TYPES = (
    "motion_detected",
    "button_press",
    "device_added",
    "device_removed",
    "device_online",
    "device_offline",
    "app_integration_added",
    "app_integration_removed",
    "subscription_activated",
    "subscription_deactivated",
)
# Early Access sensor webhooks (the names Ring's docs quote, plus the threshold events both
# libraries that model sensors list). Not part of WEBHOOK_TYPES, the generally available list.
SENSOR_STATE_WEBHOOKS = (
    "contact_sensor_faulted",
    "contact_sensor_cleared",
    "tamper_detected",
    "tamper_cleared",
    "flood_detected",
    "flood_cleared",
    "freeze_detected",
    "freeze_cleared",
)
SENSOR_THRESHOLD_WEBHOOKS = (
    "temperature_exceeded",
    "temperature_cleared",
    "humidity_exceeded",
    "humidity_cleared",
    "pm25_exceeded",
    "pm25_cleared",
    "co_exceeded",
    "co_cleared",
)
SENSOR_WEBHOOK_TYPES = SENSOR_STATE_WEBHOOKS + SENSOR_THRESHOLD_WEBHOOKS


def compute_signature(body: bytes, hmac_key: str) -> str:
    """Return the `X-Signature` header value for a raw body."""
    digest = hmac.new(hmac_key.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def device_event_data(
    event_type: str,
    device_id: str,
    timestamp_ms: int,
    *,
    subtype: str | None = None,
    placement: str = "data.subType",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return `data` of a device webhook (motion, button_press, lifecycle, sensors).

    `extra` adds attributes (`component_ids`, sensor readings) after `timestamp`.
    """
    id_part = subtype if event_type == "motion_detected" and subtype else event_type
    attributes: dict[str, Any] = {
        "source": device_id,
        "source_type": "devices",
        "timestamp": timestamp_ms,
        **(extra or {}),
    }
    data: dict[str, Any] = {
        "id": f"{device_id}_{id_part}_{timestamp_ms}",
        "type": event_type,
    }
    if event_type == "motion_detected" and subtype:
        if placement in ("data.subType", "both"):
            data["subType"] = subtype
        if placement in ("attributes.sub_type", "both"):
            attributes["sub_type"] = subtype
    data["attributes"] = attributes
    data["relationships"] = {"devices": {"links": {"self": f"/v1/devices/{device_id}"}}}
    return data


def account_event_data(
    event_type: str, event_id: str, account_id: str, ts: int
) -> dict[str, Any]:
    """Return `data` of app_integration_added/removed (no relationships)."""
    return {
        "id": event_id,
        "type": event_type,
        "attributes": {"source": account_id, "source_type": "users", "timestamp": ts},
    }


@dataclass(kw_only=True)
class Delivery:
    """One webhook event and its delivery attempts."""

    request_id: str
    type: str
    account_id: str
    device_id: str | None
    body: bytes = field(repr=False)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False
    suppressed: str | None = None
    pending: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Return the `GET /_sim/webhooks` view (no body)."""
        return {
            "request_id": self.request_id,
            "type": self.type,
            "account_id": self.account_id,
            "device_id": self.device_id,
            "attempts": list(self.attempts),
            "delivered": self.delivered,
            "suppressed": self.suppressed,
            "pending": self.pending,
        }


class WebhookSender:
    """Builds, signs, delivers and logs webhooks."""

    def __init__(
        self,
        config: SimulatorConfig,
        ids: IdFactory,
        now_ms: Callable[[], int],
        spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]],
    ) -> None:
        """Create a sender; `session` is set when the simulator starts."""
        self._config = config
        self._ids = ids
        self._now_ms = now_ms
        self._spawn = spawn
        self.session: aiohttp.ClientSession | None = None
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._held: asyncio.Event | None = None

    def send(
        self,
        account_id: str,
        data: dict[str, Any],
        *,
        device_id: str | None = None,
        suppressed: str | None = None,
    ) -> Delivery:
        """Wrap `data` in the v1.1 envelope and deliver it (unless `suppressed`)."""
        request_id = self._ids.uuid()
        payload = {
            "meta": {
                "version": "1.1",
                "time": iso_nanos(self._now_ms()),
                "request_id": request_id,
                "account_id": account_id,
            },
            "data": data,
        }
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        delivery = Delivery(
            request_id=request_id,
            type=str(data["type"]),
            account_id=account_id,
            device_id=device_id,
            body=body,
            suppressed=suppressed,
            pending=suppressed is None,
        )
        self.deliveries.append(delivery)
        if suppressed is None:
            task = self._spawn(self._deliver(delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return delivery

    async def drain(self) -> None:
        """Wait until every delivery has finished (delivered, failed or given up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, delivery: Delivery) -> None:
        """Run the attempts of one delivery with the retry schedule and chaos options."""
        try:
            release = await self._chaos_wait()
            delays = list(self._config.webhook_retry_delays)
            while True:
                status = await self._attempt(delivery)
                if release is not None:
                    release.set()
                    release = None
                if status is not None and 200 <= status < 300:
                    delivery.delivered = True
                    if self._ids.random() < self._config.webhook_duplicate_rate:
                        await self._attempt(delivery)
                    return
                retryable = status is None or status >= 500
                if not retryable or not delays:
                    return
                await asyncio.sleep(self._config.scaled(delays.pop(0)))
        finally:
            delivery.pending = False

    async def _chaos_wait(self) -> asyncio.Event | None:
        """Apply the random delay and reordering; return an event to release afterwards."""
        if self._config.webhook_max_delay_ms > 0:
            await asyncio.sleep(
                self._ids.random() * self._config.webhook_max_delay_ms / 1000
            )
        if not self._config.webhook_reorder:
            return None
        if (held := self._held) is not None:
            self._held = None
            return held
        event = asyncio.Event()
        self._held = event
        try:
            await asyncio.wait_for(event.wait(), REORDER_WINDOW_S)
        except TimeoutError:
            pass
        finally:
            if self._held is event:
                self._held = None
        return None

    async def _attempt(self, delivery: Delivery) -> int | None:
        """POST the body once; return the HTTP status or None on timeout/connection error."""
        url = self._config.webhook_url
        record: dict[str, Any] = {"status": None, "error": None, "time": self._now_ms()}
        delivery.attempts.append(record)
        if not url or self.session is None:
            record["error"] = "no webhook_url"
            return None
        headers = {
            "Content-Type": "application/json",
            "X-Signature": compute_signature(delivery.body, self._config.hmac_key),
            "User-Agent": "Ring-Webhooks/1.1 (simulator)",
        }
        timeout = aiohttp.ClientTimeout(total=self._config.webhook_timeout_s)
        try:
            async with self.session.post(
                url,
                data=delivery.body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                record["status"] = response.status
                return response.status
        except TimeoutError:
            record["error"] = "timeout"
        except aiohttp.ClientError as err:
            record["error"] = type(err).__name__
        return None

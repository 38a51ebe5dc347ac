"""Models for event history entries and webhook events.

See docs/ring-api.md#history-entry and docs/webhooks.md.
"""

from dataclasses import dataclass
from datetime import datetime
import math
from typing import Final, Self

from ._json import (
    JsonObject,
    as_list,
    as_object,
    iso_to_datetime,
    ms_to_datetime,
    opt_bool,
    opt_float,
    opt_str,
    relationship_ids,
    relationship_ref,
    require_str,
)
from .const import (
    SENSOR_EVENT_TYPES,
    SENSOR_READING_LIMITS,
    SENSOR_THRESHOLD_EVENTS,
    HistoryEventType,
    MotionSubtype,
    SubscriptionType,
    WebhookEventType,
)
from .exceptions import RingPartnerParseError, RingPartnerWebhookError


@dataclass(frozen=True, kw_only=True, slots=True)
class HistoryEvent:
    """One entry of a device's event history; ids are opaque."""

    id: str
    device_id: str
    event_type: HistoryEventType
    start: datetime
    end: datetime | None = None
    is_third_party_reviewed: bool = False

    @classmethod
    def from_resource(cls, resource: JsonObject, device_id: str) -> Self:
        """Build from a `history-events` resource; device id from `source` if present."""
        attributes = as_object(resource.get("attributes"))
        start = ms_to_datetime(attributes.get("start"))
        if start is None:
            msg = "history event: missing or invalid 'start'"
            raise RingPartnerParseError(msg)
        source = relationship_ref(resource, "source")
        return cls(
            id=require_str(resource, "id", "history event"),
            device_id=source[1] if source else device_id,
            event_type=HistoryEventType(
                opt_str(attributes.get("event_type")) or "unknown"
            ),
            start=start,
            end=ms_to_datetime(attributes.get("end")),
            is_third_party_reviewed=bool(
                opt_bool(attributes.get("is_third_party_reviewed"))
            ),
        )

    def as_event(self, account_id: str | None) -> WebhookEvent | None:
        """Return the event a webhook would have delivered, or None for other kinds.

        History carries no motion subtype (docs/ring-api.md#event-history) and its ids differ
        from webhook ids, so hosts match the two by device, kind and time.
        """
        event_type = _HISTORY_TO_WEBHOOK.get(self.event_type)
        if event_type is None:
            return None
        return WebhookEvent(
            version=None,
            sent_at=None,
            request_id=f"history:{self.id}",
            account_id=account_id,
            event_id=self.id,
            event_type=event_type,
            type_name=str(event_type),
            source=self.device_id,
            source_type="devices",
            device_id=self.device_id,
            timestamp=self.start,
            device_ids=(self.device_id,),
            from_history=True,
        )


_HISTORY_TO_WEBHOOK = {
    HistoryEventType.MOTION: WebhookEventType.MOTION_DETECTED,
    HistoryEventType.DING: WebhookEventType.BUTTON_PRESS,
}

# Ring's ids are UUIDs and `<device_id>_<type>_<ms>` strings, its type names short snake_case
# words; anything much longer is not Ring's and would bloat the persisted ledger
# (docs/webhooks.md#untrusted-input).
MAX_ID_LENGTH: Final = 256


def _check_lengths(**fields: object) -> None:
    """Raise RingPartnerWebhookError when an identifier is longer than Ring's ever are."""
    for name, value in fields.items():
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            msg = f"webhook '{name}' is too long"
            raise RingPartnerWebhookError(msg)


_DEVICE_EVENT_TYPES = frozenset(
    {
        WebhookEventType.MOTION_DETECTED,
        WebhookEventType.BUTTON_PRESS,
        WebhookEventType.DEVICE_ADDED,
        WebhookEventType.DEVICE_REMOVED,
        WebhookEventType.DEVICE_ONLINE,
        WebhookEventType.DEVICE_OFFLINE,
    }
)
# Early Access sensor events are about one device too (docs/webhooks.md#sensor-events).
_DEVICE_EVENT_TYPES |= SENSOR_EVENT_TYPES


@dataclass(frozen=True, kw_only=True, slots=True)
class WebhookEvent:
    """A parsed webhook delivery (docs/webhooks.md#envelope-versions)."""

    version: str | None
    sent_at: datetime | None
    request_id: str
    account_id: str | None
    event_id: str | None
    event_type: WebhookEventType
    type_name: str
    source: str | None = None
    source_type: str | None = None
    device_id: str | None = None
    timestamp: datetime | None = None
    motion_subtype: MotionSubtype | None = None
    component_ids: tuple[int | str, ...] = ()
    # Subscription events list their devices in relationships.devices.data
    # (docs/webhooks.md#subscription-events).
    device_ids: tuple[str, ...] = ()
    subscription_id: str | None = None
    subscription_type: SubscriptionType | None = None
    plan_id: str | None = None
    expires_at: datetime | None = None
    # True for an event recovered from the device's history rather than delivered by webhook.
    from_history: bool = False
    # The subtype as Ring sent it, also when `motion_subtype` is UNKNOWN (docs/webhooks.md#motion-subtypes).
    motion_subtype_name: str | None = None
    # Threshold sensor events: the reading under the measurement's name, and `min`/`max`
    # on `*_exceeded` (docs/webhooks.md#sensor-events).
    reading: float | None = None
    threshold_type: str | None = None

    @property
    def is_device_event(self) -> bool:
        """Return True for events about a single device."""
        return self.device_id is not None

    @property
    def measure(self) -> str | None:
        """Return what a threshold event measures (`temperature`, `pm25`, ...), else None."""
        return SENSOR_THRESHOLD_EVENTS.get(self.event_type)

    def reading_of(self, measure: str) -> float | None:
        """Return the reading a threshold event carries for `measure`, if it is a plausible one.

        A reading of another measure, a missing or non-number one and one outside the
        measure's limits (`SENSOR_READING_LIMITS`) are None (docs/webhooks.md#sensor-events).
        """
        if self.measure != measure or self.reading is None:
            return None
        low, high = SENSOR_READING_LIMITS.get(measure, (-math.inf, math.inf))
        return self.reading if low <= self.reading <= high else None

    @classmethod
    def from_json(cls, payload: object) -> Self:
        """Build from a decoded webhook body; raise RingPartnerWebhookError if invalid."""
        if not isinstance(payload, dict):
            msg = "webhook body is not a JSON object"
            raise RingPartnerWebhookError(msg)
        body = as_object(payload)
        meta, data = body.get("meta"), body.get("data")
        if not isinstance(meta, dict) or not isinstance(data, dict):
            msg = "webhook body lacks 'meta' or 'data' objects"
            raise RingPartnerWebhookError(msg)
        meta_obj, data_obj = as_object(meta), as_object(data)
        type_name = opt_str(data_obj.get("type"))
        if not type_name:
            msg = "webhook body lacks 'data.type'"
            raise RingPartnerWebhookError(msg)
        event_id = opt_str(data_obj.get("id"))
        request_id = opt_str(meta_obj.get("request_id")) or event_id
        if not request_id:
            msg = "webhook body lacks 'meta.request_id'"
            raise RingPartnerWebhookError(msg)
        attributes = as_object(data_obj.get("attributes"))
        _check_lengths(
            request_id=request_id,
            account_id=meta_obj.get("account_id"),
            id=event_id,
            type=type_name,
            source=attributes.get("source"),
        )
        event_type = WebhookEventType(type_name)
        source = opt_str(attributes.get("source"))
        source_type = opt_str(attributes.get("source_type"))
        device_id = source if source_type == "devices" else None
        if device_id is None and event_type in _DEVICE_EVENT_TYPES:
            device_id = source
        motion_subtype: MotionSubtype | None = None
        motion_subtype_name: str | None = None
        if event_type is WebhookEventType.MOTION_DETECTED:
            # Webhook pages put "subType" on data; a later API doc moved it to
            # data.attributes.sub_type (docs/webhooks.md#motion-subtypes). Read both, newer
            # placement first.
            raw_subtype = opt_str(attributes.get("sub_type")) or opt_str(
                data_obj.get("subType")
            )
            if raw_subtype:
                motion_subtype = MotionSubtype(raw_subtype)
                motion_subtype_name = raw_subtype[:64]
        measure = SENSOR_THRESHOLD_EVENTS.get(event_type)
        reading = opt_float(attributes.get(measure)) if measure else None
        is_subscription = event_type in {
            WebhookEventType.SUBSCRIPTION_ACTIVATED,
            WebhookEventType.SUBSCRIPTION_DEACTIVATED,
        }
        device_ids = relationship_ids(data_obj, "devices")
        if device_id is not None and not device_ids:
            device_ids = (device_id,)
        component_ids = tuple(
            item
            for item in as_list(attributes.get("component_ids"))
            if isinstance(item, str)
            or (isinstance(item, int) and not isinstance(item, bool))
        )
        return cls(
            version=opt_str(meta_obj.get("version")),
            sent_at=iso_to_datetime(meta_obj.get("time")),
            request_id=request_id,
            account_id=opt_str(meta_obj.get("account_id")),
            event_id=event_id,
            event_type=event_type,
            type_name=type_name,
            source=source,
            source_type=source_type,
            device_id=device_id,
            timestamp=ms_to_datetime(attributes.get("timestamp")),
            motion_subtype=motion_subtype,
            component_ids=component_ids,
            device_ids=device_ids,
            subscription_id=(
                opt_str(attributes.get("source_id")) if is_subscription else None
            ),
            subscription_type=(
                SubscriptionType(opt_str(attributes.get("sub_type")) or "unknown")
                if is_subscription
                else None
            ),
            plan_id=opt_str(attributes.get("plan_id")) if is_subscription else None,
            expires_at=(
                iso_to_datetime(attributes.get("expires_at"))
                if is_subscription
                else None
            ),
            motion_subtype_name=motion_subtype_name,
            reading=reading if reading is not None and math.isfinite(reading) else None,
            threshold_type=(
                opt_str(attributes.get("threshold_type")) if measure else None
            ),
        )

"""Early Access sensor webhooks: parsed names, readings, and the status they imply."""

import json
from typing import Any

import pytest

from custom_components.ring_partner.client import (
    SENSOR_EVENT_TYPES,
    DeviceStatus,
    MotionSubtype,
    RingPartnerWebhookError,
    WebhookEvent,
    WebhookEventType,
    parse_webhook,
)

DEVICE = "ava1.ring.device.SENSOR"


def _body(event_type: str, **attributes: Any) -> dict[str, Any]:
    """Return a v1.1 envelope of a device event."""
    return {
        "meta": {"version": "1.1", "request_id": "r-1", "account_id": "a"},
        "data": {
            "id": f"{DEVICE}_{event_type}_1",
            "type": event_type,
            "attributes": {"source": DEVICE, "timestamp": 1, **attributes},
        },
    }


def _parse(body: dict[str, Any]) -> WebhookEvent:
    """Parse a body the way the receiver does (bytes in)."""
    return parse_webhook(json.dumps(body).encode())


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("contact_sensor_faulted", "contact_faulted", True),
        ("contact_sensor_cleared", "contact_faulted", False),
        ("tamper_detected", "tamper_detected", True),
        ("tamper_cleared", "tamper_detected", False),
        ("flood_detected", "flood_faulted", True),
        ("flood_cleared", "flood_faulted", False),
        ("freeze_detected", "freeze_faulted", True),
        ("freeze_cleared", "freeze_faulted", False),
    ],
)
def test_state_events(name: str, field: str, value: bool) -> None:
    """Each state event is known, names its device without `source_type`, and sets its field."""
    event = _parse(_body(name))
    assert event.event_type is WebhookEventType(name)
    assert event.event_type in SENSOR_EVENT_TYPES
    assert event.device_id == DEVICE
    status = DeviceStatus(id="s", online=True).with_event(event)
    assert getattr(status, field) is value
    others = {"contact_faulted", "tamper_detected", "flood_faulted", "freeze_faulted"}
    assert all(getattr(status, other) is None for other in others - {field})


@pytest.mark.parametrize(
    ("body", "reading", "threshold", "temperature", "humidity"),
    [
        (
            _body("temperature_exceeded", temperature=30.5, threshold_type="max"),
            30.5,
            "max",
            30.5,
            None,
        ),
        (_body("temperature_cleared", temperature=22), 22.0, None, 22.0, None),
        (
            _body("humidity_exceeded", humidity=71, threshold_type="min"),
            71.0,
            "min",
            None,
            71.0,
        ),
        (_body("humidity_cleared", humidity=140), 140.0, None, None, None),
        (_body("pm25_exceeded", pm25=35.1), 35.1, None, None, None),
        (_body("co_cleared"), None, None, None, None),
        (_body("temperature_exceeded", temperature="hot"), None, None, None, None),
    ],
)
def test_threshold_events(
    body: dict[str, Any],
    reading: float | None,
    threshold: str | None,
    temperature: float | None,
    humidity: float | None,
) -> None:
    """Threshold events carry their reading; only sensible readings reach the status."""
    event = _parse(body)
    assert event.event_type in SENSOR_EVENT_TYPES
    assert event.reading == reading
    assert event.threshold_type == threshold
    status = DeviceStatus(id="s").with_event(event)
    assert (status.temperature, status.humidity) == (temperature, humidity)


@pytest.mark.parametrize(
    ("body", "pm25"),
    [
        (_body("pm25_exceeded", pm25=35.1, threshold_type="max"), 35.1),
        (_body("pm25_cleared", pm25=0), 0.0),
        (_body("pm25_cleared", pm25=1000), 1000.0),
        (_body("pm25_exceeded", pm25=-3), None),
        (_body("pm25_exceeded", pm25=1000.5), None),
        (_body("pm25_exceeded", pm25="high"), None),
        (_body("pm25_exceeded", pm25=True), None),
        (_body("pm25_exceeded", pm25=[12]), None),
        (_body("pm25_exceeded"), None),
        (_body("pm25_exceeded", temperature=12), None),
        (_body("co_exceeded", co=12), None),
        (_body("temperature_exceeded", temperature=12), None),
    ],
)
def test_pm25_readings(body: dict[str, Any], pm25: float | None) -> None:
    """Only a PM2.5 event's own number from 0 to 1000 µg/m³ is a PM2.5 reading."""
    event = _parse(body)
    assert event.reading_of("pm25") == pm25
    # Status has no PM2.5 (no source shows one): the event changes nothing there.
    if event.measure == "pm25":
        status = DeviceStatus(id="s", temperature=20.0)
        assert status.with_event(event) is status


def test_reading_of_other_measures() -> None:
    """Each measure reads only its own events, within its limits."""
    assert _parse(_body("co_cleared", co=9)).reading_of("co") == 9.0
    assert _parse(_body("co_cleared", co=5000)).reading_of("co") is None
    assert (
        _parse(_body("humidity_cleared", humidity=140)).reading_of("humidity") is None
    )
    cold = _parse(_body("temperature_exceeded", temperature=-70))
    assert cold.reading_of("temperature") == -70.0
    assert _parse(_body("motion_detected")).measure is None


def test_non_finite_readings() -> None:
    """A reading too large for a float is dropped; a NaN literal is no JSON at all."""
    text = json.dumps(_body("temperature_exceeded", temperature=0.5))
    event = parse_webhook(
        text.replace('"temperature": 0.5', '"temperature": 1e400').encode()
    )
    assert event.event_type in SENSOR_EVENT_TYPES
    assert event.reading is None
    assert DeviceStatus(id="s").with_event(event).temperature is None
    pm25 = json.dumps(_body("pm25_exceeded", pm25=0.5))
    huge = parse_webhook(pm25.replace('"pm25": 0.5', '"pm25": 1e400').encode())
    assert huge.reading is None
    assert huge.reading_of("pm25") is None
    with pytest.raises(RingPartnerWebhookError):
        parse_webhook(text.replace('"temperature": 0.5', '"temperature": NaN').encode())


def test_other_events_change_no_status() -> None:
    """Motion, lifecycle and unknown events leave the status as it is."""
    status = DeviceStatus(id="s", online=True, flood_faulted=True)
    for name in ("motion_detected", "device_online", "glass_break_detected"):
        assert status.with_event(_parse(_body(name))) is status


def test_threshold_fields_only_on_threshold_events() -> None:
    """`threshold_type` and a reading on other events are not read."""
    event = _parse(_body("flood_detected", temperature=5, threshold_type="max"))
    assert (event.reading, event.threshold_type) == (None, None)


def test_raw_motion_subtype_kept() -> None:
    """An unknown subtype keeps its name (capped at 64 characters)."""
    body = _body("motion_detected", sub_type="package_delivery")
    event = _parse(body)
    assert event.motion_subtype is MotionSubtype.UNKNOWN
    assert event.motion_subtype_name == "package_delivery"
    body["data"]["attributes"]["sub_type"] = "x" * 500
    assert _parse(body).motion_subtype_name == "x" * 64
    known = _parse(_body("motion_detected", sub_type="human"))
    assert (known.motion_subtype, known.motion_subtype_name) == (
        MotionSubtype.HUMAN,
        "human",
    )

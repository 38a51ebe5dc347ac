"""Early Access sensor events: status changes and their webhooks.

`POST /_sim/devices/{id}/sensor` with `{"event": ..., "temperature", "humidity", "battery",
"reading", "threshold_type", "deliver"}`:

- State events (`contact_sensor_faulted/cleared`, `tamper_detected/cleared`,
  `flood_detected/cleared`, `freeze_detected/cleared`) flip the matching status field
  (`contact_detection.faulted`, `tamper_detection.detected`, `flood_detection.faulted`,
  `freeze_detection.faulted`); a sensor that does not report that field answers 409.
- Threshold events (`temperature_exceeded/cleared`, `humidity_exceeded/cleared`) carry the
  current reading (after applying the body's `temperature` / `humidity`) as
  `attributes.temperature` / `attributes.humidity`, and `threshold_type` (`max` unless the body
  says `min`) on `*_exceeded`. `pm25_*` and `co_*` (no device reports them in status) carry the
  body's `reading` when given; on an air-quality sensor `pm25_*` always carry its PM2.5
  reading, which the body's `reading` replaces first. Readings the API should never send
  (negative, huge) are let through, so receivers can be tested with them.
- Any other lower-case name is sent as given, so receivers can be tested with names Ring
  adds later; no status changes.
- Without `event` only the readings change (seen by polling), and no webhook is sent.

Sensor events are not in event history (Ring's docs say so) and create no media.
"""

import math
import re
from typing import Any, Final

from simulator.errors import JsonApiError
from simulator.events import device_webhook
from simulator.models import Device, SensorState
from simulator.state import SimState
from simulator.webhooks import Delivery

# event -> (status field, SensorState attribute, new value)
STATE_EVENTS: Final[dict[str, tuple[str, str, bool]]] = {
    "contact_sensor_faulted": ("contact_detection", "contact_faulted", True),
    "contact_sensor_cleared": ("contact_detection", "contact_faulted", False),
    "tamper_detected": ("tamper_detection", "tamper_detected", True),
    "tamper_cleared": ("tamper_detection", "tamper_detected", False),
    "flood_detected": ("flood_detection", "flood_faulted", True),
    "flood_cleared": ("flood_detection", "flood_faulted", False),
    "freeze_detected": ("freeze_detection", "freeze_faulted", True),
    "freeze_cleared": ("freeze_detection", "freeze_faulted", False),
}
READING_EVENTS: Final = {"temperature": "temperature_c", "humidity": "humidity_pct"}
UNREPORTED_MEASURES: Final = ("pm25", "co")
EVENT_PATTERN: Final = re.compile(r"[a-z0-9_]{1,64}")


def _number(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    """Return an optional finite number within [low, high]; 400 otherwise."""
    value = body.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise JsonApiError(400, detail=f"{key} must be a number from {low} to {high}")
    return float(value)


def _apply_readings(device: Device, body: dict[str, Any]) -> None:
    """Apply `temperature`, `humidity` and `battery` from the body (409 if not reported)."""
    features = device.sensor_features()
    sensor = device.sensor
    changes: dict[str, float] = {}
    for key, low, high in (
        ("temperature", -60.0, 100.0),
        ("humidity", 0.0, 100.0),
        ("battery", 0.0, 255.0),
    ):
        value = _number(body, key, low, high)
        if value is None:
            continue
        feature = "battery_status" if key == "battery" else key
        if feature not in features:
            raise JsonApiError(409, "Conflict", f"The device does not report {key}")
        changes[key] = value
    if "temperature" in changes:
        sensor.temperature_c = changes["temperature"]
    if "humidity" in changes:
        sensor.humidity_pct = changes["humidity"]
    if "battery" in changes:
        sensor.battery_percentage = int(changes["battery"])


def _check_event(device: Device, event: str, body: dict[str, Any]) -> None:
    """Refuse an event the device cannot produce (409) or a bad `threshold_type` (400)."""
    features = device.sensor_features()
    if event in STATE_EVENTS and STATE_EVENTS[event][0] not in features:
        raise JsonApiError(
            409, "Conflict", f"The device has no {STATE_EVENTS[event][0]}"
        )
    measure, _, phase = event.rpartition("_")
    if phase not in ("exceeded", "cleared"):
        return
    if measure in READING_EVENTS and measure not in features:
        raise JsonApiError(409, "Conflict", f"The device does not report {measure}")
    if phase == "exceeded" and body.get("threshold_type", "max") not in ("min", "max"):
        raise JsonApiError(400, detail="threshold_type must be min or max")


def _apply_event(device: Device, event: str, body: dict[str, Any]) -> dict[str, Any]:
    """Update status for a checked event; return the webhook's extra attributes."""
    if event in STATE_EVENTS:
        _, attribute, value = STATE_EVENTS[event]
        setattr(device.sensor, attribute, value)
        return {}
    measure, _, phase = event.rpartition("_")
    extra: dict[str, Any] = {}
    if phase not in ("exceeded", "cleared"):
        return extra
    if measure in READING_EVENTS:
        extra[measure] = _current(device.sensor, measure)
    elif measure in UNREPORTED_MEASURES:
        reading = _number(body, "reading", -1e9, 1e9)
        if measure == "pm25" and measure in device.sensor_features():
            if reading is not None:
                device.sensor.pm25_ugm3 = reading
            reading = device.sensor.pm25_ugm3
        if reading is not None:
            extra[measure] = reading
    else:
        return extra
    if phase == "exceeded":
        extra["threshold_type"] = body.get("threshold_type", "max")
    return extra


def _current(sensor: SensorState, measure: str) -> float:
    """Return the sensor's current reading of a measure."""
    return float(getattr(sensor, READING_EVENTS[measure]))


def sensor_event(
    state: SimState, device: Device, body: dict[str, Any]
) -> tuple[int, Delivery | None]:
    """Apply a sensor action; return its timestamp and the webhook (None without event)."""
    if not device.is_sensor:
        raise JsonApiError(409, "Conflict", "The device is not a sensor")
    if not device.online:
        raise JsonApiError(409, "Conflict", "The device is offline")
    event = body.get("event")
    if event is not None and (
        not isinstance(event, str) or not EVENT_PATTERN.fullmatch(event)
    ):
        raise JsonApiError(
            400, detail="event must be 1 to 64 lower-case letters, digits or '_'"
        )
    deliver = body.get("deliver", True)
    if not isinstance(deliver, bool):
        raise JsonApiError(400, detail="deliver must be a boolean")
    if event is not None:
        _check_event(device, event, body)
        _number(body, "reading", -1e9, 1e9)
    _apply_readings(device, body)
    ts = state.now_ms()
    device.reported_at_ms = ts
    if event is None:
        return ts, None
    extra = _apply_event(device, event, body)
    return ts, device_webhook(state, device, event, ts, extra=extra, deliver=deliver)

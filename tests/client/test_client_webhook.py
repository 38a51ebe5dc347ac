"""Tests for webhook signatures and parsing (docs/webhooks.md)."""

import json
from typing import Any

import pytest

from custom_components.ring_partner.client import (
    MotionSubtype,
    RingPartnerParseError,
    RingPartnerWebhookError,
    SubscriptionType,
    WebhookEventType,
    compute_signature,
    parse_webhook,
    verify_signature,
)

KEY = "test-hmac-key"
VECTOR_BODY = b'{"meta":{"version":"1.1"}}'
VECTOR_SIGNATURE = (
    "sha256=f6b72bfca6f536d65c0a04d3b78e1fc105ea9e9f04d70bb724f4872cefb1d269"
)
DEVICE = "ava1.ring.device.XXXYYY"
ACCOUNT = "ava1.ring.account.XXXYYY"
TS = 1770989995231


def test_signature_vector() -> None:
    """The signature test vector computes and verifies exactly.

    See docs/webhooks.md#signature-test-vector.
    """
    assert compute_signature(VECTOR_BODY, KEY) == VECTOR_SIGNATURE
    assert verify_signature(VECTOR_BODY, VECTOR_SIGNATURE, KEY)


@pytest.mark.parametrize(
    "signature",
    [
        VECTOR_SIGNATURE.upper(),
        "SHA256=" + VECTOR_SIGNATURE[7:],
        "sha256=" + VECTOR_SIGNATURE[7:].upper(),
        f"  {VECTOR_SIGNATURE} ",
    ],
)
def test_signature_case_tolerant(signature: str) -> None:
    """Hex and prefix case and surrounding whitespace do not matter."""
    assert verify_signature(VECTOR_BODY, signature, KEY)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        VECTOR_SIGNATURE[7:],
        "sha1=" + VECTOR_SIGNATURE[7:],
        VECTOR_SIGNATURE[:-1] + "0",
        VECTOR_SIGNATURE + "00",
        "sha256=" + "é" * 64,
        "sha256=",
    ],
)
def test_signature_rejected(signature: str | None) -> None:
    """Missing, wrong-prefix, altered and non-ASCII signatures fail."""
    assert not verify_signature(VECTOR_BODY, signature, KEY)


def test_signature_over_raw_bytes() -> None:
    """The signature covers the exact bytes: re-serialized JSON does not verify."""
    reserialized = json.dumps(json.loads(VECTOR_BODY)).encode()
    assert reserialized != VECTOR_BODY
    assert not verify_signature(reserialized, VECTOR_SIGNATURE, KEY)
    assert not verify_signature(VECTOR_BODY, VECTOR_SIGNATURE, "other-key")


def _envelope(event_type: str, **data: Any) -> dict[str, Any]:
    """Build a v1.1 device webhook body (docs/webhooks.md#envelope)."""
    body: dict[str, Any] = {
        "meta": {
            "version": "1.1",
            "time": "2026-02-13T13:39:57.200155525Z",
            "request_id": "2ad45ade-1818-4154-813b-afdd8bcd8085",
            "account_id": ACCOUNT,
        },
        "data": {
            "id": f"{DEVICE}_{event_type}_{TS}",
            "type": event_type,
            "attributes": {
                "source": DEVICE,
                "source_type": "devices",
                "timestamp": TS,
            },
            "relationships": {"devices": {"links": {"self": f"/v1/devices/{DEVICE}"}}},
        },
    }
    body["data"].update(data)
    return body


def _parse(body: dict[str, Any]) -> Any:
    """Serialize and parse a body."""
    return parse_webhook(json.dumps(body).encode())


@pytest.mark.parametrize(
    ("type_name", "event_type"),
    [
        ("button_press", WebhookEventType.BUTTON_PRESS),
        ("device_added", WebhookEventType.DEVICE_ADDED),
        ("device_removed", WebhookEventType.DEVICE_REMOVED),
        ("device_online", WebhookEventType.DEVICE_ONLINE),
        ("device_offline", WebhookEventType.DEVICE_OFFLINE),
    ],
)
def test_device_events(type_name: str, event_type: WebhookEventType) -> None:
    """Device lifecycle and button events carry the device id and event time."""
    event = _parse(_envelope(type_name))
    assert event.event_type is event_type
    assert event.type_name == type_name
    assert event.device_id == DEVICE
    assert event.device_ids == (DEVICE,)
    assert event.account_id == ACCOUNT
    assert event.request_id == "2ad45ade-1818-4154-813b-afdd8bcd8085"
    assert event.event_id == f"{DEVICE}_{type_name}_{TS}"
    assert event.version == "1.1"
    assert event.timestamp is not None
    assert int(event.timestamp.timestamp() * 1000) == TS
    assert event.sent_at is not None
    assert event.sent_at.microsecond == 200155
    assert event.motion_subtype is None
    assert event.is_device_event


def test_motion_subtype_on_data() -> None:
    """The webhook pages put `subType` on `data`."""
    event = _parse(_envelope("motion_detected", subType="human"))
    assert event.event_type is WebhookEventType.MOTION_DETECTED
    assert event.motion_subtype is MotionSubtype.HUMAN


def test_motion_subtype_in_attributes() -> None:
    """A later doc moved it to `data.attributes.sub_type`."""
    body = _envelope("motion_detected")
    body["data"]["attributes"]["sub_type"] = "vehicle"
    body["data"]["attributes"]["component_ids"] = [1, "2", True]
    body["data"]["attributes"]["timestamp_readable"] = "2026-02-13 13:39:55"
    event = _parse(body)
    assert event.motion_subtype is MotionSubtype.VEHICLE
    assert event.component_ids == (1, "2")


@pytest.mark.parametrize(
    ("sub_type", "expected"),
    [
        ("motion", MotionSubtype.MOTION),
        ("other_motion", MotionSubtype.OTHER_MOTION),
        ("animal", MotionSubtype.ANIMAL),
        ("package", MotionSubtype.UNKNOWN),
        (None, None),
    ],
)
def test_motion_subtypes(sub_type: str | None, expected: MotionSubtype | None) -> None:
    """Subtypes map to the enum; unknown ones to UNKNOWN; absent to None."""
    extra = {"subType": sub_type} if sub_type else {}
    assert _parse(_envelope("motion_detected", **extra)).motion_subtype is expected


@pytest.mark.parametrize(
    ("type_name", "event_type"),
    [
        ("app_integration_added", WebhookEventType.APP_INTEGRATION_ADDED),
        ("app_integration_removed", WebhookEventType.APP_INTEGRATION_REMOVED),
    ],
)
def test_integration_events(type_name: str, event_type: WebhookEventType) -> None:
    """Integration events come from `users` and have no relationships."""
    body = _envelope(type_name)
    body["data"]["id"] = "opaque-event-id"
    body["data"]["attributes"] = {
        "source": ACCOUNT,
        "source_type": "users",
        "timestamp": TS,
    }
    del body["data"]["relationships"]
    event = _parse(body)
    assert event.event_type is event_type
    assert event.device_id is None
    assert event.device_ids == ()
    assert event.source == ACCOUNT
    assert event.source_type == "users"
    assert not event.is_device_event


@pytest.mark.parametrize(
    ("type_name", "event_type"),
    [
        ("subscription_activated", WebhookEventType.SUBSCRIPTION_ACTIVATED),
        ("subscription_deactivated", WebhookEventType.SUBSCRIPTION_DEACTIVATED),
    ],
)
def test_subscription_events(type_name: str, event_type: WebhookEventType) -> None:
    """Subscription events list devices in relationships.devices.data.

    See docs/webhooks.md#subscription-events.
    """
    attributes: dict[str, Any] = {
        "source": "subscriptions",
        "source_id": "sub-1",
        "sub_type": "paid",
        "plan_id": "04666ddc-c733-450e-a1a7-06aa7968a049",
    }
    if event_type is WebhookEventType.SUBSCRIPTION_ACTIVATED:
        attributes["expires_at"] = "2026-08-06T00:00:00Z"
    body = {
        "meta": {
            "version": "1.1",
            "time": "2026-07-06T11:11:00Z",
            "request_id": "3c4484f3-4605-4bad-920d-4583cd2bef69",
            "account_id": ACCOUNT,
        },
        "data": {
            "id": "event-1",
            "type": type_name,
            "attributes": attributes,
            "relationships": {
                "devices": {
                    "data": [
                        {"type": "device", "id": DEVICE},
                        {"type": "device", "id": "ava1.ring.device.OTHER"},
                    ]
                },
                "subscriptions": {"links": {"self": "/v1/accounts/me/subscriptions"}},
            },
        },
    }
    event = _parse(body)
    assert event.event_type is event_type
    assert event.device_id is None
    assert event.device_ids == (DEVICE, "ava1.ring.device.OTHER")
    assert event.subscription_id == "sub-1"
    assert event.subscription_type is SubscriptionType.PAID
    assert event.plan_id == "04666ddc-c733-450e-a1a7-06aa7968a049"
    assert event.timestamp is None
    assert event.motion_subtype is None
    if event_type is WebhookEventType.SUBSCRIPTION_ACTIVATED:
        assert event.expires_at is not None
    else:
        assert event.expires_at is None


def test_unknown_type_kept() -> None:
    """Unknown (e.g. Early Access sensor) types are kept with their raw name."""
    event = _parse(_envelope("glass_break_detected"))
    assert event.event_type is WebhookEventType.UNKNOWN
    assert event.type_name == "glass_break_detected"
    assert event.device_id == DEVICE


def test_version_1_0_without_account() -> None:
    """Envelope 1.0 lacks `meta.account_id`."""
    body = _envelope("button_press")
    body["meta"] = {"version": "1.0", "time": "bad time", "request_id": "r-1"}
    event = _parse(body)
    assert event.account_id is None
    assert event.sent_at is None
    assert event.version == "1.0"


def test_request_id_falls_back_to_event_id() -> None:
    """Without `meta.request_id` the event id serves for dedupe."""
    body = _envelope("button_press")
    del body["meta"]["request_id"]
    assert _parse(body).request_id == body["data"]["id"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"meta": {}}',
        b'{"data": {"type": "button_press"}}',
        b'{"meta": {"request_id": "r"}, "data": {"id": "x"}}',
        b'{"meta": {}, "data": {"type": "button_press"}}',
        b'{"meta": [], "data": {"type": "button_press", "id": "x"}}',
    ],
)
def test_invalid_bodies(raw: bytes) -> None:
    """Malformed bodies raise RingPartnerWebhookError (a parse error)."""
    with pytest.raises(RingPartnerWebhookError):
        parse_webhook(raw)
    assert issubclass(RingPartnerWebhookError, RingPartnerParseError)

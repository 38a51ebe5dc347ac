"""Every class of bad webhook input answers 400 or 200, never 5xx, and changes nothing.

Signed bodies reach the parser; each class below once broke it or could (an exception there
was a 500, which Ring retries for an hour). Unsigned, the same bodies answer 401.
"""

import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ring_partner.client import parse_webhook
from custom_components.ring_partner.push.receiver import MAX_BODY_BYTES
from homeassistant.core import HomeAssistant
from simulator.scenario import DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID

from .webhook_helpers import TestClient, event_ms, post_webhook

pytestmark = pytest.mark.usefixtures("socket_enabled")


def _envelope(
    *,
    meta: dict[str, Any] | None = None,
    attributes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a button press envelope with some fields replaced."""
    at = event_ms()
    return {
        "meta": {
            "version": "1.1",
            "time": "2026-02-13T13:39:57.200155525Z",
            "request_id": f"req-{at}",
            "account_id": DEFAULT_ACCOUNT_ID,
            **(meta or {}),
        },
        "data": {
            "id": f"{FRONT_DOOR_ID}_button_press_{at}",
            "type": "button_press",
            "attributes": {
                "source": FRONT_DOOR_ID,
                "source_type": "devices",
                "timestamp": at,
                **(attributes or {}),
            },
            **(data or {}),
        },
    }


def _raw(envelope: dict[str, Any], token: str, literal: str) -> bytes:
    """Serialize and then swap a placeholder string for a raw JSON literal."""
    return json.dumps(envelope).replace(f'"{token}"', literal).encode()


def _states(hass: HomeAssistant) -> dict[str, Any]:
    """Return every entity's state and attributes."""
    return {s.entity_id: (s.state, dict(s.attributes)) for s in hass.states.async_all()}


# (id, body, status): numbers that decode to infinity or out of range are treated as absent;
# NaN/Infinity literals and wrong shapes are malformed.
CASES: list[tuple[str, bytes, int]] = [
    (
        "timestamp 1e400",
        _raw(_envelope(attributes={"timestamp": "X"}), "X", "1e400"),
        200,
    ),
    (
        "timestamp -1e400",
        _raw(_envelope(attributes={"timestamp": "X"}), "X", "-1e400"),
        200,
    ),
    ("timestamp NaN", _raw(_envelope(attributes={"timestamp": "X"}), "X", "NaN"), 400),
    (
        "timestamp Infinity",
        _raw(_envelope(attributes={"timestamp": "X"}), "X", "Infinity"),
        400,
    ),
    (
        "timestamp -Infinity",
        _raw(_envelope(attributes={"timestamp": "X"}), "X", "-Infinity"),
        400,
    ),
    (
        "timestamp 400 digits",
        _raw(_envelope(attributes={"timestamp": "X"}), "X", "9" * 400),
        200,
    ),
    (
        "timestamp 5000-digit string",
        json.dumps(_envelope(attributes={"timestamp": "9" * 5000})).encode(),
        200,
    ),
    (
        "timestamp past year 9999",
        json.dumps(_envelope(attributes={"timestamp": 10**16})).encode(),
        200,
    ),
    (
        "timestamp negative",
        json.dumps(_envelope(attributes={"timestamp": -(10**15)})).encode(),
        200,
    ),
    (
        "timestamp wrong type",
        json.dumps(_envelope(attributes={"timestamp": {"ms": 1}})).encode(),
        200,
    ),
    (
        "meta.time year 1 with offset",
        json.dumps(_envelope(meta={"time": "0001-01-01T00:00:00+01:00"})).encode(),
        200,
    ),
    (
        "meta.time year 9999 behind UTC",
        json.dumps(_envelope(meta={"time": "9999-12-31T23:59:59-01:00"})).encode(),
        200,
    ),
    (
        "meta.time impossible date",
        json.dumps(_envelope(meta={"time": "2026-02-30T00:00:00Z"})).encode(),
        200,
    ),
    (
        "meta.time huge string",
        json.dumps(_envelope(meta={"time": "2026" * 4000})).encode(),
        200,
    ),
    ("meta.time number", json.dumps(_envelope(meta={"time": 1e308})).encode(), 200),
    (
        "expires_at year 1",
        json.dumps(
            _envelope(
                data={"type": "subscription_activated"},
                attributes={"expires_at": "0001-01-01T00:00:00+05:00"},
            )
        ).encode(),
        200,
    ),
    (
        "request_id number",
        json.dumps(_envelope(meta={"request_id": 5}, data={"id": None})).encode(),
        400,
    ),
    (
        "request_id huge",
        json.dumps(_envelope(meta={"request_id": "r" * 10_000})).encode(),
        400,
    ),
    (
        "account_id huge",
        json.dumps(_envelope(meta={"account_id": "a" * 10_000})).encode(),
        400,
    ),
    ("type huge", json.dumps(_envelope(data={"type": "t" * 10_000})).encode(), 400),
    ("type list", json.dumps(_envelope(data={"type": ["button_press"]})).encode(), 400),
    (
        "source huge",
        json.dumps(_envelope(attributes={"source": "d" * 10_000})).encode(),
        400,
    ),
    ("source number", _raw(_envelope(attributes={"source": "X"}), "X", "1e400"), 200),
    (
        "attributes list",
        json.dumps(_envelope(data={"attributes": [1, 2]})).encode(),
        200,
    ),
    (
        "component_ids huge ints",
        _raw(
            _envelope(
                data={"type": "motion_detected"}, attributes={"component_ids": "X"}
            ),
            "X",
            "[1e400, " + "9" * 4000 + "]",
        ),
        200,
    ),
    (
        "subtype number",
        json.dumps(_envelope(data={"type": "motion_detected", "subType": 7})).encode(),
        200,
    ),
    ("deep nesting", b'{"meta": ' + b"[" * 100_00 + b"]" * 100_00 + b"}", 400),
    (
        "integer over 4300 digits",
        b'{"meta": {"request_id": ' + b"1" * 5000 + b"}}",
        400,
    ),
    ("not UTF-8", b'{"meta": {"request_id": "\xff"}}', 400),
]


@pytest.mark.parametrize(
    ("body", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_input_never_5xx(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    body: bytes,
    status: int,
) -> None:
    """Signed: the documented answer, and no traceback; unsigned: 401 and nothing changes."""
    assert len(body) <= MAX_BODY_BYTES
    before = _states(hass)
    unsigned = await post_webhook(client, body, key=None)
    assert unsigned.status == 401
    await hass.async_block_till_done()
    assert _states(hass) == before

    response = await post_webhook(client, body)
    assert response.status == status, await response.text()
    await hass.async_block_till_done(wait_background_tasks=True)


def test_non_finite_timestamps_parse_as_absent() -> None:
    """A timestamp that decodes to infinity is no time at all, not an overflow."""
    for literal in ("1e400", "-1e400", "9" * 400):
        event = parse_webhook(
            _raw(_envelope(attributes={"timestamp": "X"}), "X", literal)
        )
        assert event.timestamp is None
    event = parse_webhook(
        json.dumps(_envelope(meta={"time": "0001-01-01T00:00:00+01:00"})).encode()
    )
    assert event.sent_at is None


async def test_valid_event_without_usable_time_fires_now(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """A ding whose times are all unusable is taken as sent now, and fires once."""
    body = _raw(
        _envelope(
            attributes={"timestamp": "X"},
            meta={"time": "0001-01-01T00:00:00+01:00"},
        ),
        "X",
        "1e400",
    )
    assert (await post_webhook(client, body)).status == 200
    state = hass.states.get("event.front_door_doorbell")
    assert state is not None
    assert state.attributes["event_type"] == "ring"
    assert state.attributes["event_time"] is None

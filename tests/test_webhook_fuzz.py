"""Property test: random bodies and headers never cause a 5xx or an unsigned state change."""

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ring_partner.client import compute_signature
from custom_components.ring_partner.const import (
    CONF_DING_HOLD,
    CONF_MOTION_HOLD,
    WEBHOOK_PATH,
)
from homeassistant.core import HomeAssistant
from simulator.scenario import BACKYARD_ID, DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID
from simulator.webhooks import WEBHOOK_TYPES

from .conftest import HMAC_KEY

pytestmark = pytest.mark.usefixtures("socket_enabled")

# Lifecycle types that legitimately end the test's world when signed: keep them unsigned.
DESTRUCTIVE = {"app_integration_removed", "device_removed"}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=12,
)


@st.composite
def envelopes(draw: st.DrawFn) -> Any:
    """Draw something shaped like Ring's envelope, with every field possibly wrong."""

    def field(good: st.SearchStrategy[Any]) -> Any:
        # Mostly plausible values, so the parser's deeper paths are reached too.
        return draw(good) if draw(st.integers(0, 9)) < 8 else draw(json_values)

    attributes = {
        "source": field(
            st.sampled_from([FRONT_DOOR_ID, BACKYARD_ID, DEFAULT_ACCOUNT_ID])
        ),
        "source_type": field(st.sampled_from(["devices", "users", "subscriptions"])),
        "timestamp": field(st.integers(min_value=0, max_value=2**50)),
        "sub_type": field(
            st.sampled_from(["human", "vehicle", "animal", "paid", "trial"])
        ),
        "component_ids": field(
            st.lists(st.integers() | st.text(max_size=3), max_size=3)
        ),
        "expires_at": field(st.just("2026-08-06T00:00:00Z")),
    }
    data = {
        "id": field(st.text(max_size=30)),
        "type": field(st.sampled_from([*WEBHOOK_TYPES, "flood_detected"])),
        "subType": field(st.sampled_from(["human", "vehicle", "other_motion"])),
        "attributes": field(st.just(attributes)),
        "relationships": field(
            st.just({"devices": {"data": [{"type": "device", "id": "x"}]}})
        ),
    }
    meta = {
        "version": field(st.sampled_from(["1.0", "1.1"])),
        "time": field(st.sampled_from(["2026-02-13T13:39:57.200155525Z", "yesterday"])),
        "request_id": field(st.uuids().map(str)),
        "account_id": field(
            st.sampled_from([DEFAULT_ACCOUNT_ID, "ava1.ring.account.X"])
        ),
    }
    envelope = {"meta": field(st.just(meta)), "data": field(st.just(data))}
    keys = field(st.just({"meta", "data"}))
    if not isinstance(keys, set):
        keys = draw(st.sets(st.sampled_from(["meta", "data", "extra"]), max_size=3))
    return {key: envelope.get(key, draw(json_values)) for key in sorted(keys)}


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    envelopes().map(lambda value: json.dumps(value).encode()),
)
header_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, dict[str, str], bool]:
    """Draw a body, headers and whether the signature is Ring's (valid) one."""
    body = draw(bodies)
    mode = draw(st.sampled_from(["none", "random", "other_body", "wrong_key", "valid"]))
    headers = draw(
        st.dictionaries(
            st.sampled_from(
                ["Content-Type", "X-Request-Id", "User-Agent", "X-Forwarded-For"]
            ),
            header_text,
            max_size=3,
        )
    )
    signed = False
    if mode == "random":
        headers["X-Signature"] = draw(
            st.one_of(header_text, header_text.map(lambda text: f"sha256={text}"))
        )
    elif mode == "other_body":
        headers["X-Signature"] = compute_signature(body + b" ", HMAC_KEY)
    elif mode == "wrong_key":
        headers["X-Signature"] = compute_signature(body, "not-the-key")
    elif mode == "valid":
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
        data = decoded.get("data") if isinstance(decoded, dict) else None
        destructive = isinstance(data, dict) and str(data.get("type")) in DESTRUCTIVE
        if not destructive:
            headers["X-Signature"] = compute_signature(body, HMAC_KEY)
            signed = True
    return body, headers, signed


async def test_random_requests(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """Never a 5xx; never a state change unless Ring's key signed the exact body."""
    client = await hass_client_no_auth()
    loop = asyncio.get_running_loop()
    seen_statuses: set[int] = set()
    # Only requests may change state here: hold timers that expire mid-run on a slow machine
    # would look like a state change caused by an unsigned request.
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_MOTION_HOLD: 86400, CONF_DING_HOLD: 86400}
    )

    async def _post(body: bytes, headers: dict[str, str], signed: bool) -> None:
        before = {s.entity_id: (s.state, s.attributes) for s in hass.states.async_all()}
        response = await client.post(WEBHOOK_PATH, data=body, headers=headers)
        await hass.async_block_till_done()
        seen_statuses.add(response.status)
        assert response.status < 500, (body, headers)
        if signed:
            assert response.status in (200, 400), (body, headers)
            return
        # HA's forwarded middleware rejects proxy headers from an unconfigured proxy (400).
        expected = 400 if "X-Forwarded-For" in headers else 401
        assert response.status == expected, (body, headers)
        after = {s.entity_id: (s.state, s.attributes) for s in hass.states.async_all()}
        assert after == before, (body, headers)

    # Hypothesis drives the examples from a worker thread, so each example can wait on
    # Home Assistant's running loop (one hass for the whole run).
    @settings(
        max_examples=500,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests())
    def _property(request: tuple[bytes, dict[str, str], bool]) -> None:
        asyncio.run_coroutine_threadsafe(_post(*request), loop).result(timeout=30)

    await hass.async_add_executor_job(_property)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert {200, 400, 401} <= seen_statuses

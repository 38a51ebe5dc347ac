"""Property test of the whole push pipeline: each event fires once, or never when too late.

Random interleavings, on the test clock, of an event's webhook deliveries (duplicated, delayed,
reordered, dropped), its history entry (present or not) and history outages, through Home
Assistant's HTTP server, the simulator's history and the reconciliation's own schedule. An
event fires exactly once when a delivery, or a reconciliation round that can read its history
entry, comes within the lateness limit; otherwise it never fires.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import time
from typing import Any
import uuid

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ring_partner.const import CONF_DING_HOLD, CONF_MOTION_HOLD
from custom_components.ring_partner.push.hub import LATENESS_LIMIT
from custom_components.ring_partner.push.reconciliation import RECONCILE_INTERVAL
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from simulator import SimulatorConfig
from simulator.scenario import BACKYARD_ID, FRONT_DOOR_ID

from .conftest import SimControl, make_sim_config
from .webhook_helpers import TestClient, post_webhook, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

STEP = RECONCILE_INTERVAL
LIMIT_S = int(LATENESS_LIMIT.total_seconds())
# Deliveries this close to the limit are left out: which side of it they fall on is a
# matter of milliseconds, not of the policy.
MARGIN_S = 10
# (device, webhook type, simulator action, entity)
KINDS = [
    (FRONT_DOOR_ID, "button_press", "ding", "event.front_door_doorbell"),
    (FRONT_DOOR_ID, "motion_detected", "motion", "event.front_door_motion_event"),
    (BACKYARD_ID, "motion_detected", "motion", "event.backyard_motion_event"),
]


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Run the simulator on the (frozen) test clock, so history times follow freezer."""
    return make_sim_config(
        clock=lambda: time.time(),  # noqa: PLW0108  (looked up per call: freezer patches it)
        # Every example moves the clock past the lateness limit: hours in all. The token
        # outlives the run, so no refresh happens in the middle of an example.
        access_token_lifetime=30 * 86400,
        # Its per-second rate window runs on the same clock, which stands still between
        # steps: dozens of requests in one frozen second would exceed it.
        rate_limit=0,
    )


@pytest.fixture
def platforms() -> list[Platform]:
    """Load the event entities only: camera stills would wait on recordings in real time."""
    return [Platform.EVENT]


@dataclass
class PlannedEvent:
    """One event and how it reaches Home Assistant."""

    kind: int
    # Seconds after the previous event (Ring's cooldown keeps one device's events apart).
    gap: int
    has_history: bool
    # Seconds after the event at which a webhook copy arrives; a copy may reuse the
    # delivery's request id (Ring's duplicate) or carry a new one (a retry).
    deliveries: list[tuple[int, bool]]
    at: int = 0
    timestamp_ms: int = 0
    fired: list[str] = field(default_factory=list)


delays = st.one_of(
    st.integers(0, LIMIT_S - MARGIN_S), st.integers(LIMIT_S + MARGIN_S, 2 * LIMIT_S)
)
planned_events = st.builds(
    PlannedEvent,
    kind=st.integers(0, len(KINDS) - 1),
    gap=st.integers(10, 120),
    has_history=st.booleans(),
    deliveries=st.lists(st.tuples(delays, st.booleans()), max_size=3),
)
plans = st.tuples(
    st.lists(planned_events, min_size=1, max_size=4),
    # A history outage: (start, length) in steps, or none.
    st.none() | st.tuples(st.integers(0, 10), st.integers(1, 25)),
)


async def test_every_event_fires_once_within_the_limit_and_never_after(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """Fires exactly once iff a delivery or a readable history round came in time."""
    loop = asyncio.get_running_loop()
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_MOTION_HOLD: 1, CONF_DING_HOLD: 1}
    )
    health = init_integration.runtime_data.push.health
    reconciler = init_integration.runtime_data.push.reconciler
    assert reconciler is not None
    fires: list[tuple[str, str | None]] = []

    # The last fire each event entity showed: a return from "unavailable" shows the same
    # fire again and is not a new one.
    shown = {
        state.entity_id: (state.state, state.attributes.get("event_id"))
        for state in hass.states.async_all("event")
        if state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    }

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if (
            new is None
            or not new.entity_id.startswith("event.")
            or new.state in (STATE_UNAVAILABLE, STATE_UNKNOWN)
        ):
            return
        fire = (new.state, new.attributes.get("event_id"))
        if shown.get(new.entity_id) != fire:
            fires.append((new.entity_id, new.attributes.get("event_time")))
        shown[new.entity_id] = fire

    hass.bus.async_listen(EVENT_STATE_CHANGED, _changed)
    # Whole seconds: event times and the lateness check then compare exactly.
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)

    async def _run(plan: tuple[list[PlannedEvent], tuple[int, int] | None]) -> None:
        nonlocal start
        events, outage = plan
        fires.clear()
        at = 0
        for event in events:
            at += event.gap
            event.at = at
        actions: dict[int, list[tuple[str, Any]]] = {}
        for event in events:
            actions.setdefault(event.at, []).append(("event", event))
            for delay, same_request in event.deliveries:
                actions.setdefault(event.at + delay, []).append(
                    ("deliver", (event, same_request))
                )
        if outage is not None:
            first, length = outage
            actions.setdefault(first * 60, []).append(("outage", True))
            actions.setdefault((first + length) * 60, []).append(("outage", False))
        end = max(actions) + LIMIT_S + 2 * 60
        times = sorted({*actions, *range(0, end, int(STEP.total_seconds()))})
        rounds: list[tuple[int, bool]] = []
        in_outage = False
        request_ids: dict[int, str] = {}
        for now in times:
            freezer.move_to(start + timedelta(seconds=now))
            # The loop's clock follows the test clock: the timers now due (the
            # coordinator's refresh, the reconciliation's own round) run to the end
            # here, so no request of theirs is in flight when the clock jumps again.
            await hass.async_block_till_done(wait_background_tasks=True)
            for name, value in sorted(
                actions.get(now, []), key=lambda a: a[0] != "event"
            ):
                if name == "event":
                    await _create(sim_control, value)
                elif name == "deliver":
                    event, same = value
                    request_id = request_ids.setdefault(id(event), str(uuid.uuid4()))
                    device, webhook_type, _, _ = KINDS[event.kind]
                    body = webhook_body(
                        webhook_type,
                        device_id=device,
                        timestamp_ms=event.timestamp_ms,
                        request_id=request_id if same else str(uuid.uuid4()),
                    )
                    assert (await post_webhook(client, body)).status == 200
                elif value:
                    in_outage = True
                    await sim_control.fault(path="/v1/history/", status=403)
                else:
                    in_outage = False
                    await sim_control.call("DELETE", "faults")
            # One reconciliation round after the step's actions, whatever its timer did
            # before them.
            polls = health.history_polls
            await reconciler.async_reconcile()
            await hass.async_block_till_done(wait_background_tasks=True)
            if health.history_polls > polls:
                rounds.append((now, in_outage))
        await sim_control.call("DELETE", "faults")
        start += timedelta(seconds=end)

        for event in events:
            entity = KINDS[event.kind][3]
            when = datetime.fromtimestamp(event.timestamp_ms / 1000, UTC).isoformat()
            count = fires.count((entity, when))
            in_time = any(delay <= LIMIT_S for delay, _ in event.deliveries) or (
                event.has_history
                and any(
                    not blocked and 0 <= r - event.at <= LIMIT_S
                    for r, blocked in rounds
                )
            )
            assert count == (1 if in_time else 0), (event, rounds, fires)

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(plans)
    def _property(plan: tuple[list[PlannedEvent], tuple[int, int] | None]) -> None:
        asyncio.run_coroutine_threadsafe(_run(plan), loop).result(timeout=120)

    # Not hass.async_add_executor_job: Home Assistant would count the whole run as pending
    # work, and every async_block_till_done inside it would wait for itself.
    await loop.run_in_executor(None, _property)


async def _create(sim_control: SimControl, event: PlannedEvent) -> None:
    """Make the event happen: in the simulator's history, or nowhere but its webhooks."""
    device, _, action, _ = KINDS[event.kind]
    if event.has_history:
        result = await sim_control.call(
            "POST", f"devices/{device}/{action}", {"deliver": False}
        )
        event.timestamp_ms = int(result["timestamp"])
    else:
        event.timestamp_ms = int(time.time() * 1000)

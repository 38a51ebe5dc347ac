"""Test the history reconciliation that fires events whose webhook never came."""

from datetime import datetime, timedelta
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ring_partner.const import (
    CONF_LATE_EVENT_LIMIT,
    DOMAIN,
    MAX_LATE_EVENT_LIMIT,
)
from custom_components.ring_partner.push.hub import LATENESS_LIMIT, lateness_limit
from custom_components.ring_partner.push.reconciliation import (
    MAX_BACKOFF,
    RECONCILE_INTERVAL,
)
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.util import dt as dt_util
from simulator import SimulatorConfig
from simulator.scenario import BACKYARD_ID, FRONT_DOOR_ID

from .conftest import SimControl, make_sim_config, state_of
from .webhook_helpers import TestClient, post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

DOORBELL = "event.front_door_doorbell"
# Front Door and Backyard have history; the offline Garage and the Chime are not read.
CAMERAS_READ = 2


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Run the simulator on the (frozen) test clock, so history times follow freezer."""
    return make_sim_config(
        clock=lambda: time.time(),  # noqa: PLW0108  (looked up per call: freezer patches it)
    )


async def _wait(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass and wait for the round it starts."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _minute(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one reconciliation interval pass."""
    await _wait(hass, freezer, RECONCILE_INTERVAL)


async def _history_requests(sim_control: SimControl) -> int:
    """Return how many history requests the simulator has seen."""
    return sum("/v1/history/" in r["path"] for r in await sim_control.requests())


def _fired(old: State | None, new: State | None) -> bool:
    """Return True when an event entity fired (not when it was restored after a reload)."""
    return (
        new is not None
        and old is not None
        and new.entity_id.startswith("event.")
        and STATE_UNAVAILABLE not in (old.state, new.state)
        and (
            old.state != new.state
            or old.attributes.get("event_id") != new.attributes.get("event_id")
        )
    )


def _record_fired(hass: HomeAssistant) -> list[tuple[str, bool, datetime]]:
    """Collect (event id, from history, when) of every event entity that fires."""
    fired: list[tuple[str, bool, datetime]] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        new, old = event.data["new_state"], event.data["old_state"]
        if new is None or not _fired(old, new):
            return
        if (event_id := new.attributes.get("event_id")) is None:
            return
        fired.append((event_id, new.attributes["from_history"], dt_util.utcnow()))

    hass.bus.async_listen(EVENT_STATE_CHANGED, _changed)
    return fired


async def _ding_without_webhook(
    hass: HomeAssistant, sim_control: SimControl
) -> dict[str, Any]:
    """Ring the front door with its webhook dropped: only history knows of it."""
    return await sim_event(
        hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding", {"deliver": False}
    )


async def test_lost_webhooks_fire_once_within_two_minutes(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """Webhooks flow, then stop: three motions and a ding fire once each from history."""
    fired = _record_fired(hass)
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")
    assert [from_history for _, from_history, _ in fired] == [False]
    fired.clear()

    await sim_control.configure(webhook_delivery=False)
    lost: dict[str, datetime] = {}
    for path in (
        f"devices/{FRONT_DOOR_ID}/motion",
        f"devices/{BACKYARD_ID}/motion",
        f"devices/{FRONT_DOOR_ID}/ding",
        f"devices/{FRONT_DOOR_ID}/motion",
    ):
        result = await sim_event(hass, sim_control, path)
        assert result["request_id"] is None  # not delivered
        lost[result["event_id"]] = dt_util.utcnow()
        # Ring's motion cooldown: events of one device are seconds apart, not milliseconds.
        await _wait(hass, freezer, timedelta(seconds=10))

    for _ in range(2):
        await _minute(hass, freezer)
    assert sorted(event_id for event_id, _, _ in fired) == sorted(lost)
    for event_id, from_history, when in fired:
        assert from_history
        assert when - lost[event_id] <= timedelta(minutes=2)
    health = init_integration.runtime_data.push.health
    assert health.history_events == 4

    # Later rounds find the same entries again and fire nothing.
    for _ in range(5):
        await _minute(hass, freezer)
    assert len(fired) == 4
    assert health.history_events == 4


async def test_reconciliation_cost_while_webhooks_flow(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """With healthy webhooks, one history read per camera and interval, and nothing fires twice."""
    fired = _record_fired(hass)
    await sim_control.clear_requests()
    for minute in range(10):
        await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")
        await _minute(hass, freezer)
        assert await _history_requests(sim_control) == CAMERAS_READ * (minute + 1)
    assert len(fired) == 10
    assert not any(from_history for _, from_history, _ in fired)
    # Re-reading history is not a duplicate delivery.
    assert init_integration.runtime_data.push.health.duplicates == 0


async def test_history_motion_has_no_subtype(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
) -> None:
    """Motion recovered from history is plain motion (history carries no subtype)."""
    await sim_event(
        hass,
        sim_control,
        f"devices/{FRONT_DOOR_ID}/motion",
        {"subtype": "human", "deliver": False},
    )
    await _minute(hass, freezer)
    motion = state_of(hass, "event.front_door_motion_event")
    assert motion.attributes["event_type"] == "motion"
    assert motion.attributes["subtype"] is None
    assert motion.attributes["from_history"] is True


async def test_late_webhook_after_history_fires_once(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """A webhook for an event history already fired (Ring's retry) does not fire again."""
    ding = await _ding_without_webhook(hass, sim_control)
    assert state_of(hass, DOORBELL).state == STATE_UNKNOWN
    await _minute(hass, freezer)
    state = state_of(hass, DOORBELL)
    assert state.attributes["event_type"] == "ring"
    assert state.attributes["event_id"] == ding["event_id"]
    assert state_of(hass, "binary_sensor.front_door_ringing").state == STATE_ON
    late = webhook_body(
        "button_press", device_id=FRONT_DOOR_ID, timestamp_ms=ding["timestamp"]
    )
    assert (await post_webhook(client, late)).status == 200
    assert state_of(hass, DOORBELL).state == state.state
    assert init_integration.runtime_data.push.health.duplicates == 1


async def test_reconciliation_skips_failures_and_backs_off_on_429(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """History errors are skipped per camera; a 429 pauses the rounds, doubling up to a cap."""
    await _ding_without_webhook(hass, sim_control)
    await sim_control.clear_requests()
    await sim_control.fault(path="/v1/history/", status=403, count=2)
    await _minute(hass, freezer)
    assert await _history_requests(sim_control) == CAMERAS_READ
    assert state_of(hass, DOORBELL).state == STATE_UNKNOWN

    # Rate limited (longer than the client waits inside a request): the round stops.
    await sim_control.clear_requests()
    await sim_control.fault(path="/v1/history/", status=429, retry_after=60, count=1)
    await _minute(hass, freezer)
    assert await _history_requests(sim_control) == 1
    reconciler = init_integration.runtime_data.push.reconciler
    assert reconciler is not None
    assert reconciler.backoff == 2 * RECONCILE_INTERVAL
    # Paused for two intervals: the next minute reads nothing, the one after reads again.
    await _minute(hass, freezer)
    assert await _history_requests(sim_control) == 1
    await _minute(hass, freezer)
    assert state_of(hass, DOORBELL).attributes["event_type"] == "ring"
    assert reconciler.backoff is None

    # Repeated 429s double the pause up to the cap.
    await sim_control.fault(path="/v1/history/", status=429, retry_after=60, count=100)
    pauses: list[timedelta | None] = []
    for _ in range(8):
        await _wait(hass, freezer, MAX_BACKOFF)
        pauses.append(reconciler.backoff)
    assert pauses[:3] == [
        2 * RECONCILE_INTERVAL,
        4 * RECONCILE_INTERVAL,
        8 * RECONCILE_INTERVAL,
    ]
    assert pauses[-1] == MAX_BACKOFF


async def _ding_and_motion_16_minutes_late(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    client: TestClient,
    sim_control: SimControl,
) -> None:
    """Make a ding only history knows and a motion webhook reach us 16 minutes late."""
    # History unreadable for longer than the default limit, then readable again.
    await sim_control.fault(path="/v1/history/", status=403, count=1000)
    await _ding_without_webhook(hass, sim_control)
    old = webhook_body("motion_detected", device_id=FRONT_DOOR_ID)
    await _wait(hass, freezer, LATENESS_LIMIT + timedelta(minutes=1))
    await sim_control.call("DELETE", "faults")
    await _minute(hass, freezer)
    # Ring's sixth attempt of a webhook, long after the event.
    assert (await post_webhook(client, old)).status == 200
    await hass.async_block_till_done()


async def test_older_than_the_lateness_limit_is_recorded_not_fired(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """A webhook or history entry past the lateness limit never fires."""
    fired = _record_fired(hass)
    await _ding_and_motion_16_minutes_late(hass, freezer, client, sim_control)
    assert fired == []
    assert init_integration.runtime_data.push.health.late_events == 1


async def test_a_longer_late_event_limit_fires_older_events(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """With the option at 30 minutes, the same 16-minute-old events fire, once each."""
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_LATE_EVENT_LIMIT: 30}
    )
    fired = _record_fired(hass)
    await _ding_and_motion_16_minutes_late(hass, freezer, client, sim_control)
    assert [from_history for _, from_history, _ in fired] == [True, False]
    assert init_integration.runtime_data.push.health.late_events == 0
    await _minute(hass, freezer)
    assert len(fired) == 2


@pytest.mark.parametrize(
    ("stored", "limit"),
    [
        (None, LATENESS_LIMIT),
        (30, timedelta(minutes=30)),
        (600, MAX_LATE_EVENT_LIMIT),
        (0, LATENESS_LIMIT),
        (-5, LATENESS_LIMIT),
        (True, LATENESS_LIMIT),
        ("30", LATENESS_LIMIT),
        (12.5, LATENESS_LIMIT),
    ],
)
def test_stored_late_event_limit_is_read_defensively(
    stored: object, limit: timedelta
) -> None:
    """Options edited by hand never widen the limit past its bound or break firing."""
    options = {} if stored is None else {CONF_LATE_EVENT_LIMIT: stored}
    entry = MockConfigEntry(domain=DOMAIN, options=options)
    assert lateness_limit(entry) == limit

"""Test the history fallback that fires events while Ring's webhooks do not arrive."""

from datetime import timedelta
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ring_partner.push.history import FALLBACK_POLL_INTERVAL
from homeassistant.const import STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from simulator import SimulatorConfig
from simulator.scenario import FRONT_DOOR_ID

from .conftest import SimControl, make_sim_config, state_of
from .webhook_helpers import TestClient, post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

DOORBELL = "event.front_door_doorbell"


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Run the simulator on the (frozen) test clock, so history times follow freezer."""
    return make_sim_config(
        clock=lambda: time.time(),  # noqa: PLW0108  (looked up per call: freezer patches it)
    )


async def _minute(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let a fallback interval pass and wait for the poll it starts."""
    freezer.tick(FALLBACK_POLL_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _history_requests(sim_control: SimControl) -> int:
    """Return how many history requests the simulator has seen."""
    return sum("/v1/history/" in r["path"] for r in await sim_control.requests())


async def _ding_without_webhook(
    hass: HomeAssistant, sim_control: SimControl
) -> dict[str, Any]:
    """Turn webhook delivery off and ring the front door: only history knows of it."""
    await sim_control.configure(webhook_delivery=False)
    return await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")


async def test_fallback_fires_while_webhooks_are_off_and_stops_when_they_resume(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """A ding without webhooks fires from history once; webhooks flowing stop the polling."""
    ding = await _ding_without_webhook(hass, sim_control)
    assert ding["request_id"] is None
    assert state_of(hass, DOORBELL).state == STATE_UNKNOWN

    await _minute(hass, freezer)
    state = state_of(hass, DOORBELL)
    assert state.attributes["event_type"] == "ring"
    assert state.attributes["event_id"] == ding["event_id"]
    assert state_of(hass, "binary_sensor.front_door_ringing").state == STATE_ON
    health = init_integration.runtime_data.push.health
    assert health.history_events == 1
    # Front Door and Backyard are polled; the offline Garage and the Chime are not.
    assert await _history_requests(sim_control) == 2

    # The next poll finds nothing new; the old scenario events never fire.
    await _minute(hass, freezer)
    assert state_of(hass, DOORBELL).state == state.state
    assert health.history_events == 1
    assert await _history_requests(sim_control) == 4

    # Motion from history has no subtype.
    await sim_event(
        hass, sim_control, f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
    )
    await _minute(hass, freezer)
    motion = state_of(hass, "event.front_door_motion_event")
    assert motion.attributes["event_type"] == "motion"
    assert motion.attributes["subtype"] is None

    # Webhooks resume: the ding arrives by webhook and polling stops.
    await sim_control.configure(webhook_delivery=True)
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")
    assert state_of(hass, DOORBELL).state != state.state
    await sim_control.clear_requests()
    for _ in range(3):
        await _minute(hass, freezer)
    assert await _history_requests(sim_control) == 0


async def test_late_webhook_after_history_fires_once(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """A webhook for an event history already fired (Ring's retry) does not fire again."""
    ding = await _ding_without_webhook(hass, sim_control)
    await _minute(hass, freezer)
    fired = state_of(hass, DOORBELL).state
    late = webhook_body(
        "button_press", device_id=FRONT_DOOR_ID, timestamp_ms=ding["timestamp"]
    )
    assert (await post_webhook(client, late)).status == 200
    assert state_of(hass, DOORBELL).state == fired
    assert init_integration.runtime_data.push.health.duplicates == 1


async def test_fallback_skips_failures(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """History errors are skipped per device; the next minute tries again."""
    await _ding_without_webhook(hass, sim_control)
    await sim_control.clear_requests()
    await sim_control.fault(path="/v1/history/", status=403, count=2)
    await _minute(hass, freezer)
    assert await _history_requests(sim_control) == 2
    assert state_of(hass, DOORBELL).state == STATE_UNKNOWN
    # Longer than the client waits inside a request: the rate limit reaches the poll.
    await sim_control.clear_requests()
    await sim_control.fault(path="/v1/history/", status=429, retry_after=60, count=1)
    await _minute(hass, freezer)
    # Rate limited: the rest of this round is skipped.
    assert await _history_requests(sim_control) == 1
    await _minute(hass, freezer)
    assert state_of(hass, DOORBELL).attributes["event_type"] == "ring"


async def test_no_polling_while_webhooks_flow(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
) -> None:
    """After a webhook, history is not polled until an hour of silence."""
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/online")
    await sim_control.clear_requests()
    for _ in range(5):
        await _minute(hass, freezer)
    assert await _history_requests(sim_control) == 0
    freezer.tick(timedelta(hours=1))
    await _minute(hass, freezer)
    assert await _history_requests(sim_control) == 2

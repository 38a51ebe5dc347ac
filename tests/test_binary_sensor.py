"""Test the Ring binary sensors: online, and the momentary motion and ringing sensors."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.ring_partner.const import CONF_DING_HOLD, CONF_MOTION_HOLD
from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.scenario import FRONT_DOOR_ID

from . import snapshot_ring_platform
from .conftest import SimControl, state_of, webhook_client
from .webhook_helpers import TestClient, event_ms, post_webhook, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

MOTION = "binary_sensor.front_door_motion"
RINGING = "binary_sensor.front_door_ringing"


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Advance time and run what became due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def _event(
    client: TestClient, event_type: str, timestamp_ms: int, **kwargs: str
) -> None:
    """Post a signed device event of the front door."""
    body = webhook_body(
        event_type,
        device_id=FRONT_DOOR_ID,
        timestamp_ms=event_ms(timestamp_ms),
        **kwargs,
    )
    assert (await post_webhook(client, body)).status == 200


@pytest.mark.usefixtures("init_integration")
async def test_sensors_exist(hass: HomeAssistant) -> None:
    """Online, motion and ringing sensors with their classes and names, off at start."""
    motion = state_of(hass, MOTION)
    assert motion.state == STATE_OFF
    assert motion.attributes[ATTR_DEVICE_CLASS] == BinarySensorDeviceClass.MOTION
    assert motion.attributes[ATTR_FRIENDLY_NAME] == "Front Door Motion"
    ringing = state_of(hass, RINGING)
    assert ringing.state == STATE_OFF
    assert ringing.attributes[ATTR_DEVICE_CLASS] == BinarySensorDeviceClass.OCCUPANCY
    assert ringing.attributes[ATTR_FRIENDLY_NAME] == "Front Door Ringing"
    assert state_of(hass, "binary_sensor.front_door_connectivity").state == STATE_ON
    assert state_of(hass, "binary_sensor.backyard_motion").state == STATE_OFF
    assert hass.states.get("binary_sensor.backyard_ringing") is None
    assert hass.states.get("binary_sensor.hallway_chime_motion") is None


async def test_default_hold_times(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
) -> None:
    """Motion stays on 30 s, ringing 10 s."""
    await _event(client, "motion_detected", 1, subtype="human")
    await _event(client, "button_press", 2)
    assert state_of(hass, MOTION).state == STATE_ON
    assert state_of(hass, RINGING).state == STATE_ON
    await _tick(hass, freezer, 9)
    assert state_of(hass, RINGING).state == STATE_ON
    await _tick(hass, freezer, 2)
    assert state_of(hass, RINGING).state == STATE_OFF
    assert state_of(hass, MOTION).state == STATE_ON
    await _tick(hass, freezer, 20)
    assert state_of(hass, MOTION).state == STATE_OFF


async def test_new_event_extends_the_hold(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
) -> None:
    """A second event restarts the hold time."""
    await _event(client, "motion_detected", 1)
    await _tick(hass, freezer, 20)
    await _event(client, "motion_detected", 2)
    await _tick(hass, freezer, 20)
    assert state_of(hass, MOTION).state == STATE_ON
    await _tick(hass, freezer, 11)
    assert state_of(hass, MOTION).state == STATE_OFF


async def test_repeat_while_on_writes_no_state(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
) -> None:
    """An event while the sensor is on only extends the hold: no state write, no report."""
    await _event(client, "motion_detected", 1)
    first = state_of(hass, MOTION)
    await _tick(hass, freezer, 5)
    await _event(client, "motion_detected", 2)
    assert state_of(hass, MOTION).last_reported == first.last_reported
    assert state_of(hass, "event.front_door_motion_event").last_reported > (
        first.last_reported
    )


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_hold_times_from_options(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """The options set the hold times."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_MOTION_HOLD: 5, CONF_DING_HOLD: 2}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    client = await webhook_client(hass, hass_client_no_auth, sim_control)
    await _event(client, "motion_detected", 1)
    await _event(client, "button_press", 2)
    await _tick(hass, freezer, 3)
    assert state_of(hass, RINGING).state == STATE_OFF
    assert state_of(hass, MOTION).state == STATE_ON
    await _tick(hass, freezer, 3)
    assert state_of(hass, MOTION).state == STATE_OFF


async def test_off_after_reload(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """A restart (reload) leaves the sensors off; the pending timers are cancelled."""
    await _event(client, "motion_detected", 1)
    await _event(client, "button_press", 2)
    assert state_of(hass, MOTION).state == STATE_ON
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, MOTION).state == STATE_OFF
    assert state_of(hass, RINGING).state == STATE_OFF


async def test_unload_cancels_hold_timers(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """Unloading while a sensor is on leaves no timer behind (phacc checks at teardown)."""
    await _event(client, "motion_detected", 1)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
async def test_binary_sensor_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every binary_sensor entity: state, attributes, classes, translation key and device."""
    await snapshot_ring_platform(
        hass, entity_registry, device_registry, snapshot, init_integration.entry_id
    )

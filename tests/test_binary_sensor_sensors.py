"""Test the Early Access sensors' binary sensors: contact, flood, freeze and tamper."""

import json

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator import SimulatorConfig
from simulator.scenario import CONTACT_SENSOR_ID, FLOOD_SENSOR_ID, Scenario

from . import snapshot_ring_platform
from .conftest import SimControl, make_sim_config, state_of
from .poll_helpers import next_poll
from .webhook_helpers import TestClient, post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

CONTACT = "binary_sensor.front_door_sensor_opening"
CONTACT_TAMPER = "binary_sensor.front_door_sensor_tamper"
FLOOD = "binary_sensor.basement_sensor_flood"
FREEZE = "binary_sensor.basement_sensor_freeze"
FLOOD_TAMPER = "binary_sensor.basement_sensor_tamper"


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Run the `everything` scenario: one device of every kind."""
    return make_sim_config(scenario=Scenario.everything())


@pytest.mark.usefixtures("init_integration")
async def test_entities_per_sensor(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Each sensor gets the binary sensors it reports, with classes and names, off at start."""
    contact = state_of(hass, CONTACT)
    assert contact.state == STATE_OFF
    assert contact.attributes[ATTR_DEVICE_CLASS] == BinarySensorDeviceClass.OPENING
    assert contact.attributes[ATTR_FRIENDLY_NAME] == "Front Door Sensor Opening"
    flood = state_of(hass, FLOOD)
    assert flood.attributes[ATTR_DEVICE_CLASS] == BinarySensorDeviceClass.MOISTURE
    assert flood.attributes[ATTR_FRIENDLY_NAME] == "Basement Sensor Flood"
    freeze = state_of(hass, FREEZE)
    assert freeze.attributes[ATTR_DEVICE_CLASS] == BinarySensorDeviceClass.COLD
    assert freeze.attributes[ATTR_FRIENDLY_NAME] == "Basement Sensor Freeze"
    tamper = state_of(hass, FLOOD_TAMPER)
    assert tamper.attributes[ATTR_DEVICE_CLASS] == BinarySensorDeviceClass.TAMPER
    tamper_entry = entity_registry.async_get(CONTACT_TAMPER)
    assert tamper_entry is not None
    assert tamper_entry.entity_category == "diagnostic"
    assert all(
        state_of(hass, entity_id).state == STATE_OFF
        for entity_id in (CONTACT_TAMPER, FLOOD, FREEZE, FLOOD_TAMPER)
    )
    assert hass.states.get("binary_sensor.front_door_sensor_flood") is None
    assert hass.states.get("binary_sensor.basement_sensor_opening") is None
    assert hass.states.get("binary_sensor.living_room_sensor_opening") is None
    # No motion or ringing for sensors or the chime: they have no video.
    for name in ("front_door_sensor", "basement_sensor", "hallway_chime"):
        assert hass.states.get(f"binary_sensor.{name}_motion") is None


@pytest.mark.parametrize(
    ("device_id", "faulted", "cleared", "entity_id"),
    [
        (
            CONTACT_SENSOR_ID,
            "contact_sensor_faulted",
            "contact_sensor_cleared",
            CONTACT,
        ),
        (CONTACT_SENSOR_ID, "tamper_detected", "tamper_cleared", CONTACT_TAMPER),
        (FLOOD_SENSOR_ID, "flood_detected", "flood_cleared", FLOOD),
        (FLOOD_SENSOR_ID, "freeze_detected", "freeze_cleared", FREEZE),
        (FLOOD_SENSOR_ID, "tamper_detected", "tamper_cleared", FLOOD_TAMPER),
    ],
)
async def test_webhooks_change_state_at_once(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
    *,
    device_id: str,
    faulted: str,
    cleared: str,
    entity_id: str,
) -> None:
    """Each sensor webhook turns its binary sensor on or off before any poll."""
    requests = len(await sim_control.requests())
    path = f"devices/{device_id}/sensor"
    await sim_event(hass, sim_control, path, {"event": faulted})
    assert state_of(hass, entity_id).state == STATE_ON
    await sim_event(hass, sim_control, path, {"event": cleared})
    assert state_of(hass, entity_id).state == STATE_OFF
    # No poll was needed: no request reached the API.
    assert len(await sim_control.requests()) == requests
    health = init_integration.runtime_data.push.health
    assert health.sensor_events == 2
    assert health.counts[faulted] == 1
    assert health.unknown_types == 0


async def test_state_from_polling(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """A change whose webhook was lost shows at the next poll; status is the truth."""
    await sim_control.call(
        "POST",
        f"devices/{FLOOD_SENSOR_ID}/sensor",
        {"event": "flood_detected", "deliver": False},
    )
    assert state_of(hass, FLOOD).state == STATE_OFF
    await next_poll(hass, freezer, init_integration)
    assert state_of(hass, FLOOD).state == STATE_ON
    assert state_of(hass, FREEZE).state == STATE_OFF


async def test_offline_sensor_is_unavailable(
    hass: HomeAssistant, client: TestClient, sim_control: SimControl
) -> None:
    """device_offline makes the states unavailable; the connectivity sensor stays."""
    await sim_event(hass, sim_control, f"devices/{CONTACT_SENSOR_ID}/offline")
    assert state_of(hass, CONTACT).state == STATE_UNAVAILABLE
    assert state_of(hass, CONTACT_TAMPER).state == STATE_UNAVAILABLE
    assert (
        state_of(hass, "binary_sensor.front_door_sensor_connectivity").state
        == STATE_OFF
    )
    assert state_of(hass, FLOOD).state == STATE_OFF
    await sim_event(hass, sim_control, f"devices/{CONTACT_SENSOR_ID}/online")
    assert state_of(hass, CONTACT).state == STATE_OFF


async def test_unknown_sensor_webhook_is_kept(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """A sensor event name Ring adds later answers 200, changes nothing, and is named in diagnostics."""
    before = {state.entity_id: state.state for state in hass.states.async_all()}
    await sim_event(
        hass,
        sim_control,
        f"devices/{FLOOD_SENSOR_ID}/sensor",
        {"event": "leak_sensor_faulted"},
    )
    deliveries = await sim_control.call("GET", "webhooks")
    (delivery,) = [
        item for item in deliveries if "leak_sensor_faulted" in json.dumps(item)
    ]
    assert delivery["attempts"][-1]["status"] == 200
    assert {state.entity_id: state.state for state in hass.states.async_all()} == before
    health = init_integration.runtime_data.push.health
    assert health.unknown_types == 1
    assert health.as_dict()["unknown_type_names"] == {"leak_sensor_faulted": 1}


async def test_sensor_webhook_for_a_camera_changes_nothing(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """A sensor event naming a camera (or an unknown device) is counted, not applied."""
    coordinator = init_integration.runtime_data.coordinator
    cameras = {
        device_id: device
        for device_id, device in coordinator.data.items()
        if device.has_video
    }
    camera_id = next(iter(cameras))
    body = webhook_body("flood_detected", device_id=camera_id)
    assert (await post_webhook(client, body)).status == 200
    unknown = webhook_body("flood_detected", device_id="ava1.ring.device.NOBODY")
    assert (await post_webhook(client, unknown)).status == 200
    await hass.async_block_till_done()
    status = coordinator.data[camera_id].status
    assert status is not None
    assert status.flood_faulted is None
    assert init_integration.runtime_data.push.health.unknown_devices == 1


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
async def test_binary_sensor_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every binary sensor of every kind of device: classes, names and devices."""
    await snapshot_ring_platform(
        hass, entity_registry, device_registry, snapshot, init_integration.entry_id
    )

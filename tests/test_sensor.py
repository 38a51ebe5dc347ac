"""Test the Early Access sensor readings: temperature, humidity and battery."""

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    ATTR_UNIT_OF_MEASUREMENT,
    PERCENTAGE,
    STATE_UNAVAILABLE,
    Platform,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator import SimulatorConfig
from simulator.scenario import CLIMATE_SENSOR_ID, CONTACT_SENSOR_ID, Scenario

from . import snapshot_ring_platform
from .conftest import SimControl, make_sim_config, state_of
from .poll_helpers import next_poll
from .webhook_helpers import TestClient, sim_event

pytestmark = pytest.mark.usefixtures("socket_enabled")

TEMPERATURE = "sensor.living_room_sensor_temperature"
HUMIDITY = "sensor.living_room_sensor_humidity"
BATTERY = "sensor.living_room_sensor_battery"
CONTACT_BATTERY = "sensor.front_door_sensor_battery"


@pytest.fixture
def sensor_reading_shape() -> str:
    """Return how the simulator renders temperature and humidity; parametrize to change."""
    return "object"


@pytest.fixture
def simulator_config(sensor_reading_shape: str) -> SimulatorConfig:
    """Run the `everything` scenario: one device of every kind."""
    return make_sim_config(
        scenario=Scenario.everything(), sensor_reading_shape=sensor_reading_shape
    )


@pytest.mark.usefixtures("init_integration")
async def test_only_sensors_get_readings(hass: HomeAssistant) -> None:
    """Cameras and chimes get no readings; contact sensors no climate; only air sensors PM2.5."""
    readings = {
        state.entity_id
        for state in hass.states.async_all(Platform.SENSOR)
        if state.entity_id.startswith("sensor.")
    }
    assert readings == {
        TEMPERATURE,
        HUMIDITY,
        BATTERY,
        CONTACT_BATTERY,
        "sensor.basement_sensor_battery",
        "sensor.bedroom_air_sensor_temperature",
        "sensor.bedroom_air_sensor_humidity",
        "sensor.bedroom_air_sensor_battery",
        "sensor.bedroom_air_sensor_pm2_5",
    }


@pytest.mark.parametrize("sensor_reading_shape", ["object", "number"])
async def test_readings_from_polling(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_control: SimControl,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """Readings in either shape, with classes and units; a poll brings new ones."""
    temperature = state_of(hass, TEMPERATURE)
    assert temperature.state == "21.5"
    assert temperature.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.TEMPERATURE
    assert temperature.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfTemperature.CELSIUS
    assert temperature.attributes["state_class"] == SensorStateClass.MEASUREMENT
    assert (
        temperature.attributes[ATTR_FRIENDLY_NAME] == "Living Room Sensor Temperature"
    )
    humidity = state_of(hass, HUMIDITY)
    assert humidity.state == "45.0"
    assert humidity.attributes[ATTR_UNIT_OF_MEASUREMENT] == PERCENTAGE
    assert state_of(hass, BATTERY).state == "90"
    assert state_of(hass, CONTACT_BATTERY).state == "90"
    battery_entry = entity_registry.async_get(BATTERY)
    assert battery_entry is not None
    assert battery_entry.entity_category == "diagnostic"

    # Readings change without a webhook: only polling sees them.
    await sim_control.call(
        "POST",
        f"devices/{CLIMATE_SENSOR_ID}/sensor",
        {"temperature": 18.25, "humidity": 61, "battery": 40},
    )
    assert state_of(hass, TEMPERATURE).state == "21.5"
    await next_poll(hass, freezer, init_integration)
    assert state_of(hass, TEMPERATURE).state == "18.25"
    assert state_of(hass, HUMIDITY).state == "61.0"
    assert state_of(hass, BATTERY).state == "40"


async def test_threshold_webhooks_apply_at_once(
    hass: HomeAssistant, client: TestClient, sim_control: SimControl
) -> None:
    """`temperature_exceeded` / `humidity_cleared` carry readings that apply before any poll."""
    await sim_event(
        hass,
        sim_control,
        f"devices/{CLIMATE_SENSOR_ID}/sensor",
        {"event": "temperature_exceeded", "temperature": 31.5},
    )
    assert state_of(hass, TEMPERATURE).state == "31.5"
    await sim_event(
        hass,
        sim_control,
        f"devices/{CLIMATE_SENSOR_ID}/sensor",
        {"event": "humidity_cleared", "humidity": 55},
    )
    assert state_of(hass, HUMIDITY).state == "55.0"
    assert state_of(hass, TEMPERATURE).state == "31.5"


async def test_offline_sensor_is_unavailable(
    hass: HomeAssistant, client: TestClient, sim_control: SimControl
) -> None:
    """device_offline makes the readings unavailable at once; device_online brings them back."""
    await sim_event(hass, sim_control, f"devices/{CLIMATE_SENSOR_ID}/offline")
    assert state_of(hass, TEMPERATURE).state == STATE_UNAVAILABLE
    assert state_of(hass, BATTERY).state == STATE_UNAVAILABLE
    assert state_of(hass, CONTACT_BATTERY).state == "90"
    await sim_event(hass, sim_control, f"devices/{CLIMATE_SENSOR_ID}/online")
    assert state_of(hass, TEMPERATURE).state == "21.5"


async def test_offline_at_poll_is_unavailable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """A sensor found offline by polling (its webhook dropped) is unavailable too."""
    await sim_control.call(
        "POST", f"devices/{CONTACT_SENSOR_ID}/offline", {"deliver": False}
    )
    await next_poll(hass, freezer, init_integration)
    assert state_of(hass, CONTACT_BATTERY).state == STATE_UNAVAILABLE
    assert state_of(hass, BATTERY).state == "90"


@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
async def test_sensor_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every sensor entity: state, attributes, classes, units and device."""
    await snapshot_ring_platform(
        hass, entity_registry, device_registry, snapshot, init_integration.entry_id
    )

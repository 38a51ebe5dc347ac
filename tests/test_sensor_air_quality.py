"""Test the Early Access air-quality sensor: PM2.5 from webhooks only, kept across polls."""

import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
    mock_restore_cache_with_extra_data,
)

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    ATTR_UNIT_OF_MEASUREMENT,
    CONCENTRATION_MICROGRAMS_PER_CUBIC_METER,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant, State
from simulator import SimulatorConfig
from simulator.scenario import AIR_QUALITY_SENSOR_ID, CLIMATE_SENSOR_ID, Scenario

from .conftest import SimControl, make_sim_config, state_of
from .poll_helpers import next_poll
from .webhook_helpers import TestClient, post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

PM25 = "sensor.bedroom_air_sensor_pm2_5"
EXCEEDED = "binary_sensor.bedroom_air_sensor_pm2_5_threshold_exceeded"
SENSOR_PATH = f"devices/{AIR_QUALITY_SENSOR_ID}/sensor"
UG_M3 = CONCENTRATION_MICROGRAMS_PER_CUBIC_METER


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Run the `everything` scenario (it has the Bedroom Air Sensor)."""
    return make_sim_config(scenario=Scenario.everything())


def pm25_body(event_type: str, raw_reading: str | None) -> bytes:
    """Return a signed-to-be `pm25_*` webhook whose reading is the given JSON literal."""
    body: dict[str, Any] = json.loads(
        webhook_body(event_type, device_id=AIR_QUALITY_SENSOR_ID)
    )
    if raw_reading is None:
        return json.dumps(body).encode()
    body["data"]["attributes"]["pm25"] = "READING"
    return json.dumps(body).replace('"READING"', raw_reading).encode()


@pytest.mark.usefixtures("init_integration")
async def test_pm25_entities(hass: HomeAssistant) -> None:
    """The air-quality sensor gets PM2.5 (unknown until a webhook) and its threshold."""
    pm25 = state_of(hass, PM25)
    assert pm25.state == STATE_UNKNOWN
    assert pm25.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.PM25
    assert (
        pm25.attributes[ATTR_UNIT_OF_MEASUREMENT]
        == CONCENTRATION_MICROGRAMS_PER_CUBIC_METER
    )
    assert pm25.attributes["state_class"] == SensorStateClass.MEASUREMENT
    assert pm25.attributes[ATTR_FRIENDLY_NAME] == "Bedroom Air Sensor PM2.5"
    exceeded = state_of(hass, EXCEEDED)
    assert exceeded.state == STATE_UNKNOWN
    assert exceeded.attributes[ATTR_DEVICE_CLASS] == BinarySensorDeviceClass.PROBLEM
    assert (
        exceeded.attributes[ATTR_FRIENDLY_NAME]
        == "Bedroom Air Sensor PM2.5 threshold exceeded"
    )
    # Its temperature and humidity come from status like any climate sensor's.
    assert state_of(hass, "sensor.bedroom_air_sensor_temperature").state == "21.5"
    # Sensors without air quality get neither.
    assert hass.states.get("sensor.living_room_sensor_pm2_5") is None
    assert (
        hass.states.get("binary_sensor.living_room_sensor_pm2_5_threshold_exceeded")
        is None
    )


async def test_pm25_from_webhooks_survives_polls(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """`pm25_exceeded` sets reading and threshold at once; polls keep both; cleared ends it."""
    await sim_event(
        hass, sim_control, SENSOR_PATH, {"event": "pm25_exceeded", "reading": 80}
    )
    assert state_of(hass, PM25).state == "80.0"
    assert state_of(hass, EXCEEDED).state == STATE_ON
    # Status has no PM2.5: a poll leaves the webhook's reading in place.
    await next_poll(hass, freezer, init_integration)
    assert state_of(hass, PM25).state == "80.0"
    assert state_of(hass, EXCEEDED).state == STATE_ON
    await sim_event(
        hass, sim_control, SENSOR_PATH, {"event": "pm25_cleared", "reading": 12.5}
    )
    assert state_of(hass, PM25).state == "12.5"
    assert state_of(hass, EXCEEDED).state == STATE_OFF
    # Another sensor's threshold events touch neither entity.
    await sim_event(
        hass,
        sim_control,
        f"devices/{CLIMATE_SENSOR_ID}/sensor",
        {"event": "pm25_exceeded", "reading": 300},
    )
    assert state_of(hass, PM25).state == "12.5"
    assert state_of(hass, EXCEEDED).state == STATE_OFF


async def test_pm25_unavailable_while_offline(
    hass: HomeAssistant, client: TestClient, sim_control: SimControl
) -> None:
    """device_offline makes PM2.5 unavailable; device_online brings the last reading back."""
    await sim_event(
        hass, sim_control, SENSOR_PATH, {"event": "pm25_exceeded", "reading": 40}
    )
    await sim_event(hass, sim_control, f"devices/{AIR_QUALITY_SENSOR_ID}/offline")
    assert state_of(hass, PM25).state == STATE_UNAVAILABLE
    assert state_of(hass, EXCEEDED).state == STATE_UNAVAILABLE
    await sim_event(hass, sim_control, f"devices/{AIR_QUALITY_SENSOR_ID}/online")
    assert state_of(hass, PM25).state == "40.0"
    assert state_of(hass, EXCEEDED).state == STATE_ON


@pytest.mark.parametrize(
    "raw_reading",
    ["1e400", "-1e400", "-3", "1000.5", '"high"', "true", "null", "[12]", None],
)
async def test_bad_pm25_readings_are_dropped(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    raw_reading: str | None,
) -> None:
    """A non-finite, out-of-range, wrong-type or missing reading changes no reading."""
    await sim_event(
        hass, sim_control, SENSOR_PATH, {"event": "pm25_cleared", "reading": 9}
    )
    response = await post_webhook(client, pm25_body("pm25_exceeded", raw_reading))
    assert response.status == 200
    await hass.async_block_till_done()
    assert state_of(hass, PM25).state == "9.0"
    # The threshold crossing itself is news, whatever its reading.
    assert state_of(hass, EXCEEDED).state == STATE_ON


async def test_simulator_out_of_range_reading_is_dropped(
    hass: HomeAssistant, client: TestClient, sim_control: SimControl
) -> None:
    """Readings the simulator lets through (negative, huge) never reach the entity."""
    await sim_event(
        hass, sim_control, SENSOR_PATH, {"event": "pm25_cleared", "reading": 9}
    )
    for reading in (-5, 5000):
        await sim_event(
            hass,
            sim_control,
            SENSOR_PATH,
            {"event": "pm25_cleared", "reading": reading},
        )
        assert state_of(hass, PM25).state == "9.0"


async def test_pm25_survives_a_reload(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """Reloading the entry keeps the last reading and threshold state (nothing polls them)."""
    await sim_event(
        hass, sim_control, SENSOR_PATH, {"event": "pm25_exceeded", "reading": 55}
    )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, PM25).state == "55.0"
    assert state_of(hass, EXCEEDED).state == STATE_ON


@pytest.mark.usefixtures("setup_integration_yaml")
@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"native_value": 33.5, "native_unit_of_measurement": UG_M3}, "33.5"),
        ({"native_value": 33.5, "native_unit_of_measurement": "ppm"}, STATE_UNKNOWN),
        (
            {"native_value": "lots", "native_unit_of_measurement": UG_M3},
            STATE_UNKNOWN,
        ),
        ({"native_value": None, "native_unit_of_measurement": UG_M3}, STATE_UNKNOWN),
        ({"unrelated": 1}, STATE_UNKNOWN),
    ],
)
async def test_restart_restores_the_last_reading(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    extra: dict[str, Any],
    expected: str,
) -> None:
    """After a restart the last reading is back; a foreign unit or value is not."""
    mock_restore_cache_with_extra_data(
        hass, [(State(PM25, "33.5"), extra), (State(EXCEEDED, STATE_ON), {})]
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, PM25).state == expected
    assert state_of(hass, EXCEEDED).state == STATE_ON


@pytest.mark.usefixtures("setup_integration_yaml")
@pytest.mark.parametrize("restored", [STATE_UNAVAILABLE, STATE_UNKNOWN, "maybe"])
async def test_restart_restores_no_odd_threshold_state(
    hass: HomeAssistant, config_entry: MockConfigEntry, restored: str
) -> None:
    """Only on and off are taken back for the threshold."""
    mock_restore_cache(hass, [State(EXCEEDED, restored)])
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, EXCEEDED).state == STATE_UNKNOWN

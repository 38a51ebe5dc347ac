"""Test that every device kind gets the right entities, whatever shape its capabilities take."""

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ring_partner.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator import SimulatorConfig
from simulator.scenario import (
    AIR_QUALITY_SENSOR_ID,
    BACKYARD_ID,
    CHIME_ID,
    CLIMATE_SENSOR_ID,
    CONTACT_SENSOR_ID,
    FLOOD_SENSOR_ID,
    FRONT_DOOR_ID,
    GARAGE_ID,
    TWO_LENS_ID,
    Scenario,
)

from .conftest import SimControl, make_sim_config

pytestmark = pytest.mark.usefixtures("socket_enabled")

MODELS = {
    FRONT_DOOR_ID: "Doorbell",
    BACKYARD_ID: "Camera",
    GARAGE_ID: "Camera",
    TWO_LENS_ID: "Camera",
    CHIME_ID: "Chime",
    CONTACT_SENSOR_ID: "Sensor",
    FLOOD_SENSOR_ID: "Sensor",
    CLIMATE_SENSOR_ID: "Sensor",
    AIR_QUALITY_SENSOR_ID: "Sensor",
}
# Entity keys only devices with video have.
VIDEO_KEYS = {"camera", "last_event", "motion", "capture_snapshot"}


@pytest.fixture
def capability_shape() -> str:
    """Return how inapplicable capability blocks are rendered; parametrized below."""
    return "recorded"


@pytest.fixture
def simulator_config(capability_shape: str) -> SimulatorConfig:
    """Run the `everything` scenario with one capability shape for every device."""
    return make_sim_config(
        scenario=Scenario.everything(), capability_shape=capability_shape
    )


def _keys(entity_registry: er.EntityRegistry, entry_id: str) -> dict[str, set[str]]:
    """Return each device id's entity keys (unique id without the device id)."""
    keys: dict[str, set[str]] = {}
    for entity in er.async_entries_for_config_entry(entity_registry, entry_id):
        for device_id in MODELS:
            if entity.unique_id.startswith(f"{device_id}_"):
                keys.setdefault(device_id, set()).add(
                    entity.unique_id.removeprefix(f"{device_id}_")
                )
    return keys


@pytest.mark.parametrize(
    "capability_shape", ["recorded", "null", "absent", "nulls", "empty"]
)
async def test_entities_follow_the_kind_in_every_shape(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Null, absent, objects of nulls or empty lists: chimes and sensors get no camera."""
    models = {
        identifier: device.model
        for device in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
        for domain, identifier in device.identifiers
        if domain == DOMAIN
    }
    assert models == MODELS
    keys = _keys(entity_registry, init_integration.entry_id)
    assert keys[CHIME_ID] == {"online", "chime_slot_1", "chime_slot_2"}
    assert keys[CONTACT_SENSOR_ID] == {"online", "contact", "tamper", "battery"}
    assert keys[FLOOD_SENSOR_ID] == {"online", "flood", "freeze", "tamper", "battery"}
    assert keys[CLIMATE_SENSOR_ID] == {"online", "temperature", "humidity", "battery"}
    assert keys[AIR_QUALITY_SENSOR_ID] == {
        "online",
        "temperature",
        "humidity",
        "battery",
        "pm25",
        "pm25_exceeded",
    }
    assert keys[BACKYARD_ID] == {"online", *VIDEO_KEYS}
    assert keys[TWO_LENS_ID] == {"online", "camera_lens_2", *VIDEO_KEYS}
    assert keys[FRONT_DOOR_ID] == {"online", "doorbell", "ding", *VIDEO_KEYS}
    # No history polling or media for devices without video.
    assert set(init_integration.runtime_data.snapshots) == {
        FRONT_DOOR_ID,
        BACKYARD_ID,
        GARAGE_ID,
        TWO_LENS_ID,
        f"{TWO_LENS_ID}/2",
    }


@pytest.mark.parametrize("shape", ["nulls", "empty", "absent"])
async def test_one_chime_in_another_shape(
    hass: HomeAssistant,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    shape: str,
) -> None:
    """A chime whose own `video` is an object of nulls (or empty, or absent) stays a chime."""
    await sim_control.call(
        "POST", f"devices/{CHIME_ID}/capability_shape", {"shape": shape}
    )
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    device = init_integration.runtime_data.coordinator.data[CHIME_ID]
    assert device.kind == "chime"
    assert not device.has_video
    keys = _keys(entity_registry, init_integration.entry_id)
    assert keys[CHIME_ID] == {"online", "chime_slot_1", "chime_slot_2"}
    assert hass.states.get("camera.hallway_chime") is None

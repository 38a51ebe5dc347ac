"""Test the doorbell and motion event entities."""

import json
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.ring_partner.binary_sensor import EVENT_BINARY_SENSORS
from custom_components.ring_partner.const import DOMAIN
from custom_components.ring_partner.event import EVENTS
from homeassistant.components.event import ATTR_EVENT_TYPES, EventDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    STATE_ON,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.scenario import BACKYARD_ID, CHIME_ID, FRONT_DOOR_ID

from . import snapshot_ring_platform
from .conftest import SimControl, state_of
from .webhook_helpers import TestClient, post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

PACKAGE = Path(__file__).parent.parent / "custom_components" / DOMAIN


@pytest.mark.usefixtures("init_integration")
async def test_entities_per_device(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Doorbells get a doorbell event, motion-capable devices a motion event."""
    doorbell = state_of(hass, "event.front_door_doorbell")
    assert doorbell.state == STATE_UNKNOWN
    assert doorbell.attributes[ATTR_EVENT_TYPES] == ["ring"]
    assert doorbell.attributes[ATTR_DEVICE_CLASS] == EventDeviceClass.DOORBELL
    assert doorbell.attributes[ATTR_FRIENDLY_NAME] == "Front Door Doorbell"
    motion = state_of(hass, "event.front_door_motion_event")
    assert motion.attributes[ATTR_EVENT_TYPES] == [
        "motion",
        "person",
        "vehicle",
        "animal",
    ]
    assert motion.attributes[ATTR_DEVICE_CLASS] == EventDeviceClass.MOTION
    assert motion.attributes[ATTR_FRIENDLY_NAME] == "Front Door Motion event"
    assert hass.states.get("event.backyard_motion_event") is not None
    assert hass.states.get("event.backyard_doorbell") is None
    doorbell_entry = entity_registry.async_get("event.front_door_doorbell")
    assert doorbell_entry is not None
    assert doorbell_entry.device_id is not None
    entries = {
        entry.unique_id
        for entry in er.async_entries_for_device(
            entity_registry, doorbell_entry.device_id
        )
    }
    assert {f"{FRONT_DOOR_ID}_doorbell", f"{FRONT_DOOR_ID}_motion"} <= entries
    assert not any(
        entity.unique_id.startswith(CHIME_ID) and entity.domain == "event"
        for entity in entity_registry.entities.values()
    )


async def test_button_press_reveals_a_doorbell(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A camera that presses a button gets doorbell entities, fired at once and kept."""
    assert hass.states.get("event.backyard_doorbell") is None
    body = webhook_body("button_press", device_id=BACKYARD_ID)
    assert (await post_webhook(client, body)).status == 200
    await hass.async_block_till_done()
    state = state_of(hass, "event.backyard_doorbell")
    assert state.attributes["event_type"] == "ring"
    assert state_of(hass, "binary_sensor.backyard_ringing").state == STATE_ON

    # A second press goes through the ordinary path.
    again = webhook_body("button_press", device_id=BACKYARD_ID, timestamp_ms=9)
    assert (await post_webhook(client, again)).status == 200
    assert state_of(hass, "event.backyard_doorbell").state != state.state

    # The entity registry remembers the doorbell across reloads.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, "event.backyard_doorbell").attributes["event_type"] == "ring"
    assert entity_registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"{BACKYARD_ID}_ding"
    )


async def test_event_attributes_and_strictly_increasing_state(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
) -> None:
    """Attributes carry Ring's id, time and subtype; each event changes the state."""
    first = await sim_event(
        hass, sim_control, f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
    )
    state = state_of(hass, "event.front_door_motion_event")
    assert state.attributes["event_type"] == "person"
    assert state.attributes["subtype"] == "human"
    assert state.attributes["event_id"] == f"{FRONT_DOOR_ID}_human_{first['timestamp']}"
    freezer.tick(1)
    await sim_event(
        hass, sim_control, f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "vehicle"}
    )
    second = state_of(hass, "event.front_door_motion_event")
    assert second.state > state.state
    assert second.attributes["event_type"] == "vehicle"


def test_translations_and_icons_cover_every_event_type() -> None:
    """Every translation key and event type has literal English text and an icon."""
    strings = json.loads((PACKAGE / "translations" / "en.json").read_text())
    icons = json.loads((PACKAGE / "icons.json").read_text())
    for description in EVENTS:
        key = description.translation_key
        assert key is not None
        translated = strings["entity"]["event"][key]
        assert translated["name"]
        states = translated["state_attributes"]["event_type"]["state"]
        icon_states = icons["entity"]["event"][key]["state_attributes"]["event_type"][
            "state"
        ]
        for event_type in description.event_types or []:
            assert states[event_type]
            assert icon_states[event_type].startswith("mdi:")
    for sensor in EVENT_BINARY_SENSORS:
        if sensor.translation_key:
            assert strings["entity"]["binary_sensor"][sensor.translation_key]["name"]
    for issue in ("no_webhook_received", "webhook_signature_failures"):
        assert "{webhook_url}" in strings["issues"][issue]["description"]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platforms", [[Platform.EVENT]])
async def test_event_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every event entity: state, attributes, classes, translation key and device."""
    await snapshot_ring_platform(
        hass, entity_registry, device_registry, snapshot, init_integration.entry_id
    )

"""Tests for the Ring Partner integration."""

from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.ring_partner.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er


async def snapshot_ring_platform(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    entry_id: str,
) -> None:
    """Snapshot one platform's entities and states, and the device each hangs off.

    Camera and image states carry a random access token (in `entity_picture` too).
    """
    await snapshot_platform(
        hass,
        entity_registry,
        snapshot.with_defaults(exclude=props("access_token", "entity_picture")),
        entry_id,
    )
    for entity in er.async_entries_for_config_entry(entity_registry, entry_id):
        assert entity.device_id is not None
        device = device_registry.async_get(entity.device_id)
        assert isinstance(device, dr.DeviceEntry)
        ((domain, device_id),) = device.identifiers
        assert domain == DOMAIN
        assert entity.unique_id.startswith(f"{device_id}_")
        assert (device.name, device.manufacturer, device.model) == snapshot(
            name=f"{entity.entity_id}-device"
        )

"""Test motion subtypes this version does not know: `motion` events that keep the raw name."""

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant
from simulator.scenario import FRONT_DOOR_ID

from .conftest import SimControl, state_of
from .webhook_helpers import TestClient, post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

MOTION = "event.front_door_motion_event"


@pytest.mark.parametrize("placement", ["data.subType", "attributes.sub_type"])
@pytest.mark.parametrize("subtype", ["package", "package_delivery"])
async def test_unknown_subtype_fires_motion(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
    *,
    placement: str,
    subtype: str,
) -> None:
    """Subtypes the libraries know (`package`, `package_delivery`) are plain motion, named."""
    await sim_control.configure(motion_subtype_placement=placement)
    result = await sim_event(
        hass, sim_control, f"devices/{FRONT_DOOR_ID}/motion", {"subtype": subtype}
    )
    state = state_of(hass, MOTION)
    assert state.attributes["event_type"] == "motion"
    assert state.attributes["subtype"] == subtype
    assert state.attributes["event_id"] == (
        f"{FRONT_DOOR_ID}_{subtype}_{result['timestamp']}"
    )
    assert state.attributes["component_ids"] == []
    health = init_integration.runtime_data.push.health.as_dict()
    assert health["unknown_motion_subtypes"] == {subtype: 1}
    assert health["unknown_types"] == 0


async def test_known_subtypes_are_not_counted(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """Documented subtypes keep their event types and count as nothing unknown."""
    for subtype, event_type in (("human", "person"), ("other_motion", "motion")):
        await sim_event(
            hass, sim_control, f"devices/{FRONT_DOOR_ID}/motion", {"subtype": subtype}
        )
        state = state_of(hass, MOTION)
        assert (state.attributes["event_type"], state.attributes["subtype"]) == (
            event_type,
            subtype,
        )
    health = init_integration.runtime_data.push.health
    assert health.as_dict()["unknown_motion_subtypes"] == {}


async def test_many_unknown_subtypes_are_capped(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """A flood of invented subtypes is counted under a bounded number of names."""
    for index in range(40):
        body = webhook_body(
            "motion_detected",
            device_id=FRONT_DOOR_ID,
            subtype=f"new_kind_{index}",
            timestamp_ms=1_770_989_995_231 + index * 60_000,
        )
        assert (await post_webhook(client, body)).status == 200
    counts = init_integration.runtime_data.push.health.unknown_motion_subtypes
    assert len(counts) <= 33
    assert sum(counts.values()) == 40
    assert state_of(hass, MOTION).attributes["event_type"] == "motion"

"""Test the chime buttons: one per app slot, playing it through Ring's playback endpoint."""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_FRIENDLY_NAME,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.scenario import CHIME_ID

from . import snapshot_ring_platform
from .conftest import SimControl, state_of
from .poll_helpers import next_poll
from .webhook_helpers import TestClient, sim_event

pytestmark = pytest.mark.usefixtures("socket_enabled")

SLOT_1 = "button.hallway_chime_play_slot_1"
SLOT_2 = "button.hallway_chime_play_slot_2"
PLAYBACK = f"/v1/devices/{CHIME_ID}/media/audio/playback"


async def _press(hass: HomeAssistant, entity_id: str = SLOT_1) -> None:
    """Press a button through the service, as the frontend does."""
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def _plays(sim_control: SimControl) -> list[dict[str, Any]]:
    """Return the plays the simulator accepted."""
    result: list[dict[str, Any]] = await sim_control.call("GET", "chime/plays")
    return result


async def _playback_requests(sim_control: SimControl) -> int:
    """Return how many playback POSTs reached the simulator."""
    return sum(entry["path"] == PLAYBACK for entry in await sim_control.requests())


@pytest.mark.usefixtures("init_integration")
async def test_buttons_per_slot(hass: HomeAssistant) -> None:
    """A button per chime slot; the one without a sound is unavailable; cameras only capture."""
    slot_1 = state_of(hass, SLOT_1)
    assert slot_1.state == STATE_UNKNOWN
    assert slot_1.attributes[ATTR_FRIENDLY_NAME] == "Hallway Chime Play slot 1"
    assert slot_1.attributes["slot"] == "ring-appstore-event-1"
    assert slot_1.attributes["sound"] == "Simulator Tone"
    assert state_of(hass, SLOT_2).state == STATE_UNAVAILABLE
    buttons = {state.entity_id for state in hass.states.async_all(BUTTON_DOMAIN)}
    # Cameras have only their "Capture snapshot" button (tests/test_camera_capture.py).
    assert buttons == {
        SLOT_1,
        SLOT_2,
        "button.front_door_capture_snapshot",
        "button.backyard_capture_snapshot",
        "button.garage_capture_snapshot",
    }


@pytest.mark.parametrize(
    ("body", "requests", "reading"),
    [("either", 1, "audio_ref"), ("audio_ref", 1, "audio_ref"), ("event", 2, "event")],
)
@pytest.mark.usefixtures("init_integration")
async def test_press_plays_either_body(
    hass: HomeAssistant,
    sim_control: SimControl,
    *,
    body: str,
    requests: int,
    reading: str,
) -> None:
    """A press plays the slot; a 400 Validation Error on the first body tries the other."""
    await sim_control.configure(chime_playback_body=body)
    await sim_control.clear_requests()
    await _press(hass)
    (play,) = await _plays(sim_control)
    assert (play["event"], play["reading"]) == ("ring-appstore-event-1", reading)
    assert await _playback_requests(sim_control) == requests
    assert state_of(hass, SLOT_1).state != STATE_UNKNOWN


async def test_missing_scope(
    hass: HomeAssistant, sim_control: SimControl, init_integration: MockConfigEntry
) -> None:
    """403 Out of Scope Access: a translated error naming the permission, and no retry."""
    await sim_control.configure(chime_control_granted=False)
    await sim_control.clear_requests()
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass)
    assert err.value.translation_key == "missing_scope"
    assert "Chime Controls" in str(err.value)
    assert await _playback_requests(sim_control) == 1
    assert await _plays(sim_control) == []
    # Not an authentication failure: the entry stays loaded, the button usable.
    assert state_of(hass, SLOT_1).state != STATE_UNAVAILABLE
    assert init_integration.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("init_integration")
async def test_both_bodies_refused(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """A slot emptied since the last poll: both readings refused, Ring's detail shown."""
    await sim_control.call(
        "POST",
        f"devices/{CHIME_ID}/chime_slot",
        {"event": "ring-appstore-event-1", "audio_name": None},
    )
    await sim_control.clear_requests()
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass)
    assert err.value.translation_key == "request_rejected"
    assert "invalid input" in str(err.value)
    assert await _playback_requests(sim_control) == 2


async def test_offline_chime(
    hass: HomeAssistant, client: TestClient, sim_control: SimControl
) -> None:
    """Offline by webhook: unavailable; offline unannounced: 503 translated, not retried."""
    await sim_event(hass, sim_control, f"devices/{CHIME_ID}/offline")
    assert state_of(hass, SLOT_1).state == STATE_UNAVAILABLE
    await sim_event(hass, sim_control, f"devices/{CHIME_ID}/online")
    assert state_of(hass, SLOT_1).state == STATE_UNKNOWN
    await sim_control.call("POST", f"devices/{CHIME_ID}/offline", {"deliver": False})
    await sim_control.clear_requests()
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass)
    assert err.value.translation_key == "device_offline"
    assert await _playback_requests(sim_control) == 1


async def test_slot_filled_later(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """A sound put into slot 2 in the Ring app shows at the next poll and plays."""
    await sim_control.call(
        "POST",
        f"devices/{CHIME_ID}/chime_slot",
        {"event": "ring-appstore-event-2", "audio_name": "Bark"},
    )
    await next_poll(hass, freezer, init_integration)
    slot_2 = state_of(hass, SLOT_2)
    assert slot_2.state == STATE_UNKNOWN
    assert slot_2.attributes["sound"] == "Bark"
    await _press(hass, SLOT_2)
    (play,) = await _plays(sim_control)
    assert play["event"] == "ring-appstore-event-2"


@pytest.mark.parametrize("platforms", [[Platform.BUTTON]])
async def test_button_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every button entity: names, attributes and device."""
    await snapshot_ring_platform(
        hass, entity_registry, device_registry, snapshot, init_integration.entry_id
    )

"""The "Last event" image after a restart: its event time restored, its frame fetched again."""

from datetime import UTC, datetime
from http import HTTPStatus
import io

from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.core import HomeAssistant, State
from simulator.scenario import FRONT_DOOR_ID

from .conftest import SimControl, state_of

LAST_EVENT = "image.front_door_last_event"
IMAGE_DOWNLOAD = f"/v1/devices/{FRONT_DOOR_ID}/media/image/download"

pytestmark = pytest.mark.usefixtures("socket_enabled", "setup_integration_yaml")


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up, as Home Assistant does when it starts."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_restart_restores_event_and_refetches_its_frame(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
    config_entry: MockConfigEntry,
) -> None:
    """A motion before the "restart": its time is the state again, its frame comes back."""
    # The event happens while Home Assistant is down: Ring records it, no webhook lands.
    await sim_control.configure(recording_not_ready_s=0, webhook_delivery=False)
    answer = await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
    )
    when = datetime.fromtimestamp(answer["timestamp"] / 1000, tz=UTC)
    mock_restore_cache(hass, [State(LAST_EVENT, when.isoformat())])
    await sim_control.clear_requests()

    await _setup(hass, config_entry)

    assert state_of(hass, LAST_EVENT).state == when.isoformat()
    log = await sim_control.requests()
    at_timestamp = [
        entry
        for entry in log
        if entry["path"] == IMAGE_DOWNLOAD and entry["status"] == 303
    ]
    assert at_timestamp
    client = await hass_client()
    response = await client.get(f"/api/image_proxy/{LAST_EVENT}")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/jpeg"
    # Ring's 1280x720 frame, not the 640x360 placeholder.
    with Image.open(io.BytesIO(await response.read())) as image:
        assert image.size == (1280, 720)


@pytest.mark.parametrize("restored", ["unknown", "unavailable", "not a time"])
async def test_nothing_to_restore(
    hass: HomeAssistant,
    sim_control: SimControl,
    config_entry: MockConfigEntry,
    restored: str,
) -> None:
    """An unknown, unavailable or unreadable old state restores nothing and asks nothing."""
    mock_restore_cache(hass, [State(LAST_EVENT, restored)])
    await sim_control.clear_requests()
    await _setup(hass, config_entry)
    assert state_of(hass, LAST_EVENT).state == "unknown"
    log = await sim_control.requests()
    assert [entry for entry in log if entry["path"] == IMAGE_DOWNLOAD] == []


async def test_event_from_before_consent_is_not_restored(
    hass: HomeAssistant, sim_control: SimControl, config_entry: MockConfigEntry
) -> None:
    """A restored time before the link is never asked for (Ring would answer 403)."""
    mock_restore_cache(hass, [State(LAST_EVENT, "2020-01-01T00:00:00+00:00")])
    await sim_control.clear_requests()
    await _setup(hass, config_entry)
    assert state_of(hass, LAST_EVENT).state == "unknown"
    log = await sim_control.requests()
    assert all(entry["status"] != 403 for entry in log)

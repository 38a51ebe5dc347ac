"""Tests for still images against the simulator: camera stills and the Last event image."""

import asyncio
from datetime import UTC, datetime
from http import HTTPStatus
import io
from typing import Any
from unittest.mock import patch

from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.ring_partner import placeholder, snapshot
from homeassistant.components.camera import async_get_image
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.scenario import FRONT_DOOR_ID

from . import snapshot_ring_platform
from .conftest import SimControl, state_of

FRONT_DOOR = "camera.front_door"
LAST_EVENT = "image.front_door_last_event"
IMAGE_DOWNLOAD = f"/v1/devices/{FRONT_DOOR_ID}/media/image/download"

# `client` points the simulator's webhooks at Home Assistant.
pytestmark = pytest.mark.usefixtures("socket_enabled", "init_integration", "client")


async def motion(hass: HomeAssistant, sim_control: SimControl) -> datetime:
    """Record motion at the simulator, which delivers its webhook to Home Assistant."""
    answer = await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
    )
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done(wait_background_tasks=True)
    return datetime.fromtimestamp(answer["timestamp"] / 1000, tz=UTC)


async def ready_motion_unknown_to_ha(sim_control: SimControl) -> None:
    """Record motion, at once downloadable, without telling HA; then clear the log."""
    await sim_control.configure(recording_not_ready_s=0, webhook_delivery=False)
    await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
    )
    await sim_control.clear_requests()


def downloads(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the image download requests (step 1) of the request log."""
    return [entry for entry in log if entry["path"] == IMAGE_DOWNLOAD]


def media_gets(log: list[dict[str, Any]], sim_control: SimControl) -> list[Any]:
    """Return the presigned media downloads (step 2) of the request log."""
    media_port = int(sim_control.sim.media_url.rsplit(":", 1)[1])
    return [entry for entry in log if entry["port"] == media_port]


async def test_consent_boundary_and_cache(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """No request reaches before consent (no 403); the second still is a cache hit."""
    await sim_control.configure(recording_not_ready_s=0)
    client = await hass_client()
    # Linked just now, with past events before consent: nothing to show yet, so the
    # placeholder (never a 500).
    response = await client.get(f"/api/camera_proxy/{FRONT_DOOR}")
    assert response.status == HTTPStatus.OK
    assert state_of(hass, FRONT_DOOR).attributes["image_origin"] == "placeholder"
    # A second look does not ask Ring again (negative cache).
    await client.get(f"/api/camera_proxy/{FRONT_DOOR}")
    assert [entry["status"] for entry in downloads(await sim_control.requests())] == [
        416
    ]

    await motion(hass, sim_control)
    await sim_control.clear_requests()
    first = await async_get_image(hass, FRONT_DOOR)
    second = await async_get_image(hass, FRONT_DOOR, width=640, height=360)
    assert second.content
    assert first.content_type == "image/jpeg"
    assert downloads(await sim_control.requests()) == []

    state = state_of(hass, FRONT_DOOR)
    assert state.attributes["image_origin"] == "recording"
    assert state.attributes["image_captured_at"] is not None

    log = await sim_control.requests()
    assert all(entry["status"] != 403 for entry in log)


async def test_range_fetch_then_cache_hit(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """Without a known event, latest_in_range since consent; then the cache answers."""
    await ready_motion_unknown_to_ha(sim_control)
    image = await async_get_image(hass, FRONT_DOOR, width=1280, height=720)
    assert image.content
    await async_get_image(hass, FRONT_DOOR, width=1280, height=720)
    log = await sim_control.requests()
    assert [entry["status"] for entry in downloads(log)] == [303]
    assert len(media_gets(log, sim_control)) == 1


async def test_concurrent_stills_share_one_download(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """Twenty concurrent stills: one upstream image download."""
    await ready_motion_unknown_to_ha(sim_control)
    images = await asyncio.gather(
        *(async_get_image(hass, FRONT_DOOR) for _ in range(20))
    )
    assert len({image.content for image in images}) == 1
    log = await sim_control.requests()
    assert len(downloads(log)) == 1
    assert len(media_gets(log, sim_control)) == 1


async def test_event_425_retried_then_served(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """A motion event's frame is retried through 425 and updates both entities."""
    await sim_control.configure(recording_not_ready_s=0.4)
    assert state_of(hass, LAST_EVENT).state == "unknown"
    with patch.object(snapshot, "EVENT_FRAME_DELAYS", (0.2,) * 10):
        when = await motion(hass, sim_control)
    statuses = [entry["status"] for entry in downloads(await sim_control.requests())]
    assert statuses[0] == 425
    assert statuses[-1] == 303
    assert set(statuses) == {425, 303}

    state = state_of(hass, LAST_EVENT)
    assert state.state == when.isoformat()
    client = await hass_client()
    response = await client.get(f"/api/image_proxy/{LAST_EVENT}")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/jpeg"
    event_frame = await response.read()
    # The camera's still is the same frame, with no further download.
    await sim_control.clear_requests()
    assert (await async_get_image(hass, FRONT_DOOR)).content == event_frame
    assert downloads(await sim_control.requests()) == []


async def test_events_update_last_event_image(
    hass: HomeAssistant,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """Each motion event moves the Last event image on; other devices are untouched."""
    await sim_control.configure(recording_not_ready_s=0)
    first = await motion(hass, sim_control)
    assert state_of(hass, LAST_EVENT).state == first.isoformat()
    await asyncio.sleep(0.01)
    second = await motion(hass, sim_control)
    assert second > first
    assert state_of(hass, LAST_EVENT).state == second.isoformat()
    assert state_of(hass, "image.backyard_last_event").state == "unknown"
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    # The caches live in the entry's runtime data, which unloading drops.
    assert not hasattr(init_integration, "runtime_data")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platforms", [[Platform.IMAGE]])
async def test_image_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every image entity: state, attributes, classes, translation key and device."""
    await snapshot_ring_platform(
        hass, entity_registry, device_registry, snapshot, init_integration.entry_id
    )


async def test_last_event_placeholder_before_any_event(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """No event yet: the image proxy answers a placeholder JPEG, not an error."""
    client = await hass_client()
    response = await client.get(f"/api/image_proxy/{LAST_EVENT}")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/jpeg"
    with Image.open(io.BytesIO(await response.read())) as image:
        assert image.size == (placeholder.WIDTH, placeholder.HEIGHT)


async def test_last_event_survives_reload(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """After a reload the state is the same event, and its frame is downloaded again."""
    await sim_control.configure(recording_not_ready_s=0)
    when = await motion(hass, sim_control)
    client = await hass_client()
    before = await (await client.get(f"/api/image_proxy/{LAST_EVENT}")).read()
    await sim_control.clear_requests()

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert state_of(hass, LAST_EVENT).state == when.isoformat()
    response = await client.get(f"/api/image_proxy/{LAST_EVENT}")
    assert response.status == HTTPStatus.OK
    assert await response.read() == before
    (download,) = downloads(await sim_control.requests())
    assert download["status"] == 303
    # The camera's still is that frame too.
    assert (await async_get_image(hass, FRONT_DOOR)).content == before

"""Test the media browser on a two-lens camera: an event's clip and thumbnail name its lens."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ring_partner.const import DOMAIN
from custom_components.ring_partner.media_source import (
    event_clip_url,
    event_thumbnail_url,
)
from homeassistant.components.media_source import (
    BrowseMediaSource,
    async_browse_media,
    async_resolve_media,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from simulator import SimulatorConfig
from simulator.scenario import TWO_LENS_ID, Scenario

from .conftest import SimControl, make_sim_config, webhook_client
from .test_camera_lenses import lens_of
from .webhook_helpers import sim_event

pytestmark = pytest.mark.usefixtures("socket_enabled")

ROOT = f"media-source://{DOMAIN}"
CLIP_PATH = f"/v1/devices/{TWO_LENS_ID}/media/video/download"
IMAGE_PATH = f"/v1/devices/{TWO_LENS_ID}/media/image/download"


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Run the `everything` scenario (it has the two-lens Driveway camera)."""
    return make_sim_config(scenario=Scenario.everything(), recording_not_ready_s=0.0)


@pytest.fixture
async def entry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> MockConfigEntry:
    """Load the media source, then point the simulator's webhooks at HA."""
    assert await async_setup_component(hass, "media_source", {})
    await async_browse_media(hass, ROOT)
    # After the media source is set up: starting the HTTP server freezes its routes.
    await webhook_client(hass, hass_client_no_auth, sim_control)
    return init_integration


def at(answer: dict[str, Any]) -> datetime:
    """Return the time of a simulator event answer."""
    return datetime.fromtimestamp(answer["timestamp"] / 1000, tz=UTC)


async def only_event(hass: HomeAssistant, entry: MockConfigEntry) -> BrowseMediaSource:
    """Browse the Driveway camera and return its one event."""
    camera = await async_browse_media(hass, f"{ROOT}/{entry.entry_id}/{TWO_LENS_ID}")
    events = camera.children or []
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, BrowseMediaSource)
    return event


async def downloads(sim_control: SimControl) -> list[tuple[str, Any]]:
    """Return the media downloads since the last clear, with the lens each one selected."""
    return [
        (request["path"], request.get("component_id"))
        for request in await sim_control.requests()
        if request["path"] in (CLIP_PATH, IMAGE_PATH)
    ]


async def test_extra_lens_event_clip_and_thumbnail(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
) -> None:
    """A motion lens 2 saw plays lens 2's clip, and its thumbnail is lens 2's frame."""
    motion = at(
        await sim_event(
            hass,
            sim_control,
            f"devices/{TWO_LENS_ID}/motion",
            {"component_ids": ["2"]},
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    event = await only_event(hass, entry)
    assert event.thumbnail == event_thumbnail_url(
        entry.entry_id, TWO_LENS_ID, motion, "2"
    )
    assert event.identifier is not None
    played = await async_resolve_media(hass, f"{ROOT}/{event.identifier}", None)
    assert played.url == event_clip_url(
        entry.entry_id, TWO_LENS_ID, motion, motion + timedelta(seconds=20), "2"
    )
    assert "/lens/2/clip" in played.url

    await sim_control.clear_requests()
    client = await hass_client()
    response = await client.get(played.url)
    assert response.status == HTTPStatus.OK, await response.text()
    assert (await response.read())[4:8] == b"ftyp"
    thumbnail = await client.get(event.thumbnail)
    assert thumbnail.status == HTTPStatus.OK, await thumbnail.text()
    assert lens_of(await thumbnail.read()) == 1
    assert await downloads(sim_control) == [(CLIP_PATH, "2"), (IMAGE_PATH, "2")]


async def test_first_lens_and_unknown_lens(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
) -> None:
    """The first lens is named as the webhook named it; an event no webhook named has none."""
    first = at(await sim_event(hass, sim_control, f"devices/{TWO_LENS_ID}/motion"))
    await hass.async_block_till_done(wait_background_tasks=True)
    event = await only_event(hass, entry)
    assert event.thumbnail == event_thumbnail_url(
        entry.entry_id, TWO_LENS_ID, first, "1"
    )

    # An event that reached HA only through history names no lens: the main footage.
    await sim_control.configure(webhook_delivery=False)
    unnamed = at(
        await sim_control.call(
            "POST", f"devices/{TWO_LENS_ID}/motion", {"component_ids": ["2"]}
        )
    )
    camera = await async_browse_media(hass, f"{ROOT}/{entry.entry_id}/{TWO_LENS_ID}")
    newest = (camera.children or [])[0]
    assert newest.thumbnail == event_thumbnail_url(entry.entry_id, TWO_LENS_ID, unnamed)

    await sim_control.clear_requests()
    client = await hass_client()
    response = await client.get(
        event_clip_url(
            entry.entry_id, TWO_LENS_ID, unnamed, unnamed + timedelta(seconds=5)
        )
    )
    assert response.status == HTTPStatus.OK, await response.text()
    assert await downloads(sim_control) == [(CLIP_PATH, None)]

    # A lens the camera does not have is refused before Ring is asked.
    await sim_control.clear_requests()
    for url in (
        event_clip_url(
            entry.entry_id, TWO_LENS_ID, first, first + timedelta(seconds=5), "3"
        ),
        event_thumbnail_url(entry.entry_id, TWO_LENS_ID, first, "3"),
    ):
        refused = await client.get(url)
        assert refused.status == HTTPStatus.NOT_FOUND
        assert (await refused.json())["code"] == "unknown_camera"
    assert await downloads(sim_control) == []

"""Test a two-lens camera: a camera per extra lens, per-lens stills, live view and events."""

from collections.abc import AsyncGenerator
from http import HTTPStatus
import io

from aiortc import RTCPeerConnection
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from syrupy.assertion import SnapshotAssertion

from homeassistant.components.camera import async_get_image
from homeassistant.const import ATTR_FRIENDLY_NAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator import SimulatorConfig
from simulator.media.frames import LENS_COLOURS, lens_marker_box
from simulator.scenario import TWO_LENS_ID, Scenario

from . import snapshot_ring_platform
from .camera_helpers import complete_offer, next_event, start_offer, whep_sessions
from .conftest import SimControl, make_sim_config, state_of
from .webhook_helpers import TestClient, sim_event

pytestmark = pytest.mark.usefixtures("socket_enabled", "loopback_ice")

MAIN = "camera.driveway"
LENS_2 = "camera.driveway_lens_2"
MOTION = "event.driveway_motion_event"
LAST_EVENT = "image.driveway_last_event"
IMAGE_DOWNLOAD = f"/v1/devices/{TWO_LENS_ID}/media/image/download"


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Run the `everything` scenario; recordings can be read at once."""
    return make_sim_config(scenario=Scenario.everything(), recording_not_ready_s=0.0)


@pytest.fixture
async def peers() -> AsyncGenerator[list[RTCPeerConnection]]:
    """Close the test's browser peers at the end."""
    created: list[RTCPeerConnection] = []
    yield created
    for pc in created:
        await pc.close()


def lens_of(jpeg: bytes) -> int:
    """Return the lens whose marker colour a frame carries (the simulator draws one)."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    left, top, right, bottom = lens_marker_box(*image.size)
    rgb = image.getpixel(((left + right) // 2, (top + bottom) // 2))
    assert isinstance(rgb, tuple)
    distances = [
        sum(abs(a - b) for a, b in zip(rgb, colour, strict=True))
        for colour in LENS_COLOURS
    ]
    return distances.index(min(distances))


@pytest.mark.usefixtures("init_integration")
async def test_a_camera_per_extra_lens(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """The main camera is unchanged; lens 2 gets its own; one-lens devices get none."""
    assert state_of(hass, MAIN).attributes[ATTR_FRIENDLY_NAME] == "Driveway"
    lens = state_of(hass, LENS_2)
    assert lens.attributes[ATTR_FRIENDLY_NAME] == "Driveway Lens 2"
    entry = entity_registry.async_get(LENS_2)
    assert entry is not None
    assert entry.unique_id == f"{TWO_LENS_ID}_camera_lens_2"
    cameras = sorted(hass.states.async_entity_ids("camera"))
    assert cameras == [
        "camera.backyard",
        MAIN,
        LENS_2,
        "camera.front_door",
        "camera.garage",
    ]


async def test_per_lens_stills(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """Each camera's still comes from its own lens (the lens travels in the request)."""
    await sim_control.configure(webhook_delivery=False)
    await sim_control.call("POST", f"devices/{TWO_LENS_ID}/motion")
    client = await hass_client()
    main = await client.get(f"/api/camera_proxy/{MAIN}")
    assert main.status == HTTPStatus.OK
    lens = await client.get(f"/api/camera_proxy/{LENS_2}")
    assert lens.status == HTTPStatus.OK
    assert lens_of(await main.read()) == 0
    assert lens_of(await lens.read()) == 1


async def test_live_view_per_lens(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
    init_integration: MockConfigEntry,
) -> None:
    """The lens camera opens its WHEP session with `component_id`; the main one without."""
    ws = await hass_ws_client(hass)
    for entity_id in (MAIN, LENS_2):
        _, offer = await complete_offer(peers)
        subscription, _ = await start_offer(ws, entity_id, offer)
        answer = await next_event(ws, subscription)
        assert answer["type"] == "answer", answer
    main, lens = await whep_sessions(sim_control)
    assert main["component_id"] is None
    assert str(lens["component_id"]) == "2"


async def test_lens_event_attributes_and_frame(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """A motion seen by lens 2 names it, and the event's frame is lens 2's."""
    await sim_event(
        hass, sim_control, f"devices/{TWO_LENS_ID}/motion", {"component_ids": ["2"]}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    state = state_of(hass, MOTION)
    assert state.attributes["event_type"] == "motion"
    assert state.attributes["component_ids"] == ["2"]
    image = init_integration.runtime_data.snapshots[TWO_LENS_ID].last_event_image
    assert image is not None
    assert lens_of(image.content) == 1
    # The lens-2 camera's still is that frame; the main camera keeps its own lens.
    await sim_control.clear_requests()
    assert lens_of((await async_get_image(hass, LENS_2)).content) == 1
    assert not [e for e in await sim_control.requests() if e["path"] == IMAGE_DOWNLOAD]
    assert lens_of((await async_get_image(hass, MAIN)).content) == 0


async def test_event_of_the_first_lens(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """A motion naming the first lens (the simulator's default) fetches that lens's frame."""
    await sim_event(hass, sim_control, f"devices/{TWO_LENS_ID}/motion")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, MOTION).attributes["component_ids"] == ["1"]
    image = init_integration.runtime_data.snapshots[TWO_LENS_ID].last_event_image
    assert image is not None
    assert lens_of(image.content) == 0
    assert state_of(hass, LAST_EVENT).state != "unknown"


@pytest.mark.parametrize("platforms", [[Platform.CAMERA]])
async def test_camera_snapshot_with_lenses(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every camera of every kind of device, the extra lens among them."""
    await snapshot_ring_platform(
        hass, entity_registry, device_registry, snapshot, init_integration.entry_id
    )

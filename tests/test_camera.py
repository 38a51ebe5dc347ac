"""Tests for the camera: WebRTC over the simulator's WHEP, errors, teardown, stills."""

from collections.abc import AsyncGenerator
from datetime import timedelta
from http import HTTPStatus
import io
import logging
from typing import Any
from unittest.mock import patch

from aiortc import RTCPeerConnection
from freezegun.api import FrozenDateTimeFactory
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.ring_partner import camera as camera_module, placeholder
from custom_components.ring_partner.camera import live_view_cap
from custom_components.ring_partner.client import (
    Device,
    DeviceCapabilities,
    VideoCapability,
    count_candidates,
)
from homeassistant.components.camera import CameraState, async_get_image
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.scenario import BACKYARD_ID, FRONT_DOOR_ID

from . import snapshot_ring_platform
from .camera_helpers import (
    browser_offer,
    complete_offer,
    next_event,
    send_candidate,
    start_offer,
    unsubscribe,
    whep_sessions,
)
from .conftest import SimControl, state_of

FRONT_DOOR = "camera.front_door"
GARAGE = "camera.garage"

pytestmark = pytest.mark.usefixtures(
    "socket_enabled", "init_integration", "loopback_ice"
)


async def assert_session_closed(
    hass: HomeAssistant, sim_control: SimControl, entity_id: str
) -> None:
    """Check the one WHEP session was DELETEd and the camera is idle again."""
    (session,) = await whep_sessions(sim_control)
    assert session["deleted"] is True
    assert state_of(hass, entity_id).state == CameraState.IDLE


@pytest.fixture
async def peers() -> AsyncGenerator[list[RTCPeerConnection]]:
    """Close the test's browser peers at the end."""
    created: list[RTCPeerConnection] = []
    yield created
    for pc in created:
        await pc.close()


async def test_capabilities(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """Cameras offer WebRTC only, and Ring hands out no ICE servers of its own."""
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id({"type": "camera/capabilities", "entity_id": FRONT_DOOR})
    result = await ws.receive_json()
    assert result["result"]["frontend_stream_types"] == ["web_rtc"]
    await ws.send_json_auto_id(
        {"type": "camera/webrtc/get_client_config", "entity_id": FRONT_DOOR}
    )
    config = (await ws.receive_json())["result"]
    assert "dataChannel" not in config
    assert state_of(hass, FRONT_DOOR).state == CameraState.IDLE
    assert hass.states.get("camera.hallway_chime") is None


async def test_trickled_offer_reaches_ring_complete(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
) -> None:
    """Offer without candidates, then trickle: Ring gets one complete recvonly offer."""
    _, offer, candidates = await browser_offer(peers, audio=True)
    assert count_candidates(offer) == 0
    ws = await hass_ws_client(hass)
    subscription, session_id = await start_offer(ws, FRONT_DOOR, offer)
    for candidate in candidates:
        await send_candidate(ws, FRONT_DOOR, session_id, candidate)
    answer = await next_event(ws, subscription)
    assert answer["type"] == "answer", answer
    assert answer["answer"].startswith("v=0")

    (session,) = await whep_sessions(sim_control)
    assert session["device_id"] == FRONT_DOOR_ID
    received = session["offer_sdp"]
    assert count_candidates(received) == len(candidates)
    for candidate in candidates:
        assert f"a={candidate['candidate']}" in received
    assert received.count("a=end-of-candidates") == 2
    assert received.count("a=recvonly") == 2
    assert state_of(hass, FRONT_DOOR).state == CameraState.STREAMING

    # A candidate after the offer went out is dropped without an error.
    await send_candidate(ws, FRONT_DOOR, session_id, candidates[0])
    assert (await ws.receive_json())["success"]

    await unsubscribe(ws, subscription)
    await hass.async_block_till_done()
    await assert_session_closed(hass, sim_control, FRONT_DOOR)


async def test_sendrecv_offer_made_recvonly_and_sent_at_once(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
) -> None:
    """A complete sendrecv offer goes to Ring at once, as recvonly."""
    _, offer = await complete_offer(peers, direction="sendrecv")
    assert "a=sendrecv" in offer
    assert "a=end-of-candidates" in offer
    ws = await hass_ws_client(hass)
    # A complete offer skips the gathering window: gathering would fail the offer here.
    with patch.object(
        camera_module,
        "CandidateCollector",
        side_effect=AssertionError("a complete offer must not be gathered"),
    ):
        subscription, _ = await start_offer(ws, FRONT_DOOR, offer)
        answer = await next_event(ws, subscription)
    assert answer["type"] == "answer", answer
    (session,) = await whep_sessions(sim_control)
    assert "a=sendrecv" not in session["offer_sdp"]
    assert "a=recvonly" in session["offer_sdp"]


async def test_offline_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An offline camera is unavailable, answers with a readable error, logs no ERROR."""
    _, offer, candidates = await browser_offer(peers)
    ws = await hass_ws_client(hass)
    subscription, session_id = await start_offer(ws, GARAGE, offer)
    await send_candidate(ws, GARAGE, session_id, candidates[0])
    error = await next_event(ws, subscription)
    assert error == {
        "type": "error",
        "code": "webrtc_offer_failed",
        "message": "The Ring device is offline",
    }
    assert await whep_sessions(sim_control) == []
    assert state_of(hass, GARAGE).state == STATE_UNAVAILABLE
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# translations/en.json exceptions.live_view_ended, as the frontend shows it (after its own
# "Failed to start WebRTC stream: ").
LIVE_VIEW_ENDED_MESSAGE = (
    "Live view ended: Ring ends live views of this camera after 60 seconds. Close and"
    " reopen the camera to watch again"
)

WHEP_POST = {"path": r"/media/streaming/whep/sessions$", "method": "POST"}


@pytest.mark.parametrize(
    ("fault", "key", "message"),
    [
        (
            {
                "status": 503,
                "title": "Device Unavailable",
                "detail": "Device is offline",
            },
            "device_offline",
            "The Ring device is offline",
        ),
        (
            {"status": 503, "code": "SERVER_BUSY"},
            "ring_busy",
            "Ring is busy right now; try again shortly",
        ),
        (
            {"status": 403, "title": "Forbidden"},
            "forbidden",
            "Ring does not allow this app to do that for this device",
        ),
        (
            {"status": 404, "title": "Not Found"},
            "device_not_found",
            "Ring no longer shares this device with the app",
        ),
        (
            # Longer than the client waits inside one request: it gives up at once.
            {"status": 429, "retry_after": 60},
            "rate_limited",
            (
                "Ring is rate limiting requests from this app. Home Assistant will"
                " retry shortly"
            ),
        ),
        (
            {"status": 400, "detail": "Incompatible send direction"},
            "request_rejected",
            "Ring rejected the request: Incompatible send direction",
        ),
        (
            {"status": 500, "detail": "Internal Server Error"},
            "communication_error",
            "Could not communicate with Ring: Internal Server Error",
        ),
        (
            {"status": 401, "title": "Invalid Client"},
            "authentication_error",
            "Ring did not accept the stored credentials. Link the Ring account again",
        ),
    ],
)
async def test_offer_errors(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
    *,
    fault: dict[str, Any],
    key: str,
    message: str,
) -> None:
    """Each WHEP failure Ring answers reaches the frontend as a translated message.

    A rejected token (still rejected after the forced refresh) also schedules a reload,
    which leads to reauthentication.
    """
    _, offer = await complete_offer(peers)
    await sim_control.fault(**WHEP_POST, **fault)
    ws = await hass_ws_client(hass)
    with patch.object(
        hass.config_entries, "async_schedule_reload", autospec=True
    ) as reload:
        subscription, _ = await start_offer(ws, FRONT_DOOR, offer)
        event = await next_event(ws, subscription)
    assert event == {"type": "error", "code": "webrtc_offer_failed", "message": message}
    assert await whep_sessions(sim_control) == []
    if key == "authentication_error":
        reload.assert_called_once_with(init_integration.entry_id)
    else:
        reload.assert_not_called()


async def test_close_while_gathering_sends_nothing(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
) -> None:
    """Closing before the window ends: no WHEP POST, no answer, no leftovers."""
    _, offer, _ = await browser_offer(peers)
    ws = await hass_ws_client(hass)
    subscription, _ = await start_offer(ws, FRONT_DOOR, offer)
    await unsubscribe(ws, subscription)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await whep_sessions(sim_control) == []


async def test_close_while_ring_answers(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
) -> None:
    """Closed while the WHEP POST is in flight: the session Ring opens is DELETEd."""
    _, offer = await complete_offer(peers)
    await sim_control.fault(**WHEP_POST, latency_ms=500, count=1)
    ws = await hass_ws_client(hass)
    subscription, _ = await start_offer(ws, FRONT_DOOR, offer)
    await unsubscribe(ws, subscription)
    await hass.async_block_till_done(wait_background_tasks=True)
    await assert_session_closed(hass, sim_control, FRONT_DOOR)


async def test_failed_delete_is_not_an_error(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A DELETE Ring refuses is only logged: Ring ends the session at its cap anyway."""
    _, offer = await complete_offer(peers)
    ws = await hass_ws_client(hass)
    subscription, _ = await start_offer(ws, FRONT_DOOR, offer)
    assert (await next_event(ws, subscription))["type"] == "answer"
    await sim_control.fault(path=r"/whep/sessions/", method="DELETE", status=400)
    await unsubscribe(ws, subscription)
    await hass.async_block_till_done()
    assert "Could not close a live view" in caplog.text


async def test_unload_closes_open_sessions(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
) -> None:
    """Unloading the entry DELETEs every open live view."""
    ws = await hass_ws_client(hass)
    for entity_id in (FRONT_DOOR, "camera.backyard"):
        _, offer = await complete_offer(peers)
        subscription, _ = await start_offer(ws, entity_id, offer)
        assert (await next_event(ws, subscription))["type"] == "answer"
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    sessions = await whep_sessions(sim_control)
    assert {session["device_id"] for session in sessions} == {
        FRONT_DOOR_ID,
        BACKYARD_ID,
    }
    assert all(session["deleted"] for session in sessions)


async def test_cap_timer_forgets_and_deletes(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    freezer: FrozenDateTimeFactory,
    peers: list[RTCPeerConnection],
) -> None:
    """At Ring's cap the viewer is told the view ended, and the session is DELETEd."""
    _, offer = await complete_offer(peers)
    ws = await hass_ws_client(hass)
    subscription, _ = await start_offer(ws, FRONT_DOOR, offer)
    assert (await next_event(ws, subscription))["type"] == "answer"
    assert state_of(hass, FRONT_DOOR).state == CameraState.STREAMING
    freezer.tick(camera_module.WHEP_CAP_LINE_POWER - timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert not (await whep_sessions(sim_control))[0]["deleted"]
    freezer.tick(timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert await next_event(ws, subscription) == {
        "type": "error",
        "code": "live_view_ended",
        "message": LIVE_VIEW_ENDED_MESSAGE,
    }
    # The simulator runs on the frozen clock too, so its own cap may have ended the
    # session first (then the DELETE gets 404); either way the DELETE went out at the cap.
    (session,) = await whep_sessions(sim_control)
    assert session["deleted"] or session["closed"]
    deletes = [
        entry for entry in await sim_control.requests() if entry["method"] == "DELETE"
    ]
    assert [entry["path"] for entry in deletes] == [
        f"/v1/devices/{FRONT_DOOR_ID}/media/streaming/whep/sessions/{session['id']}"
    ]
    assert state_of(hass, FRONT_DOOR).state == CameraState.IDLE
    # Unsubscribing afterwards finds nothing left to close.
    await unsubscribe(ws, subscription)
    await hass.async_block_till_done()


def test_live_view_cap() -> None:
    """Battery devices get 30 s; without a power-source hint, line power's 60 s."""
    video = VideoCapability()
    wired = Device(
        id="d", name="d", capabilities=DeviceCapabilities(id="c", video=video)
    )
    battery = Device(
        id="d",
        name="d",
        capabilities=DeviceCapabilities(id="c", video=video, battery_status=True),
    )
    assert live_view_cap(wired) == timedelta(seconds=60)
    assert live_view_cap(battery) == timedelta(seconds=30)


async def test_entities_registered(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Cameras hang off their devices with stable unique ids."""
    entry = entity_registry.async_get(FRONT_DOOR)
    assert entry is not None
    assert entry.unique_id == f"{FRONT_DOOR_ID}_camera"
    state = state_of(hass, FRONT_DOOR)
    assert state.attributes["brand"] == "Ring"
    assert state.attributes["motion_detection"] is True
    assert state.attributes["image_captured_at"] is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platforms", [[Platform.CAMERA]])
async def test_camera_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every camera entity: state, attributes, classes, translation key and device."""
    await snapshot_ring_platform(
        hass, entity_registry, device_registry, snapshot, init_integration.entry_id
    )


def _jpeg(content: bytes) -> tuple[int, int]:
    """Decode a JPEG and return its size."""
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG"
        image.load()
        return image.size


@pytest.mark.parametrize("entity_id", [FRONT_DOOR, "camera.backyard", GARAGE])
async def test_placeholder_until_ring_has_a_recording(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
    entity_id: str,
) -> None:
    """No recording since linking: the proxy still answers 200 with a placeholder JPEG."""
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy/{entity_id}")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/jpeg"
    assert _jpeg(await response.read()) == (placeholder.WIDTH, placeholder.HEIGHT)
    attributes = state_of(hass, entity_id).attributes
    if entity_id != GARAGE:  # unavailable entities carry no attributes
        assert attributes["image_origin"] == "placeholder"
        assert attributes["image_captured_at"] is None


def test_placeholder_names_device_and_reason_without_a_time() -> None:
    """The placeholder differs by device and reason, and is a deterministic JPEG."""
    first = placeholder.render_placeholder("Front Door", "No recording since linking")
    assert first == placeholder.render_placeholder(
        "Front Door", "No recording since linking"
    )
    assert first != placeholder.render_placeholder(
        "Backyard", "No recording since linking"
    )
    assert first != placeholder.render_placeholder("Front Door", "No picture")
    assert _jpeg(first) == (placeholder.WIDTH, placeholder.HEIGHT)


@pytest.mark.usefixtures("client")
async def test_placeholder_gives_way_to_a_recording(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """Once Ring has a recording (a motion event), the camera serves it instead."""
    first = await async_get_image(hass, FRONT_DOOR)
    assert _jpeg(first.content) == (placeholder.WIDTH, placeholder.HEIGHT)
    await sim_control.configure(recording_not_ready_s=0)
    await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/motion", {})
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done(wait_background_tasks=True)
    image = await async_get_image(hass, FRONT_DOOR)
    assert _jpeg(image.content) == (1280, 720)
    assert state_of(hass, FRONT_DOOR).attributes["image_origin"] == "recording"


OFFLINE_UNAVAILABLE = (
    FRONT_DOOR,
    "image.front_door_last_event",
    "event.front_door_motion_event",
    "binary_sensor.front_door_motion",
)


@pytest.mark.usefixtures("client")
async def test_offline_means_unavailable_and_back(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """Offline webhook: camera, image, event and motion unavailable; connectivity off."""
    connectivity = "binary_sensor.front_door_connectivity"
    for entity_id in OFFLINE_UNAVAILABLE:
        assert state_of(hass, entity_id).state != STATE_UNAVAILABLE, entity_id
    await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/offline")
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done()
    for entity_id in OFFLINE_UNAVAILABLE:
        assert state_of(hass, entity_id).state == STATE_UNAVAILABLE, entity_id
    assert state_of(hass, connectivity).state == STATE_OFF
    # The capture button stays, to say why it cannot capture.
    assert state_of(hass, "button.front_door_capture_snapshot").state != (
        STATE_UNAVAILABLE
    )

    await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/online")
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done()
    for entity_id in OFFLINE_UNAVAILABLE:
        assert state_of(hass, entity_id).state != STATE_UNAVAILABLE, entity_id
    assert state_of(hass, connectivity).state == STATE_ON


@pytest.mark.usefixtures("client")
async def test_live_view_ends_when_the_device_goes_offline(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
) -> None:
    """A device going offline mid-view: the viewer is told, the session DELETEd."""
    _, offer = await complete_offer(peers)
    ws = await hass_ws_client(hass)
    subscription, _ = await start_offer(ws, FRONT_DOOR, offer)
    assert (await next_event(ws, subscription))["type"] == "answer"
    await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/offline")
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done()
    assert await next_event(ws, subscription) == {
        "type": "error",
        "code": "live_view_offline",
        "message": (
            "Live view ended: the Ring device went offline. Reopen the camera once it"
            " is back online"
        ),
    }
    (session,) = await whep_sessions(sim_control)
    assert session["closed"]
    assert any(entry["method"] == "DELETE" for entry in await sim_control.requests())


async def test_ring_says_offline_logs_no_error(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    peers: list[RTCPeerConnection],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ring's 503 Device Unavailable for a device HA thought online: a message, no ERROR."""
    _, offer = await complete_offer(peers)
    await sim_control.fault(
        **WHEP_POST,
        status=503,
        title="Device Unavailable",
        detail="Device is currently offline",
    )
    ws = await hass_ws_client(hass)
    subscription, _ = await start_offer(ws, FRONT_DOOR, offer)
    assert await next_event(ws, subscription) == {
        "type": "error",
        "code": "webrtc_offer_failed",
        "message": "The Ring device is offline",
    }
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert state_of(hass, FRONT_DOOR).state == CameraState.IDLE

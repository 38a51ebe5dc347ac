"""Capture snapshot: a short live view of our own, against the simulator's WHEP and media.

The simulator's `whep_h264_profile` shapes the stream as Ring's does (Constrained Baseline
`42e01f`, Baseline `42001f`, High `64001f`, each with RTX); `whep_video_fault` makes the RTP
undecodable (`garbage`) or drops every keyframe (`no_keyframe`), which sends the capture to
Ring's image of the recording that session made.
"""

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
import io
from pathlib import Path
from typing import Any
from unittest.mock import patch

from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ring_partner import capture
from custom_components.ring_partner.button import (
    CAPTURE_SNAPSHOT,
    RingPartnerCaptureButton,
)
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.camera import (
    DOMAIN as CAMERA_DOMAIN,
    SERVICE_SNAPSHOT,
    async_get_image,
)
from homeassistant.const import ATTR_ENTITY_ID, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from simulator.scenario import FRONT_DOOR_ID

from .camera_helpers import whep_sessions
from .conftest import SimControl, state_of

FRONT_DOOR = "camera.front_door"
BUTTON = "button.front_door_capture_snapshot"
WHEP_POST = {"path": r"/media/streaming/whep/sessions$", "method": "POST"}
IMAGE_DOWNLOAD = f"/v1/devices/{FRONT_DOOR_ID}/media/image/download"
# The simulator's live video size (its image downloads are 1280x720).
LIVE_SIZE = (640, 360)

pytestmark = pytest.mark.usefixtures(
    "socket_enabled", "init_integration", "loopback_ice"
)


async def press(hass: HomeAssistant, entity_id: str = BUTTON) -> None:
    """Press a button through the service, as the frontend does."""
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


def jpeg_size(content: bytes) -> tuple[int, int]:
    """Decode a JPEG and return its size (fails on anything else)."""
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG"
        image.load()
        return image.size


def captured_at(hass: HomeAssistant) -> datetime:
    """Return the camera's still capture time attribute."""
    raw = state_of(hass, FRONT_DOOR).attributes["image_captured_at"]
    parsed = dt_util.parse_datetime(raw)
    assert parsed is not None, raw
    return parsed


async def test_button_entity(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """One button per camera, off the main view; none for the chime."""
    entry = entity_registry.async_get(BUTTON)
    assert entry is not None
    assert entry.unique_id == f"{FRONT_DOOR_ID}_capture_snapshot"
    assert entry.entity_category is EntityCategory.CONFIG
    assert entry.disabled_by is None
    assert state_of(hass, BUTTON).attributes["friendly_name"] == (
        "Front Door Capture snapshot"
    )
    assert hass.states.get("button.hallway_chime_capture_snapshot") is None


async def test_disabled_by_default_on_battery(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """When Ring's capabilities report a battery, the button starts disabled."""
    coordinator = init_integration.runtime_data.coordinator
    device = coordinator.data[FRONT_DOOR_ID]
    assert device.capabilities is not None
    wired = RingPartnerCaptureButton(
        coordinator=coordinator, device_id=FRONT_DOOR_ID, description=CAPTURE_SNAPSHOT
    )
    assert wired.entity_registry_enabled_default is True
    coordinator.data = {
        **coordinator.data,
        FRONT_DOOR_ID: replace(
            device, capabilities=replace(device.capabilities, battery_status=True)
        ),
    }
    battery = RingPartnerCaptureButton(
        coordinator=coordinator, device_id=FRONT_DOOR_ID, description=CAPTURE_SNAPSHOT
    )
    assert battery.entity_registry_enabled_default is False


@pytest.mark.parametrize("profile", ["auto", "42e01f", "42001f", "64001f"])
async def test_capture_decodes_live_frame(
    hass: HomeAssistant, sim_control: SimControl, profile: str
) -> None:
    """Each Ring-style H.264 profile (with RTX) decodes: a live still, session closed."""
    await sim_control.configure(whep_h264_profile=profile)
    pressed = dt_util.utcnow()
    await press(hass)

    (session,) = await whep_sessions(sim_control)
    assert session["deleted"] is True
    answer = session["answer_sdp"]
    assert "H264/90000" in answer
    assert "rtx/90000" in answer
    # No image download was needed.
    log = await sim_control.requests()
    assert [entry for entry in log if entry["path"] == IMAGE_DOWNLOAD] == []

    state = state_of(hass, FRONT_DOOR)
    assert state.attributes["image_origin"] == "live"
    assert captured_at(hass) > pressed
    image = await async_get_image(hass, FRONT_DOOR)
    assert image.content_type == "image/jpeg"
    assert jpeg_size(image.content) == LIVE_SIZE


@pytest.mark.parametrize("fault", ["garbage", "no_keyframe"])
async def test_capture_falls_back_to_the_sessions_recording(
    hass: HomeAssistant, sim_control: SimControl, fault: str
) -> None:
    """Undecodable video: Ring's image of that session's recording, 425 retried."""
    # Ready 2 s after the instant asked for: the first try (after the 1 s wait for a
    # frame) gets 425, the retry one second later the image.
    await sim_control.configure(whep_video_fault=fault, recording_not_ready_s=2.0)
    pressed = dt_util.utcnow()
    with patch.object(capture, "FRAME_TIMEOUT", 1.0):
        await press(hass)

    (session,) = await whep_sessions(sim_control)
    assert session["deleted"] is True
    log = await sim_control.requests()
    downloads = [entry for entry in log if entry["path"] == IMAGE_DOWNLOAD]
    assert [entry["status"] for entry in downloads][-1] == 303
    assert 425 in {entry["status"] for entry in downloads}
    # The image request came after the session was closed.
    delete_index = next(n for n, entry in enumerate(log) if entry["method"] == "DELETE")
    assert all(log.index(entry) > delete_index for entry in downloads)

    state = state_of(hass, FRONT_DOOR)
    assert state.attributes["image_origin"] == "recording"
    # Ring's timestamps have millisecond precision.
    assert captured_at(hass) > pressed - timedelta(milliseconds=1)
    image = await async_get_image(hass, FRONT_DOOR)
    assert jpeg_size(image.content)


async def test_concurrent_captures_share_one_live_view(
    hass: HomeAssistant, sim_control: SimControl, init_integration: MockConfigEntry
) -> None:
    """Two captures of a camera at once open one live view (single-flight per camera)."""
    snapshots = init_integration.runtime_data.snapshots[FRONT_DOOR_ID]
    first, second = await asyncio.gather(
        snapshots.async_capture(), snapshots.async_capture()
    )
    assert first is second
    assert len(await whep_sessions(sim_control)) == 1
    assert state_of(hass, FRONT_DOOR).attributes["image_origin"] == "live"


async def test_two_presses_take_two_stills_one_after_the_other(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """Button presses run one at a time (PARALLEL_UPDATES): each its own live view."""
    await asyncio.gather(press(hass), press(hass))
    first, second = await whep_sessions(sim_control)
    assert first["deleted"]
    assert second["deleted"]
    assert first["closed_ms"] <= second["created_ms"]


async def test_camera_snapshot_service_saves_the_captured_still(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """camera.snapshot writes the still the button captured."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await press(hass)
    target = tmp_path / "front_door.jpg"
    await hass.services.async_call(
        CAMERA_DOMAIN,
        SERVICE_SNAPSHOT,
        {ATTR_ENTITY_ID: FRONT_DOOR, "filename": str(target)},
        blocking=True,
    )
    saved = await hass.async_add_executor_job(target.read_bytes)
    assert saved == (await async_get_image(hass, FRONT_DOOR)).content
    assert jpeg_size(saved) == LIVE_SIZE


@pytest.mark.parametrize(
    ("entity_id", "fault", "key"),
    [
        ("button.garage_capture_snapshot", None, "device_offline"),
        (
            BUTTON,
            {
                "status": 503,
                "title": "Device Unavailable",
                "detail": "Device is offline",
            },
            "device_offline",
        ),
        (BUTTON, {"status": 429, "retry_after": 60}, "rate_limited"),
        (BUTTON, {"status": 403, "title": "Forbidden"}, "forbidden"),
    ],
)
async def test_capture_errors(
    hass: HomeAssistant,
    sim_control: SimControl,
    entity_id: str,
    fault: dict[str, Any] | None,
    key: str,
) -> None:
    """Offline, rate limited and refused captures are translated errors; the still stays."""
    if fault is not None:
        await sim_control.fault(**WHEP_POST, **fault)
    before = state_of(hass, FRONT_DOOR).attributes
    with pytest.raises(HomeAssistantError) as raised:
        await press(hass, entity_id)
    assert raised.value.translation_key == key
    assert await whep_sessions(sim_control) == []
    assert state_of(hass, FRONT_DOOR).attributes == before


async def test_capture_without_recording_is_an_error(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """No frame and no recording of the session (416): a translated error."""
    await sim_control.configure(whep_video_fault="garbage")
    await sim_control.fault(path=r"/media/image/download$", status=416)
    with (
        patch.object(capture, "FRAME_TIMEOUT", 0.5),
        pytest.raises(HomeAssistantError) as raised,
    ):
        await press(hass)
    assert raised.value.translation_key == "media_not_found"
    (session,) = await whep_sessions(sim_control)
    assert session["deleted"] is True


def test_unreadable_media_is_detected() -> None:
    """TAKE-encrypted media does not decode: the check that names it."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="JPEG")
    assert capture._is_readable(buffer.getvalue())
    assert not capture._is_readable(b"\x8f\x02encrypted-bytes" * 64)

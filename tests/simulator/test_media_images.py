"""Tests for the simulator's image download and media host (docs/media.md#image-download)."""

import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from PIL import Image
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.scenario import CHIME_ID, DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID

from .helpers import bearer, control

DAY_MS = 86_400_000

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Run in real time so the 425 window is seconds of the manual clock."""
    return SimulatorConfig(
        port=0, media_port=0, clock=clock, seed=3, recording_not_ready_s=3.0
    )


async def _motion(
    session: aiohttp.ClientSession, sim: Simulator, device_id: str = FRONT_DOOR_ID
) -> int:
    """Trigger motion (history entry + recording) and return its timestamp."""
    result = await control(
        session, sim, f"/devices/{device_id}/motion", {"subtype": "human"}
    )
    return int(result["timestamp"])


async def _request(
    session: aiohttp.ClientSession,
    sim: Simulator,
    token: str | None,
    body: Any,
    *,
    device_id: str = FRONT_DOOR_ID,
    raw: bytes | None = None,
) -> aiohttp.ClientResponse:
    """POST an image request without following the redirect."""
    path = f"{sim.base_url}/v1/devices/{device_id}/media/image/download"
    headers = bearer(token) if token else {}
    if raw is not None:
        headers["Content-Type"] = "application/json"
        return await session.post(
            path, headers=headers, data=raw, allow_redirects=False
        )
    return await session.post(path, headers=headers, json=body, allow_redirects=False)


async def _error(
    response: aiohttp.ClientResponse, status: int, code: str
) -> dict[str, Any]:
    """Assert the media error shape (id, status string, code, detail, pointer, meta)."""
    assert response.status == status, await response.text()
    body = await response.json()
    (error,) = body["errors"]
    assert error["status"] == str(status)
    assert error["code"] == code
    assert error["id"] == response.headers["X-Request-ID"]
    assert error["detail"]
    assert error["meta"]["timestamp"].endswith("Z")
    return dict(error)


async def test_image_flow(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """303 to the media host; GET without auth returns the frame with Ring's headers."""
    ts = await _motion(session, sim)
    clock.advance(5)
    body = {
        "type": "at_timestamp",
        "timestamp": ts + 1500,
        "image_options": {"format": "png", "resolution": {"width": 640, "height": 360}},
    }
    response = await _request(session, sim, token, body)
    assert response.status == 303
    location = response.headers["Location"]
    request_id = response.headers["X-Request-ID"]
    assert location.startswith(f"{sim.media_url}/v1/download?")
    query = parse_qs(urlsplit(location).query)
    assert set(query) == {
        "security_token",
        "req_type",
        "req_id",
        "X-Amz-Date",
        "X-Amz-Expires",
    }
    assert query["req_type"] == ["image_download"]
    assert query["req_id"] == [request_id]
    await control(session, sim, "/requests", method="DELETE")

    async with session.get(location) as image_response:
        assert image_response.status == 200
        assert image_response.content_type == "image/png"
        assert image_response.headers["X-Request-ID"] == request_id
        assert image_response.headers["X-Media-Timestamp"] == str(ts + 1500)
        assert image_response.headers["X-Media-Origin"] == "recording"
        image = Image.open(io.BytesIO(await image_response.read()))
    assert (image.format, image.size) == ("PNG", (640, 360))

    (logged,) = await control(session, sim, "/requests", method="GET")
    assert logged["path"] == "/v1/download"
    assert logged["authorization"] is False
    assert logged["port"] == sim.media_port

    history = await session.get(
        f"{sim.base_url}/v1/history/devices/{FRONT_DOOR_ID}/events",
        headers=bearer(token),
    )
    events = (await history.json())["data"]
    assert events[0]["attributes"]["is_third_party_reviewed"] is True


async def test_latest_in_range_defaults(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """`latest_in_range` returns the newest ready frame as a 1280x720 JPEG by default."""
    ts = await _motion(session, sim)
    clock.advance(10)
    now = sim.state.now_ms()
    response = await _request(
        session, sim, token, {"type": "latest_in_range", "start_timestamp": ts}
    )
    assert response.status == 303
    async with session.get(response.headers["Location"]) as image_response:
        assert image_response.content_type == "image/jpeg"
        assert int(image_response.headers["X-Media-Timestamp"]) == now - 3000
        image = Image.open(io.BytesIO(await image_response.read()))
    assert (image.format, image.size) == ("JPEG", (1280, 720))


async def test_not_ready_then_ready(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """Right after an event the recording is not ready (425); later it is served."""
    ts = await _motion(session, sim)
    clock.advance(1)
    body = {"type": "at_timestamp", "timestamp": ts}
    await _error(await _request(session, sim, token, body), 425, "RECORDING_NOT_READY")
    clock.advance(3)
    response = await _request(session, sim, token, body)
    assert response.status == 303


async def test_consent_boundary(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """Media before the link instant is 403; the scenario's past events precede it."""
    consent = sim.state.accounts[DEFAULT_ACCOUNT_ID].link_time_ms
    assert consent is not None
    clock.advance(60)
    before = {"type": "at_timestamp", "timestamp": consent - 1}
    await _error(
        await _request(session, sim, token, before), 403, "TIME_RANGE_NOT_AUTHORIZED"
    )
    in_range = {"type": "latest_in_range", "start_timestamp": consent - 1000}
    await _error(
        await _request(session, sim, token, in_range), 403, "TIME_RANGE_NOT_AUTHORIZED"
    )
    after = {"type": "latest_in_range", "start_timestamp": consent}
    await _error(await _request(session, sim, token, after), 416, "MEDIA_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"timestamp": 1}, "type"),
        ({"type": "snapshot", "timestamp": 1}, "type"),
        ({"type": "at_timestamp"}, "timestamp"),
        ({"type": "at_timestamp", "timestamp": "1"}, "timestamp"),
        ({"type": "at_timestamp", "timestamp": "future"}, "timestamp"),
        ({"type": "at_timestamp", "timestamp": "old"}, "timestamp"),
        ({"type": "latest_in_range"}, "start_timestamp"),
        ({"type": "latest_in_range", "start_timestamp": "window"}, "end_timestamp"),
        ({"type": "latest_in_range", "start_timestamp": "reversed"}, "end_timestamp"),
        (
            {
                "type": "at_timestamp",
                "timestamp": "now",
                "image_options": {"format": "gif"},
            },
            "image_options.format",
        ),
        (
            {
                "type": "at_timestamp",
                "timestamp": "now",
                "image_options": {"resolution": {"width": 1921}},
            },
            "image_options.resolution.width",
        ),
        (
            {
                "type": "at_timestamp",
                "timestamp": "now",
                "image_options": {"resolution": {"height": 0}},
            },
            "image_options.resolution.height",
        ),
    ],
)
async def test_invalid_payload(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    body: dict[str, Any],
    pointer: str,
) -> None:
    """Invalid fields are 400 INVALID_PAYLOAD with the field as `source.pointer`."""
    now = sim.state.now_ms()
    if body.get("start_timestamp") == "window":
        body |= {"start_timestamp": now - DAY_MS - 1, "end_timestamp": now}
    elif body.get("start_timestamp") == "reversed":
        body |= {"start_timestamp": now - 10, "end_timestamp": now - 20}
    stand_ins = {"now": now - 1000, "future": now + 60_000, "old": now - 181 * DAY_MS}
    if body.get("timestamp") in stand_ins:
        body["timestamp"] = stand_ins[body["timestamp"]]
    error = await _error(
        await _request(session, sim, token, body), 400, "INVALID_PAYLOAD"
    )
    assert error["source"] == {"pointer": pointer}


async def test_request_errors(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """401 without a valid bearer, 403 for an empty body, 404 for unknown devices, 416."""
    body = {"type": "at_timestamp", "timestamp": sim.state.now_ms()}
    await _error(await _request(session, sim, None, body), 401, "UNAUTHORIZED")
    await _error(await _request(session, sim, "nope", body), 401, "UNAUTHORIZED")
    await _error(
        await _request(session, sim, token, None, raw=b""), 403, "REQUEST_FORBIDDEN"
    )
    await _error(await _request(session, sim, token, {}), 403, "REQUEST_FORBIDDEN")
    await _error(
        await _request(session, sim, token, None, raw=b"{"), 400, "INVALID_PAYLOAD"
    )
    await _error(
        await _request(session, sim, token, body, device_id="ava1.ring.device.NOPE"),
        404,
        "DEVICE_NOT_FOUND",
    )
    await _error(
        await _request(session, sim, token, body, device_id=CHIME_ID),
        416,
        "MEDIA_NOT_FOUND",
    )


async def test_server_busy_fault(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """An injected 503 on the image path answers SERVER_BUSY in the media error shape."""
    await control(
        session,
        sim,
        "/faults",
        {"path": "/media/image/download$", "status": 503, "count": 1},
    )
    body = {"type": "at_timestamp", "timestamp": sim.state.now_ms()}
    await _error(await _request(session, sim, token, body), 503, "SERVER_BUSY")
    await _error(await _request(session, sim, token, body), 416, "MEDIA_NOT_FOUND")


async def test_presigned_url_expires_and_is_checked(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """The URL is 403 once expired or when tampered with."""
    ts = await _motion(session, sim)
    clock.advance(5)
    body = {"type": "at_timestamp", "timestamp": ts}
    location = (await _request(session, sim, token, body)).headers["Location"]
    tampered = location.replace("req_type=image_download", "req_type=video_download")
    async with session.get(tampered) as response:
        await _error(response, 403, "REQUEST_FORBIDDEN")
    async with session.get(f"{sim.media_url}/v1/download?security_token=x") as response:
        await _error(response, 403, "REQUEST_FORBIDDEN")
    clock.advance(sim.config.media_url_lifetime_s)
    async with session.get(location) as response:
        error = await _error(response, 403, "REQUEST_FORBIDDEN")
    assert error["detail"] == "Request has expired"

"""The client against the Ring simulator: every endpoint and documented error."""

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.ring_partner.client import (
    HistoryEventType,
    IntegrationStatus,
    MediaOrigin,
    RateLimiter,
    RingPartnerAuthenticationError,
    RingPartnerBadRequestError,
    RingPartnerClient,
    RingPartnerDeviceNotFoundError,
    RingPartnerForbiddenError,
    RingPartnerInvalidGrantError,
    RingPartnerInvalidNonceError,
    RingPartnerMediaNotFoundError,
    RingPartnerOAuthError,
    RingPartnerRecordingNotReadyError,
    RingPartnerServerError,
    RingPartnerTimeRangeNotAuthorizedError,
    RingPartnerUnavailableError,
    Transport,
    exchange_code,
)
from simulator import Simulator
from simulator.scenario import (
    BACKYARD_ID,
    CHIME_ID,
    DEFAULT_ACCOUNT_ID,
    FRONT_DOOR_ID,
    GARAGE_ID,
    PLAYGROUND_DEVICE_ID,
)
from tests.conftest import CLIENT_ID, CLIENT_SECRET, SimControl

from .conftest import SleepRecorder
from .sim_support import SimAuth, link_account, playground_client


def _api_requests(
    log: list[dict[str, Any]], path_prefix: str = "/v1/"
) -> list[dict[str, Any]]:
    """Return the API requests of the log."""
    return [entry for entry in log if entry["path"].startswith(path_prefix)]


async def test_linking_and_token_rotation(
    linked: RingPartnerClient,
    session: aiohttp.ClientSession,
    simulator: Simulator,
    sim_control: SimControl,
    codes: list[str],
) -> None:
    """One-way linking end to end; codes are single-use; refresh rotates."""
    client = linked
    state = await sim_control.call("GET", "state")
    (account,) = [a for a in state["accounts"] if a["id"] == DEFAULT_ACCOUNT_ID]
    assert account["linked"]
    assert account["integration_status"] == "completed"

    transport = Transport(session, simulator.base_url)
    with pytest.raises(RingPartnerInvalidGrantError):
        await exchange_code(
            transport,
            token_url=simulator.token_url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            code=codes[-1],
        )
    auth = client.auth
    assert isinstance(auth, SimAuth)
    old = auth.token
    await auth.async_force_refresh_access_token()
    assert auth.token.refresh_token != old.refresh_token
    assert auth.token.access_token != old.access_token
    assert (await client.get_user()).id == DEFAULT_ACCOUNT_ID
    assert old.refresh_token is not None
    reuse = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": old.refresh_token,
    }
    async with session.post(simulator.token_url, data=reuse) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == "invalid_grant"
    with pytest.raises(RingPartnerOAuthError) as excinfo:
        await exchange_code(
            transport,
            token_url=simulator.token_url,
            client_id=CLIENT_ID,
            client_secret="wrong",
            code="whatever",
        )
    assert not isinstance(excinfo.value, RingPartnerInvalidGrantError)


async def test_wrong_nonce(
    session: aiohttp.ClientSession,
    simulator: Simulator,
    sim_control: SimControl,
    codes: list[str],
) -> None:
    """A nonce that does not match is refused with 400 Invalid Nonce."""
    client = await link_account(
        session, simulator, sim_control, codes, DEFAULT_ACCOUNT_ID, complete=False
    )
    with pytest.raises(RingPartnerInvalidNonceError):
        await client.confirm_app_integration("A" * 43)
    with pytest.raises(RingPartnerBadRequestError):
        await client.auth.request("POST", "/v1/accounts/me/app-integrations", json={})
    with pytest.raises(RingPartnerBadRequestError):
        await client.auth.request("PATCH", "/v1/accounts/me/app-integrations", json={})


async def test_devices_default_scenario(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """The default scenario's four devices with all includes, in one request."""
    await sim_control.clear_requests()
    devices = {device.id: device for device in await linked.get_devices()}
    assert set(devices) == {FRONT_DOOR_ID, BACKYARD_ID, CHIME_ID, GARAGE_ID}
    front = devices[FRONT_DOOR_ID]
    assert front.name == "Front Door"
    assert front.status is not None
    assert front.status.online is True
    assert front.capabilities is not None
    assert front.capabilities.has_video
    assert front.location is not None
    assert front.location.country == "US"
    assert front.configurations is not None
    garage = devices[GARAGE_ID].status
    assert garage is not None
    assert garage.online is False
    chime = devices[CHIME_ID].capabilities
    assert chime is not None
    assert chime.is_chime
    assert not chime.has_video
    (request,) = _api_requests(await sim_control.requests())
    assert request["path"] == "/v1/devices"
    assert request["bearer"]


async def test_single_device_matches_the_list(linked: RingPartnerClient) -> None:
    """One device with all four includes equals its entry in the device list."""
    device = await linked.get_device(FRONT_DOOR_ID)
    listed = {item.id: item for item in await linked.get_devices()}
    assert device == listed[FRONT_DOOR_ID]
    assert device.status is not None
    assert device.capabilities is not None
    assert device.location is not None
    assert device.configurations is not None
    with pytest.raises(RingPartnerDeviceNotFoundError):
        await linked.get_device("ava1.ring.device.NOPE")


async def test_hundred_devices_one_request(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """ONE request fetches device, status, capabilities, location and configs for 100."""
    client = linked
    for index in range(96):
        await sim_control.call(
            "POST",
            f"accounts/{DEFAULT_ACCOUNT_ID}/devices",
            {
                "name": f"Camera {index}",
                "kind": "camera",
                "battery": False,
                "online": True,
            },
        )
    await sim_control.clear_requests()
    devices = await client.get_devices()
    assert len(devices) == 100
    assert len({d.id for d in devices}) == 100
    for device in devices:
        assert device.status is not None
        assert device.capabilities is not None
        assert device.location is not None
        assert device.configurations is not None
    api = _api_requests(await sim_control.requests())
    assert [(r["method"], r["path"]) for r in api] == [("GET", "/v1/devices")]


async def test_bad_tokens(
    linked: RingPartnerClient, session: aiohttp.ClientSession, simulator: Simulator
) -> None:
    """401 elsewhere and 403 on /v1/users/me are both authentication errors."""
    auth = linked.auth
    assert isinstance(auth, SimAuth)
    bad = SimAuth(session, simulator, auth.token)
    bad.token = type(auth.token)(access_token="garbage", expires_in=1)
    with pytest.raises(RingPartnerAuthenticationError) as excinfo:
        await RingPartnerClient(bad).get_user()
    assert excinfo.value.status == 403
    with pytest.raises(RingPartnerAuthenticationError) as excinfo:
        await RingPartnerClient(bad).get_devices()
    assert excinfo.value.status == 401


async def test_expired_token_refreshes_once(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """An expired access token: 401, one forced refresh, retry succeeds."""
    auth = linked.auth
    assert isinstance(auth, SimAuth)
    await sim_control.call("POST", "tokens/expire", {})
    await sim_control.clear_requests()
    assert len(await linked.get_devices()) == 4
    assert auth.refresh_calls == 1
    statuses = [(r["path"], r["status"]) for r in await sim_control.requests()]
    assert statuses == [
        ("/v1/devices", 401),
        ("/oauth/token", 200),
        ("/v1/devices", 200),
    ]


async def test_uninstall_revokes(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """After uninstall the tokens are revoked: refresh fails, auth error raised."""
    await sim_control.call("POST", f"accounts/{DEFAULT_ACCOUNT_ID}/uninstall")
    with pytest.raises(RingPartnerAuthenticationError):
        await linked.get_devices()


async def test_history_paging(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """Relative links.next is followed until the end; filters apply."""
    for _ in range(12):
        await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/ding")
    await sim_control.clear_requests()
    events = [e async for e in linked.history_events(FRONT_DOOR_ID)]
    dings = [e for e in events if e.event_type is HistoryEventType.DING]
    assert len(dings) >= 12
    assert all(e.device_id == FRONT_DOOR_ID for e in events)
    starts = [e.start for e in events]
    assert starts == sorted(starts, reverse=True)
    pages = _api_requests(await sim_control.requests())
    assert len(pages) >= 2
    assert all(p["status"] == 200 for p in pages)
    only_dings = [
        e async for e in linked.history_events(FRONT_DOOR_ID, event_types=["ding"])
    ]
    assert {e.event_type for e in only_dings} == {HistoryEventType.DING}
    assert len(only_dings) == len(dings)
    first_page = [e async for e in linked.history_events(FRONT_DOOR_ID, max_pages=1)]
    assert 0 < len(first_page) < len(events)


async def test_image_two_step_without_authorization(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """Image download after an event: the presigned GET never carries Authorization."""
    await sim_control.configure(recording_not_ready_s=0)
    event = await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
    )
    at = datetime.fromtimestamp(event["timestamp"] / 1000, tz=UTC)
    await sim_control.clear_requests()
    image = await linked.download_image(FRONT_DOOR_ID, at=at)
    assert image.content_type in {"image/jpeg", "image/png"}
    assert image.content
    assert image.origin in {MediaOrigin.RECORDING, MediaOrigin.SNAPSHOT}
    assert image.captured_at is not None
    log = await sim_control.requests()
    posts = [r for r in log if r["method"] == "POST"]
    gets = [r for r in log if r["method"] == "GET"]
    assert [r["status"] for r in posts] == [303]
    assert posts[0]["bearer"]
    assert len(gets) == 1
    assert not gets[0]["authorization"]
    assert not gets[0]["bearer"]
    assert gets[0]["port"] != posts[0]["port"]


async def test_clip_download(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """Clip download of an event window returns MP4 (full or partial)."""
    await sim_control.configure(recording_not_ready_s=0)
    event = await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/ding")
    start = datetime.fromtimestamp(event["timestamp"] / 1000, tz=UTC)
    clip = await linked.download_clip(
        FRONT_DOOR_ID, start=start, duration=timedelta(seconds=5)
    )
    assert clip.content_type == "video/mp4"
    assert clip.content
    assert clip.started_at is not None
    if clip.partial:
        assert clip.length is not None


async def test_media_errors(linked: RingPartnerClient, sim_control: SimControl) -> None:
    """403 TIME_RANGE_NOT_AUTHORIZED, 416 MEDIA/TIMESTAMP_NOT_FOUND, 425, 400."""
    before_consent = datetime.now(UTC) - timedelta(days=30)
    with pytest.raises(RingPartnerTimeRangeNotAuthorizedError):
        await linked.download_image(FRONT_DOOR_ID, at=before_consent)
    with pytest.raises(RingPartnerTimeRangeNotAuthorizedError):
        await linked.download_clip(
            FRONT_DOOR_ID, start=before_consent, duration=timedelta(seconds=5)
        )
    state = await sim_control.call("GET", "state")
    (account,) = [a for a in state["accounts"] if a["id"] == DEFAULT_ACCOUNT_ID]
    # Just after consent, on a device with no recording: nothing to find.
    quiet = datetime.fromtimestamp((account["link_time_ms"] + 1) / 1000, tz=UTC)
    with pytest.raises(RingPartnerMediaNotFoundError) as excinfo:
        await linked.download_image(CHIME_ID, at=quiet)
    with pytest.raises(RingPartnerMediaNotFoundError) as excinfo:
        await linked.download_clip(CHIME_ID, start=quiet, duration=timedelta(seconds=1))
    assert excinfo.value.code == "TIMESTAMP_NOT_FOUND"
    with pytest.raises(RingPartnerBadRequestError) as bad_request:
        await linked.auth.request(
            "POST",
            f"/v1/devices/{FRONT_DOOR_ID}/media/image/download",
            json={"type": "bogus"},
        )
    assert bad_request.value.code == "INVALID_PAYLOAD"
    with pytest.raises(RingPartnerDeviceNotFoundError):
        await linked.download_image("ava1.ring.device.NOPE", at=quiet)

    await sim_control.configure(recording_not_ready_s=3600)
    event = await sim_control.call("POST", f"devices/{BACKYARD_ID}/motion", {})
    at = datetime.fromtimestamp(event["timestamp"] / 1000, tz=UTC)
    with pytest.raises(RingPartnerRecordingNotReadyError):
        await linked.download_image(BACKYARD_ID, at=at)


async def test_faults_retry(
    session: aiohttp.ClientSession,
    simulator: Simulator,
    sim_control: SimControl,
    codes: list[str],
) -> None:
    """5xx on GET and 429 are retried with backoff observed through the sleep."""
    sleeps = SleepRecorder()
    client = await link_account(
        session,
        simulator,
        sim_control,
        codes,
        DEFAULT_ACCOUNT_ID,
        sleep=sleeps,
        jitter=lambda: 0.0,
        rate_limiter=RateLimiter(sleep=sleeps),
    )
    await sim_control.fault(path="^/v1/devices$", status=503, count=2)
    assert len(await client.get_devices()) == 4
    assert sleeps.delays == [1.0, 2.0]
    sleeps.delays.clear()
    await sim_control.fault(path="^/v1/devices$", status=429, count=1, retry_after=3)
    assert len(await client.get_devices()) == 4
    assert sleeps.delays == [3.0]
    sleeps.delays.clear()
    await sim_control.fault(
        path="^/v1/accounts/me/app-integrations$", status=500, count=1
    )
    with pytest.raises(RingPartnerServerError):
        await client.update_app_integration(account_identifier="x")
    assert sleeps.delays == []


async def test_whep(linked: RingPartnerClient, sim_control: SimControl) -> None:
    """WHEP create (201, SDP answer, absolute Location), delete, delete again."""
    offer = await _recvonly_offer()
    session = await linked.create_whep_session(FRONT_DOOR_ID, offer)
    assert session.url.startswith(str(linked.auth.api_base))
    assert "m=video" in session.answer_sdp
    sessions = await sim_control.call("GET", "whep/sessions")
    assert any(s["device_id"] == FRONT_DOOR_ID and not s["closed"] for s in sessions)
    await linked.delete_whep_session(session)
    await linked.delete_whep_session(session)
    with pytest.raises(RingPartnerUnavailableError):
        await linked.create_whep_session(GARAGE_ID, offer)
    with pytest.raises(RingPartnerDeviceNotFoundError):
        await linked.create_whep_session("ava1.ring.device.NOPE", offer)


async def _recvonly_offer() -> str:
    """Build a complete recvonly offer (video + audio) with gathered candidates."""
    from aiortc import RTCPeerConnection  # noqa: PLC0415

    pc = RTCPeerConnection()
    try:
        pc.addTransceiver("video", direction="recvonly")
        pc.addTransceiver("audio", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        sdp: str = pc.localDescription.sdp
    finally:
        await pc.close()
    if "a=candidate:" not in sdp:
        # pytest-socket may stop aiortc from binding the host interfaces: add one.
        sdp = sdp.replace(
            "a=recvonly\r\n",
            "a=recvonly\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n",
        )
    return sdp


async def test_more_documented_errors(
    linked: RingPartnerClient,
    session: aiohttp.ClientSession,
    simulator: Simulator,
    sim_control: SimControl,
) -> None:
    """Invalid Status Transition, one-way DELETE, read-only Playground scope."""
    with pytest.raises(RingPartnerBadRequestError) as transition:
        await linked.auth.request(
            "PATCH", "/v1/accounts/me/app-integrations", json={"status": "bogus"}
        )
    assert transition.value.title == "Invalid Status Transition"
    with pytest.raises(RingPartnerForbiddenError):
        await linked.auth.request("DELETE", "/v1/accounts/me/app-integrations")
    playground = await playground_client(session, simulator, sim_control)
    with pytest.raises(RingPartnerForbiddenError) as scope:
        await playground.confirm_app_integration("x" * 43)
    assert scope.value.title == "Out of Scope Access"
    assert not isinstance(scope.value, RingPartnerAuthenticationError)
    with pytest.raises(RingPartnerForbiddenError):
        await playground.update_app_integration(status=IntegrationStatus.COMPLETED)
    with pytest.raises(RingPartnerTimeRangeNotAuthorizedError):
        await playground.download_image(
            PLAYGROUND_DEVICE_ID, at=datetime.now(UTC) - timedelta(seconds=5)
        )
    with pytest.raises(RingPartnerDeviceNotFoundError):
        await playground.get_device(FRONT_DOOR_ID)

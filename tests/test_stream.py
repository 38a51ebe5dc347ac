"""The camera's stream source: HLS and recordings through the loopback relay to Ring's bridge.

Home Assistant's real `stream` component (its FFmpeg worker, HLS views and recorder) plays
the relay's URL; the relay plays the simulator's RTSP bridge with its strict defaults (SRTP
over UDP only, `RTP/SAVP` only), as Ring documents it.
"""

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
import io
import logging
from pathlib import Path
import re
from typing import Any

import av
from av.video.frame import VideoFrame
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.ring_partner.camera import RingPartnerCamera
from custom_components.ring_partner.stream import (
    DATA_RTSP_BRIDGE,
    DATA_STREAM_RELAYS,
    BridgeEndpoint,
)
from homeassistant.components.camera import CameraEntityFeature
from homeassistant.components.camera.const import DATA_COMPONENT
from homeassistant.components.stream.const import OUTPUT_IDLE_TIMEOUT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from simulator import Simulator, SimulatorConfig
from simulator.scenario import FRONT_DOOR_ID

from .conftest import SimControl, make_sim_config, state_of

FRONT_DOOR = "camera.front_door"
# Simulated seconds per real second: Ring's 60 s WHEP cap passes in 1.5 s of real time.
TIME_SCALE = 0.025
POLL_S = 0.1
WAIT_S = 30.0


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Run the bridge as documented (strict defaults), with time running fast."""
    return make_sim_config(time_scale=TIME_SCALE)


@pytest.fixture
async def streaming(
    hass: HomeAssistant, simulator: Simulator, setup_integration_yaml: None
) -> AsyncGenerator[None]:
    """Load HA's `stream` (plain HLS); the YAML points the relay at the simulator's bridge."""
    assert hass.data[DATA_RTSP_BRIDGE] == BridgeEndpoint(
        origin=simulator.rtsp_url, ca_file=simulator.rtsp_ca_file
    )
    assert await async_setup_component(hass, "stream", {"stream": {"ll_hls": False}})
    yield
    # End HA's streams as their idle timers would (outputs removed, worker joined).
    for camera in hass.data[DATA_COMPONENT].entities:
        if (stream := camera.stream) is not None:
            for provider in list(stream.outputs().values()):
                await stream.remove_provider(provider)
            await stream._stop()  # joins the worker even when preloaded


pytestmark = pytest.mark.usefixtures("socket_enabled", "streaming", "init_integration")


def camera_entity(
    hass: HomeAssistant, entity_id: str = FRONT_DOOR
) -> RingPartnerCamera:
    """Return the camera entity object."""
    camera = hass.data[DATA_COMPONENT].get_entity(entity_id)
    assert isinstance(camera, RingPartnerCamera)
    return camera


async def bridge_sessions(sim_control: SimControl) -> list[dict[str, Any]]:
    """Return the simulator's bridge sessions, oldest first."""
    sessions: list[dict[str, Any]] = await sim_control.call("GET", "rtsp/sessions")
    return sessions


async def bridge_requests(sim_control: SimControl) -> list[tuple[str, int | None]]:
    """Return (method, status) of every request the bridge received."""
    port = sim_control.sim.rtsp_port
    return [
        (entry["method"], entry["status"])
        for entry in await sim_control.requests()
        if entry["port"] == port
    ]


async def start_hls(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> str:
    """Ask for the camera's HLS stream over the websocket API; return the playlist URL."""
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id({"type": "camera/stream", "entity_id": FRONT_DOOR})
    reply = await ws.receive_json()
    assert reply["success"], reply
    url: str = reply["result"]["url"]
    return url.replace("master_playlist", "playlist")


async def wait_for(condition: Any, what: str) -> None:
    """Poll an async or plain condition until it holds (the stream worker is a thread)."""
    async with asyncio.timeout(WAIT_S):
        while True:
            result = condition()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            await asyncio.sleep(POLL_S)
    raise AssertionError(what)  # pragma: no cover


def decode(data: bytes) -> list[VideoFrame]:
    """Decode every video frame of an MP4 / fMP4 byte string."""
    with av.open(io.BytesIO(data), "r") as container:
        return [f for f in container.decode(video=0) if isinstance(f, VideoFrame)]


async def fetch_segments(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    playlist_url: str,
    count: int,
) -> tuple[bytes, list[bytes], float]:
    """Wait for `count` segments in the playlist; return init, segments and their duration."""
    client = await hass_client()
    playlist = ""

    async def enough() -> bool:
        nonlocal playlist
        response = await client.get(playlist_url)
        if response.status != 200:
            return False
        playlist = str(await response.text())
        return playlist.count("#EXTINF") >= count

    await wait_for(enough, f"{count} HLS segments")
    base = playlist_url.rsplit("/", 1)[0]
    names = re.findall(r"^(\./segment/\d+\.m4s)$", playlist, re.MULTILINE)[:count]
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", playlist)][:count]
    init = await (await client.get(f"{base}/init.mp4")).read()
    segments = [await (await client.get(f"{base}/{name[2:]}")).read() for name in names]
    return init, segments, sum(durations)


@pytest.mark.parametrize("entity_id", [FRONT_DOOR, "camera.backyard"])
async def test_stream_source_is_loopback_and_starts_nothing(
    hass: HomeAssistant, sim_control: SimControl, entity_id: str
) -> None:
    """The source is a token-free loopback URL; asking for it opens no bridge session.

    Nothing streams after setup either, on the wired doorbell or the battery camera.
    """
    assert await bridge_sessions(sim_control) == []
    camera = camera_entity(hass, entity_id)
    assert CameraEntityFeature.STREAM in camera.supported_features
    source = await camera.stream_source()
    assert re.fullmatch(r"rtsp://127\.0\.0\.1:\d+/[\w-]{20,}", source)
    token = hass.config_entries.async_entries("ring_partner")[0].data["token"]
    assert token["access_token"] not in source
    assert await camera.stream_source() == source
    assert await bridge_sessions(sim_control) == []


async def test_hls_plays_past_the_whep_cap_on_one_bridge_session(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """`camera/stream` gives HLS whose segments decode, for longer than a WHEP view lives."""
    playlist_url = await start_hls(hass, hass_ws_client)
    init, segments, media_seconds = await fetch_segments(
        hass, hass_client, playlist_url, 3
    )
    for segment in segments:
        frames = decode(init + segment)
        assert frames
        assert {(f.width, f.height) for f in frames} == {(640, 360)}
    config = sim_control.sim.state.config
    assert media_seconds > config.scaled(config.whep_cap_wired_s)
    (session,) = await bridge_sessions(sim_control)
    assert session["state"] == "playing"
    assert session["media_stopped"] is None
    assert session["transport"] == "udp"
    assert session["requested_profile"] == "RTP/SAVP"
    assert session["auth"] == "x-auth-token"
    assert state_of(hass, FRONT_DOOR).state != "unavailable"


async def test_record_writes_a_playable_mp4(
    hass: HomeAssistant, sim_control: SimControl, tmp_path: Path
) -> None:
    """`camera.record` takes the stream source and writes an MP4 that decodes."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    target = tmp_path / "front_door.mp4"
    await hass.services.async_call(
        "camera",
        "record",
        {"entity_id": FRONT_DOOR, "filename": str(target), "duration": 3},
        blocking=True,
    )
    await wait_for(target.exists, "the recording")
    frames = await hass.async_add_executor_job(decode, target.read_bytes())
    assert len(frames) >= 15
    assert {(f.width, f.height) for f in frames} == {(640, 360)}
    assert len(await bridge_sessions(sim_control)) == 1


async def test_viewers_share_one_bridge_session_and_it_ends_with_the_last(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """Five players on the loopback URL cost one bridge session; it ends when they go."""
    source = await camera_entity(hass).stream_source()

    def play(frames: int) -> int:
        with av.open(source, options={"rtsp_transport": "tcp"}, timeout=10) as c:
            decoded = 0
            for _ in c.decode(video=0):
                decoded += 1
                if decoded == frames:
                    break
            return decoded

    results = await asyncio.gather(
        *(hass.async_add_executor_job(play, 10) for _ in range(5))
    )
    assert results == [10] * 5
    (session,) = await bridge_sessions(sim_control)
    relay = hass.data[DATA_STREAM_RELAYS][
        hass.config_entries.async_entries("ring_partner")[0].entry_id
    ].relay
    assert relay is not None
    assert relay.sessions_opened == 1

    async def ended() -> bool:
        (record,) = await bridge_sessions(sim_control)
        return bool(record["state"] == "ended")

    await wait_for(ended, "the bridge session to end")
    (session,) = await bridge_sessions(sim_control)
    assert session["end_reason"] == "teardown"


async def test_token_refreshed_before_expiry_never_in_url(
    hass: HomeAssistant,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """An access token that is about to expire is refreshed before DESCRIBE uses it."""
    entry = init_integration
    old = dict(entry.data["token"])
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**old, "expires_at": 0}}
    )
    source = await camera_entity(hass).stream_source()
    await sim_control.clear_requests()
    frames = await hass.async_add_executor_job(_first_frames, source)
    assert frames > 0
    new = entry.data["token"]["access_token"]
    assert new != old["access_token"]
    assert new not in source
    # The refresh came first, so the bridge accepted the first DESCRIBE.
    requests = await bridge_requests(sim_control)
    assert requests[0] == ("DESCRIBE", 200)


async def test_token_the_bridge_refuses_is_refreshed_once(
    hass: HomeAssistant,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token Ring no longer accepts gets one refresh; the bridge rejects the old one.

    Neither token is logged, even at debug level.
    """
    caplog.set_level(logging.DEBUG)
    entry = init_integration
    old = entry.data["token"]["access_token"]
    await sim_control.call("POST", "tokens/expire")
    source = await camera_entity(hass).stream_source()
    await sim_control.clear_requests()
    assert await hass.async_add_executor_job(_first_frames, source) > 0
    assert entry.data["token"]["access_token"] != old
    requests = await bridge_requests(sim_control)
    assert requests[:4] == [
        ("DESCRIBE", 401),
        ("DESCRIBE", 200),
        ("SETUP", 200),
        ("PLAY", 200),
    ]
    assert old not in caplog.text
    assert entry.data["token"]["access_token"] not in caplog.text


def _first_frames(source: str, frames: int = 5) -> int:
    """Open the loopback URL as HA's worker would and decode a few frames (blocking)."""
    options = {"rtsp_flags": "prefer_tcp", "timeout": "5000000"}
    with av.open(source, options=options, timeout=10) as container:
        decoded = 0
        for _ in container.decode(video=0):
            decoded += 1
            if decoded == frames:
                break
        return decoded


def _open_fails(source: str) -> str:
    """Open the loopback URL and return PyAV's error (blocking)."""
    try:
        with av.open(source, options={"rtsp_flags": "prefer_tcp"}, timeout=10):
            pass
    except av.error.FFmpegError as err:
        return type(err).__name__
    raise AssertionError("the stream opened")


@pytest.mark.parametrize(
    "refusal",
    [
        (
            {"method": "DESCRIBE", "status": 401},
            [("DESCRIBE", 401), ("DESCRIBE", 401)],
            "Ring did not accept the stored credentials. Link the Ring account again.",
        ),
        (
            {"method": "DESCRIBE", "status": 403},
            [("DESCRIBE", 403)],
            "Ring does not allow this app to do that for this device.",
        ),
        (
            {"method": "DESCRIBE", "status": 404},
            [("DESCRIBE", 404)],
            "Ring no longer shares this device with the app.",
        ),
        (
            {"method": "SETUP", "status": 461},
            [("DESCRIBE", 200), ("SETUP", 461)],
            (
                "Ring's RTSP bridge accepts none of the media transports this"
                " integration offers, so the live stream cannot start."
            ),
        ),
        (
            None,
            [("DESCRIBE", 503)],
            "The Ring device is offline.",
        ),
    ],
    ids=["401", "403", "404", "461", "503"],
)
async def test_bridge_refusal_stops_the_stream_without_a_retry_storm(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
    refusal: tuple[dict[str, Any] | None, list[tuple[str, int]], str],
) -> None:
    """A refusal stops the HA stream; the next request gets the translated error.

    Players retrying the loopback URL (HA's worker at each backoff step) never reach Ring.
    """
    fault, requests, message = refusal
    if fault is None:
        # Offline at Ring, but no webhook told Home Assistant yet.
        await sim_control.call(
            "POST", f"devices/{FRONT_DOOR_ID}/offline", {"deliver": False}
        )
    else:
        await sim_control.fault(path=".", **fault)
    await sim_control.clear_requests()
    camera = camera_entity(hass)
    source = await camera.stream_source()
    await start_hls(hass, hass_ws_client)
    await wait_for(lambda: camera.stream is None, "the stream to stop")
    assert await bridge_requests(sim_control) == requests

    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id({"type": "camera/stream", "entity_id": FRONT_DOOR})
    reply = await ws.receive_json()
    assert not reply["success"]
    # HA drops the translation's final full stop from exception messages.
    assert reply["error"]["message"] == message.removesuffix(".")
    for _ in range(3):  # what HA's worker would do at each backoff step
        await hass.async_add_executor_job(_open_fails, source)
    assert await bridge_requests(sim_control) == requests
    # A refused SETUP leaves the session DESCRIBE opened; hanging up ended it.
    sessions = await bridge_sessions(sim_control)
    assert all(s["state"] == "ended" and s["packets_sent"] == 0 for s in sessions)


async def test_stream_stops_when_nobody_watches(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """When HLS goes idle, HA stops its worker and the relay tears the bridge session down."""
    playlist_url = await start_hls(hass, hass_ws_client)
    await fetch_segments(hass, hass_client, playlist_url, 1)
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=OUTPUT_IDLE_TIMEOUT + 1)
    )

    async def ended() -> bool:
        sessions = await bridge_sessions(sim_control)
        return bool(sessions) and sessions[0]["state"] == "ended"

    await wait_for(ended, "the bridge session to end")
    (session,) = await bridge_sessions(sim_control)
    assert session["end_reason"] == "teardown"
    assert (await bridge_requests(sim_control))[-1] == ("TEARDOWN", 200)


async def test_offline_refusal_lifts_when_the_device_comes_back(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    client: Any,
    sim_control: SimControl,
) -> None:
    """A 503 is answered locally until Ring's device_online webhook; then streams work."""
    await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/offline", {"deliver": False}
    )
    camera = camera_entity(hass)
    source = await camera.stream_source()
    assert await hass.async_add_executor_job(_open_fails, source)
    assert await bridge_requests(sim_control) == [("DESCRIBE", 503)]
    with pytest.raises(HomeAssistantError) as err:
        await camera.stream_source()
    assert err.value.translation_key == "device_offline"
    # Ring tells Home Assistant the device is offline, then online again.
    await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/offline")
    await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/online")

    async def delivered() -> bool:
        deliveries = await sim_control.call("GET", "webhooks")
        return [d["type"] for d in deliveries if d["delivered"]] == [
            "device_offline",
            "device_online",
        ]

    await wait_for(delivered, "the webhooks")
    await hass.async_block_till_done()
    assert await camera.stream_source() == source
    assert await hass.async_add_executor_job(_first_frames, source) > 0


async def test_transient_bridge_failure_is_no_verdict(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """502 (gateway connection failed) is passed on once; the next attempt reaches Ring."""
    await sim_control.fault(path=".", method="DESCRIBE", status=502, count=1)
    camera = camera_entity(hass)
    source = await camera.stream_source()
    assert await hass.async_add_executor_job(_open_fails, source)
    assert await hass.async_add_executor_job(_first_frames, source) > 0
    assert [r for r in await bridge_requests(sim_control) if r[0] == "DESCRIBE"] == [
        ("DESCRIBE", 502),
        ("DESCRIBE", 200),
    ]


async def test_bridge_ending_the_session_hangs_up_players(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """When the bridge ends the session, the relay hangs up its players.

    Packets stop (device offline), the bridge's idle rule ends the session; HA's worker
    then restarts on its own backoff.
    """
    source = await camera_entity(hass).stream_source()

    def play_to_end() -> int:
        with av.open(source, options={"rtsp_flags": "prefer_tcp"}, timeout=10) as c:
            return sum(1 for _ in c.demux(video=0))

    player = hass.async_add_executor_job(play_to_end)
    await wait_for(lambda: _packets_flowing(sim_control), "the bridge to send packets")
    await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/offline", {"deliver": False}
    )
    async with asyncio.timeout(WAIT_S):
        assert await player > 0
    (session,) = await bridge_sessions(sim_control)
    assert (session["media_stopped"], session["end_reason"]) == (
        "device_offline",
        "idle",
    )


async def _packets_flowing(sim_control: SimControl) -> bool:
    """Return True once a bridge session has sent packets."""
    sessions = await bridge_sessions(sim_control)
    return bool(sessions) and sessions[0]["packets_sent"] > 0


async def _exchange(source: str, requests: list[str]) -> list[str]:
    """Send raw requests to the relay; return each status line (or "closed")."""
    host_port, _, _path = source.removeprefix("rtsp://").partition("/")
    host, _, port = host_port.partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    statuses: list[str] = []
    try:
        for request in requests:
            writer.write(request.replace("{url}", source).encode())
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            except asyncio.IncompleteReadError:
                statuses.append("closed")
                break
            statuses.append(head.split(b"\r\n", 1)[0].decode())
            length = re.search(rb"Content-Length: (\d+)", head)
            if length:
                await reader.readexactly(int(length[1]))
    finally:
        writer.close()
    return statuses


async def test_relay_answers_odd_players(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """Unknown paths, UDP-only SETUP, PLAY before SETUP and garbage get answers, no crash."""
    source = await camera_entity(hass).stream_source()
    other = source.rsplit("/", 1)[0] + "/unknown"
    assert await _exchange(
        source,
        [
            f"DESCRIBE {other} RTSP/1.0\r\nCSeq: 1\r\n\r\n",
            "PLAY {url} RTSP/1.0\r\nCSeq: 2\r\n\r\n",
            "DESCRIBE {url} RTSP/1.0\r\nCSeq: 3\r\n\r\n",
            (
                "SETUP {url}/trackID=0 RTSP/1.0\r\nCSeq: 4\r\n"
                "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n"
            ),
            "RECORD {url} RTSP/1.0\r\nCSeq: 5\r\n\r\n",
            "GET_PARAMETER {url} RTSP/1.0\r\nCSeq: 6\r\n\r\n",
            "TEARDOWN {url} RTSP/1.0\r\nCSeq: 7\r\n\r\n",
        ],
    ) == [
        "RTSP/1.0 404 Not Found",
        "RTSP/1.0 455 Method Not Valid in This State",
        "RTSP/1.0 200 OK",
        "RTSP/1.0 461 Unsupported Transport",
        "RTSP/1.0 501 Not Implemented",
        "RTSP/1.0 200 OK",
        "RTSP/1.0 200 OK",
    ]
    assert await _exchange(source, ["GARBAGE\r\n\r\n"]) == ["closed"]

    async def ended() -> bool:
        sessions = await bridge_sessions(sim_control)
        return all(s["state"] == "ended" for s in sessions)

    await wait_for(ended, "the bridge session to end with its only player")
    assert await camera_entity(hass).stream_source() == source


async def test_unload_stops_streams_and_the_relay(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """Unloading the entry stops its cameras' HA streams and ends the bridge session."""
    camera = camera_entity(hass)
    source = await camera.stream_source()
    playlist_url = await start_hls(hass, hass_ws_client)
    await fetch_segments(hass, hass_client, playlist_url, 1)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert camera.stream is None
    (session,) = await bridge_sessions(sim_control)
    assert session["state"] == "ended"
    assert await hass.async_add_executor_job(_open_fails, source)


async def test_interleaved_transport_is_preferred_when_the_bridge_offers_it(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """A bridge that interleaves on TCP gets SRTP on the TLS connection, no UDP at all."""
    await sim_control.configure(rtsp_tcp_interleaved=True)
    source = await camera_entity(hass).stream_source()
    assert await hass.async_add_executor_job(_first_frames, source) > 0
    (session,) = await bridge_sessions(sim_control)
    assert (session["transport"], session["interleaved"]) == ("tcp", [0, 1])
    assert session["requested_profile"] == "RTP/SAVP"


async def test_dropped_stream_is_restarted_by_the_stream_worker(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """The bridge ends a session that stopped sending; HA's worker opens a new one itself."""
    playlist_url = await start_hls(hass, hass_ws_client)
    await fetch_segments(hass, hass_client, playlist_url, 1)
    await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/offline", {"deliver": False}
    )

    async def first_ended() -> bool:
        sessions = await bridge_sessions(sim_control)
        return bool(sessions[0]["state"] == "ended")

    await wait_for(first_ended, "the bridge's idle end")
    await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/online", {"deliver": False}
    )

    async def second_playing() -> bool:
        sessions = await bridge_sessions(sim_control)
        return len(sessions) == 2 and sessions[1]["packets_sent"] > 0

    await wait_for(second_playing, "the worker's restart")
    first, _second = await bridge_sessions(sim_control)
    assert first["end_reason"] == "idle"
    assert camera_entity(hass).stream is not None


async def test_preloaded_stream_is_kept_and_refused_locally(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
) -> None:
    """With preload on (the user's choice), a refusal keeps the HA stream; Ring sees one try."""
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id(
        {"type": "camera/update_prefs", "entity_id": FRONT_DOOR, "preload_stream": True}
    )
    assert (await ws.receive_json())["success"]
    await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/offline", {"deliver": False}
    )
    await sim_control.clear_requests()
    camera = camera_entity(hass)
    await start_hls(hass, hass_ws_client)

    async def refused() -> bool:
        return await bridge_requests(sim_control) == [("DESCRIBE", 503)]

    await wait_for(refused, "the bridge's 503")
    await hass.async_block_till_done()
    assert camera.stream is not None
    assert camera.stream.dynamic_stream_settings.preload_stream

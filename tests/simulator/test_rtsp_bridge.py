"""The RTSP bridge over real TLS and UDP sockets: methods, media, liveness, control API."""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import socket
import ssl
from typing import Any

import aiohttp
import pytest

from simulator import Simulator, SimulatorConfig, run_simulator
from simulator.__main__ import build_parser, config_from_args
from simulator.ids import ManualClock
from simulator.rtsp.certificate import BridgeCertificate
from simulator.scenario import BACKYARD_ID, DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID

from .helpers import bearer, control, link_account
from .rtsp_client import (
    Playing,
    RtspClient,
    UdpPair,
    basic,
    crypto_key,
    decode_h264,
    describe,
    play_udp,
    receive_interleaved,
    receive_udp,
    setup_udp,
)

type Connect = Callable[[], Awaitable[RtspClient]]
type StartPlay = Callable[[str], Awaitable[Playing]]


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Real-time liveness (2-minute idle end) unless a test shortens it."""
    return SimulatorConfig(port=0, media_port=0, clock=clock, seed=3)


@pytest.fixture
async def udp_pair() -> Any:
    """Return client RTP/RTCP ports, closed after the test."""
    pair = await UdpPair.open()
    yield pair
    pair.close()


@pytest.fixture
def start_play(
    sim: Simulator, token: str, rtsp_connect: Connect, udp_pair: UdpPair
) -> StartPlay:
    """Return a function that starts a UDP session of a device, up to its first frame."""

    async def start(device_id: str) -> Playing:
        client = await rtsp_connect()
        return await play_udp(client, sim.rtsp_stream_url(device_id), token, udp_pair)

    return start


async def _sessions(session: aiohttp.ClientSession, sim: Simulator) -> list[Any]:
    """Return the bridge's session records."""
    return list(await control(session, sim, "/rtsp/sessions", method="GET"))


async def _only_session(session: aiohttp.ClientSession, sim: Simulator) -> Any:
    """Return the single session record."""
    (record,) = await _sessions(session, sim)
    return record


async def _wait_for(
    session: aiohttp.ClientSession, sim: Simulator, check: Callable[[Any], bool]
) -> Any:
    """Poll the only session record until `check` holds."""
    for _ in range(500):
        if check(record := await _only_session(session, sim)):
            return record
        await asyncio.sleep(0.02)
    raise AssertionError(f"session record never matched: {record}")


async def test_urls_and_certificate(sim: Simulator) -> None:
    """The bridge listens on its own free port; its certificate verifies against the CA file."""
    assert sim.rtsp_port not in (0, 8322, sim.port, sim.media_port)
    assert sim.rtsp_url == f"rtsps://127.0.0.1:{sim.rtsp_port}"
    assert sim.rtsp_stream_url(FRONT_DOOR_ID) == (
        f"{sim.rtsp_url}/v1/devices/{FRONT_DOOR_ID}/stream"
    )
    pem = await asyncio.to_thread(Path(sim.rtsp_ca_file).read_text)
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    other = BridgeCertificate.create("127.0.0.1")
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            await RtspClient.connect("127.0.0.1", sim.rtsp_port, str(other.cert_file))
    finally:
        other.remove()


async def test_options_needs_no_credentials(
    sim: Simulator, rtsp_connect: Connect
) -> None:
    """OPTIONS answers `Public:` without any token, for `*` and for a stream URL."""
    client = await rtsp_connect()
    for url in ("*", sim.rtsp_stream_url(FRONT_DOOR_ID)):
        response = await client.request("OPTIONS", url)
        assert response.status == 200
        assert response.headers["public"] == "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"


async def test_describe_answers_sdes_sdp(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """DESCRIBE with `X-Auth-Token`: SDP with an SRTP video stream, SDES key and a Session."""
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    response = await describe(client, url, token)
    assert response.headers["content-type"] == "application/sdp"
    assert response.headers["content-base"] == f"{url}/"
    assert response.headers["session"] == client.session
    sdp = response.text
    assert sdp.startswith("v=0\r\n")
    assert "m=video 0 RTP/SAVP 96\r\n" in sdp
    assert "a=rtpmap:96 H264/90000\r\n" in sdp
    assert "packetization-mode=1;profile-level-id=42c01f" in sdp
    assert "a=control:trackID=0\r\n" in sdp
    assert len(crypto_key(sdp)) == 30
    record = await _only_session(session, sim)
    assert record["device_id"] == FRONT_DOOR_ID
    assert record["account_id"] == DEFAULT_ACCOUNT_ID
    assert (record["state"], record["auth"]) == ("described", "x-auth-token")
    assert record["id"] == client.session
    assert token not in str(record)
    assert "inline:" not in str(record)

    second = await rtsp_connect()
    other = await describe(second, url, token)
    assert crypto_key(other.text) != crypto_key(sdp)
    assert second.session != client.session


async def test_describe_basic_with_empty_user(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """The documented fallback, `Authorization: Basic base64(":" + token)`, works too."""
    client = await rtsp_connect()
    response = await client.request(
        "DESCRIBE", sim.rtsp_stream_url(FRONT_DOOR_ID), basic(token)
    )
    assert response.status == 200
    assert (await _only_session(session, sim))["auth"] == "basic"


async def test_x_auth_token_is_preferred(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """With both forms present, `X-Auth-Token` is used (a bad Basic header is ignored)."""
    client = await rtsp_connect()
    headers = {"X-Auth-Token": token} | basic("not-a-token")
    response = await client.request(
        "DESCRIBE", sim.rtsp_stream_url(FRONT_DOOR_ID), headers
    )
    assert response.status == 200
    assert (await _only_session(session, sim))["auth"] == "x-auth-token"


async def test_play_udp_streams_srtp_h264(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    rtsp_connect: Connect,
    udp_pair: UdpPair,
) -> None:
    """SETUP over UDP, PLAY: SRTP from the server port decodes to the camera's H.264."""
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    key = crypto_key((await describe(client, url, token)).text)
    setup = await setup_udp(client, url, udp_pair)
    fields = setup.headers["transport"].split(";")
    assert fields[:3] == [
        "RTP/SAVP",
        "unicast",
        f"client_port={udp_pair.port}-{udp_pair.port + 1}",
    ]
    server_port = next(f for f in fields if f.startswith("server_port="))
    low, high = map(int, server_port.removeprefix("server_port=").split("-"))
    assert (low % 2, high) == (0, low + 1)
    assert "source=127.0.0.1" in fields
    assert setup.headers["session"] == client.session
    record = await _only_session(session, sim)
    assert (record["state"], record["transport"]) == ("ready", "udp")
    assert record["client_port"] == [udp_pair.port, udp_pair.port + 1]
    assert record["server_port"] == [low, high]

    play = await client.request("PLAY", url)
    assert play.status == 200
    assert play.headers["rtp-info"] == f"url={url}/trackID=0;seq=0;rtptime=0"
    assert play.headers["range"] == "npt=0.000-"
    packets, sources = await receive_udp(udp_pair, key, frames=20)
    assert sources == {("127.0.0.1", low)}
    assert (packets[0].sequence_number, packets[0].timestamp) == (0, 0)
    assert [p.sequence_number for p in packets] == list(range(len(packets)))
    assert {p.payload_type for p in packets} == {96}
    assert len({p.ssrc for p in packets}) == 1
    assert packets[-1].timestamp == 19 * 90_000 // 15
    frames = decode_h264(packets)
    assert len(frames) >= 19
    assert {(f.width, f.height) for f in frames} == {(640, 360)}

    record = await _only_session(session, sim)
    assert record["state"] == "playing"
    assert record["packets_sent"] >= len(packets)
    assert record["bytes_sent"] > 0
    assert record["ssrc"] == packets[0].ssrc

    teardown = await client.request("TEARDOWN", url)
    assert teardown.status == 200
    assert await client.closed_by_server()
    record = await _only_session(session, sim)
    assert (record["state"], record["end_reason"]) == ("ended", "teardown")
    assert record["ended_ms"] is not None


async def test_play_adds_on_demand_history(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    start_play: StartPlay,
    clock: ManualClock,
) -> None:
    """PLAY opens a live view upstream: an on_demand entry that ends with the session."""
    playing = await start_play(BACKYARD_ID)
    clock.advance(30)
    await playing.client.request("TEARDOWN", playing.url)
    record = await _only_session(session, sim)
    history = f"{sim.base_url}/v1/history/devices/{BACKYARD_ID}/events"
    async with session.get(history, headers=bearer(token)) as response:
        events = (await response.json())["data"]
    (entry,) = [e for e in events if e["id"] == record["event_id"]]
    assert entry["attributes"]["event_type"] == "on_demand"
    assert record["ended_ms"] - record["playing_ms"] == 30_000


async def test_tcp_interleaved_when_switched_on(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """`rtsp_tcp_interleaved`: SRTP framed on the RTSP connection, on the asked channel."""
    await control(session, sim, "/config", {"rtsp_tcp_interleaved": True})
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    key = crypto_key((await describe(client, url, token)).text)
    setup = await client.request(
        "SETUP",
        f"{url}/trackID=0",
        {"Transport": "RTP/SAVP/TCP;unicast;interleaved=2-3"},
    )
    assert setup.status == 200
    assert setup.headers["transport"].startswith(
        "RTP/SAVP/TCP;unicast;interleaved=2-3;"
    )
    assert (await client.request("PLAY", url)).status == 200
    await client.send_raw(b"$\x03\x00\x04rtcp")  # a client report is read and dropped
    packets = await receive_interleaved(client, key, frames=10, channel=2)
    assert len(decode_h264(packets)) >= 9
    record = await _only_session(session, sim)
    assert (record["transport"], record["interleaved"]) == ("tcp", [2, 3])
    assert record["server_port"] is None
    response = await client.request("TEARDOWN", url)
    assert response.status == 200
    assert (await _only_session(session, sim))["end_reason"] == "teardown"


async def test_avp_profile_when_switched_on(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    rtsp_connect: Connect,
    udp_pair: UdpPair,
) -> None:
    """`rtsp_accept_avp`: a plain `RTP/AVP` request is answered `RTP/SAVP`, still SRTP."""
    await control(session, sim, "/config", {"rtsp_accept_avp": True})
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    key = crypto_key((await describe(client, url, token)).text)
    transport = f"RTP/AVP/UDP;unicast;client_port={udp_pair.port}-{udp_pair.port + 1}"
    setup = await client.request("SETUP", url, {"Transport": transport})
    assert setup.status == 200
    assert setup.headers["transport"].startswith("RTP/SAVP;unicast;")
    assert (await _only_session(session, sim))["requested_profile"] == "RTP/AVP"
    assert (await client.request("PLAY", url)).status == 200
    packets, _ = await receive_udp(udp_pair, key, frames=3)
    assert decode_h264(packets)


async def test_transport_alternatives_first_acceptable_wins(
    sim: Simulator, token: str, rtsp_connect: Connect, udp_pair: UdpPair
) -> None:
    """A Transport header listing TCP first (refused by default) then UDP gets UDP."""
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    await describe(client, url, token)
    transport = (
        "RTP/SAVP/TCP;unicast;interleaved=0-1,"
        f"RTP/SAVP;unicast;client_port={udp_pair.port}-{udp_pair.port + 1};"
        "destination=127.0.0.1"
    )
    setup = await client.request("SETUP", url, {"Transport": transport})
    assert setup.status == 200
    assert setup.headers["transport"].startswith("RTP/SAVP;unicast;client_port=")


async def test_session_persists_while_packets_flow(
    sim: Simulator, session: aiohttp.ClientSession, start_play: StartPlay
) -> None:
    """Packets keep a session alive past the idle timeout and past the WHEP caps (off)."""
    await control(
        session,
        sim,
        "/config",
        {"rtsp_idle_timeout_s": 1.0, "whep_cap_wired_s": 0.5},
    )
    playing = await start_play(FRONT_DOOR_ID)
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < 2.5:  # 2.5 idle timeouts, 5 caps
        await receive_udp(playing.pair, playing.key, frames=1)
    record = await _only_session(session, sim)
    assert (record["state"], record["media_stopped"]) == ("playing", None)


async def test_whep_caps_stop_packets_when_switched_on(
    sim: Simulator, session: aiohttp.ClientSession, start_play: StartPlay
) -> None:
    """`rtsp_whep_caps`: packets stop at the battery cap; the idle rule then ends it all."""
    await control(
        session,
        sim,
        "/config",
        {"rtsp_whep_caps": True, "whep_cap_battery_s": 0.5, "rtsp_idle_timeout_s": 0.3},
    )
    playing = await start_play(BACKYARD_ID)
    assert await playing.client.closed_by_server()
    record = await _wait_for(session, sim, lambda r: r["state"] == "ended")
    assert (record["media_stopped"], record["end_reason"]) == ("cap", "idle")


async def test_device_offline_stops_packets_then_idle_end(
    sim: Simulator, session: aiohttp.ClientSession, start_play: StartPlay
) -> None:
    """A device that goes offline sends nothing more; the bridge ends the session when idle."""
    await control(session, sim, "/config", {"rtsp_idle_timeout_s": 0.3})
    playing = await start_play(FRONT_DOOR_ID)
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/offline")
    assert await playing.client.closed_by_server()
    record = await _wait_for(session, sim, lambda r: r["state"] == "ended")
    assert (record["media_stopped"], record["end_reason"]) == ("device_offline", "idle")


async def test_idle_end_without_play(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """A session that never plays sends no packet and is ended by the idle rule."""
    await control(session, sim, "/config", {"rtsp_idle_timeout_s": 0.2})
    client = await rtsp_connect()
    await describe(client, sim.rtsp_stream_url(FRONT_DOOR_ID), token)
    assert await client.closed_by_server()
    record = await _wait_for(session, sim, lambda r: r["state"] == "ended")
    assert record["end_reason"] == "idle"
    assert record["event_id"] is None


async def test_idle_timeout_is_time_scaled(
    clock: ManualClock, session: aiohttp.ClientSession
) -> None:
    """The 2-minute idle end runs in 0.12 s at `time_scale=0.001`."""
    config = SimulatorConfig(
        port=0, media_port=0, clock=clock, seed=3, time_scale=0.001
    )
    async with run_simulator(config) as sim:
        token = await _link(session, sim)
        client = await RtspClient.connect("127.0.0.1", sim.rtsp_port, sim.rtsp_ca_file)
        await describe(client, sim.rtsp_stream_url(FRONT_DOOR_ID), token)
        assert await client.closed_by_server()
        record = await _wait_for(session, sim, lambda r: r["state"] == "ended")
        assert record["end_reason"] == "idle"
        await client.close()


async def _link(session: aiohttp.ClientSession, sim: Simulator) -> str:
    """Link the demo account and return its access token."""
    return str((await link_account(session, sim))["access_token"])


async def test_disconnect_ends_session(
    sim: Simulator, session: aiohttp.ClientSession, start_play: StartPlay
) -> None:
    """Closing the TCP connection without TEARDOWN ends the session and its packets."""
    playing = await start_play(FRONT_DOOR_ID)
    await playing.client.close()
    record = await _wait_for(session, sim, lambda r: r["state"] == "ended")
    assert record["end_reason"] == "disconnected"
    sent = record["packets_sent"]
    await asyncio.sleep(0.3)
    assert (await _only_session(session, sim))["packets_sent"] == sent


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        (f"/devices/{FRONT_DOOR_ID}/remove", "device_removed"),
        ("/accounts/default/uninstall", "account_unlinked"),
    ],
)
async def test_removal_and_uninstall_end_sessions(
    sim: Simulator,
    session: aiohttp.ClientSession,
    start_play: StartPlay,
    action: str,
    reason: str,
) -> None:
    """Unsharing the device or removing the app ends sessions and closes the connection."""
    playing = await start_play(FRONT_DOOR_ID)
    await control(session, sim, action)
    assert await playing.client.closed_by_server()
    record = await _wait_for(session, sim, lambda r: r["state"] == "ended")
    assert record["end_reason"] == reason


async def test_token_expiry_does_not_end_a_session(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    rtsp_connect: Connect,
    udp_pair: UdpPair,
) -> None:
    """Later methods ride on the TLS session: an expired token ends only new DESCRIBEs."""
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    key = crypto_key((await describe(client, url, token)).text)
    await control(session, sim, "/tokens/expire")
    await setup_udp(client, url, udp_pair)
    assert (await client.request("PLAY", url)).status == 200
    await receive_udp(udp_pair, key, frames=5)
    other = await rtsp_connect()
    refused = await other.request("DESCRIBE", url, {"X-Auth-Token": token})
    assert refused.status == 401


async def test_sessions_listing_counts_upstream_sessions(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """Each DESCRIBE on a connection is one session; DELETE forgets the ended ones."""
    clients = [await rtsp_connect() for _ in range(3)]
    for client in clients:
        await describe(client, sim.rtsp_stream_url(FRONT_DOOR_ID), token)
    records = await _sessions(session, sim)
    assert [r["id"] for r in records] == [c.session for c in clients]
    assert len({r["client"] for r in records}) == 3
    await clients[0].request("TEARDOWN", sim.rtsp_stream_url(FRONT_DOOR_ID))
    await _wait_for_count(session, sim, ended=1)
    remaining = await control(session, sim, "/rtsp/sessions", method="DELETE")
    assert [r["id"] for r in remaining] == [c.session for c in clients[1:]]


async def _wait_for_count(
    session: aiohttp.ClientSession, sim: Simulator, *, ended: int
) -> None:
    """Poll until `ended` sessions have ended."""
    for _ in range(500):
        if sum(r["state"] == "ended" for r in await _sessions(session, sim)) >= ended:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("sessions did not end")


async def test_requests_are_logged_without_credentials(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """`/_sim/requests` lists bridge requests (port = bridge port); no token anywhere."""
    await control(session, sim, "/requests", method="DELETE")
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    await client.request("OPTIONS", url)
    await client.request("DESCRIBE", url, basic("wrong"))
    await client.request("DESCRIBE", url, basic(token))
    log = list(await control(session, sim, "/requests", method="GET"))
    assert [(e["method"], e["status"], e["authorization"]) for e in log] == [
        ("OPTIONS", 200, False),
        ("DESCRIBE", 401, True),
        ("DESCRIBE", 200, True),
    ]
    assert {e["port"] for e in log} == {sim.rtsp_port}
    assert {e["path"] for e in log} == {f"/v1/devices/{FRONT_DOOR_ID}/stream"}
    assert token not in str(log)


async def test_runtime_switches(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """The bridge switches are runtime config keys with their defaults; bad values refused."""
    config = await control(session, sim, "/config", method="GET")
    assert {k: v for k, v in config.items() if k.startswith("rtsp_")} == {
        "rtsp_accept_avp": False,
        "rtsp_basic_challenge": True,
        "rtsp_idle_timeout_s": 120.0,
        "rtsp_tcp_interleaved": False,
        "rtsp_whep_caps": False,
    }
    await control(session, sim, "/config", {"rtsp_whep_caps": "yes"}, expect=400)
    await control(session, sim, "/config", {"rtsp_idle_timeout_s": -1}, expect=400)
    await control(session, sim, "/config", {"rtsp_port": 1}, expect=400)


def test_cli_flags() -> None:
    """Every bridge setting has a flag; the default port is 8322 unless `--port 0`."""
    parser = build_parser()
    text = parser.format_help()
    for flag in (
        "--rtsp-port",
        "--rtsp-idle-timeout",
        "--rtsp-tcp-interleaved",
        "--rtsp-accept-avp",
        "--rtsp-whep-caps",
        "--rtsp-no-basic-challenge",
    ):
        assert flag in text
    config = config_from_args(parser.parse_args([]))
    assert config.rtsp_listen_port() == 8322
    assert (config.rtsp_tcp_interleaved, config.rtsp_accept_avp) == (False, False)
    assert (config.rtsp_whep_caps, config.rtsp_basic_challenge) == (False, True)
    config = config_from_args(
        parser.parse_args(
            [
                "--port",
                "0",
                "--rtsp-idle-timeout",
                "5",
                "--rtsp-tcp-interleaved",
                "--rtsp-accept-avp",
                "--rtsp-whep-caps",
                "--rtsp-no-basic-challenge",
            ]
        )
    )
    assert config.rtsp_listen_port() == 0
    assert config.rtsp_idle_timeout_s == 5.0
    assert (config.rtsp_tcp_interleaved, config.rtsp_accept_avp) == (True, True)
    assert (config.rtsp_whep_caps, config.rtsp_basic_challenge) == (True, False)
    config = config_from_args(parser.parse_args(["--rtsp-port", "9322"]))
    assert config.rtsp_listen_port() == 9322


async def test_stop_ends_sessions_and_cleans_up(
    clock: ManualClock, session: aiohttp.ClientSession
) -> None:
    """`stop()` ends playing sessions, closes connections and port, deletes the key."""
    sim = Simulator(SimulatorConfig(port=0, media_port=0, clock=clock, seed=3))
    await sim.start()
    before = asyncio.all_tasks()
    token = await _link(session, sim)
    pair = await UdpPair.open()
    client = await RtspClient.connect("127.0.0.1", sim.rtsp_port, sim.rtsp_ca_file)
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    key = crypto_key((await describe(client, url, token)).text)
    await setup_udp(client, url, pair)
    assert (await client.request("PLAY", url)).status == 200
    await receive_udp(pair, key, frames=1)
    idle = await RtspClient.connect("127.0.0.1", sim.rtsp_port, sim.rtsp_ca_file)
    ca_dir = Path(sim.rtsp_ca_file).parent
    port = sim.rtsp_port
    record = sim.rtsp.sessions[client.session or ""]

    await sim.stop()
    assert (record.state, record.end_reason) == ("ended", "shutdown")
    assert await client.closed_by_server()
    assert await idle.closed_by_server()
    assert not ca_dir.exists()
    assert not asyncio.all_tasks() - before
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), 1),
    ):
        pass
    pair.close()
    await client.close()
    await idle.close()


async def test_live_session_counts_as_footage(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    start_play: StartPlay,
    clock: ManualClock,
) -> None:
    """While a bridge session plays, its span is footage for image downloads."""
    await start_play(FRONT_DOOR_ID)
    body = {"type": "at_timestamp", "timestamp": sim.state.now_ms() + 5000}
    clock.advance(10)
    statuses = {}
    for device_id in (FRONT_DOOR_ID, BACKYARD_ID):
        path = f"{sim.base_url}/v1/devices/{device_id}/media/image/download"
        async with session.post(
            path, headers=bearer(token), json=body, allow_redirects=False
        ) as response:
            statuses[device_id] = response.status
    assert statuses == {FRONT_DOOR_ID: 303, BACKYARD_ID: 416}


async def test_h264_profile_switch_reaches_sdp_and_stream(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    rtsp_connect: Connect,
    udp_pair: UdpPair,
) -> None:
    """The bridge forwards Ring's live media: `whep_h264_profile` High is announced and sent."""
    await control(session, sim, "/config", {"whep_h264_profile": "64001f"})
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    response = await describe(client, url, token)
    assert "profile-level-id=64001f" in response.text
    await setup_udp(client, url, udp_pair)
    assert (await client.request("PLAY", url)).status == 200
    packets, _ = await receive_udp(udp_pair, crypto_key(response.text), frames=10)
    assert len(decode_h264(packets)) >= 9


async def test_video_fault_switch_makes_the_stream_undecodable(
    sim: Simulator, session: aiohttp.ClientSession, start_play: StartPlay
) -> None:
    """`whep_video_fault=no_keyframe` reaches bridge viewers: nothing decodes."""
    await control(session, sim, "/config", {"whep_video_fault": "no_keyframe"})
    playing = await start_play(FRONT_DOOR_ID)
    packets, _ = await receive_udp(playing.pair, playing.key, frames=20)
    assert decode_h264(packets) == []

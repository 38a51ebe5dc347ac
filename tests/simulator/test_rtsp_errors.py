"""Every documented RTSP bridge error (400, 401, 403, 404, 455, 461, 500, 502, 503) and bad input."""

import asyncio
from collections.abc import Awaitable, Callable
import ssl

import aiohttp
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.scenario import (
    BACKYARD_ID,
    CHIME_ID,
    FRONT_DOOR_ID,
    GARAGE_ID,
    PLAYGROUND_DEVICE_ID,
)

from .helpers import control, exchange_code
from .rtsp_client import RtspClient, UdpPair, basic, describe, setup_udp, x_auth

type Connect = Callable[[], Awaitable[RtspClient]]

CHALLENGE = 'Basic realm="Ring RTSP Bridge"'


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Real-time liveness, so no session ends by itself during a test."""
    return SimulatorConfig(port=0, media_port=0, clock=clock, seed=4)


@pytest.fixture
async def described(
    sim: Simulator, token: str, rtsp_connect: Connect
) -> tuple[RtspClient, str]:
    """Return a connection with a described Front Door session, and its stream URL."""
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    await describe(client, url, token)
    return client, url


async def _describe_status(
    client: RtspClient, url: str, headers: dict[str, str]
) -> tuple[int, dict[str, str]]:
    """DESCRIBE and return the status and headers."""
    response = await client.request("DESCRIBE", url, headers)
    return response.status, response.headers


# -- 401 ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Auth-Token": "  "},
        {"Authorization": "Bearer {token}"},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Basic"},
        basic("{token}", user="someone"),
        basic(""),
        x_auth("unknown-token"),
        basic("unknown-token"),
    ],
    ids=[
        "none",
        "blank-x-auth-token",
        "bearer-scheme",
        "garbage-basic",
        "empty-basic",
        "basic-with-user",
        "basic-empty-token",
        "unknown-x-auth-token",
        "unknown-basic",
    ],
)
async def test_describe_401_with_challenge(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    rtsp_connect: Connect,
    headers: dict[str, str],
) -> None:
    """Missing, malformed or unknown credentials: 401 with a Basic challenge, no session."""
    filled = {k: v.replace("{token}", token) for k, v in headers.items()}
    client = await rtsp_connect()
    status, answer = await _describe_status(
        client, sim.rtsp_stream_url(FRONT_DOOR_ID), filled
    )
    assert status == 401
    assert answer["www-authenticate"] == CHALLENGE
    assert "session" not in answer
    assert await control(session, sim, "/rtsp/sessions", method="GET") == []
    # the connection stays usable: the client may retry with credentials
    retry = await client.request(
        "DESCRIBE", sim.rtsp_stream_url(FRONT_DOOR_ID), x_auth(token)
    )
    assert retry.status == 200


async def test_challenge_switch(
    sim: Simulator, session: aiohttp.ClientSession, rtsp_connect: Connect
) -> None:
    """`rtsp_basic_challenge` off: the 401 carries no `WWW-Authenticate`."""
    await control(session, sim, "/config", {"rtsp_basic_challenge": False})
    client = await rtsp_connect()
    status, answer = await _describe_status(
        client, sim.rtsp_stream_url(FRONT_DOOR_ID), {}
    )
    assert status == 401
    assert "www-authenticate" not in answer


@pytest.mark.parametrize("action", ["expire", "uninstall"])
async def test_describe_401_expired_or_revoked(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    rtsp_connect: Connect,
    action: str,
) -> None:
    """The bridge shares the OAuth server's tokens: expired and revoked ones are refused."""
    if action == "expire":
        await control(session, sim, "/tokens/expire")
    else:
        await control(session, sim, "/accounts/default/uninstall")
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    for headers in (x_auth(token), basic(token)):
        assert (await _describe_status(client, url, headers))[0] == 401


@pytest.mark.parametrize("method", ["SETUP", "PLAY", "TEARDOWN"])
async def test_401_before_describe(
    sim: Simulator, rtsp_connect: Connect, method: str
) -> None:
    """SETUP (and every method but OPTIONS) before DESCRIBE: 401, even with a token."""
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    headers = {"Transport": "RTP/SAVP;unicast;client_port=5004-5005"}
    response = await client.request(method, url, headers)
    assert response.status == 401


# -- 403 / 404 / 503 --------------------------------------------------------------------
async def test_403_token_without_access_to_the_device(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """A valid token of another account (Playground) for the demo camera: 403, and back."""
    playground = (await control(session, sim, "/playground/token"))["access_token"]
    client = await rtsp_connect()
    status, _ = await _describe_status(
        client, sim.rtsp_stream_url(FRONT_DOOR_ID), x_auth(playground)
    )
    assert status == 403
    status, _ = await _describe_status(
        client, sim.rtsp_stream_url(PLAYGROUND_DEVICE_ID), x_auth(token)
    )
    assert status == 403
    status, _ = await _describe_status(
        client, sim.rtsp_stream_url(PLAYGROUND_DEVICE_ID), x_auth(playground)
    )
    assert status == 200


async def test_403_before_consent(
    sim: Simulator, session: aiohttp.ClientSession, rtsp_connect: Connect
) -> None:
    """A token of an account that has not finished the Account Link step: 403."""
    install = await control(session, sim, "/accounts/default/install")
    tokens = await exchange_code(session, sim, install["code"])
    client = await rtsp_connect()
    status, _ = await _describe_status(
        client, sim.rtsp_stream_url(FRONT_DOOR_ID), x_auth(tokens["access_token"])
    )
    assert status == 403


@pytest.mark.parametrize("device_id", ["ava1.ring.device.UNKNOWN", CHIME_ID, "removed"])
async def test_404_device(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    rtsp_connect: Connect,
    device_id: str,
) -> None:
    """An unknown, unshared or non-camera device: 404."""
    if device_id == "removed":
        await control(session, sim, f"/devices/{BACKYARD_ID}/remove")
        device_id = BACKYARD_ID
    client = await rtsp_connect()
    status, _ = await _describe_status(
        client, sim.rtsp_stream_url(device_id), x_auth(token)
    )
    assert status == 404


async def test_503_offline_device(
    sim: Simulator, session: aiohttp.ClientSession, token: str, rtsp_connect: Connect
) -> None:
    """An offline camera (Garage) answers 503 on DESCRIBE."""
    client = await rtsp_connect()
    status, _ = await _describe_status(
        client, sim.rtsp_stream_url(GARAGE_ID), x_auth(token)
    )
    assert status == 503
    assert await control(session, sim, "/rtsp/sessions", method="GET") == []


async def test_503_on_play_after_device_went_offline(
    sim: Simulator,
    session: aiohttp.ClientSession,
    described: tuple[RtspClient, str],
) -> None:
    """PLAY opens the upstream live view: a device gone offline since DESCRIBE gives 503."""
    client, url = described
    pair = await UdpPair.open()
    try:
        await setup_udp(client, url, pair)
        await control(session, sim, f"/devices/{FRONT_DOOR_ID}/offline")
        assert (await client.request("PLAY", url)).status == 503
    finally:
        pair.close()


# -- 400 ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/v1/devices/{id}/live",
        "/v1/devices/{id}",
        "/v2/devices/{id}/stream",
        "/v1/devices/{id}/stream/extra/parts",
        "/",
    ],
)
async def test_400_describe_path_mismatch(
    sim: Simulator, token: str, rtsp_connect: Connect, path: str
) -> None:
    """DESCRIBE of anything but `/v1/devices/<id>/stream`: 400 (the path is checked first)."""
    client = await rtsp_connect()
    url = sim.rtsp_url + path.replace("{id}", FRONT_DOOR_ID)
    assert (await _describe_status(client, url, x_auth(token)))[0] == 400
    assert (await _describe_status(client, url, {}))[0] == 400


@pytest.mark.parametrize("method", ["SETUP", "PLAY", "TEARDOWN"])
async def test_400_later_path_mismatch(
    sim: Simulator, described: tuple[RtspClient, str], method: str
) -> None:
    """SETUP/PLAY/TEARDOWN for another device than the one described: 400."""
    client, _ = described
    other = sim.rtsp_stream_url(BACKYARD_ID)
    headers = {"Transport": "RTP/SAVP;unicast;client_port=5004-5005"}
    assert (await client.request(method, other, headers)).status == 400
    assert (await client.request(method, other + "/trackID=7", headers)).status == 400


# -- 455 / 454 / 501 --------------------------------------------------------------------
async def test_455_method_not_valid_in_state(
    sim: Simulator, token: str, described: tuple[RtspClient, str]
) -> None:
    """PLAY before SETUP, a second DESCRIBE, a second SETUP and PLAY while playing: 455."""
    client, url = described
    assert (await client.request("PLAY", url)).status == 455
    assert (await client.request("DESCRIBE", url, x_auth(token))).status == 455
    pair = await UdpPair.open()
    try:
        await setup_udp(client, url, pair)
        second = await client.request(
            "SETUP", url, {"Transport": f"RTP/SAVP;unicast;client_port={pair.port}"}
        )
        assert second.status == 455
        assert (await client.request("PLAY", url)).status == 200
        assert (await client.request("PLAY", url)).status == 455
    finally:
        pair.close()


async def test_454_unknown_session_header(
    described: tuple[RtspClient, str],
) -> None:
    """A `Session:` header naming another session: 454; the right one still works."""
    client, url = described
    response = await client.request(
        "PLAY", url, {"Session": "not-this-one"}, session=False
    )
    assert response.status == 454
    assert (await client.request("TEARDOWN", url)).status == 200


@pytest.mark.parametrize("method", ["PAUSE", "GET_PARAMETER", "ANNOUNCE", "RECORD"])
async def test_501_other_methods(
    sim: Simulator, rtsp_connect: Connect, method: str
) -> None:
    """Methods the bridge does not offer: 501, and the connection stays open."""
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    assert (await client.request(method, url)).status == 501
    assert (await client.request("OPTIONS", url)).status == 200


# -- 461 ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "transport",
    [
        "RTP/SAVP;multicast;client_port=5004-5005",
        "RTP/SAVP;unicast;client_port=5004-5005;destination=10.1.2.3",
        "RTP/SAVP/TCP;unicast;interleaved=0-1",
        "RTP/AVP;unicast;client_port=5004-5005",
        "RTP/AVP/TCP;unicast;interleaved=0-1",
        "RTP/SAVP;unicast",
        "RTP/SAVP;unicast;client_port=0-1",
        "RTP/SAVP;unicast;client_port=abc",
        "RTP/SAVP;unicast;client_port=70000",
        "RTP/SAVPF;unicast;client_port=5004-5005",
        "RAW/RAW/UDP;unicast;client_port=5004",
        "",
        None,
    ],
)
async def test_461_unsupported_transport(
    session: aiohttp.ClientSession,
    sim: Simulator,
    described: tuple[RtspClient, str],
    transport: str | None,
) -> None:
    """Multicast, a foreign destination, TCP and RTP/AVP by default, bad ports: 461."""
    client, url = described
    headers = {} if transport is None else {"Transport": transport}
    assert (await client.request("SETUP", url, headers)).status == 461
    (record,) = await control(session, sim, "/rtsp/sessions", method="GET")
    assert record["state"] == "described"


async def test_461_tcp_still_refused_for_bad_channels(
    sim: Simulator, session: aiohttp.ClientSession, described: tuple[RtspClient, str]
) -> None:
    """With interleaving on, channels must still be numbers within 0..255."""
    await control(session, sim, "/config", {"rtsp_tcp_interleaved": True})
    client, url = described
    for spec in ("interleaved=a-b", "interleaved=0-300"):
        response = await client.request(
            "SETUP", url, {"Transport": f"RTP/SAVP/TCP;unicast;{spec}"}
        )
        assert response.status == 461


# -- 500 / 502 and other injected faults ----------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_injected_statuses(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    rtsp_connect: Connect,
    status: int,
) -> None:
    """`/_sim/faults` forces a status on an RTSP method once; the retry then succeeds."""
    await control(
        session,
        sim,
        "/faults",
        {
            "path": "/stream$",
            "method": "DESCRIBE",
            "status": status,
            "count": 1,
            "retry_after": 3,
        },
    )
    client = await rtsp_connect()
    url = sim.rtsp_stream_url(FRONT_DOOR_ID)
    response = await client.request("DESCRIBE", url, x_auth(token))
    assert response.status == status
    assert response.headers["retry-after"] == "3"
    assert (await client.request("DESCRIBE", url, x_auth(token))).status == 200


async def test_injected_fault_on_setup_and_drop(
    sim: Simulator,
    session: aiohttp.ClientSession,
    described: tuple[RtspClient, str],
    rtsp_connect: Connect,
    token: str,
) -> None:
    """A 502 on SETUP (gateway connection failed), then a dropped connection on DESCRIBE."""
    client, url = described
    await control(
        session, sim, "/faults", {"path": ".", "method": "SETUP", "status": 502}
    )
    setup = await client.request(
        "SETUP", url, {"Transport": "RTP/SAVP;unicast;client_port=5004-5005"}
    )
    assert setup.status == 502
    await control(session, sim, "/faults", method="DELETE")
    await control(
        session, sim, "/faults", {"path": ".", "method": "DESCRIBE", "drop": True}
    )
    other = await rtsp_connect()
    await other.send_raw(
        f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\nX-Auth-Token: {token}\r\n\r\n".encode()
    )
    assert await other.reader.read() == b""


# -- garbage on the connection ----------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"hello\r\n\r\n", 400),
        (b"OPTIONS * RTSP/1.0\r\n\r\n", 400),
        (b"OPTIONS * RTSP/1.0\r\nCSeq: x\r\n\r\n", 400),
        (b"OPTIONS * HTTP/1.1\r\nCSeq: 1\r\n\r\n", 505),
        (b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nbroken header\r\n\r\n", 400),
        (b"OPTIONS http://x/ RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400),
        (b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 999999\r\n\r\n", 400),
        (b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"\xff\xfe * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400),
        (b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 400),
    ],
    ids=[
        "not-a-request",
        "no-cseq",
        "bad-cseq",
        "http",
        "bad-header",
        "http-uri",
        "huge-body",
        "negative-length",
        "not-utf8",
        "head-too-long",
    ],
)
async def test_malformed_requests_get_an_error_and_a_hangup(
    sim: Simulator, rtsp_connect: Connect, raw: bytes, status: int
) -> None:
    """Bytes that are not an RTSP/1.0 request: an error status, then the bridge hangs up."""
    client = await rtsp_connect()
    await client.send_raw(raw)
    response = await client.response()
    assert response.status == status
    assert await client.closed_by_server()
    healthy = await rtsp_connect()
    assert (await healthy.request("OPTIONS", "*")).status == 200


async def test_request_body_is_read(sim: Simulator, rtsp_connect: Connect) -> None:
    """A request with a (small) body is read whole; the next request still parses."""
    client = await rtsp_connect()
    await client.send_raw(
        b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 4\r\n\r\nbody"
    )
    assert (await client.response()).status == 200
    client.cseq = 1
    assert (await client.request("OPTIONS", "*")).status == 200


async def test_plain_tcp_and_truncated_clients_do_not_hurt(
    sim: Simulator, rtsp_connect: Connect
) -> None:
    """A client without TLS, or one that hangs up mid-request, leaves the bridge serving."""
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.rtsp_port)
    writer.write(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()
    half = await rtsp_connect()
    await half.send_raw(
        b"DESCRIBE rtsps://127.0.0.1/v1/devices/x/stream RTSP/1.0\r\nCSe"
    )
    await half.close()
    interleaved = await rtsp_connect()
    await interleaved.send_raw(b"$\x01\x00\x10short")
    await interleaved.close()
    healthy = await rtsp_connect()
    assert (await healthy.request("OPTIONS", "*")).status == 200


async def test_client_certificate_check_fails_without_ca(sim: Simulator) -> None:
    """The certificate is self-signed: a client with only the system CAs refuses it."""
    context = ssl.create_default_context()
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.open_connection("127.0.0.1", sim.rtsp_port, ssl=context)

"""The RTSP methods of the bridge: DESCRIBE, SETUP, PLAY and TEARDOWN on one connection.

DESCRIBE authenticates (see `auth`) and opens the connection's session; SETUP, PLAY and
TEARDOWN ride on it. Beyond the documented errors: a method other than OPTIONS before DESCRIBE
is 401 (the connection is not authenticated); a `Session:` header naming another session is
454; a second DESCRIBE, a second SETUP, PLAY before SETUP and PLAY while playing are 455.
"""

import base64
import re
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urlsplit, urlunsplit

from .auth import authorize
from .media import SrtpKey
from .messages import RtspError, RtspRequest
from .sdp import CONTROL, describe_sdp
from .session import BridgeSession
from .transport import choose_transport

if TYPE_CHECKING:
    from .connection import Connection, Reply

_DEVICE_PATH: Final = re.compile(r"^/v1/devices/(?P<device_id>[^/]+)/stream/?$")


def _content_base(request: RtspRequest, session: BridgeSession) -> str:
    """Return the stream URL as the client spelled its origin, with a trailing slash."""
    parts = urlsplit(request.uri)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, session.stream_path + "/", "", ""))


def describe(conn: Connection, request: RtspRequest) -> Reply:
    """Authenticate, create the session and answer the SDP."""
    match = _DEVICE_PATH.match(request.path)
    if match is None:
        raise RtspError(400, "path mismatch")
    if conn.session is not None:
        raise RtspError(455, "this connection already has a session")
    device_id = unquote(match["device_id"])
    account, device, form = authorize(conn.state, request, device_id)
    if not device.online:
        raise RtspError(503, "device is offline")
    ids = conn.state.ids
    session = BridgeSession(
        id=ids.token(12),
        device_id=device.id,
        account_id=account.id,
        client=conn.client,
        auth=form,
        stream_path=match[0].rstrip("/"),
        key=SrtpKey(base64.urlsafe_b64decode(ids.token(30))),
        ssrc=int(ids.random() * 2**32),
        h264_profile=conn.state.config.whep_h264_profile,
        started_ms=conn.state.now_ms(),
        hangup=conn.hangup,
    )
    conn.session = session
    conn.bridge.add_session(session)
    sdp = describe_sdp(
        origin_id=session.ssrc,
        host=conn.state.config.host,
        key=session.key,
        profile=session.h264_profile,
    )
    headers = {
        "Content-Type": "application/sdp",
        "Content-Base": _content_base(request, session),
        "Session": session.id,
    }
    return headers, sdp.encode(), None, False


def _session_for(conn: Connection, request: RtspRequest) -> BridgeSession:
    """Return this connection's session, checking the path and `Session:` header."""
    session = conn.session
    if session is None:
        raise RtspError(401, f"{request.method} before DESCRIBE")
    named = (request.header("Session") or "").split(";", 1)[0].strip()
    if named and named != session.id:
        raise RtspError(454, "unknown session")
    base = session.stream_path
    if request.path not in (base, base + "/", f"{base}/{CONTROL}"):
        raise RtspError(400, "path mismatch")
    return session


async def setup(conn: Connection, request: RtspRequest) -> Reply:
    """Choose the transport and bind the server ports."""
    session = _session_for(conn, request)
    if session.state != "described":
        raise RtspError(455, f"SETUP not valid while {session.state}")
    config = conn.state.config
    transport = choose_transport(
        request.header("Transport"),
        client_ip=conn.client[0],
        allow_tcp=config.rtsp_tcp_interleaved,
        allow_avp=config.rtsp_accept_avp,
    )
    ssrc = f"{session.ssrc:08X}"
    if transport.client_ports is not None:
        session.udp = await conn.bridge.open_udp()
        session.server_ports = session.udp.ports
        low, high = transport.client_ports
        server_low, server_high = session.server_ports
        reply = (
            f"{transport.answer_profile};unicast;client_port={low}-{high};"
            f"server_port={server_low}-{server_high};source={config.host};ssrc={ssrc}"
        )
    else:
        assert transport.interleaved is not None
        low, high = transport.interleaved
        reply = (
            f"{transport.answer_profile};unicast;interleaved={low}-{high};ssrc={ssrc}"
        )
    session.transport = transport
    session.state = "ready"
    return {"Transport": reply, "Session": session.id}, b"", None, False


def play(conn: Connection, request: RtspRequest) -> Reply:
    """Open the upstream live session and start the packets after the reply."""
    session = _session_for(conn, request)
    if session.state != "ready":
        raise RtspError(455, f"PLAY not valid while {session.state}")
    device = conn.state.devices.get(session.device_id)
    if device is None or device.removed:
        raise RtspError(404, "unknown device")
    if not device.online:
        raise RtspError(503, "device is offline")
    transport = session.transport
    assert transport is not None
    if session.udp is not None and transport.client_ports is not None:
        sink = session.udp.sink((conn.client[0], transport.client_ports[0]))
    else:
        assert transport.interleaved is not None
        sink = conn.interleaved_sink(transport.interleaved[0])
    control_url = _content_base(request, session) + CONTROL
    headers = {
        "Range": "npt=0.000-",
        "RTP-Info": f"url={control_url};seq=0;rtptime=0",
        "Session": session.id,
    }
    return (
        headers,
        b"",
        lambda: conn.bridge.start_media(session, device, sink),
        False,
    )


async def teardown(conn: Connection, request: RtspRequest) -> Reply:
    """End the session; the connection is closed after the reply."""
    session = _session_for(conn, request)
    await conn.bridge.end(session, "teardown", hangup=False)
    return {"Session": session.id}, b"", None, True

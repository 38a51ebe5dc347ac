"""One client connection to the bridge: the RTSP methods and their errors.

OPTIONS needs no credentials. DESCRIBE authenticates (see `auth`) and opens the session;
SETUP, PLAY and TEARDOWN ride on it. Errors, beyond the documented ones: requests other than
OPTIONS before DESCRIBE are 401 (the connection is not authenticated); a `Session:` header
naming another session is 454; a second DESCRIBE, a second SETUP, PLAY before SETUP and PLAY
while playing are 455; other methods are 501; bytes that are not an RTSP/1.0 request get a
400 (or 505) and the connection is closed. Faults from `/_sim/faults` apply to RTSP methods
and paths too (`status`, `drop`, `latency_ms`), e.g. a 502 "gateway connection failed".
Every request is logged in `/_sim/requests` (port = the bridge port), never with a token.
"""

import asyncio
import base64
from collections.abc import Callable
import contextlib
import logging
import re
import ssl
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urlsplit, urlunsplit

from .auth import authorize
from .media import PacketSink, SrtpKey
from .messages import (
    InterleavedFrame,
    MalformedRequestError,
    RtspError,
    RtspRequest,
    format_response,
    interleave,
    read_message,
)
from .sdp import CONTROL, describe_sdp
from .session import BridgeSession
from .transport import choose_transport

if TYPE_CHECKING:
    from .bridge import RtspBridge

_LOGGER = logging.getLogger(__name__)

PUBLIC: Final = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"
_DEVICE_PATH: Final = re.compile(r"^/v1/devices/(?P<device_id>[^/]+)/stream/?$")
_MAX_WRITE_BUFFER: Final = 1024 * 1024
_DISCONNECTS: Final = (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError)

type Reply = tuple[dict[str, str], bytes, Callable[[], None] | None, bool]
"""Headers, body, what to do once the reply is written, and whether to hang up then."""


class Connection:
    """Serve the requests of one TLS connection, holding at most one session."""

    def __init__(
        self,
        bridge: RtspBridge,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """Remember the streams and the client address."""
        self.bridge = bridge
        self.state = bridge.state
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername") or ("", 0)
        self.client: tuple[str, int] = (str(peer[0]), int(peer[1]))
        self.session: BridgeSession | None = None

    async def serve(self) -> None:
        """Answer requests until the client or the bridge closes the connection."""
        try:
            await self._serve_requests()
        except _DISCONNECTS:
            pass
        finally:
            session = self.session
            if session is not None and not session.ended:
                await self.bridge.end(session, "disconnected", hangup=False)
            self.writer.close()
            with contextlib.suppress(*_DISCONNECTS, TimeoutError):
                async with asyncio.timeout(2):
                    await self.writer.wait_closed()

    def abort(self) -> None:
        """Drop the connection now (simulator shutdown)."""
        self.writer.transport.abort()

    def hangup(self) -> None:
        """Close the connection after what is already written (the bridge ended it)."""
        self.writer.close()

    def interleaved_sink(self, channel: int) -> PacketSink:
        """Return a sink that frames packets on this connection; drops when congested."""

        def send(packet: bytes) -> bool:
            transport = self.writer.transport
            if (
                transport.is_closing()
                or transport.get_write_buffer_size() > _MAX_WRITE_BUFFER
            ):
                return False
            self.writer.write(interleave(channel, packet))
            return True

        return send

    async def _send(self, data: bytes) -> None:
        """Write a response."""
        self.writer.write(data)
        await self.writer.drain()

    async def _serve_requests(self) -> None:
        """Read and answer requests; interleaved frames from the client are dropped."""
        while True:
            try:
                message = await read_message(self.reader)
            except MalformedRequestError as err:
                await self._send(format_response(400, err.cseq))
                return
            except RtspError as err:
                await self._send(format_response(err.status, None))
                return
            if message is None:
                return
            if isinstance(message, InterleavedFrame):
                continue
            if await self._answer(message):
                return

    def _log(self, request: RtspRequest) -> dict[str, object]:
        """Add the request to the simulator's request log (no credentials, no query)."""
        parts = urlsplit(request.uri) if request.uri != "*" else None
        host = ""
        if parts is not None and parts.hostname:
            host = parts.hostname + (f":{parts.port}" if parts.port else "")
        entry: dict[str, object] = {
            "method": request.method,
            "path": request.path,
            "query": "",
            "status": None,
            "bearer": False,
            "authorization": request.header("Authorization") is not None,
            "host": host,
            "port": self.bridge.port,
            "time": self.state.now_ms(),
        }
        self.state.request_log.append(entry)
        return entry

    async def _answer(self, request: RtspRequest) -> bool:
        """Answer one request; return True when the connection is to be closed."""
        entry = self._log(request)
        after: Callable[[], None] | None = None
        close = False
        body = b""
        try:
            if await self._injected_fault(request):
                return True
            headers, body, after, close = await self._dispatch(request)
            status = 200
        except RtspError as err:
            status, headers, close = err.status, err.headers, err.close
            _LOGGER.debug("RTSP %s refused: %s", request.method, err)
        except Exception:
            _LOGGER.exception("RTSP %s failed", request.method)
            status, headers = 500, {}
        entry["status"] = status
        await self._send(format_response(status, request.cseq, headers, body))
        if after is not None:
            after()
        return close

    async def _injected_fault(self, request: RtspRequest) -> bool:
        """Apply a matching `/_sim/faults` entry: wait, then drop (True) or raise its status."""
        fault = self.state.faults.take(request.method, request.path)
        if fault is None:
            return False
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.drop:
            return True
        if fault.status is not None:
            headers = (
                {"Retry-After": str(fault.retry_after)}
                if fault.retry_after is not None
                else {}
            )
            raise RtspError(fault.status, "injected fault", headers=headers)
        return False

    async def _dispatch(self, request: RtspRequest) -> Reply:
        """Run one method."""
        match request.method:
            case "OPTIONS":
                return {"Public": PUBLIC}, b"", None, False
            case "DESCRIBE":
                return self._describe(request)
            case "SETUP":
                return await self._setup(request)
            case "PLAY":
                return self._play(request)
            case "TEARDOWN":
                return await self._teardown(request)
            case _:
                raise RtspError(501, f"method {request.method} is not supported")

    def _content_base(self, request: RtspRequest, session: BridgeSession) -> str:
        """Return the stream URL as the client spelled its origin, with a trailing slash."""
        parts = urlsplit(request.uri)
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, netloc, session.stream_path + "/", "", ""))

    def _describe(self, request: RtspRequest) -> Reply:
        """Authenticate, create the session and answer the SDP."""
        match = _DEVICE_PATH.match(request.path)
        if match is None:
            raise RtspError(400, "path mismatch")
        if self.session is not None:
            raise RtspError(455, "this connection already has a session")
        device_id = unquote(match["device_id"])
        account, device, form = authorize(self.state, request, device_id)
        if not device.online:
            raise RtspError(503, "device is offline")
        ids = self.state.ids
        session = BridgeSession(
            id=ids.token(12),
            device_id=device.id,
            account_id=account.id,
            client=self.client,
            auth=form,
            stream_path=match[0].rstrip("/"),
            key=SrtpKey(base64.urlsafe_b64decode(ids.token(30))),
            ssrc=int(ids.random() * 2**32),
            started_ms=self.state.now_ms(),
            hangup=self.hangup,
        )
        self.session = session
        self.bridge.add_session(session)
        sdp = describe_sdp(
            origin_id=session.ssrc, host=self.state.config.host, key=session.key
        )
        headers = {
            "Content-Type": "application/sdp",
            "Content-Base": self._content_base(request, session),
            "Session": session.id,
        }
        return headers, sdp.encode(), None, False

    def _session_for(self, request: RtspRequest) -> BridgeSession:
        """Return this connection's session, checking the path and `Session:` header."""
        session = self.session
        if session is None:
            raise RtspError(401, f"{request.method} before DESCRIBE")
        named = (request.header("Session") or "").split(";", 1)[0].strip()
        if named and named != session.id:
            raise RtspError(454, "unknown session")
        base = session.stream_path
        if request.path not in (base, base + "/", f"{base}/{CONTROL}"):
            raise RtspError(400, "path mismatch")
        return session

    async def _setup(self, request: RtspRequest) -> Reply:
        """Choose the transport and bind the server ports."""
        session = self._session_for(request)
        if session.state != "described":
            raise RtspError(455, f"SETUP not valid while {session.state}")
        config = self.state.config
        transport = choose_transport(
            request.header("Transport"),
            client_ip=self.client[0],
            allow_tcp=config.rtsp_tcp_interleaved,
            allow_avp=config.rtsp_accept_avp,
        )
        ssrc = f"{session.ssrc:08X}"
        if transport.client_ports is not None:
            session.udp = await self.bridge.open_udp()
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
            reply = f"{transport.answer_profile};unicast;interleaved={low}-{high};ssrc={ssrc}"
        session.transport = transport
        session.state = "ready"
        return {"Transport": reply, "Session": session.id}, b"", None, False

    def _play(self, request: RtspRequest) -> Reply:
        """Open the upstream live session and start the packets after the reply."""
        session = self._session_for(request)
        if session.state != "ready":
            raise RtspError(455, f"PLAY not valid while {session.state}")
        device = self.state.devices.get(session.device_id)
        if device is None or device.removed:
            raise RtspError(404, "unknown device")
        if not device.online:
            raise RtspError(503, "device is offline")
        transport = session.transport
        assert transport is not None
        if session.udp is not None and transport.client_ports is not None:
            sink = session.udp.sink((self.client[0], transport.client_ports[0]))
        else:
            assert transport.interleaved is not None
            sink = self.interleaved_sink(transport.interleaved[0])
        control_url = self._content_base(request, session) + CONTROL
        headers = {
            "Range": "npt=0.000-",
            "RTP-Info": f"url={control_url};seq=0;rtptime=0",
            "Session": session.id,
        }
        return (
            headers,
            b"",
            lambda: self.bridge.start_media(session, device, sink),
            False,
        )

    async def _teardown(self, request: RtspRequest) -> Reply:
        """End the session; the connection is closed after the reply."""
        session = self._session_for(request)
        await self.bridge.end(session, "teardown", hangup=False)
        return {"Session": session.id}, b"", None, True

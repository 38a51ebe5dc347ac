"""One client connection to the bridge: reading requests, answering them, framing media.

OPTIONS needs no credentials; DESCRIBE, SETUP, PLAY and TEARDOWN are in `methods`; other
methods are 501. Bytes that are not an RTSP/1.0 request get a 400 (or 505) and the connection
is closed. Faults from `/_sim/faults` apply to RTSP methods and paths too (`status`, `drop`,
`latency_ms`), e.g. a 502 "gateway connection failed". Every request is logged in
`/_sim/requests` (port = the bridge port), never with a token.
"""

import asyncio
from collections.abc import Callable
import contextlib
import logging
import ssl
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from . import methods
from .media import PacketSink
from .messages import (
    InterleavedFrame,
    MalformedRequestError,
    RtspError,
    RtspRequest,
    format_response,
    interleave,
    read_message,
)
from .session import BridgeSession

if TYPE_CHECKING:
    from .bridge import RtspBridge

_LOGGER = logging.getLogger(__name__)

PUBLIC: Final = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"
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
                return methods.describe(self, request)
            case "SETUP":
                return await methods.setup(self, request)
            case "PLAY":
                return methods.play(self, request)
            case "TEARDOWN":
                return await methods.teardown(self, request)
            case _:
                raise RtspError(501, f"method {request.method} is not supported")

"""The loopback relay: plain RTSP on 127.0.0.1 for Home Assistant's `stream`, fed from Ring.

FFmpeg cannot play Ring's bridge as Ring documents it (docs/streaming.md#why-a-relay), so
each camera gets `rtsp://127.0.0.1:<port>/<random path>`: a URL without a token that never
changes. A player's DESCRIBE joins the camera's feed (opening the bridge session if needed)
and gets the bridge's SDP without its key; SETUP takes TCP interleaving only (what FFmpeg asks
for with HA's `prefer_tcp`); PLAY starts the decrypted packets. Refusals from Ring come back
as the same RTSP status, so HA's stream worker reports them and backs off.
"""

import asyncio
from collections.abc import Callable
import contextlib
import logging
import secrets
import time
from typing import Final
from urllib.parse import urlsplit

from ..client import RingPartnerError
from ..client.rtsp import (
    InterleavedFrame,
    RtspMessage,
    RtspProtocolError,
    format_response,
    interleave,
    read_message,
    status_for,
)
from .feed import CameraFeed, SessionFactory, Verdict

_LOGGER = logging.getLogger(__name__)

LOOPBACK: Final = "127.0.0.1"
PUBLIC: Final = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"
# A viewer that falls this far behind loses packets rather than growing memory.
_MAX_WRITE_BUFFER: Final = 2 * 1024 * 1024


_NAL_SPS: Final = 7
_NAL_IDR: Final = 5
_NAL_STAP_A: Final = 24
_NAL_FU_A: Final = 28


def starts_keyframe(packet: bytes) -> bool:
    """Return True for an RTP packet that opens an H.264 keyframe (SPS, or an IDR's start).

    A player that joins a running feed gets its first packet here, so its first frame is
    whole: FFmpeg gives a frame joined mid-way no timestamp, which upsets HA's segmenter.
    """
    if len(packet) < 13:
        return False
    offset = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10 and len(packet) >= offset + 4:  # header extension
        offset += 4 + 4 * int.from_bytes(packet[offset + 2 : offset + 4])
    if len(packet) <= offset:
        return False
    nal = packet[offset] & 0x1F
    if nal == _NAL_STAP_A and len(packet) > offset + 3:
        return packet[offset + 3] & 0x1F in (_NAL_SPS, _NAL_IDR)
    if nal == _NAL_FU_A and len(packet) > offset + 1:
        header = packet[offset + 1]
        return bool(header & 0x80) and header & 0x1F in (_NAL_SPS, _NAL_IDR)
    return nal in (_NAL_SPS, _NAL_IDR)


class _ViewerConnection:
    """One local player connection: its RTSP requests and its share of the packets."""

    def __init__(
        self,
        relay: LoopbackRelay,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self._relay = relay
        self._reader = reader
        self._writer = writer
        self._feed: CameraFeed | None = None
        self._session_id = secrets.token_hex(8)
        self._channel: int | None = None
        self._playing = False
        self._synced = False

    def send(self, packet: bytes) -> None:
        """Frame a packet on the connection once playing; drop when the player lags."""
        transport = self._writer.transport
        if (
            not self._playing
            or self._channel is None
            or transport.is_closing()
            or transport.get_write_buffer_size() > _MAX_WRITE_BUFFER
        ):
            return
        if not self._synced:
            if not starts_keyframe(packet):
                return
            self._synced = True
        self._writer.write(interleave(self._channel, packet))

    def hangup(self) -> None:
        """Close the connection (the bridge ended the stream)."""
        self._playing = False
        self._writer.close()

    async def serve(self) -> None:
        """Answer requests until the player disconnects; then leave the feed."""
        try:
            while (message := await read_message(self._reader)) is not None:
                if isinstance(message, InterleavedFrame) or message.status:
                    continue  # the player's RTCP reports, or a stray response
                reply = await self._answer(message)
                self._writer.write(reply)
                await self._writer.drain()
                if message.method == "TEARDOWN":
                    break
        except ConnectionError, asyncio.IncompleteReadError, RtspProtocolError:
            pass
        finally:
            self._playing = False
            if self._feed is not None:
                await self._feed.leave(self)
            self._writer.close()

    async def _answer(self, request: RtspMessage) -> bytes:
        """Return the response to one request."""
        cseq = request.header("cseq")
        match request.method:
            case "OPTIONS":
                return format_response(200, cseq, {"Public": PUBLIC})
            case "DESCRIBE":
                return await self._describe(request, cseq)
            case "SETUP":
                return self._setup(request, cseq)
            case "PLAY" if self._channel is not None:
                self._playing = True
                headers = {"Session": self._session_id, "Range": "npt=0.000-"}
                return format_response(200, cseq, headers)
            case "PLAY":
                return format_response(455, cseq)
            case "TEARDOWN" | "GET_PARAMETER" | "SET_PARAMETER":
                return format_response(200, cseq, {"Session": self._session_id})
            case _:
                return format_response(501, cseq)

    async def _describe(self, request: RtspMessage, cseq: str | None) -> bytes:
        """Join the camera's feed and answer its SDP for plain RTP."""
        feed = self._relay.feed_for(urlsplit(request.uri).path)
        if feed is None:
            return format_response(404, cseq)
        if self._feed is not None:
            return format_response(455, cseq)
        try:
            description = await feed.join(self)
        except RingPartnerError as err:
            _LOGGER.debug("Stream of %s refused: %s", feed.device_id, err)
            return format_response(status_for(err), cseq)
        self._feed = feed
        headers = {
            "Content-Type": "application/sdp",
            "Content-Base": request.uri.rstrip("/") + "/",
        }
        return format_response(200, cseq, headers, description.plain_sdp().encode())

    def _setup(self, request: RtspMessage, cseq: str | None) -> bytes:
        """Accept TCP interleaving (the only transport served); 461 for anything else."""
        if self._feed is None:
            return format_response(455, cseq)
        for spec in (request.header("transport") or "").split(","):
            fields = [part.strip() for part in spec.split(";")]
            if not fields[0].upper().startswith("RTP/AVP/TCP"):
                continue
            channels = next(
                (f.partition("=")[2] for f in fields if f.startswith("interleaved=")),
                "0-1",
            )
            low = channels.partition("-")[0]
            self._channel = int(low) if low.isdigit() and int(low) < 255 else 0
            transport = (
                f"RTP/AVP/TCP;unicast;interleaved={self._channel}-{self._channel + 1}"
            )
            headers = {"Transport": transport, "Session": self._session_id}
            return format_response(200, cseq, headers)
        return format_response(461, cseq)


class LoopbackRelay:
    """The RTSP server on 127.0.0.1 that serves every camera of one Ring account."""

    def __init__(
        self,
        *,
        open_session: SessionFactory,
        on_verdict: Callable[[str, Verdict], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare; `start()` binds the port."""
        self._open_session = open_session
        self._on_verdict = on_verdict
        self._clock = clock
        self._server: asyncio.Server | None = None
        self._feeds: dict[str, CameraFeed] = {}
        self._paths: dict[str, str] = {}
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._accept, LOOPBACK, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def url(self, device_id: str) -> str:
        """Return the camera's loopback URL: random path, no token, stable for the relay."""
        self.feed(device_id)
        path = next(p for p, d in self._paths.items() if d == device_id)
        return f"rtsp://{LOOPBACK}:{self.port}{path}"

    def feed(self, device_id: str) -> CameraFeed:
        """Return (creating it) the feed of a device."""
        if (feed := self._feeds.get(device_id)) is None:
            feed = self._feeds[device_id] = CameraFeed(
                device_id,
                open_session=self._open_session,
                clock=self._clock,
                on_verdict=self._on_verdict,
            )
            self._paths[f"/{secrets.token_urlsafe(18)}"] = device_id
        return feed

    def feed_for(self, path: str) -> CameraFeed | None:
        """Return the feed a request path names (with or without a track suffix)."""
        device_id = self._paths.get(path.rstrip("/"))
        return self._feeds.get(device_id) if device_id is not None else None

    @property
    def sessions_opened(self) -> int:
        """Return how many bridge sessions this relay has opened (for diagnostics, bench)."""
        return sum(feed.sessions_opened for feed in self._feeds.values())

    async def _accept(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Serve one player connection."""
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await _ViewerConnection(self, reader, writer).serve()
        finally:
            self._connections.discard(task)

    async def close(self) -> None:
        """Stop listening, end every feed and drop every player connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for feed in list(self._feeds.values()):
            await feed.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if server is not None:
            server.close_clients()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await server.wait_closed()

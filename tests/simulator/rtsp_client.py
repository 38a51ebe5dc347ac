"""A small RTSP-over-TLS client for the bridge tests: requests, SRTP over UDP or TCP, H.264.

Written for the tests from RFC 2326/3711/4568 and Ring's description of the bridge; it shares
no code with the simulator's bridge, so a misreading on one side shows up as a failure.
"""

import asyncio
import base64
from collections.abc import Iterable
import contextlib
from dataclasses import dataclass, field
import ssl
from typing import Self, override

from aiortc.codecs.h264 import h264_depayload
from aiortc.rtp import RtpPacket
import av
from av.video.frame import VideoFrame
import pylibsrtp

TIMEOUT_S = 10.0


@dataclass(kw_only=True)
class Response:
    """One RTSP response; header names lower-cased."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def text(self) -> str:
        """Return the body as text."""
        return self.body.decode()


def crypto_key(sdp: str) -> bytes:
    """Return the SDES master key and salt of the SDP's `a=crypto` line."""
    for line in sdp.splitlines():
        if line.startswith("a=crypto:"):
            _, suite, params = line.removeprefix("a=crypto:").split(" ", 2)
            assert suite == "AES_CM_128_HMAC_SHA1_80"
            return base64.b64decode(params.removeprefix("inline:").split("|")[0])
    raise AssertionError("no a=crypto line")


def unprotector(key: bytes) -> pylibsrtp.Session:
    """Return an inbound SRTP context."""
    policy = pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND)
    return pylibsrtp.Session(policy=policy)


def decode_h264(packets: Iterable[RtpPacket]) -> list[VideoFrame]:
    """Depacketize RTP payloads into Annex B H.264 and decode every frame that decodes.

    Packets the decoder refuses (slices before any parameter set) are skipped, as a player
    would skip them.
    """
    stream = b"".join(h264_depayload(packet.payload) for packet in packets)
    codec = av.CodecContext.create("h264", "r")
    frames: list[VideoFrame] = []
    for packet in codec.parse(stream):
        try:
            decoded = codec.decode(packet)
        except av.InvalidDataError:
            continue
        frames.extend(frame for frame in decoded if isinstance(frame, VideoFrame))
    return frames


class _Receiver(asyncio.DatagramProtocol):
    """Queue every datagram with its source address."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        """Queue the datagram."""
        self.queue.put_nowait((data, (str(addr[0]), int(addr[1]))))


@dataclass(kw_only=True)
class UdpPair:
    """The client's RTP/RTCP ports."""

    transport: asyncio.DatagramTransport
    rtcp: asyncio.DatagramTransport
    receiver: _Receiver
    port: int

    @classmethod
    async def open(cls) -> UdpPair:
        """Bind an even RTP port and the odd port above it on 127.0.0.1."""
        loop = asyncio.get_running_loop()
        for _ in range(50):
            transport, receiver = await loop.create_datagram_endpoint(
                _Receiver, local_addr=("127.0.0.1", 0)
            )
            port = int(transport.get_extra_info("sockname")[1])
            if port % 2 == 0:
                try:
                    rtcp, _ = await loop.create_datagram_endpoint(
                        asyncio.DatagramProtocol, local_addr=("127.0.0.1", port + 1)
                    )
                except OSError:
                    pass
                else:
                    return cls(
                        transport=transport, rtcp=rtcp, receiver=receiver, port=port
                    )
            transport.close()
        raise OSError("no UDP port pair")

    async def next(self) -> tuple[bytes, tuple[str, int]]:
        """Return the next datagram and its source."""
        return await asyncio.wait_for(self.receiver.queue.get(), TIMEOUT_S)

    def close(self) -> None:
        """Close both sockets."""
        self.transport.close()
        self.rtcp.close()


@dataclass(kw_only=True)
class RtspClient:
    """An RTSP connection over TLS that numbers requests and collects interleaved frames."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    cseq: int = 0
    session: str | None = None
    frames: asyncio.Queue[tuple[int, bytes]] = field(default_factory=asyncio.Queue)

    @classmethod
    async def connect(cls, host: str, port: int, ca_file: str) -> Self:
        """Open a TLS connection that verifies the bridge against its CA file."""
        context = ssl.create_default_context(cafile=ca_file)
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context), TIMEOUT_S
        )
        return cls(reader=reader, writer=writer)

    async def send_raw(self, data: bytes) -> None:
        """Write bytes as they are."""
        self.writer.write(data)
        await self.writer.drain()

    async def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        *,
        session: bool = True,
    ) -> Response:
        """Send a request (with the session once known) and read its response."""
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"]
        if session and self.session:
            lines.append(f"Session: {self.session}")
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        await self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = await self.response()
        assert response.headers.get("cseq") == str(self.cseq)
        if response.status == 200 and "session" in response.headers:
            self.session = response.headers["session"].split(";")[0]
        return response

    async def response(self) -> Response:
        """Read the next response, queueing interleaved frames that come first."""
        return await asyncio.wait_for(self._response(), TIMEOUT_S)

    async def _response(self) -> Response:
        while True:
            first = await self.reader.readexactly(1)
            if first == b"$":
                await self._frame()
                continue
            head = (first + await self.reader.readuntil(b"\r\n\r\n")).decode()
            status_line, *header_lines = head.removesuffix("\r\n\r\n").split("\r\n")
            version, status, reason = status_line.split(" ", 2)
            assert version == "RTSP/1.0"
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = b""
            if length := int(headers.get("content-length", "0")):
                body = await self.reader.readexactly(length)
            return Response(
                status=int(status), reason=reason, headers=headers, body=body
            )

    async def _frame(self) -> None:
        header = await self.reader.readexactly(3)
        data = await self.reader.readexactly(int.from_bytes(header[1:3]))
        self.frames.put_nowait((header[0], data))

    async def next_frame(self) -> tuple[int, bytes]:
        """Return the next interleaved frame (reading the connection as needed)."""
        async with asyncio.timeout(TIMEOUT_S):
            while self.frames.empty():
                first = await self.reader.readexactly(1)
                assert first == b"$", first
                await self._frame()
            return self.frames.get_nowait()

    async def closed_by_server(self) -> bool:
        """Return True once the server closed the connection (skipping interleaved data)."""
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            async with asyncio.timeout(TIMEOUT_S):
                while await self.reader.read(65536):
                    pass
        return True

    async def close(self) -> None:
        """Close the connection."""
        self.writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await self.writer.wait_closed()


def x_auth(token: str) -> dict[str, str]:
    """Return the preferred credentials header."""
    return {"X-Auth-Token": token}


def basic(token: str, user: str = "") -> dict[str, str]:
    """Return Basic credentials: `base64(user + ":" + token)`, user empty as documented."""
    encoded = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


async def describe(client: RtspClient, url: str, token: str) -> Response:
    """DESCRIBE with `X-Auth-Token`; assert success."""
    response = await client.request(
        "DESCRIBE", url, {"Accept": "application/sdp"} | x_auth(token)
    )
    assert response.status == 200, response
    return response


async def setup_udp(client: RtspClient, url: str, pair: UdpPair) -> Response:
    """Set up the track for SRTP over UDP unicast to the pair's ports; assert success."""
    transport = f"RTP/SAVP;unicast;client_port={pair.port}-{pair.port + 1}"
    response = await client.request(
        "SETUP", f"{url}/trackID=0", {"Transport": transport}
    )
    assert response.status == 200, response
    return response


async def receive_udp(
    pair: UdpPair, key: bytes, frames: int
) -> tuple[list[RtpPacket], set[tuple[str, int]]]:
    """Receive SRTP packets up to the `frames`-th marker; return them decrypted and sources."""
    session = unprotector(key)
    packets: list[RtpPacket] = []
    sources: set[tuple[str, int]] = set()
    while sum(packet.marker for packet in packets) < frames:
        data, source = await pair.next()
        packets.append(RtpPacket.parse(session.unprotect(data)))
        sources.add(source)
    return packets, sources


async def receive_interleaved(
    client: RtspClient, key: bytes, frames: int, channel: int = 0
) -> list[RtpPacket]:
    """Receive SRTP packets framed on the connection up to the `frames`-th marker."""
    session = unprotector(key)
    packets: list[RtpPacket] = []
    while sum(packet.marker for packet in packets) < frames:
        got, data = await client.next_frame()
        assert got == channel
        packets.append(RtpPacket.parse(session.unprotect(data)))
    return packets


@dataclass(kw_only=True)
class Playing:
    """A session set up over UDP and playing."""

    client: RtspClient
    url: str
    key: bytes
    pair: UdpPair


async def play_udp(client: RtspClient, url: str, token: str, pair: UdpPair) -> Playing:
    """DESCRIBE, SETUP over UDP and PLAY; wait for the first frame."""
    key = crypto_key((await describe(client, url, token)).text)
    await setup_udp(client, url, pair)
    response = await client.request("PLAY", url)
    assert response.status == 200, response
    await receive_udp(pair, key, frames=1)
    return Playing(client=client, url=url, key=key, pair=pair)

"""Ring's RTSP bridge: its rules, RTSP/1.0 on the wire, and one upstream session.

Ring documents the bridge as RTSP over TLS with the access token on DESCRIBE only
(`X-Auth-Token`), an SDP whose `a=crypto` line carries the SRTP key (SDES), and SRTP over UDP
unicast after `SETUP RTP/SAVP;unicast;client_port=a-b` (docs/media.md#rtsp-bridge). Whether
it also interleaves on the TLS connection is not documented, so SETUP offers that first and
UDP second (docs/streaming.md#transport). `BridgeSession` plays one device: DESCRIBE (one
token refresh after a 401), SETUP, NAT pinholes, PLAY, then hands every decrypted RTP packet
to a callback until the bridge or the caller ends it. The token never appears in a URL, a log
line or an exception.
"""

import asyncio
import base64
import binascii
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import logging
import re
import ssl
from typing import Final, Protocol, Self, override
from urllib.parse import quote, urljoin, urlsplit

import pylibsrtp

from .const import RTSP_BRIDGE_ORIGIN, RTSP_STREAM_PATH
from .exceptions import (
    RingPartnerAuthenticationError,
    RingPartnerBadRequestError,
    RingPartnerConnectionError,
    RingPartnerDeviceNotFoundError,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerParseError,
    RingPartnerResponseError,
    RingPartnerServerError,
    RingPartnerUnavailableError,
    RingPartnerUnsupportedTransportError,
)

_LOGGER = logging.getLogger(__name__)

RTSP_VERSION: Final = "RTSP/1.0"
CRYPTO_SUITE: Final = "AES_CM_128_HMAC_SHA1_80"
SRTP_KEY_LENGTH: Final = 30  # 16-byte master key, 14-byte master salt (RFC 4568)
INTERLEAVED_MAGIC: Final = 0x24  # "$"
MAX_HEAD: Final = 16 * 1024
MAX_BODY: Final = 64 * 1024
CONNECT_TIMEOUT: Final = 10.0
REQUEST_TIMEOUT: Final = 10.0
TEARDOWN_TIMEOUT: Final = 2.0

_METHOD: Final = re.compile(r"[A-Z][A-Z_]{0,31}")

REASONS: Final = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    461: "Unsupported Transport",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def bridge_stream_url(device_id: str, origin: str = RTSP_BRIDGE_ORIGIN) -> str:
    """Return a device's stream URL on the bridge, without credentials."""
    return origin.rstrip("/") + RTSP_STREAM_PATH.format(
        device_id=quote(device_id, safe="")
    )


def auth_headers(token: str) -> dict[str, str]:
    """Return DESCRIBE's credentials in the form Ring prefers (docs/media.md#rtsp-bridge)."""
    return {"X-Auth-Token": token}


def bridge_error(status: int, method: str) -> RingPartnerError:
    """Return the client error for a bridge refusal (docs/streaming.md#bridge-errors)."""
    msg = f"Ring's RTSP bridge answered {method} with {status}"
    match status:
        case 400:
            return RingPartnerBadRequestError(msg, status=status)
        case 401:
            return RingPartnerAuthenticationError(msg, status=status)
        case 403:
            return RingPartnerForbiddenError(msg, status=status)
        case 404:
            return RingPartnerDeviceNotFoundError(msg, status=status)
        case 461:
            return RingPartnerUnsupportedTransportError(msg, status=status)
        case 503:
            # The bridge's 503 is the device's, as the API's "Device Unavailable" is.
            return RingPartnerUnavailableError(
                msg, status=status, title="Device Unavailable"
            )
        case _ if status >= 500:
            return RingPartnerServerError(msg, status=status)
        case _:
            return RingPartnerResponseError(msg, status=status)


def status_for(err: RingPartnerError) -> int:
    """Return the RTSP status that reports a client error to a downstream player."""
    if isinstance(err, RingPartnerResponseError) and 400 <= err.status < 600:
        return err.status
    return 502


# -- SDP ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class BridgeDescription:
    """What DESCRIBE told: the media SDP, the SRTP key and the track's control URL."""

    sdp: str = field(repr=False)
    key: bytes = field(repr=False)
    track_url: str

    @classmethod
    def parse(cls, sdp: str, content_base: str) -> Self:
        """Read the `a=crypto` key and the video track's control (RFC 4568, RFC 2326 C.1.1)."""
        key: bytes | None = None
        control = "*"
        in_video = False
        for line in sdp.splitlines():
            if line.startswith("m="):
                in_video = line.startswith("m=video")
            elif line.startswith("a=crypto:") and key is None:
                key = parse_crypto(line.removeprefix("a=crypto:"))
            elif line.startswith("a=control:") and in_video:
                control = line.removeprefix("a=control:").strip()
        if key is None:
            msg = "The bridge's SDP has no usable a=crypto key"
            raise RingPartnerParseError(msg)
        track_url = (
            content_base.rstrip("/")
            if control == "*"
            else urljoin(content_base.rstrip("/") + "/", control)
        )
        return cls(sdp=sdp, key=key, track_url=track_url)

    def plain_sdp(self) -> str:
        """Return the SDP for a plain RTP player: no key, `RTP/AVP`, one relative control."""
        lines: list[str] = []
        for line in self.sdp.splitlines():
            if line.startswith("a=crypto:"):
                continue
            if line.startswith("m=") and "RTP/SAVP" in line:
                line = line.replace("RTP/SAVP", "RTP/AVP")
            lines.append(line)
        return "\r\n".join(lines) + "\r\n"


def parse_crypto(value: str) -> bytes | None:
    """Return the master key and salt of one `a=crypto` value, None for another suite."""
    parts = value.split()
    if len(parts) < 3 or parts[1] != CRYPTO_SUITE:
        return None
    key_param = parts[2]
    if not key_param.startswith("inline:"):
        return None
    encoded = key_param.removeprefix("inline:").split("|", 1)[0]
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return None
    return key if len(key) == SRTP_KEY_LENGTH else None


# -- Transport ------------------------------------------------------------------------


def transport_offer(rtp_port: int) -> str:
    """Return SETUP's Transport: interleaved SRTP first, then Ring's documented UDP."""
    return (
        "RTP/SAVP/TCP;unicast;interleaved=0-1,"
        f"RTP/SAVP;unicast;client_port={rtp_port}-{rtp_port + 1}"
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class NegotiatedTransport:
    """The transport the bridge chose in its SETUP reply."""

    interleaved: int | None = None
    server_ports: tuple[int, int] | None = None
    source: str | None = None


def parse_transport_reply(header: str | None) -> NegotiatedTransport:
    """Read SETUP's reply Transport: an interleaved channel, or server ports and source."""
    if not header:
        msg = "The bridge's SETUP reply has no Transport"
        raise RingPartnerParseError(msg)
    fields = [part.strip() for part in header.split(",", 1)[0].split(";")]
    params = {
        name.lower(): value for name, _, value in (f.partition("=") for f in fields)
    }
    try:
        if "interleaved" in params:
            return NegotiatedTransport(
                interleaved=int(params["interleaved"].split("-")[0])
            )
        low, _, high = params["server_port"].partition("-")
        ports = (int(low), int(high) if high else int(low) + 1)
    except (KeyError, ValueError) as err:
        msg = "The bridge's SETUP reply names neither a channel nor server ports"
        raise RingPartnerParseError(msg) from err
    return NegotiatedTransport(server_ports=ports, source=params.get("source") or None)


# -- RTSP/1.0 on the wire -------------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class RtspMessage:
    """A request (`method`, `uri`) or a response (`status`); header names lower-cased."""

    headers: dict[str, str]
    body: bytes = b""
    method: str = ""
    uri: str = ""
    status: int = 0

    def header(self, name: str) -> str | None:
        """Return a header by case-insensitive name."""
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class InterleavedFrame:
    """A binary frame on the RTSP connection (RFC 2326, section 10.12)."""

    channel: int
    data: bytes


class RtspProtocolError(RingPartnerParseError):
    """The peer sent bytes that are not RTSP/1.0."""


async def read_message(
    reader: asyncio.StreamReader,
) -> RtspMessage | InterleavedFrame | None:
    """Return the next message or interleaved frame; None when the peer closed."""
    first = await reader.read(1)
    if not first:
        return None
    if first[0] == INTERLEAVED_MAGIC:
        header = await reader.readexactly(3)
        return InterleavedFrame(
            header[0], await reader.readexactly(int.from_bytes(header[1:3]))
        )
    try:
        head = first + await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as err:
        msg = "RTSP head too long"
        raise RtspProtocolError(msg) from err
    except asyncio.IncompleteReadError:
        return None
    if len(head) > MAX_HEAD:
        msg = "RTSP head too long"
        raise RtspProtocolError(msg)
    message = _parse_head(head)
    length = message.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY:
        msg = "invalid Content-Length"
        raise RtspProtocolError(msg)
    if int(length):
        message.body = await reader.readexactly(int(length))
    return message


def _parse_head(head: bytes) -> RtspMessage:
    """Parse a request or status line and the headers."""
    try:
        lines = head.decode("utf-8").removesuffix("\r\n\r\n").split("\r\n")
    except UnicodeDecodeError as err:
        msg = "RTSP head is not UTF-8"
        raise RtspProtocolError(msg) from err
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            msg = "malformed RTSP header line"
            raise RtspProtocolError(msg)
        headers[name.strip().lower()] = value.strip()
    parts = lines[0].split(" ", 2)
    if len(parts) == 3 and parts[0] == RTSP_VERSION and parts[1].isdigit():
        return RtspMessage(headers=headers, status=int(parts[1]))
    if len(parts) == 3 and parts[2] == RTSP_VERSION and _METHOD.fullmatch(parts[0]):
        return RtspMessage(headers=headers, method=parts[0].upper(), uri=parts[1])
    msg = "malformed RTSP start line"
    raise RtspProtocolError(msg)


def format_request(
    method: str, uri: str, cseq: int, headers: dict[str, str] | None = None
) -> bytes:
    """Return an RTSP request without a body."""
    lines = [f"{method} {uri} {RTSP_VERSION}", f"CSeq: {cseq}"]
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def format_response(
    status: int,
    cseq: str | None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    """Return an RTSP response; `Content-Length` is added for a body."""
    lines = [f"{RTSP_VERSION} {status} {REASONS.get(status, 'Error')}"]
    if cseq is not None:
        lines.append(f"CSeq: {cseq}")
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def interleave(channel: int, packet: bytes) -> bytes:
    """Frame a packet for an RTSP connection."""
    return bytes((INTERLEAVED_MAGIC, channel)) + len(packet).to_bytes(2) + packet


# -- One upstream session -------------------------------------------------------------


class TokenSource(Protocol):
    """Where the session gets its access token (the client's auth classes qualify)."""

    async def async_get_access_token(self) -> str:
        """Return a valid access token, refreshed before expiry."""
        ...

    async def async_force_refresh_access_token(self) -> str:
        """Refresh now and return the new token (after the bridge refused one)."""
        ...


class _UdpReceiver(asyncio.DatagramProtocol):
    """Hand every datagram to the session."""

    def __init__(self, on_datagram: Callable[[bytes], None]) -> None:
        self._on_datagram = on_datagram

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        """Pass the datagram on."""
        self._on_datagram(data)


async def _open_udp_pair(
    host: str, on_rtp: Callable[[bytes], None], attempts: int = 20
) -> tuple[asyncio.DatagramTransport, asyncio.DatagramTransport]:
    """Bind an even RTP port and the odd RTCP port above it (RFC 3550)."""
    loop = asyncio.get_running_loop()
    for _ in range(attempts):
        try:
            rtp, _ = await loop.create_datagram_endpoint(
                lambda: _UdpReceiver(on_rtp), local_addr=(host, 0)
            )
        except OSError as err:
            msg = f"Cannot bind a UDP port for the bridge's media: {err.strerror}"
            raise RingPartnerConnectionError(msg) from err
        port = int(rtp.get_extra_info("sockname")[1])
        if port % 2 == 0 and port < 65535:
            try:
                rtcp, _ = await loop.create_datagram_endpoint(
                    lambda: _UdpReceiver(lambda _data: None),
                    local_addr=(host, port + 1),
                )
            except OSError:
                pass
            else:
                return rtp, rtcp
        rtp.close()
    msg = "No free even/odd UDP port pair for the bridge's media"
    raise RingPartnerConnectionError(msg)


class BridgeSession:
    """One DESCRIBE-to-TEARDOWN session with Ring's RTSP bridge for one device.

    `on_packet` receives decrypted RTP packets; `on_end` is called once when the session
    ends for any reason other than `close()` (the bridge hung up: idle end, device removed).
    """

    def __init__(
        self,
        *,
        device_id: str,
        tokens: TokenSource,
        origin: str = RTSP_BRIDGE_ORIGIN,
        ssl_context: ssl.SSLContext | None = None,
        on_packet: Callable[[bytes], None],
        on_end: Callable[[], None],
    ) -> None:
        """Prepare; nothing is sent until `start()`."""
        self.device_id = device_id
        self.url = bridge_stream_url(device_id, origin)
        self._tokens = tokens
        self._ssl = ssl_context or ssl.create_default_context()
        self._on_packet = on_packet
        self._on_end = on_end
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._udp: tuple[asyncio.DatagramTransport, asyncio.DatagramTransport] | None
        self._udp = None
        self._cseq = 0
        self._session_id: str | None = None
        self._srtp: pylibsrtp.Session | None = None
        self._reading: asyncio.Task[None] | None = None
        self._closed = False
        self.description: BridgeDescription | None = None
        self.transport: NegotiatedTransport | None = None
        self.packets = 0
        self.rejected_packets = 0

    async def start(self) -> BridgeDescription:
        """Connect, DESCRIBE, SETUP and PLAY; raise a client error on any refusal."""
        try:
            return await self._start()
        except BaseException:
            await self._release()
            raise

    async def _start(self) -> BridgeDescription:
        parts = urlsplit(self.url)
        host, port = parts.hostname or "", parts.port or 322
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                self._reader, self._writer = await asyncio.open_connection(
                    host, port, ssl=self._ssl, limit=MAX_HEAD
                )
        except (OSError, TimeoutError) as err:  # ssl.SSLError is an OSError
            msg = f"Cannot reach Ring's RTSP bridge: {type(err).__name__}"
            raise RingPartnerConnectionError(msg) from None
        description = await self._describe()
        self.description = description
        self._srtp = pylibsrtp.Session(
            policy=pylibsrtp.Policy(
                key=description.key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND
            )
        )
        self.transport = await self._setup(description, host)
        reply = await self._request("PLAY", self.url)
        if reply.status != 200:
            raise bridge_error(reply.status, "PLAY")
        self._reading = asyncio.get_running_loop().create_task(
            self._read_connection(), name=f"ring rtsp {self.device_id}"
        )
        return description

    async def _describe(self) -> BridgeDescription:
        """DESCRIBE with the current token; after a 401, once more with a refreshed one."""
        token = await self._tokens.async_get_access_token()
        reply = await self._request(
            "DESCRIBE", self.url, {"Accept": "application/sdp"} | auth_headers(token)
        )
        if reply.status == 401:
            token = await self._tokens.async_force_refresh_access_token()
            reply = await self._request(
                "DESCRIBE",
                self.url,
                {"Accept": "application/sdp"} | auth_headers(token),
            )
        if reply.status != 200:
            raise bridge_error(reply.status, "DESCRIBE")
        self._session_id = (reply.header("session") or "").split(";", 1)[0] or None
        base = reply.header("content-base") or self.url
        try:
            return BridgeDescription.parse(reply.body.decode("utf-8"), base)
        except UnicodeDecodeError as err:
            msg = "The bridge's SDP is not UTF-8"
            raise RingPartnerParseError(msg) from err

    async def _setup(
        self, description: BridgeDescription, host: str
    ) -> NegotiatedTransport:
        """Offer interleaved then UDP SRTP; open NAT pinholes for UDP."""
        self._udp = await _open_udp_pair("0.0.0.0", self._receive)
        rtp_port = int(self._udp[0].get_extra_info("sockname")[1])
        reply = await self._request(
            "SETUP", description.track_url, {"Transport": transport_offer(rtp_port)}
        )
        if reply.status != 200:
            raise bridge_error(reply.status, "SETUP")
        if not self._session_id:
            self._session_id = (reply.header("session") or "").split(";", 1)[0] or None
        transport = parse_transport_reply(reply.header("transport"))
        if transport.interleaved is not None:
            self._close_udp()
        elif transport.server_ports is not None:
            # Packets from behind a NAT open the way back for the bridge's datagrams.
            source = transport.source or host
            rtp, rtcp = self._udp
            rtp.sendto(b"", (source, transport.server_ports[0]))
            rtcp.sendto(b"", (source, transport.server_ports[1]))
        return transport

    async def _request(
        self, method: str, uri: str, headers: dict[str, str] | None = None
    ) -> RtspMessage:
        """Send a request and return its response (interleaved frames are processed)."""
        assert self._writer is not None
        self._cseq += 1
        all_headers = dict(headers or {})
        if self._session_id:
            all_headers["Session"] = self._session_id
        try:
            self._writer.write(format_request(method, uri, self._cseq, all_headers))
            async with asyncio.timeout(REQUEST_TIMEOUT):
                await self._writer.drain()
                return await self._response()
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as err:
            msg = f"Ring's RTSP bridge dropped {method}: {type(err).__name__}"
            raise RingPartnerConnectionError(msg) from None

    async def _response(self) -> RtspMessage:
        """Read until a response arrives."""
        assert self._reader is not None
        while True:
            message = await read_message(self._reader)
            if message is None:
                raise asyncio.IncompleteReadError(b"", None)
            if isinstance(message, InterleavedFrame):
                self._frame(message)
            elif message.status:
                return message

    def _frame(self, frame: InterleavedFrame) -> None:
        """Take media from an interleaved frame (channel set at SETUP)."""
        if self.transport is not None and frame.channel == self.transport.interleaved:
            self._receive(frame.data)

    def _receive(self, data: bytes) -> None:
        """Decrypt one SRTP packet and pass it on; drop what does not authenticate."""
        if self._srtp is None or self._closed or len(data) < 12:
            return
        try:
            packet = self._srtp.unprotect(data)
        except pylibsrtp.Error:
            self.rejected_packets += 1
            return
        self.packets += 1
        self._on_packet(packet)

    async def _read_connection(self) -> None:
        """Read interleaved media (or nothing) until the bridge closes the connection."""
        assert self._reader is not None
        try:
            while (message := await read_message(self._reader)) is not None:
                if isinstance(message, InterleavedFrame):
                    self._frame(message)
        except (OSError, asyncio.IncompleteReadError, RtspProtocolError) as err:
            _LOGGER.debug("Bridge connection for %s ended: %s", self.device_id, err)
        if not self._closed:
            _LOGGER.debug("Ring's RTSP bridge ended the stream of %s", self.device_id)
            await self._release()
            self._on_end()

    async def close(self) -> None:
        """TEARDOWN (best effort) and release the connection and ports."""
        if self._closed:
            return
        self._closed = True
        reading, self._reading = self._reading, None
        if reading is not None and reading is not asyncio.current_task():
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
        if self._writer is not None and not self._writer.is_closing():
            with contextlib.suppress(RingPartnerError, RtspProtocolError):
                async with asyncio.timeout(TEARDOWN_TIMEOUT):
                    await self._request("TEARDOWN", self.url)
        await self._release()

    async def _release(self) -> None:
        """Close the TLS connection and the UDP ports."""
        self._closed = True
        self._close_udp()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(TEARDOWN_TIMEOUT):
                    await writer.wait_closed()

    def _close_udp(self) -> None:
        """Close the RTP/RTCP sockets."""
        udp, self._udp = self._udp, None
        if udp is not None:
            for sock in udp:
                sock.close()

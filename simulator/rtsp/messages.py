"""RTSP/1.0 on the wire: reading requests (and interleaved frames), writing responses.

Requests are read with hard limits (request line and headers 16 KiB, body 64 KiB) so a
client that sends garbage gets a 400 and a closed connection, never an unbounded buffer.
Interleaved binary frames (`$`, channel, 16-bit length, data) that a TCP-interleaved client
sends between requests (its RTCP reports) are read and handed back separately.
"""

import asyncio
from dataclasses import dataclass, field
import re
from typing import Final
from urllib.parse import urlsplit

MAX_HEAD: Final = 16 * 1024
MAX_BODY: Final = 64 * 1024
VERSION: Final = "RTSP/1.0"
INTERLEAVED_MAGIC: Final = 0x24  # "$"
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
    505: "RTSP Version Not Supported",
}


class RtspError(Exception):
    """A request the bridge refuses; `close` also ends the TCP connection."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        close: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Describe the refusal (the detail goes to the debug log and the session record)."""
        super().__init__(f"{status} {detail}")
        self.status = status
        self.detail = detail
        self.close = close
        self.headers = headers or {}


class MalformedRequestError(RtspError):
    """The bytes on the connection are not an RTSP request: answer 400 and hang up."""

    def __init__(self, detail: str, cseq: str | None = None) -> None:
        """Describe what was wrong."""
        super().__init__(400, detail, close=True)
        self.cseq = cseq


@dataclass(kw_only=True, slots=True)
class RtspRequest:
    """One parsed request; header names are lower-cased."""

    method: str
    uri: str
    headers: dict[str, str]
    body: bytes = b""
    path: str = field(init=False)

    def __post_init__(self) -> None:
        """Derive the path from the request URI (`*` for a server-wide OPTIONS)."""
        if self.uri == "*":
            self.path = "*"
            return
        parts = urlsplit(self.uri)
        if parts.scheme.lower() not in ("rtsp", "rtsps") or not parts.path:
            raise MalformedRequestError(
                "request URI must be an rtsps:// URL", self.headers.get("cseq")
            )
        self.path = parts.path

    @property
    def cseq(self) -> str:
        """Return the sequence number the response must echo."""
        return self.headers["cseq"]

    def header(self, name: str) -> str | None:
        """Return a header value by case-insensitive name."""
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class InterleavedFrame:
    """A binary frame a client sent on the RTSP connection (RTCP on channel 1)."""

    channel: int
    data: bytes


async def read_message(
    reader: asyncio.StreamReader,
) -> RtspRequest | InterleavedFrame | None:
    """Return the next request or interleaved frame; None when the client closed cleanly."""
    first = await reader.read(1)
    if not first:
        return None
    if first[0] == INTERLEAVED_MAGIC:
        header = await reader.readexactly(3)
        length = int.from_bytes(header[1:3])
        return InterleavedFrame(header[0], await reader.readexactly(length))
    try:
        head = first + await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise MalformedRequestError("request head too long") from None
    except asyncio.IncompleteReadError:
        return None
    if len(head) > MAX_HEAD:
        raise MalformedRequestError("request head too long")
    request = parse_head(head)
    length_text = request.headers.get("content-length", "0")
    if not length_text.isdigit() or int(length_text) > MAX_BODY:
        raise MalformedRequestError("invalid Content-Length", request.cseq)
    if length := int(length_text):
        request.body = await reader.readexactly(length)
    return request


def parse_head(head: bytes) -> RtspRequest:
    """Parse a request line and headers; raise MalformedRequestError."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequestError("request is not UTF-8 text") from None
    lines = text.removesuffix("\r\n\r\n").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or name != name.strip():
            raise MalformedRequestError("malformed header line")
        headers[name.lower()] = value.strip()
    cseq = headers.get("cseq")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not _METHOD.fullmatch(parts[0]):
        raise MalformedRequestError("malformed request line", cseq)
    method, uri, version = parts
    if version != VERSION:
        raise RtspError(505, f"version {version!r}", close=True)
    if cseq is None or not cseq.isdigit():
        raise MalformedRequestError("missing or invalid CSeq", cseq)
    return RtspRequest(method=method, uri=uri, headers=headers)


def format_response(
    status: int,
    cseq: str | None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    """Return an RTSP response; `Content-Length` is added for a body."""
    lines = [f"{VERSION} {status} {REASONS.get(status, 'Error')}"]
    if cseq is not None:
        lines.append(f"CSeq: {cseq}")
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def interleave(channel: int, packet: bytes) -> bytes:
    """Frame a packet for the RTSP connection (RFC 2326, section 10.12)."""
    return bytes((INTERLEAVED_MAGIC, channel)) + len(packet).to_bytes(2) + packet

"""The bridge's rules in the client (SDP keys, transports, statuses) and the relay's RTP care.

Pure functions on the inputs Ring (or a local player) can send, including broken ones.
"""

import asyncio
import base64

import pytest

from custom_components.ring_partner.client import (
    RingPartnerAuthenticationError,
    RingPartnerBadRequestError,
    RingPartnerDeviceNotFoundError,
    RingPartnerForbiddenError,
    RingPartnerParseError,
    RingPartnerServerError,
    RingPartnerUnavailableError,
    RingPartnerUnsupportedTransportError,
)
from custom_components.ring_partner.client.rtsp import (
    BridgeDescription,
    RtspMessage,
    RtspProtocolError,
    auth_headers,
    bridge_error,
    bridge_stream_url,
    parse_crypto,
    parse_transport_reply,
    read_message,
    status_for,
    transport_offer,
)
from custom_components.ring_partner.errors import translation_key
from custom_components.ring_partner.stream.feed import (
    UNAVAILABLE_HOLD,
    shift_timestamp,
    verdict_for,
)
from custom_components.ring_partner.stream.relay import starts_keyframe

KEY = bytes(range(30))
INLINE = base64.b64encode(KEY).decode()
SDP = (
    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=Ring Live View\r\nt=0 0\r\na=control:*\r\n"
    "m=video 0 RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n"
    f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{INLINE}\r\na=control:trackID=0\r\n"
)
BASE = "rtsps://bridge:322/v1/devices/dev/stream/"


def test_url_and_credentials() -> None:
    """The device id is escaped into the path; the token goes in X-Auth-Token only."""
    assert (
        bridge_stream_url("a/b c")
        == "rtsps://video.rtsp.amazonvision.com:322/v1/devices/a%2Fb%20c/stream"
    )
    assert auth_headers("tok") == {"X-Auth-Token": "tok"}


def test_description_reads_key_and_track() -> None:
    """The SDES key and the track URL come from the SDP; the plain SDP has no key."""
    description = BridgeDescription.parse(SDP, BASE)
    assert description.key == KEY
    assert description.track_url == BASE + "trackID=0"
    plain = description.plain_sdp()
    assert "a=crypto" not in plain
    assert "m=video 0 RTP/AVP 96" in plain
    assert INLINE not in repr(description)


@pytest.mark.parametrize(
    "crypto",
    [
        f"1 AES_CM_128_HMAC_SHA1_32 inline:{INLINE}",  # another suite
        "1 AES_CM_128_HMAC_SHA1_80 inline:not base64!",
        f"1 AES_CM_128_HMAC_SHA1_80 inline:{base64.b64encode(KEY[:16]).decode()}",
        f"1 AES_CM_128_HMAC_SHA1_80 {INLINE}",  # no inline: prefix
        "1",
    ],
)
def test_unusable_crypto_lines(crypto: str) -> None:
    """Keys this client cannot use are skipped; an SDP without a usable one is refused."""
    assert parse_crypto(crypto) is None
    sdp = SDP.replace(f"1 AES_CM_128_HMAC_SHA1_80 inline:{INLINE}", crypto)
    with pytest.raises(RingPartnerParseError):
        BridgeDescription.parse(sdp, BASE)


def test_key_lifetime_suffix_is_ignored() -> None:
    """`inline:<key>|2^31|1:1` carries the same key."""
    assert parse_crypto(f"1 AES_CM_128_HMAC_SHA1_80 inline:{INLINE}|2^31|1:1") == KEY


def test_transport_offer_and_replies() -> None:
    """Interleaved first, documented UDP second; either reply is understood."""
    assert transport_offer(5004) == (
        "RTP/SAVP/TCP;unicast;interleaved=0-1,RTP/SAVP;unicast;client_port=5004-5005"
    )
    udp = parse_transport_reply(
        "RTP/SAVP;unicast;client_port=5004-5005;server_port=6970-6971;source=1.2.3.4"
    )
    assert (udp.server_ports, udp.source, udp.interleaved) == (
        (6970, 6971),
        "1.2.3.4",
        None,
    )
    tcp = parse_transport_reply("RTP/SAVP/TCP;unicast;interleaved=2-3;ssrc=01")
    assert tcp.interleaved == 2


@pytest.mark.parametrize(
    "reply", [None, "", "RTP/SAVP;unicast", "RTP/SAVP;server_port=x-y"]
)
def test_unreadable_transport_replies(reply: str | None) -> None:
    """A SETUP reply without a channel or server ports is a parse error."""
    with pytest.raises(RingPartnerParseError):
        parse_transport_reply(reply)


@pytest.mark.parametrize(
    ("status", "kind", "key"),
    [
        (400, RingPartnerBadRequestError, "request_rejected"),
        (401, RingPartnerAuthenticationError, "authentication_error"),
        (403, RingPartnerForbiddenError, "forbidden"),
        (404, RingPartnerDeviceNotFoundError, "device_not_found"),
        (461, RingPartnerUnsupportedTransportError, "communication_error"),
        (500, RingPartnerServerError, "communication_error"),
        (502, RingPartnerServerError, "communication_error"),
        (503, RingPartnerUnavailableError, "device_offline"),
    ],
)
def test_bridge_statuses(status: int, kind: type[Exception], key: str) -> None:
    """Each documented status has its client error, and goes back out unchanged."""
    err = bridge_error(status, "DESCRIBE")
    assert type(err) is kind
    assert translation_key(err) == key
    assert status_for(err) == status


@pytest.mark.parametrize(
    ("status", "until"),
    [(401, None), (403, None), (404, None), (461, None), (503, 100 + UNAVAILABLE_HOLD)],
)
def test_verdicts(status: int, until: float | None) -> None:
    """Refusals retrying cannot fix stand for good; a 503 stands for a while."""
    verdict = verdict_for(bridge_error(status, "DESCRIBE"), 100.0)
    assert verdict is not None
    assert verdict.until == until
    assert verdict.active(100.0 + UNAVAILABLE_HOLD - 1)


@pytest.mark.parametrize("status", [400, 500, 502])
def test_no_verdict_for_transient_failures(status: int) -> None:
    """Failures a retry may fix are left to HA's worker backoff."""
    assert verdict_for(bridge_error(status, "DESCRIBE"), 0.0) is None


def _rtp(payload: bytes, timestamp: int = 0, csrc: int = 0) -> bytes:
    """Return an RTP packet (version 2, payload type 96) with the given payload."""
    header = bytes((0x80 | csrc, 96, 0, 1)) + timestamp.to_bytes(4) + bytes(4)
    return header + bytes(4 * csrc) + payload


@pytest.mark.parametrize(
    ("payload", "starts"),
    [
        (b"\x67\x42", True),  # SPS
        (b"\x65\x88", True),  # IDR slice
        (b"\x41\x9a", False),  # non-IDR slice
        (b"\x78\x00\x05\x67", True),  # STAP-A starting with SPS
        (b"\x78\x00\x05\x41", False),
        (b"\x7c\x85", True),  # FU-A start of an IDR
        (b"\x7c\x05", False),  # FU-A middle of an IDR
        (b"", False),
    ],
)
def test_keyframe_start(payload: bytes, starts: bool) -> None:
    """Joining players start at an SPS or the first fragment of an IDR."""
    assert starts_keyframe(_rtp(payload)) is starts
    assert starts_keyframe(_rtp(payload, csrc=2)) is starts


def test_timestamp_shift_wraps() -> None:
    """The relay's timestamp offset wraps modulo 2**32 and keeps the payload."""
    shifted = shift_timestamp(_rtp(b"\x65", timestamp=2**32 - 1), 2)
    assert int.from_bytes(shifted[4:8]) == 1
    assert shifted[12:] == b"\x65"
    assert shift_timestamp(b"short", 5) == b"short"


async def _read(data: bytes) -> RtspMessage | object | None:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return await read_message(reader)


async def test_reads_responses_and_frames() -> None:
    """Responses (with bodies) and interleaved frames are told apart."""
    message = await _read(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 2\r\n\r\nhi")
    assert isinstance(message, RtspMessage)
    assert (message.status, message.body) == (200, b"hi")
    frame = await _read(b"$\x00\x00\x02ab")
    assert getattr(frame, "data", None) == b"ab"
    assert await _read(b"") is None


@pytest.mark.parametrize(
    "data",
    [
        b"HELLO\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nno colon\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n",
        b"\xff\xfe\r\n\r\n",
    ],
)
async def test_malformed_messages(data: bytes) -> None:
    """Bytes that are not RTSP are a protocol error, not a crash."""
    with pytest.raises(RtspProtocolError):
        await _read(data)

"""Tests for the simulator's WHEP offer checks (docs/media.md#whep-live-view)."""

import pytest

from simulator.media.sdp import OfferError, parse_offer, validate_offer

OFFER = """v=0
o=- 1 1 IN IP4 0.0.0.0
s=-
t=0 0
a=group:BUNDLE video audio
m=video 9 UDP/TLS/RTP/SAVPF 96 97
c=IN IP4 0.0.0.0
a=recvonly
a=mid:video
a=rtpmap:96 H264/90000
a=rtpmap:97 VP8/90000
a=rtcp-mux
a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host
a=end-of-candidates
m=audio 9 UDP/TLS/RTP/SAVPF 111
c=IN IP4 0.0.0.0
a=recvonly
a=mid:audio
a=rtpmap:111 opus/48000/2
"""


def test_parse_offer() -> None:
    """The parser finds kinds, directions, codecs, candidates and audio."""
    offer = parse_offer(OFFER.replace("\n", "\r\n"))
    assert [section.kind for section in offer.sections] == ["video", "audio"]
    assert offer.codecs("video") == {"H264", "VP8"}
    assert offer.candidate_count == 1
    assert offer.has_audio
    assert validate_offer(OFFER, require_candidates=True) == offer


@pytest.mark.parametrize(
    ("sdp", "message"),
    [
        ("", "v= line"),
        ("v=0\nm=video\n", "Malformed media line"),
        (OFFER.replace("m=video 9", "m=application 9"), "video media section"),
        (
            OFFER.replace("a=recvonly\na=mid:video", "a=sendrecv\na=mid:video"),
            "Incompatible send direction",
        ),
        (
            OFFER.replace("a=recvonly\na=mid:audio", "a=sendonly\na=mid:audio"),
            "audio media section is sendonly",
        ),
        (
            OFFER.replace("a=recvonly\na=mid:audio", "a=mid:audio"),
            "audio media section is sendrecv",
        ),
        (
            OFFER.replace("H264/90000", "AV1/90000").replace("VP8/90000", "VP9/90000"),
            "no supported video codec",
        ),
        (
            OFFER.replace(
                "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\n", ""
            ),
            "no ICE candidates",
        ),
    ],
)
def test_validate_offer_rejects(sdp: str, message: str) -> None:
    """Offers Ring would refuse raise OfferError with a useful detail."""
    with pytest.raises(OfferError, match=message):
        validate_offer(sdp, require_candidates=True)


def test_session_level_direction_and_lenient_candidates() -> None:
    """A session-level recvonly applies to every m-line; candidates may be optional."""
    sdp = OFFER.replace("a=recvonly\n", "").replace("t=0 0\n", "t=0 0\na=recvonly\n")
    sdp = sdp.replace("a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\n", "")
    offer = validate_offer(sdp, require_candidates=False)
    assert offer.session_direction == "recvonly"
    assert offer.candidate_count == 0

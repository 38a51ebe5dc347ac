"""Tests for the WHEP offer helpers: pure functions on SDP text."""

import pytest

from custom_components.ring_partner.client import (
    IceCandidate,
    candidate_line,
    count_candidates,
    force_recvonly,
    merge_candidates,
    offer_is_complete,
)

# An offer as a browser makes it right after setLocalDescription: no candidates yet.
BROWSER_OFFER = """\
v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1
a=msid-semantic: WMS
m=audio 9 UDP/TLS/RTP/SAVPF 111
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:abcd
a=ice-pwd:abcdefghijklmnopqrstuvwx
a=fingerprint:sha-256 00:11
a=setup:actpass
a=mid:0
a=sendrecv
a=rtcp-mux
a=rtpmap:111 opus/48000/2
m=video 9 UDP/TLS/RTP/SAVPF 96
c=IN IP4 0.0.0.0
a=ice-ufrag:abcd
a=ice-pwd:abcdefghijklmnopqrstuvwx
a=mid:1
a=recvonly
a=rtcp-mux
a=rtpmap:96 H264/90000
""".replace("\n", "\r\n")

HOST = "candidate:1 1 udp 2122260223 192.168.1.10 50000 typ host generation 0"
SRFLX = "candidate:2 1 udp 1686052607 203.0.113.5 50001 typ srflx raddr 192.168.1.10 rport 50000"


def _sections(sdp: str) -> list[list[str]]:
    """Split an SDP into media sections (lines)."""
    sections: list[list[str]] = []
    for line in sdp.split("\r\n"):
        if line.startswith("m="):
            sections.append([])
        if sections and line:
            sections[-1].append(line)
    return sections


def test_force_recvonly_rewrites_every_section() -> None:
    """Every section becomes recvonly, including those without a direction."""
    offer = BROWSER_OFFER.replace("a=recvonly\r\n", "")
    result = force_recvonly(offer)
    for section in _sections(result):
        directions = [
            line
            for line in section
            if line in {"a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"}
        ]
        assert directions == ["a=recvonly"]
    assert result.endswith("\r\n")
    assert "\r\n\r\n" not in result


def test_force_recvonly_session_level_and_lf() -> None:
    """A session-level direction is rewritten; LF-only bodies keep LF."""
    offer = "v=0\ns=-\nt=0 0\na=sendonly\nm=video 9 UDP/TLS/RTP/SAVPF 96\nc=IN IP4 0.0.0.0\n"
    result = force_recvonly(offer)
    assert result == (
        "v=0\ns=-\nt=0 0\na=recvonly\nm=video 9 UDP/TLS/RTP/SAVPF 96\nc=IN IP4 0.0.0.0\n"
        "a=recvonly\n"
    )


def test_merge_candidates_by_mid_and_index() -> None:
    """Candidates land under the section sdpMid (or sdpMLineIndex) names."""
    merged = merge_candidates(
        BROWSER_OFFER,
        [
            IceCandidate(HOST, sdp_mid="1", sdp_m_line_index=0),
            IceCandidate(SRFLX, sdp_m_line_index=0),
            IceCandidate(HOST, sdp_mid="1"),  # duplicate
            IceCandidate(HOST, sdp_mid="9"),  # unknown section
            IceCandidate("", sdp_mid="1"),  # end-of-candidates
        ],
    )
    audio, video = _sections(merged)
    assert f"a={SRFLX}" in audio
    assert f"a={HOST}" not in audio
    assert video.count(f"a={HOST}") == 1
    assert audio[-1] == video[-1] == "a=end-of-candidates"
    assert count_candidates(merged) == 2
    assert offer_is_complete(merged)


def test_merge_keeps_existing_end_of_candidates_last() -> None:
    """New candidates go before an existing end-of-candidates line."""
    offer = BROWSER_OFFER + "a=end-of-candidates\r\n"
    merged = merge_candidates(offer, [IceCandidate(HOST, sdp_mid="1")])
    video = _sections(merged)[1]
    assert video[-2:] == [f"a={HOST}", "a=end-of-candidates"]


def test_merge_skips_rejected_sections() -> None:
    """A port-0 section gets no end-of-candidates."""
    offer = BROWSER_OFFER.replace("m=audio 9", "m=audio 0")
    merged = merge_candidates(offer, [IceCandidate(HOST, sdp_mid="1")])
    audio, video = _sections(merged)
    assert "a=end-of-candidates" not in audio
    assert video[-1] == "a=end-of-candidates"


def test_offer_is_complete() -> None:
    """Complete needs candidates and end-of-candidates per transport."""
    assert not offer_is_complete(BROWSER_OFFER)
    with_candidate = BROWSER_OFFER.replace("a=mid:0\r\n", f"a=mid:0\r\na={HOST}\r\n")
    assert not offer_is_complete(with_candidate)
    bundled_end = with_candidate.replace(
        "a=rtpmap:111 opus/48000/2\r\n",
        "a=rtpmap:111 opus/48000/2\r\na=end-of-candidates\r\n",
    )
    # The video section shares the audio section's transport through BUNDLE.
    assert offer_is_complete(bundled_end)
    unbundled = bundled_end.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0")
    assert not offer_is_complete(unbundled)


def test_candidate_helpers() -> None:
    """Lines are normalised; sections are resolved or None."""
    assert candidate_line(IceCandidate(HOST)) == f"a={HOST}"
    assert candidate_line(IceCandidate("a=" + HOST)) == f"a={HOST}"
    assert candidate_line(IceCandidate(HOST.removeprefix("candidate:"))) == (
        f"a={HOST}"
    )
    assert candidate_line(IceCandidate("")) is None
    video_mid = IceCandidate(HOST, sdp_mid="1")
    unknown_index = IceCandidate(SRFLX, sdp_m_line_index=5)
    unknown_mid = IceCandidate(SRFLX, sdp_mid="x")
    mid_wins_then_index = IceCandidate(SRFLX, sdp_mid="x", sdp_m_line_index=1)
    audio, video = _sections(merge_candidates(BROWSER_OFFER, [video_mid]))
    assert f"a={HOST}" in video
    assert f"a={HOST}" not in audio
    for dropped in (unknown_index, unknown_mid):
        merged = merge_candidates(BROWSER_OFFER, [dropped])
        assert count_candidates(merged) == 0
    audio, video = _sections(merge_candidates(BROWSER_OFFER, [mid_wins_then_index]))
    assert f"a={SRFLX}" in video


@pytest.mark.parametrize("eol", ["\r\n", "\n"])
def test_roundtrip_preserves_lines(eol: str) -> None:
    """Merging nothing into a complete offer only adds nothing but end markers."""
    offer = BROWSER_OFFER.replace("\r\n", eol)
    merged = merge_candidates(force_recvonly(offer), [])
    assert merged.count("a=end-of-candidates") == 2
    assert eol in merged

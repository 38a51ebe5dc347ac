"""Prepare WebRTC offers for Ring's WHEP endpoint: pure functions on SDP text.

Ring's WHEP endpoint wants one complete offer: every m-line `recvonly`, every ICE candidate
inside, no trickle afterwards (docs/media.md#whep-live-view). A browser sends its offer before
gathering and trickles candidates afterwards, so a host collects them for a short window and
merges them into the offer (`merge_candidates`). SDP bodies are never logged.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
import re
from typing import Final


@dataclass(frozen=True, slots=True)
class IceCandidate:
    """A trickled ICE candidate: its `candidate:` text and the media section it belongs to."""

    candidate: str
    sdp_mid: str | None = None
    sdp_m_line_index: int | None = None


_DIRECTIONS: Final = frozenset({"a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"})
_RECVONLY: Final = "a=recvonly"
_END_OF_CANDIDATES: Final = "a=end-of-candidates"
_CANDIDATE_PREFIX: Final = "a=candidate:"
_LINE_SPLIT: Final = re.compile(r"\r\n|\n")


@dataclass(slots=True)
class _Sdp:
    """An SDP body split into its session block and its media sections (lists of lines)."""

    session: list[str]
    sections: list[list[str]] = field(default_factory=list)
    eol: str = "\r\n"

    @classmethod
    def parse(cls, text: str) -> _Sdp:
        """Split an SDP body; keep the line ending it uses (CRLF per RFC 8866)."""
        eol = "\r\n" if "\r\n" in text or "\n" not in text else "\n"
        sdp = cls(session=[], eol=eol)
        current = sdp.session
        for line in _LINE_SPLIT.split(text):
            if not line:
                continue
            if line.startswith("m="):
                current = [line]
                sdp.sections.append(current)
            else:
                current.append(line)
        return sdp

    def render(self) -> str:
        """Join the lines again, with a final line ending."""
        lines = self.session + [line for section in self.sections for line in section]
        return self.eol.join(lines) + self.eol

    def mid(self, index: int) -> str | None:
        """Return the `a=mid` of a media section."""
        for line in self.sections[index]:
            if line.startswith("a=mid:"):
                return line.removeprefix("a=mid:").strip()
        return None

    def bundle_groups(self) -> list[set[str]]:
        """Return the mids of each `a=group:BUNDLE` line."""
        return [
            set(line.split()[1:])
            for line in self.session
            if line.startswith("a=group:BUNDLE")
        ]


def _is_rejected(section: list[str]) -> bool:
    """Return True for an m-line with port 0 (rejected or bundle-only, RFC 8843)."""
    parts = section[0].split()
    return len(parts) > 1 and parts[1] == "0"


def force_recvonly(offer_sdp: str) -> str:
    """Return the offer with every media section (and the session level) `recvonly`.

    Ring rejects `sendrecv`/`sendonly` m-lines ("Incompatible send direction"); a
    section without a direction attribute defaults to `sendrecv` (RFC 8866), so it gets one.
    """
    sdp = _Sdp.parse(offer_sdp)
    sdp.session = [_RECVONLY if line in _DIRECTIONS else line for line in sdp.session]
    for number, section in enumerate(sdp.sections):
        lines = [line for line in section if line not in _DIRECTIONS]
        lines.insert(_attribute_position(lines), _RECVONLY)
        sdp.sections[number] = lines
    return sdp.render()


def _attribute_position(section: list[str]) -> int:
    """Return where a new attribute goes: after the m=, i=, c=, b= and k= lines."""
    position = 1
    while position < len(section) and section[position][:2] in {"i=", "c=", "b=", "k="}:
        position += 1
    return position


def offer_is_complete(offer_sdp: str) -> bool:
    """Return True when the offer carries its candidates and says gathering is over.

    Complete means at least one `a=candidate`, and `a=end-of-candidates` in every active
    media section, or in a section of the same BUNDLE group (which shares one transport).
    """
    sdp = _Sdp.parse(offer_sdp)
    if not any(
        line.startswith(_CANDIDATE_PREFIX)
        for section in sdp.sections
        for line in section
    ):
        return False
    ended_mids = {
        sdp.mid(number)
        for number, section in enumerate(sdp.sections)
        if _END_OF_CANDIDATES in section
    }
    groups = sdp.bundle_groups()
    for number, section in enumerate(sdp.sections):
        if _is_rejected(section) or _END_OF_CANDIDATES in section:
            continue
        mid = sdp.mid(number)
        if not any(mid in group and group & ended_mids for group in groups):
            return False
    return True


def candidate_section(offer_sdp: str, candidate: IceCandidate) -> int | None:
    """Return the media section a trickled candidate belongs to, or None if none fits.

    `sdpMid` names the section by its `a=mid`; `sdpMLineIndex` by position. Browsers send
    both; `sdpMid` wins (RFC 8839, section 5.1). Neither means the first section.
    """
    return _section_for(_Sdp.parse(offer_sdp), candidate)


def _section_for(sdp: _Sdp, candidate: IceCandidate) -> int | None:
    """Find a candidate's section in a parsed SDP."""
    if candidate.sdp_mid is not None:
        for number in range(len(sdp.sections)):
            if sdp.mid(number) == candidate.sdp_mid:
                return number
        if candidate.sdp_m_line_index is None:
            return None
    index = candidate.sdp_m_line_index or 0
    return index if 0 <= index < len(sdp.sections) else None


def candidate_line(candidate: IceCandidate) -> str | None:
    """Return the `a=candidate:` line for a trickled candidate; None for end-of-candidates."""
    value = candidate.candidate.strip().removeprefix("a=")
    if not value:
        return None
    if not value.startswith("candidate:"):
        value = f"candidate:{value}"
    return f"a={value}"


def merge_candidates(offer_sdp: str, candidates: Iterable[IceCandidate]) -> str:
    """Put trickled candidates into their sections and mark gathering as finished.

    Each candidate goes under the m-section its `sdpMid`/`sdpMLineIndex` names (unknown
    sections and duplicates are skipped); then every active section ends with
    `a=end-of-candidates`, since no more candidates will follow the POST.
    """
    sdp = _Sdp.parse(offer_sdp)
    added: list[list[str]] = [[] for _ in sdp.sections]
    for candidate in candidates:
        line = candidate_line(candidate)
        number = _section_for(sdp, candidate)
        if line is None or number is None:
            continue
        if line not in sdp.sections[number] and line not in added[number]:
            added[number].append(line)
    for number, section in enumerate(sdp.sections):
        if _END_OF_CANDIDATES in section:
            position = section.index(_END_OF_CANDIDATES)
            section[position:position] = added[number]
        else:
            section.extend(added[number])
            if not _is_rejected(section):
                section.append(_END_OF_CANDIDATES)
    return sdp.render()


def count_candidates(sdp_text: str) -> int:
    """Return how many `a=candidate` lines an SDP body holds."""
    return sum(
        line.startswith(_CANDIDATE_PREFIX) for line in _LINE_SPLIT.split(sdp_text)
    )

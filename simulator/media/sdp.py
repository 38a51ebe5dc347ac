"""Checks on WHEP offers, as Ring's media server applies them (docs/media.md#whep-live-view).

Ring documents no trickle ICE: clients gather every candidate, then POST one complete offer.
An offer without any `a=candidate` line could therefore never connect; by default it is
refused with 400, and `require_ice_candidates=False` selects the lenient reading (docs/ambiguities.md#whep-session-details).
"""

from dataclasses import dataclass, field
from typing import Final

_DIRECTIONS: Final = frozenset({"sendrecv", "sendonly", "recvonly", "inactive"})


class OfferError(ValueError):
    """Raised when an SDP offer is unacceptable; the message is the JSON:API detail."""


@dataclass(kw_only=True, slots=True)
class MediaSection:
    """Hold what the checks need from one m-line of an offer."""

    kind: str
    port: str
    direction: str | None = None
    codecs: list[str] = field(default_factory=list)
    candidates: int = 0
    # Payload type -> upper-cased encoding name, and payload type -> fmtp parameters.
    payloads: dict[int, str] = field(default_factory=dict)
    fmtp: dict[int, dict[str, str]] = field(default_factory=dict)

    def payload_type(self, name: str, **parameters: str) -> int | None:
        """Return the first payload type of a codec whose fmtp has these parameters."""
        for payload_type, encoding in self.payloads.items():
            found = self.fmtp.get(payload_type, {})
            if encoding == name and all(
                found.get(key, "").lower() == value.lower()
                for key, value in parameters.items()
            ):
                return payload_type
        return None


@dataclass(kw_only=True, slots=True)
class Offer:
    """Hold the parsed offer: its media sections and session-level defaults."""

    sections: list[MediaSection]
    session_direction: str | None = None
    session_candidates: int = 0

    def direction_of(self, section: MediaSection) -> str:
        """Return a section's direction (RFC 4566: media level, then session level, then sendrecv)."""
        return section.direction or self.session_direction or "sendrecv"

    @property
    def candidate_count(self) -> int:
        """Return the number of ICE candidates carried anywhere in the offer."""
        return self.session_candidates + sum(
            section.candidates for section in self.sections
        )

    def codecs(self, kind: str) -> set[str]:
        """Return the upper-cased codec names offered for a media kind."""
        return {
            codec
            for section in self.sections
            if section.kind == kind
            for codec in section.codecs
        }

    @property
    def has_audio(self) -> bool:
        """Return whether the offer asks for device audio."""
        return any(
            section.kind == "audio" and section.port != "0" for section in self.sections
        )


def parse_offer(text: str) -> Offer:
    """Parse the parts of an SDP offer that WHEP validation looks at."""
    lines = [
        line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()
    ]
    if not lines or not lines[0].startswith("v="):
        raise OfferError("SDP offer must start with a v= line")
    offer = Offer(sections=[])
    current: MediaSection | None = None
    for line in lines:
        key, _, value = line.partition("=")
        if key == "m":
            parts = value.split()
            if len(parts) < 3:
                raise OfferError(f"Malformed media line: m={value}")
            current = MediaSection(kind=parts[0], port=parts[1])
            offer.sections.append(current)
        elif key != "a":
            continue
        elif value in _DIRECTIONS:
            if current is None:
                offer.session_direction = value
            else:
                current.direction = value
        elif value.startswith("candidate:"):
            if current is None:
                offer.session_candidates += 1
            else:
                current.candidates += 1
        elif value.startswith("rtpmap:") and current is not None:
            payload, _, encoding = value.removeprefix("rtpmap:").partition(" ")
            name = encoding.split("/", 1)[0].upper()
            current.codecs.append(name)
            if payload.isdigit():
                current.payloads[int(payload)] = name
        elif value.startswith("fmtp:") and current is not None:
            payload, _, params = value.removeprefix("fmtp:").partition(" ")
            if payload.isdigit():
                pairs = [item.partition("=") for item in params.split(";")]
                current.fmtp[int(payload)] = {
                    key.strip(): value.strip() for key, _, value in pairs if key.strip()
                }
    return offer


def validate_offer(text: str, *, require_candidates: bool) -> Offer:
    """Parse an offer and apply Ring's rules: a video m-line, every m-line recvonly, candidates."""
    offer = parse_offer(text)
    if not any(section.kind == "video" for section in offer.sections):
        raise OfferError("SDP offer must contain a video media section")
    for section in offer.sections:
        direction = offer.direction_of(section)
        if direction != "recvonly":
            raise OfferError(
                f"Incompatible send direction: {section.kind} media section is {direction}, expected recvonly"
            )
    if not offer.codecs("video") & {"H264", "VP8"}:
        raise OfferError("SDP offer has no supported video codec (H264)")
    if require_candidates and offer.candidate_count == 0:
        raise OfferError(
            "SDP offer carries no ICE candidates; gather all candidates before POSTing (no trickle ICE)"
        )
    return offer

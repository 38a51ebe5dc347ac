"""Models for downloaded media and live-view sessions (ring-partner-api.md §4)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .const import MediaOrigin


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaImage:
    """A downloaded still image (§4.4)."""

    content: bytes = field(repr=False)
    content_type: str
    captured_at: datetime | None = None
    origin: MediaOrigin = MediaOrigin.UNKNOWN
    request_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaClip:
    """A downloaded MP4 clip (§4.3); `partial` for 206 answers."""

    content: bytes = field(repr=False)
    content_type: str
    started_at: datetime | None = None
    length: timedelta | None = None
    partial: bool = False
    request_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class WhepSession:
    """An open WHEP live-view session (§4.1); the URL is the absolute `Location`."""

    device_id: str
    url: str = field(repr=False)
    answer_sdp: str = field(repr=False)

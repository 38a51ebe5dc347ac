"""Models for downloaded media and live-view sessions (docs/media.md)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
from typing import Self

from .const import MAX_IMAGE_HEIGHT, MAX_IMAGE_WIDTH, MediaOrigin


@dataclass(frozen=True, slots=True)
class Resolution:
    """An image size to ask Ring for; None means the device's own (largest) size."""

    width: int | None = None
    height: int | None = None

    @classmethod
    def requested(cls, width: int | None, height: int | None) -> Self:
        """Map a wanted width/height into Ring's limits, keeping the aspect ratio.

        `image_options.resolution` takes 1-1920 by 1-1080 (docs/media.md#image-download).
        """
        width = width if width and width > 0 else None
        height = height if height and height > 0 else None
        scale = min(
            1.0,
            MAX_IMAGE_WIDTH / width if width else math.inf,
            MAX_IMAGE_HEIGHT / height if height else math.inf,
        )
        return cls(
            width=max(1, min(MAX_IMAGE_WIDTH, round(width * scale))) if width else None,
            height=(
                max(1, min(MAX_IMAGE_HEIGHT, round(height * scale))) if height else None
            ),
        )

    @property
    def is_native(self) -> bool:
        """Return True for the device's own size."""
        return self.width is None and self.height is None

    def covers(self, other: Resolution) -> bool:
        """Return True when an image of this size can serve a request for `other`."""
        if self.is_native:
            return True
        if other.is_native:
            return False
        return all(
            want is None or (have is not None and have >= want)
            for have, want in ((self.width, other.width), (self.height, other.height))
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaImage:
    """A downloaded still image (docs/media.md#image-headers)."""

    content: bytes = field(repr=False)
    content_type: str
    captured_at: datetime | None = None
    origin: MediaOrigin = MediaOrigin.UNKNOWN
    request_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaClip:
    """A downloaded MP4 clip (docs/media.md#clip-responses); `partial` for 206 answers."""

    content: bytes = field(repr=False)
    content_type: str
    started_at: datetime | None = None
    length: timedelta | None = None
    partial: bool = False
    request_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class WhepSession:
    """An open WHEP live-view session; the URL is the absolute `Location`.

    See docs/media.md#whep-answer.
    """

    device_id: str
    url: str = field(repr=False)
    answer_sdp: str = field(repr=False)

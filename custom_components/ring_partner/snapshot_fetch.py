"""Download still images from Ring for the snapshot cache (ring-partner-api.md §4.4).

Ring answers 425 RECORDING_NOT_READY while an event's recording is still being processed,
so an event's frame is retried with backoff; sizes are mapped into Ring's limits.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
import math
from typing import Final, Self

from .client import (
    MediaImage,
    RingPartnerClient,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerMediaNotFoundError,
    RingPartnerRecordingNotReadyError,
)
from .const import LOGGER

# image_options.resolution limits (§4.4).
MAX_WIDTH: Final = 1920
MAX_HEIGHT: Final = 1080


@dataclass(frozen=True, slots=True)
class Resolution:
    """A requested image size; None means the device's own (largest) size."""

    width: int | None = None
    height: int | None = None

    @classmethod
    def requested(cls, width: int | None, height: int | None) -> Self:
        """Map a frontend width/height into Ring's limits, keeping the aspect ratio."""
        width = width if width and width > 0 else None
        height = height if height and height > 0 else None
        scale = min(
            1.0,
            MAX_WIDTH / width if width else math.inf,
            MAX_HEIGHT / height if height else math.inf,
        )
        return cls(
            width=max(1, min(MAX_WIDTH, round(width * scale))) if width else None,
            height=max(1, min(MAX_HEIGHT, round(height * scale))) if height else None,
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
            for have, want in (
                (self.width, other.width),
                (self.height, other.height),
            )
        )


async def async_download_event_frame(
    client: RingPartnerClient,
    device_id: str,
    event_time: datetime,
    wanted: Resolution,
    *,
    delays: Iterable[float],
    sleep: Callable[[float], Awaitable[None]],
) -> MediaImage:
    """Download the frame at an event's time, waiting out 425 with the given delays."""
    remaining = iter(delays)
    while True:
        try:
            return await client.download_image(
                device_id, at=event_time, width=wanted.width, height=wanted.height
            )
        except RingPartnerRecordingNotReadyError:
            if (delay := next(remaining, None)) is None:
                raise
            LOGGER.debug(
                "Recording of %s not ready yet; retrying in %s s", device_id, delay
            )
            await sleep(delay)


def is_expected_failure(err: RingPartnerError) -> bool:
    """Return True for failures that are normal for a camera and not worth a warning.

    403 (before consent), 416 (nothing recorded yet) and 425 (recording not ready).
    """
    return isinstance(
        err,
        RingPartnerForbiddenError
        | RingPartnerMediaNotFoundError
        | RingPartnerRecordingNotReadyError,
    )

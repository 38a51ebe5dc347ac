"""What a presigned media URL stands for: the still or clip to serve, and its signature."""

from dataclasses import dataclass, field

from .frames import ImageFormat
from .mp4 import ClipSpec


@dataclass(frozen=True, kw_only=True, slots=True)
class ImagePlan:
    """A still to render: instant, size, format, lens and origin (recording or snapshot)."""

    at_ms: int
    width: int
    height: int
    image_format: ImageFormat
    component: str | None = None
    origin: str = "recording"


@dataclass(frozen=True, kw_only=True, slots=True)
class ClipPlan:
    """A clip to encode, and the window the partner asked for (to tell 200 from 206)."""

    spec: ClipSpec
    requested_start_ms: int
    requested_duration_ms: int

    @property
    def partial(self) -> bool:
        """Return True when footage covers only part of the requested window."""
        return (self.spec.start_ms, self.spec.length_ms) != (
            self.requested_start_ms,
            self.requested_duration_ms,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Download:
    """A presigned download: valid until `expires_ms`, usable without a bearer token."""

    token: str = field(repr=False)
    req_type: str
    req_id: str
    amz_date: str
    expires_s: int
    expires_ms: int
    device_id: str
    event_ids: tuple[str, ...]
    plan: ImagePlan | ClipPlan

"""Live views of Ring cameras over WHEP: per-browser bookkeeping and failure translation."""

from dataclasses import dataclass
from typing import Final

from homeassistant.core import CALLBACK_TYPE
from homeassistant.exceptions import HomeAssistantError

from .client import (
    RingPartnerAuthenticationError,
    RingPartnerBadRequestError,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerNotFoundError,
    RingPartnerRateLimitError,
    RingPartnerUnavailableError,
    WhepSession,
)
from .const import DOMAIN
from .webrtc import CandidateCollector

# Translation keys for failed WHEP requests, most specific first (503 = device offline, §4.1).
_LIVE_VIEW_ERRORS: Final[tuple[tuple[type[RingPartnerError], str], ...]] = (
    (RingPartnerUnavailableError, "device_offline"),
    (RingPartnerAuthenticationError, "authentication_error"),
    (RingPartnerForbiddenError, "live_view_forbidden"),
    (RingPartnerNotFoundError, "device_not_found"),
    (RingPartnerRateLimitError, "rate_limited"),
    (RingPartnerBadRequestError, "live_view_rejected"),
)


def live_view_error(err: RingPartnerError) -> HomeAssistantError:
    """Translate a failed WHEP request for the frontend."""
    key = next(
        (key for kind, key in _LIVE_VIEW_ERRORS if isinstance(err, kind)),
        "communication_error",
    )
    detail = getattr(err, "detail", None) or str(err)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": detail}
        if key in {"live_view_rejected", "communication_error"}
        else None,
    )


@dataclass(slots=True)
class LiveView:
    """One browser's live view: gathering, then an open WHEP session."""

    collector: CandidateCollector | None = None
    whep: WhepSession | None = None
    cancel_cap: CALLBACK_TYPE | None = None

    def end(self) -> WhepSession | None:
        """Stop gathering and the cap timer; return the WHEP session if one was open."""
        if self.collector is not None and self.collector.is_open:
            self.collector.abort()
        if self.cancel_cap is not None:
            self.cancel_cap()
        return self.whep

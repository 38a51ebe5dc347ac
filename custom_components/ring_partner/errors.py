"""One error path: the client's exceptions become translated Home Assistant exceptions.

Setup (through the coordinator's first refresh), the coordinator, entity calls (live view, stills; through `entity.ring_errors`), the
media browser and its views all translate through here, so every message a user sees comes from
`translations/*.json`.
"""

from typing import Final

from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed

from .client import (
    RingPartnerAuthenticationError,
    RingPartnerBadRequestError,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerMediaNotFoundError,
    RingPartnerNotFoundError,
    RingPartnerOutOfScopeError,
    RingPartnerRateLimitError,
    RingPartnerRecordingNotReadyError,
    RingPartnerTimeRangeNotAuthorizedError,
    RingPartnerUnavailableError,
)
from .const import DOMAIN

# Translation keys by failure kind, most specific class first.
_KEYS: Final[tuple[tuple[type[RingPartnerError], str], ...]] = (
    (RingPartnerAuthenticationError, "authentication_error"),
    (RingPartnerTimeRangeNotAuthorizedError, "media_before_consent"),
    (RingPartnerOutOfScopeError, "missing_scope"),
    (RingPartnerForbiddenError, "forbidden"),
    (RingPartnerMediaNotFoundError, "media_not_found"),
    (RingPartnerNotFoundError, "device_not_found"),
    (RingPartnerRecordingNotReadyError, "recording_not_ready"),
    (RingPartnerRateLimitError, "rate_limited"),
    (RingPartnerBadRequestError, "request_rejected"),
)
# Keys whose message quotes Ring's own detail.
_WITH_DETAIL: Final = frozenset({"request_rejected", "communication_error"})


def translation_key(err: RingPartnerError) -> str:
    """Return the translation key that names an error's kind for the user."""
    if isinstance(err, RingPartnerUnavailableError):
        # 503 means either an offline device or a busy Ring (docs/ring-api.md#errors).
        return "device_offline" if is_device_offline(err) else "ring_busy"
    return next(
        (key for kind, key in _KEYS if isinstance(err, kind)), "communication_error"
    )


def is_device_offline(err: RingPartnerError) -> bool:
    """Return True for Ring's 503 "Device Unavailable" (the device is offline)."""
    if not isinstance(err, RingPartnerUnavailableError):
        return False
    text = f"{err.title or ''} {err.detail or ''}".lower()
    return "device" in text or "offline" in text


def _placeholders(key: str, err: RingPartnerError) -> dict[str, str] | None:
    """Return the placeholders of a key: Ring's detail where the message shows it."""
    if key not in _WITH_DETAIL:
        return None
    return {"error": getattr(err, "detail", None) or str(err)}


def ha_error[E: HomeAssistantError](
    err: RingPartnerError,
    error_type: type[E] = HomeAssistantError,  # type: ignore[assignment]
) -> E:
    """Translate a client error for an action, a camera call or the media browser."""
    key = translation_key(err)
    return error_type(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=_placeholders(key, err),
    )


def update_failed(err: RingPartnerError) -> ConfigEntryAuthFailed | UpdateFailed:
    """Translate a failed poll: reauth for rejected tokens, a retry for anything else."""
    if isinstance(err, RingPartnerAuthenticationError):
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_error"
        )
    key = translation_key(err)
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=_placeholders(key, err),
        retry_after=err.retry_after
        if isinstance(err, RingPartnerRateLimitError)
        else None,
    )

"""Map Ring's HTTP error answers (JSON:API `errors[0]`) onto the exception tree."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import json
import re

from multidict import CIMultiDictProxy

from ._json import JsonObject, as_object, opt_str
from .const import USERS_ME_PATH
from .exceptions import (
    RingPartnerAuthenticationError,
    RingPartnerBadRequestError,
    RingPartnerDeviceNotFoundError,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerInvalidGrantError,
    RingPartnerInvalidNonceError,
    RingPartnerMediaNotFoundError,
    RingPartnerNotFoundError,
    RingPartnerOAuthError,
    RingPartnerRateLimitError,
    RingPartnerRecordingNotReadyError,
    RingPartnerResponseError,
    RingPartnerServerError,
    RingPartnerTimeRangeNotAuthorizedError,
    RingPartnerUnavailableError,
)

_RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
_DEVICE_PATH = re.compile(r"/v1/(history/)?devices/[^/]+")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Parse `Retry-After` as delta seconds or an HTTP date; None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError, IndexError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_retryable(error: RingPartnerError) -> bool:
    """Return True for transient server failures worth retrying."""
    if not isinstance(error, RingPartnerResponseError):
        return False
    if error.status not in _RETRYABLE_STATUSES:
        return False
    # A 503 "Device Unavailable" means the device is offline: seconds won't fix it.
    return not (error.status == 503 and error.title == "Device Unavailable")


def error_for(
    status: int,
    body: bytes,
    headers: CIMultiDictProxy[str],
    path: str,
    *,
    oauth: bool = False,
) -> RingPartnerResponseError:
    """Map an error response to the exception tree (docs/ring-api.md#errors).

    `oauth` answers come from the token endpoint, whose errors are RFC 6749 bodies
    (`error`, `error_description`) rather than JSON:API (docs/ambiguities.md#token-endpoint-errors).
    """
    try:
        decoded: object = json.loads(body) if body else {}
    except UnicodeDecodeError, ValueError:
        decoded = {}
    if oauth:
        return _oauth_error_for(status, as_object(decoded), headers)
    error: JsonObject = {}
    errors = as_object(decoded).get("errors")
    if isinstance(errors, list) and errors:
        error = as_object(errors[0])
    title = opt_str(error.get("title"))
    code = opt_str(error.get("code"))
    detail = opt_str(error.get("detail"))
    request_id = opt_str(error.get("id")) or headers.get("X-Request-ID")
    label = " ".join(part for part in (title, code) if part) or "error"
    msg = f"Ring API {status} {label}" + (f": {detail}" if detail else "")
    kwargs: dict[str, str | None] = {
        "title": title,
        "code": code,
        "detail": detail,
        "request_id": request_id,
    }
    if status == 429:
        return RingPartnerRateLimitError(
            msg,
            status=status,
            retry_after=parse_retry_after(headers.get("Retry-After")),
            **kwargs,
        )
    cls: type[RingPartnerResponseError] = RingPartnerResponseError
    if status == 400:
        cls = (
            RingPartnerInvalidNonceError
            if title == "Invalid Nonce" or code == "INVALID_NONCE"
            else RingPartnerBadRequestError
        )
    elif status == 401:
        cls = RingPartnerAuthenticationError
    elif status == 403:
        # The Users API answers 403 for a bad token, elsewhere 403 is authorization
        # (docs/ring-api.md#bad-token-on-users-me).
        if path.rstrip("/") == USERS_ME_PATH:
            cls = RingPartnerAuthenticationError
        elif code == "TIME_RANGE_NOT_AUTHORIZED":
            cls = RingPartnerTimeRangeNotAuthorizedError
        else:
            cls = RingPartnerForbiddenError
    elif status == 404:
        # A device removed from the app answers 404 on all of its endpoints
        # (docs/ring-api.md#device-endpoints).
        cls = (
            RingPartnerDeviceNotFoundError
            if code == "DEVICE_NOT_FOUND" or _DEVICE_PATH.match(path)
            else RingPartnerNotFoundError
        )
    elif status == 416:
        cls = RingPartnerMediaNotFoundError
    elif status == 425:
        cls = RingPartnerRecordingNotReadyError
    elif status == 503:
        cls = RingPartnerUnavailableError
    elif status >= 500:
        cls = RingPartnerServerError
    return cls(msg, status=status, **kwargs)


def _oauth_error_for(
    status: int, body: JsonObject, headers: CIMultiDictProxy[str]
) -> RingPartnerResponseError:
    """Map a token endpoint failure: RFC 6749 error, rate limit or server failure."""
    error = opt_str(body.get("error"))
    description = opt_str(body.get("error_description"))
    if error == "invalid_grant":
        msg = f"Token request rejected: invalid_grant ({status})"
        return RingPartnerInvalidGrantError(
            msg, error=error, description=description, status=status
        )
    if error:
        msg = f"Token request rejected: {error} ({status})"
        return RingPartnerOAuthError(
            msg, error=error, description=description, status=status
        )
    if status == 429:
        return RingPartnerRateLimitError(
            f"Token endpoint rate limited ({status})",
            status=status,
            retry_after=parse_retry_after(headers.get("Retry-After")),
        )
    if status >= 500:
        return RingPartnerServerError(
            f"Token endpoint failed ({status})", status=status
        )
    msg = f"Token request rejected ({status})"
    return RingPartnerOAuthError(msg, error="unknown_error", status=status)

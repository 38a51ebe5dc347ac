"""Exceptions for the Ring Partner API client."""

from typing import ClassVar


class RingPartnerError(Exception):
    """Base class for every Ring Partner client error."""


class RingPartnerConnectionError(RingPartnerError):
    """The Ring API could not be reached."""


class RingPartnerTimeoutError(RingPartnerConnectionError):
    """A request to the Ring API timed out."""


class RingPartnerParseError(RingPartnerError):
    """A response or payload could not be decoded."""


class RingPartnerWebhookError(RingPartnerParseError):
    """A webhook body is not a valid Ring event."""


class RingPartnerLinkError(RingPartnerError):
    """An account-link request is stale, from the future, malformed or mismatched."""


class RingPartnerResponseError(RingPartnerError):
    """Ring answered with an error status."""

    default_status: ClassVar[int] = 0

    def __init__(
        self,
        msg: str = "",
        *,
        status: int | None = None,
        title: str | None = None,
        code: str | None = None,
        detail: str | None = None,
        request_id: str | None = None,
    ) -> None:
        """Initialize with the decoded JSON:API error fields."""
        self.status = self.default_status if status is None else status
        super().__init__(msg or f"Ring API error {self.status}")
        self.title = title
        self.code = code
        self.detail = detail
        self.request_id = request_id


class RingPartnerAuthenticationError(RingPartnerResponseError):
    """The token was rejected (401, or 403 from the Users API)."""

    default_status: ClassVar[int] = 401


class RingPartnerBadRequestError(RingPartnerResponseError):
    """Ring refused the request as malformed (400)."""

    default_status: ClassVar[int] = 400


class RingPartnerInvalidNonceError(RingPartnerBadRequestError):
    """Ring rejected the account-link nonce (400 Invalid Nonce)."""


class RingPartnerForbiddenError(RingPartnerResponseError):
    """The token may not access this resource (403); not an authentication failure."""

    default_status: ClassVar[int] = 403


class RingPartnerOutOfScopeError(RingPartnerForbiddenError):
    """The app was not granted the scope the call needs (403 Out of Scope Access).

    Playing a chime needs "Chime Controls" (docs/media.md#chime-playback); asking again
    cannot help, only the user granting the scope in the Ring app.
    """


class RingPartnerTimeRangeNotAuthorizedError(RingPartnerForbiddenError):
    """The requested time precedes the user's consent (403 TIME_RANGE_NOT_AUTHORIZED)."""


class RingPartnerNotFoundError(RingPartnerResponseError):
    """The resource does not exist (404)."""

    default_status: ClassVar[int] = 404


class RingPartnerDeviceNotFoundError(RingPartnerNotFoundError):
    """The device is unknown or no longer shared with the app (404)."""


class RingPartnerMediaNotFoundError(RingPartnerNotFoundError):
    """No media exists for the requested time (416)."""

    default_status: ClassVar[int] = 416


class RingPartnerRecordingNotReadyError(RingPartnerResponseError):
    """The recording is not available yet (425); retry later."""

    default_status: ClassVar[int] = 425


class RingPartnerUnavailableError(RingPartnerResponseError):
    """The device is offline or Ring is busy (503)."""

    default_status: ClassVar[int] = 503


class RingPartnerUnsupportedTransportError(RingPartnerResponseError):
    """Ring's RTSP bridge refused every offered media transport (461)."""

    default_status: ClassVar[int] = 461


class RingPartnerRateLimitError(RingPartnerResponseError):
    """Ring rate-limited the request (429) and the retry budget is spent."""

    def __init__(
        self,
        msg: str = "",
        *,
        status: int | None = 429,
        title: str | None = None,
        code: str | None = None,
        detail: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Initialize with the server's Retry-After hint in seconds."""
        super().__init__(
            msg,
            status=status,
            title=title,
            code=code,
            detail=detail,
            request_id=request_id,
        )
        self.retry_after = retry_after


class RingPartnerServerError(RingPartnerResponseError):
    """Ring failed with a 5xx status other than 503."""

    default_status: ClassVar[int] = 500


class RingPartnerMediaTooLargeError(RingPartnerResponseError):
    """A media download exceeded the configured size cap."""


class RingPartnerOAuthError(RingPartnerResponseError):
    """The token endpoint refused the request (an RFC 6749 `error`, or a bare 4xx)."""

    def __init__(
        self,
        msg: str = "",
        *,
        error: str,
        description: str | None = None,
        status: int | None = None,
    ) -> None:
        """Initialize with the RFC 6749 `error` and `error_description`."""
        super().__init__(
            msg or f"OAuth error: {error}",
            status=status,
            title=error,
            code=error,
            detail=description,
        )
        self.error = error
        self.description = description


class RingPartnerInvalidGrantError(
    RingPartnerOAuthError, RingPartnerAuthenticationError
):
    """The code or refresh token is invalid, expired or revoked: re-link needed."""

    default_status: ClassVar[int] = 400

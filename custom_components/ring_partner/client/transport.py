"""The single HTTP choke point for every Ring request: API, token endpoint and media.

Everything that talks to Ring goes through `Transport.request()`: the timeout, the shared rate
limiter, body caps, the mapping of error answers onto the exception tree and the retry policy
(docs/ring-api.md#rate-limits, docs/ring-api.md#errors). Subclasses in `auth` add tokens.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
import json as jsonlib
import logging
import random
import socket

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from ._json import JsonObject, as_object
from .const import (
    API_BASE_URL,
    DEFAULT_JSON_MAX_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_REQUEST_TIMEOUT,
    RETRY_BACKOFF_BASE,
    RETRY_BACKOFF_MAX,
    RETRY_JITTER,
)
from .errors import error_for, is_retryable
from .exceptions import (
    RingPartnerAuthenticationError,
    RingPartnerConnectionError,
    RingPartnerError,
    RingPartnerMediaTooLargeError,
    RingPartnerParseError,
    RingPartnerRateLimitError,
    RingPartnerTimeoutError,
)
from .ratelimit import RateLimiter

_LOGGER = logging.getLogger(__name__)

# Error bodies are small JSON:API documents; never buffer more than this of one.
_ERROR_BODY_LIMIT = 64 * 1024
_CHUNK_SIZE = 64 * 1024
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Response:
    """A fully read HTTP response (status < 400, redirects included)."""

    status: int
    # Headers may carry a presigned Location: keep them out of repr as well.
    headers: CIMultiDictProxy[str] = field(repr=False)
    body: bytes = field(repr=False)
    url: URL = field(repr=False)

    @property
    def request_id(self) -> str | None:
        """Return Ring's `X-Request-ID` header, if any."""
        return self.headers.get("X-Request-ID")

    def json(self) -> JsonObject:
        """Decode the body as a JSON object or raise RingPartnerParseError."""
        try:
            decoded: object = jsonlib.loads(self.body)
        except (UnicodeDecodeError, ValueError) as err:
            msg = f"Invalid JSON in response ({self.status})"
            raise RingPartnerParseError(msg) from err
        if not isinstance(decoded, dict):
            msg = f"Expected a JSON object in response ({self.status})"
            raise RingPartnerParseError(msg)
        return as_object(decoded)


class Transport:
    """Send requests to Ring; a bare transport holds no token (the token endpoint needs none).

    `AbstractAuth` subclasses it to supply bearer tokens.
    """

    def __init__(
        self,
        websession: aiohttp.ClientSession,
        api_base: str = API_BASE_URL,
        *,
        rate_limiter: RateLimiter | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] | None = None,
        jitter: Callable[[], float] = random.random,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT,
    ) -> None:
        """Initialize with the injected session and the API base URL."""
        self._websession = websession
        self._api_base = URL(api_base.rstrip("/"))
        self._rate_limiter = rate_limiter or RateLimiter(clock=clock, sleep=sleep)
        self._request_timeout = request_timeout
        self._sleep = sleep
        self._jitter = jitter
        self._max_retries = max_retries
        self._max_retry_wait = max_retry_wait

    @property
    def api_base(self) -> URL:
        """Return the API base URL."""
        return self._api_base

    @property
    def websession(self) -> aiohttp.ClientSession:
        """Return the injected aiohttp session."""
        return self._websession

    @property
    def rate_limiter(self) -> RateLimiter:
        """Return the rate limiter (shared by every request of one Ring app)."""
        return self._rate_limiter

    @property
    def sleep(self) -> Callable[[float], Awaitable[None]]:
        """Return the injected sleep (callers that wait between attempts share it)."""
        return self._sleep

    async def async_get_access_token(self) -> str:
        """Return a valid access token; a bare transport has none."""
        msg = "This transport holds no access token"
        raise RingPartnerAuthenticationError(msg, status=401)

    async def async_force_refresh_access_token(self) -> str:
        """Refresh the token after a 401 and return the new one (default: unsupported)."""
        msg = "Access token rejected and no refresh is available"
        raise RingPartnerAuthenticationError(msg, status=401)

    def resolve_url(self, url: str | URL) -> URL:
        """Resolve a path (or relative `links.next`) against the API base URL."""
        target = URL(url) if isinstance(url, str) else url
        if target.is_absolute():
            return target
        text = str(target)
        if not text.startswith("/"):
            text = f"/{text}"
        return URL(f"{str(self._api_base).rstrip('/')}{text}")

    def is_api_url(self, url: URL) -> bool:
        """Return True when url is on the API origin (the only place a bearer goes)."""
        return url.is_absolute() and url.origin() == self._api_base.origin()

    def backoff_delay(self, attempt: int) -> float:
        """Return the exponential backoff for a retry: 1 s, 2 s, 4 s ... plus jitter."""
        base = min(RETRY_BACKOFF_MAX, RETRY_BACKOFF_BASE * 2.0**attempt)
        return base * (1 + RETRY_JITTER * self._jitter())

    async def request(
        self,
        method: str,
        url: str | URL,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
        data: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        oauth: bool = False,
        idempotent: bool | None = None,
        request_timeout: float | None = None,
        max_bytes: int = DEFAULT_JSON_MAX_BYTES,
    ) -> Response:
        """Send one API request: bearer, rate limit, timeout, error mapping, retries.

        Redirects are never followed (the caller decides whether a `Location` may see the
        bearer). `oauth` reads error answers as RFC 6749 bodies (the token endpoint).
        429 is retried for every method, since Ring rejected it unprocessed;
        5xx and connection errors only for idempotent requests; a 401 (or 403 from the
        Users API) triggers one forced token refresh and one retry.
        """
        method = method.upper()
        target = self.resolve_url(url)
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        if authenticated and not self.is_api_url(target):
            msg = "Refusing to send the bearer token outside the API origin"
            raise RingPartnerError(msg)
        attempt = 0
        waited = 0.0
        refreshed = False
        token: str | None = None
        while True:
            request_headers = dict(headers or {})
            if authenticated:
                if token is None:
                    token = await self.async_get_access_token()
                request_headers[aiohttp.hdrs.AUTHORIZATION] = f"Bearer {token}"
            await self._rate_limiter.acquire()
            delay: float | None = None
            try:
                response = await self._send(
                    method,
                    target,
                    params=params,
                    json=json,
                    data=data,
                    headers=request_headers,
                    request_timeout=(
                        self._request_timeout
                        if request_timeout is None
                        else request_timeout
                    ),
                    max_bytes=max_bytes,
                )
            except RingPartnerConnectionError as err:
                if not idempotent:
                    raise
                delay = self.backoff_delay(attempt)
                failure: RingPartnerError = err
            else:
                if response.status < 400:
                    return response
                failure = error_for(
                    response.status,
                    response.body,
                    response.headers,
                    self.relative_path(target),
                    oauth=oauth,
                )
                if (
                    isinstance(failure, RingPartnerAuthenticationError)
                    and authenticated
                    and not refreshed
                ):
                    refreshed = True
                    try:
                        token = await self.async_force_refresh_access_token()
                    except RingPartnerAuthenticationError as refresh_err:
                        raise failure from refresh_err
                    continue
                if isinstance(failure, RingPartnerRateLimitError):
                    delay = (
                        failure.retry_after
                        if failure.retry_after is not None
                        else self.backoff_delay(attempt)
                    )
                elif idempotent and is_retryable(failure):
                    delay = self.backoff_delay(attempt)
            if (
                delay is None
                or attempt >= self._max_retries
                or waited + delay > self._max_retry_wait
            ):
                if (
                    isinstance(failure, RingPartnerRateLimitError)
                    and failure.retry_after is None
                ):
                    failure.retry_after = delay
                raise failure
            _LOGGER.debug(
                "Retrying %s %s in %.2f s after %s",
                method,
                self._describe(target),
                delay,
                type(failure).__name__,
            )
            attempt += 1
            waited += delay
            await self._sleep(delay)

    def relative_path(self, url: URL) -> str:
        """Return url's path relative to the API base path (for error mapping)."""
        base_path = self._api_base.path.rstrip("/")
        path = url.path
        if self.is_api_url(url) and base_path and path.startswith(base_path):
            return path[len(base_path) :]
        return path

    def _describe(self, url: URL) -> str:
        """Describe a URL for logs: API path only; just the host for presigned URLs."""
        if self.is_api_url(url):
            return self.relative_path(url)
        return f"<{url.host}>"

    async def _send(
        self,
        method: str,
        url: URL,
        *,
        params: Mapping[str, str] | None,
        json: object,
        data: str | bytes | None,
        headers: dict[str, str],
        request_timeout: float,
        max_bytes: int,
    ) -> Response:
        """Perform one HTTP exchange and read the (capped) body."""
        described = self._describe(url)
        try:
            async with (
                asyncio.timeout(request_timeout),
                self._websession.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers=headers,
                    allow_redirects=False,
                ) as resp,
            ):
                _LOGGER.debug("%s %s -> %s", method, described, resp.status)
                limit = max_bytes if resp.status < 400 else _ERROR_BODY_LIMIT
                body = await _read_body(resp, limit, truncate=resp.status >= 400)
                return Response(
                    status=resp.status, headers=resp.headers, body=body, url=url
                )
        except TimeoutError as err:
            msg = f"Timeout during {method} {described}"
            raise RingPartnerTimeoutError(msg) from err
        except (aiohttp.ClientError, socket.gaierror) as err:
            msg = f"Error during {method} {described}: {type(err).__name__}"
            raise RingPartnerConnectionError(msg) from err


async def _read_body(
    resp: aiohttp.ClientResponse, limit: int, *, truncate: bool
) -> bytes:
    """Read a body in chunks, raising (or truncating) beyond `limit` bytes."""
    if not truncate and resp.content_length is not None and resp.content_length > limit:
        msg = f"Response of {resp.content_length} bytes exceeds the {limit} byte cap"
        raise RingPartnerMediaTooLargeError(msg, status=resp.status)
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK_SIZE):
        size += len(chunk)
        if size > limit:
            if truncate:
                chunks.append(chunk[: limit - (size - len(chunk))])
                break
            msg = f"Response exceeds the {limit} byte cap"
            raise RingPartnerMediaTooLargeError(msg, status=resp.status)
        chunks.append(chunk)
    return b"".join(chunks)

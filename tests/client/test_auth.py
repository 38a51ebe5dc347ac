"""Tests for the request choke point: status mapping, retries, refresh, limits."""

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
from aiohttp import web
import pytest

from custom_components.ring_partner.client import (
    RateLimiter,
    RateLimiters,
    RingPartnerAuthenticationError,
    RingPartnerBadRequestError,
    RingPartnerConnectionError,
    RingPartnerDeviceNotFoundError,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerInvalidNonceError,
    RingPartnerMediaNotFoundError,
    RingPartnerMediaTooLargeError,
    RingPartnerNotFoundError,
    RingPartnerParseError,
    RingPartnerRateLimitError,
    RingPartnerRecordingNotReadyError,
    RingPartnerResponseError,
    RingPartnerServerError,
    RingPartnerTimeoutError,
    RingPartnerTimeRangeNotAuthorizedError,
    RingPartnerUnavailableError,
    parse_retry_after,
)

from .conftest import FakeAuth, FakeServer, SleepRecorder, error_response, json_response

OK = json_response({"data": {"type": "users", "id": "acct"}})


async def test_bearer_and_json(auth: FakeAuth, ring_server: FakeServer) -> None:
    """The bearer is added and the JSON body decoded."""
    ring_server.reply("GET", "/v1/users/me", OK)
    response = await auth.request("GET", "/v1/users/me")
    assert response.json()["data"] == {"type": "users", "id": "acct"}
    assert ring_server.requests[0].headers["Authorization"] == "Bearer access-1"


@pytest.mark.parametrize(
    ("path", "status", "title", "code", "expected"),
    [
        ("/v1/x", 400, "Bad Request", None, RingPartnerBadRequestError),
        ("/v1/x", 400, None, "INVALID_PAYLOAD", RingPartnerBadRequestError),
        ("/v1/x", 400, "Invalid Nonce", None, RingPartnerInvalidNonceError),
        ("/v1/x", 400, "Missing Required Fields", None, RingPartnerBadRequestError),
        ("/v1/x", 403, "Out of Scope Access", None, RingPartnerForbiddenError),
        ("/v1/x", 403, None, "REQUEST_FORBIDDEN", RingPartnerForbiddenError),
        (
            "/v1/devices/d/media/image/download",
            403,
            None,
            "TIME_RANGE_NOT_AUTHORIZED",
            RingPartnerTimeRangeNotAuthorizedError,
        ),
        ("/v1/devices/d", 404, "Not Found", None, RingPartnerDeviceNotFoundError),
        (
            "/v1/history/devices/d/events",
            404,
            "Not Found",
            None,
            RingPartnerDeviceNotFoundError,
        ),
        ("/v1/x", 404, None, "DEVICE_NOT_FOUND", RingPartnerDeviceNotFoundError),
        (
            "/v1/accounts/me/app-integrations",
            404,
            "Not Found",
            None,
            RingPartnerNotFoundError,
        ),
        ("/v1/x", 416, None, "MEDIA_NOT_FOUND", RingPartnerMediaNotFoundError),
        ("/v1/x", 416, None, "TIMESTAMP_NOT_FOUND", RingPartnerMediaNotFoundError),
        ("/v1/x", 422, None, "CORRUPT_RECORDING", RingPartnerResponseError),
        ("/v1/x", 425, None, "RECORDING_NOT_READY", RingPartnerRecordingNotReadyError),
        ("/v1/x", 429, "Rate Limit Exceeded", None, RingPartnerRateLimitError),
        ("/v1/x", 500, None, "INTERNAL_ERROR", RingPartnerServerError),
        ("/v1/x", 502, None, None, RingPartnerServerError),
        ("/v1/x", 503, None, "SERVER_BUSY", RingPartnerUnavailableError),
        ("/v1/x", 503, "Device Unavailable", None, RingPartnerUnavailableError),
        ("/v1/x", 418, None, None, RingPartnerResponseError),
    ],
)
async def test_status_mapping(
    auth: FakeAuth,
    ring_server: FakeServer,
    path: str,
    status: int,
    title: str | None,
    *,
    code: str | None,
    expected: type[RingPartnerResponseError],
) -> None:
    """Each documented status/title/code maps to its exception class and fields."""
    ring_server.reply("POST", path, error_response(status, title, code, "detail"))
    auth._max_retries = 0
    with pytest.raises(RingPartnerResponseError) as excinfo:
        await auth.request("POST", path)
    assert type(excinfo.value) is expected
    assert excinfo.value.status == status
    assert excinfo.value.title == title
    assert excinfo.value.code == code
    assert excinfo.value.detail == "detail"
    assert not isinstance(excinfo.value, RingPartnerAuthenticationError)
    assert ring_server.count("POST", path) == 1


async def test_error_without_json(auth: FakeAuth, ring_server: FakeServer) -> None:
    """A non-JSON error body still maps by status; request id from the header."""
    ring_server.reply(
        "GET",
        "/v1/x",
        lambda: web.Response(status=404, text="nope", headers={"X-Request-ID": "r1"}),
    )
    with pytest.raises(RingPartnerNotFoundError) as excinfo:
        await auth.request("GET", "/v1/x")
    assert excinfo.value.title is None
    assert excinfo.value.request_id == "r1"


async def test_401_forces_one_refresh(auth: FakeAuth, ring_server: FakeServer) -> None:
    """A 401 triggers one forced refresh and a retry with the new token."""
    ring_server.reply("POST", "/v1/x", error_response(401, "Invalid Client"), OK)
    await auth.request("POST", "/v1/x")
    assert auth.refresh_calls == 1
    assert [r.headers["Authorization"] for r in ring_server.requests] == [
        "Bearer access-1",
        "Bearer access-2",
    ]


async def test_401_twice_raises(auth: FakeAuth, ring_server: FakeServer) -> None:
    """A second 401 after the refresh raises; only one refresh is attempted."""
    ring_server.reply("GET", "/v1/x", error_response(401, "Invalid Client"))
    with pytest.raises(RingPartnerAuthenticationError) as excinfo:
        await auth.request("GET", "/v1/x")
    assert excinfo.value.status == 401
    assert auth.refresh_calls == 1
    assert ring_server.count("GET", "/v1/x") == 2


async def test_401_without_refresh_support(
    auth: FakeAuth, ring_server: FakeServer
) -> None:
    """The default forced refresh fails: the original 401 is raised."""
    auth.refreshed_token = None
    ring_server.reply("GET", "/v1/x", error_response(401, None, "UNAUTHORIZED"))
    with pytest.raises(RingPartnerAuthenticationError) as excinfo:
        await auth.request("GET", "/v1/x")
    assert excinfo.value.code == "UNAUTHORIZED"
    assert ring_server.count("GET", "/v1/x") == 1


async def test_users_me_403_is_authentication(
    auth: FakeAuth, ring_server: FakeServer
) -> None:
    """The Users API answers 403 for a bad token: refresh, then auth error.

    See docs/ring-api.md#bad-token-on-users-me.
    """
    ring_server.reply("GET", "/v1/users/me", error_response(403, "Forbidden"))
    with pytest.raises(RingPartnerAuthenticationError) as excinfo:
        await auth.request("GET", "/v1/users/me")
    assert excinfo.value.status == 403
    assert auth.refresh_calls == 1


async def test_429_retry_after_seconds(
    auth: FakeAuth, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """429 honours Retry-After in seconds, for POST too (nothing was processed)."""
    ring_server.reply(
        "POST", "/v1/x", error_response(429, headers={"Retry-After": "2"}), OK
    )
    await auth.request("POST", "/v1/x")
    assert sleeps.delays == [2.0]
    assert ring_server.count("POST", "/v1/x") == 2


async def test_429_retry_after_http_date(
    auth: FakeAuth, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """An HTTP-date Retry-After in the past means retry at once."""
    past = format_datetime(datetime.now(UTC) - timedelta(minutes=1), usegmt=True)
    ring_server.reply(
        "GET", "/v1/x", error_response(429, headers={"Retry-After": past}), OK
    )
    await auth.request("GET", "/v1/x")
    assert sleeps.delays == [0.0]


async def test_429_backoff_then_give_up(
    auth: FakeAuth, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """Without Retry-After: 1 s, 2 s, 4 s backoff, then RingPartnerRateLimitError."""
    ring_server.reply("GET", "/v1/x", error_response(429, "Rate Limit Exceeded"))
    with pytest.raises(RingPartnerRateLimitError) as excinfo:
        await auth.request("GET", "/v1/x")
    assert sleeps.delays == [1.0, 2.0, 4.0]
    assert excinfo.value.retry_after == 8.0
    assert ring_server.count("GET", "/v1/x") == 4


async def test_429_long_retry_after_not_waited(
    auth: FakeAuth, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """A Retry-After beyond the wait budget is handed to the caller at once."""
    ring_server.reply(
        "GET", "/v1/x", error_response(429, headers={"Retry-After": "60"})
    )
    with pytest.raises(RingPartnerRateLimitError) as excinfo:
        await auth.request("GET", "/v1/x")
    assert excinfo.value.retry_after == 60.0
    assert sleeps.delays == []


async def test_backoff_jitter(
    session: aiohttp.ClientSession, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """Jitter adds up to 25 % to each backoff step."""
    auth = FakeAuth(session, ring_server.url, sleep=sleeps, jitter=lambda: 1.0)
    ring_server.reply("GET", "/v1/x", error_response(500), OK)
    await auth.request("GET", "/v1/x")
    assert sleeps.delays == [1.25]


async def test_5xx_retried_for_get(
    auth: FakeAuth, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """Idempotent requests retry 500 and 503 SERVER_BUSY with backoff."""
    ring_server.reply(
        "GET",
        "/v1/x",
        error_response(500, code="INTERNAL_ERROR"),
        error_response(503, code="SERVER_BUSY"),
        OK,
    )
    await auth.request("GET", "/v1/x")
    assert sleeps.delays == [1.0, 2.0]


async def test_5xx_exhausts_retries(
    auth: FakeAuth, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """After the capped retries the server error is raised."""
    ring_server.reply("DELETE", "/v1/x", error_response(502))
    with pytest.raises(RingPartnerServerError):
        await auth.request("DELETE", "/v1/x")
    assert ring_server.count("DELETE", "/v1/x") == 4


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_5xx_not_retried_for_post(
    auth: FakeAuth, ring_server: FakeServer, sleeps: SleepRecorder, method: str
) -> None:
    """Non-idempotent requests are never retried on 5xx."""
    ring_server.reply(method, "/v1/x", error_response(500), OK)
    with pytest.raises(RingPartnerServerError):
        await auth.request(method, "/v1/x")
    assert sleeps.delays == []


async def test_device_offline_not_retried(
    auth: FakeAuth, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """503 Device Unavailable (offline) is not worth retrying."""
    ring_server.reply(
        "GET", "/v1/x", error_response(503, "Device Unavailable", detail="offline")
    )
    with pytest.raises(RingPartnerUnavailableError):
        await auth.request("GET", "/v1/x")
    assert sleeps.delays == []


async def _closed_port_url() -> str:
    """Return a URL on 127.0.0.1 where nothing listens."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return f"http://127.0.0.1:{port}"


async def test_connection_error_retried_for_get(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    """Connection failures are retried for GET, then raised."""
    auth = FakeAuth(session, await _closed_port_url(), sleep=sleeps, jitter=lambda: 0)
    with pytest.raises(RingPartnerConnectionError) as excinfo:
        await auth.request("GET", "/v1/x")
    assert not isinstance(excinfo.value, RingPartnerTimeoutError)
    assert sleeps.delays == [1.0, 2.0, 4.0]
    sleeps.delays.clear()
    with pytest.raises(RingPartnerConnectionError):
        await auth.request("POST", "/v1/x")
    assert sleeps.delays == []


async def test_timeout(auth: FakeAuth, ring_server: FakeServer) -> None:
    """A slow answer raises RingPartnerTimeoutError."""

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response()

    ring_server.route("POST", "/v1/slow", slow)
    with pytest.raises(RingPartnerTimeoutError):
        await auth.request("POST", "/v1/slow", request_timeout=0.1)


async def test_bearer_never_leaves_api_origin(auth: FakeAuth) -> None:
    """An authenticated request to another origin is refused before sending."""
    with pytest.raises(RingPartnerError):
        await auth.request("GET", "http://127.0.0.2:1/v1/users/me")


async def test_size_cap(auth: FakeAuth, ring_server: FakeServer) -> None:
    """Bodies beyond max_bytes raise, by Content-Length and when streamed."""
    ring_server.reply("GET", "/v1/big", lambda: web.Response(body=b"x" * 2000))

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(20):
            await response.write(b"y" * 100_000)
        await response.write_eof()
        return response

    ring_server.route("GET", "/v1/stream", chunked)
    with pytest.raises(RingPartnerMediaTooLargeError):
        await auth.request("GET", "/v1/big", max_bytes=1000)
    with pytest.raises(RingPartnerMediaTooLargeError):
        await auth.request("GET", "/v1/stream", max_bytes=150_000)
    response = await auth.request("GET", "/v1/stream")
    assert len(response.body) == 2_000_000


async def test_large_error_body_truncated(
    auth: FakeAuth, ring_server: FakeServer
) -> None:
    """Error bodies are read only up to a small limit."""
    ring_server.reply(
        "POST", "/v1/x", lambda: web.Response(status=400, body=b"z" * 200_000)
    )
    with pytest.raises(RingPartnerBadRequestError):
        await auth.request("POST", "/v1/x")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff"])
async def test_invalid_json(
    auth: FakeAuth, ring_server: FakeServer, body: bytes
) -> None:
    """Undecodable or non-object JSON raises RingPartnerParseError."""
    ring_server.reply("GET", "/v1/x", lambda: web.Response(body=body))
    response = await auth.request("GET", "/v1/x")
    with pytest.raises(RingPartnerParseError):
        response.json()


def test_resolve_url(session: aiohttp.ClientSession) -> None:
    """Paths join the base URL (with or without a path prefix)."""
    auth = FakeAuth(session, "http://127.0.0.1:9/prefix/")
    resolved = auth.resolve_url("/v1/x?page[key]=a")
    assert resolved.path == "/prefix/v1/x"
    assert resolved.query["page[key]"] == "a"
    assert str(auth.resolve_url("v1/x")) == "http://127.0.0.1:9/prefix/v1/x"
    assert auth.relative_path(auth.resolve_url("/v1/users/me")) == "/v1/users/me"
    assert auth.is_api_url(auth.resolve_url("/v1"))
    assert not auth.is_api_url(auth.resolve_url("http://127.0.0.1:10/v1"))
    assert auth.websession is session
    assert str(auth.api_base) == "http://127.0.0.1:9/prefix"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("5", 5.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 30.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Retry-After: delta seconds or HTTP date relative to now."""
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)
    assert parse_retry_after(value, now) == expected


async def test_rate_limiter_window() -> None:
    """At most `rate` starts per period; waits are observed via the injected sleep."""
    now = [0.0]
    sleeps = SleepRecorder()
    limiter = RateLimiter(3, 1.0, clock=lambda: now[0], sleep=sleeps)
    for _ in range(3):
        await limiter.acquire()
    assert sleeps.delays == []
    await limiter.acquire()
    assert sleeps.delays == [1.0]
    now[0] = 0.5
    await limiter.acquire()
    assert sleeps.delays == [1.0, 0.5]
    now[0] = 5.0
    await limiter.acquire()
    assert sleeps.delays == [1.0, 0.5]
    with pytest.raises(ValueError, match="rate must be"):
        RateLimiter(0)


async def test_rate_limiter_shared_per_client_id(
    session: aiohttp.ClientSession, ring_server: FakeServer
) -> None:
    """Every account of one client id shares one limiter (100 rps default)."""
    limiters = RateLimiters()
    limiter = limiters.get("client-a")
    assert limiters.get("client-a") is limiter
    assert limiters.get("client-b") is not limiter
    assert limiter.rate == 100
    now = [0.0]
    sleeps = SleepRecorder()
    shared = RateLimiter(2, 1.0, clock=lambda: now[0], sleep=sleeps)
    ring_server.reply("GET", "/v1/x", OK)
    first = FakeAuth(session, ring_server.url, rate_limiter=shared)
    second = FakeAuth(session, ring_server.url, token="other", rate_limiter=shared)
    await first.request("GET", "/v1/x")
    await second.request("GET", "/v1/x")
    assert sleeps.delays == []
    await first.request("GET", "/v1/x")
    assert sleeps.delays == [1.0]

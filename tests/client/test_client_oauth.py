"""Tests for the token endpoint helpers (docs/ring-api.md#token-endpoint)."""

import asyncio
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web
import pytest

from custom_components.ring_partner.client import (
    RingPartnerAuthenticationError,
    RingPartnerConnectionError,
    RingPartnerInvalidGrantError,
    RingPartnerOAuthError,
    RingPartnerParseError,
    RingPartnerServerError,
    RingPartnerTimeoutError,
    Transport,
    exchange_code,
    exchange_code_for_account,
)

from .conftest import FakeServer, SleepRecorder, json_response

TOKEN = {
    "access_token": "xxxxx",
    "refresh_token": "yyyyy",
    "scope": "ava.v1",
    "expires_in": 14400,
    "token_type": "Bearer",
}


@pytest.fixture
def transport(session: aiohttp.ClientSession, ring_server: FakeServer) -> Transport:
    """Return a bare transport (no token) against the fake server, without real waits."""
    return Transport(
        session, ring_server.url, sleep=SleepRecorder(), jitter=lambda: 0.0
    )


def _form(server: FakeServer, index: int = 0) -> dict[str, str]:
    """Decode the form body of a recorded request."""
    return {
        key: values[0]
        for key, values in parse_qs(server.requests[index].body.decode()).items()
    }


async def test_exchange_code(transport: Transport, ring_server: FakeServer) -> None:
    """Authorization-code grant, form-encoded, without and with a PKCE verifier."""
    ring_server.reply("POST", "/oauth/token", json_response(TOKEN))
    url = f"{ring_server.url}/oauth/token"
    token = await exchange_code(
        transport, token_url=url, client_id="cid", client_secret="sec", code="c0de"
    )
    assert token.access_token == "xxxxx"
    assert token.refresh_token == "yyyyy"
    assert token.expires_in == 14400
    assert _form(ring_server) == {
        "grant_type": "authorization_code",
        "client_id": "cid",
        "client_secret": "sec",
        "code": "c0de",
    }
    assert ring_server.requests[0].headers["Content-Type"] == (
        "application/x-www-form-urlencoded"
    )
    assert "Authorization" not in ring_server.requests[0].headers
    await exchange_code(
        transport,
        token_url=url,
        client_id="cid",
        client_secret="sec",
        code="c0de",
        code_verifier="verifier",
    )
    assert _form(ring_server, 1)["code_verifier"] == "verifier"


async def test_exchange_code_for_account(
    transport: Transport, ring_server: FakeServer
) -> None:
    """The code exchange is followed by users/me with the new token, on the API host."""
    ring_server.reply("POST", "/oauth/token", json_response(TOKEN))
    ring_server.reply(
        "GET",
        "/v1/users/me",
        json_response({"data": {"type": "users", "id": "ava1.ring.account.X"}}),
    )
    linked = await exchange_code_for_account(
        transport,
        token_url=f"{ring_server.url}/oauth/token",
        client_id="cid",
        client_secret="sec",
        code="c0de",
    )
    assert linked.user.id == "ava1.ring.account.X"
    assert linked.token.refresh_token == "yyyyy"
    users_me = ring_server.requests[1]
    assert users_me.path == "/v1/users/me"
    assert users_me.headers["Authorization"] == "Bearer xxxxx"


async def test_token_endpoint_429_is_retried(
    transport: Transport, ring_server: FakeServer
) -> None:
    """A 429 from the token endpoint is waited out: Ring refused it unprocessed."""
    ring_server.reply(
        "POST",
        "/oauth/token",
        json_response({}, status=429, headers={"Retry-After": "2"}),
        json_response(TOKEN),
    )
    token = await exchange_code(
        transport,
        token_url=f"{ring_server.url}/oauth/token",
        client_id="cid",
        client_secret="sec",
        code="c",
    )
    assert token.access_token == "xxxxx"
    assert ring_server.count("POST", "/oauth/token") == 2


async def test_invalid_grant(transport: Transport, ring_server: FakeServer) -> None:
    """invalid_grant is both an OAuth error and an authentication error; no retry."""
    ring_server.reply(
        "POST",
        "/oauth/token",
        json_response(
            {"error": "invalid_grant", "error_description": "expired"}, status=400
        ),
    )
    with pytest.raises(RingPartnerInvalidGrantError) as excinfo:
        await exchange_code(
            transport,
            token_url=f"{ring_server.url}/oauth/token",
            client_id="cid",
            client_secret="sec",
            code="used",
        )
    error = excinfo.value
    assert isinstance(error, RingPartnerAuthenticationError)
    assert isinstance(error, RingPartnerOAuthError)
    assert error.error == "invalid_grant"
    assert error.description == "expired"
    assert error.status == 400
    assert ring_server.count("POST", "/oauth/token") == 1


@pytest.mark.parametrize(
    ("response", "expected", "error"),
    [
        (
            json_response({"error": "unsupported_grant_type"}, status=401),
            RingPartnerOAuthError,
            "unsupported_grant_type",
        ),
        (
            lambda: web.Response(status=400, text="bad"),
            RingPartnerOAuthError,
            "unknown_error",
        ),
        (
            lambda: web.Response(status=502, text="bad gateway"),
            RingPartnerServerError,
            None,
        ),
        (lambda: web.Response(text="not json"), RingPartnerParseError, None),
        (json_response({"access_token": "a"}), RingPartnerParseError, None),
    ],
)
async def test_token_errors(
    transport: Transport,
    ring_server: FakeServer,
    response: object,
    expected: type[Exception],
    error: str | None,
) -> None:
    """Other RFC 6749 errors, non-JSON failures and bad success bodies."""
    ring_server.reply("POST", "/oauth/token", response)  # type: ignore[arg-type]
    with pytest.raises(expected) as excinfo:
        await exchange_code(
            transport,
            token_url=f"{ring_server.url}/oauth/token",
            client_id="cid",
            client_secret="sec",
            code="c",
        )
    assert ring_server.count("POST", "/oauth/token") == 1
    assert not isinstance(excinfo.value, RingPartnerInvalidGrantError)
    if error is not None:
        assert isinstance(excinfo.value, RingPartnerOAuthError)
        assert excinfo.value.error == error


async def test_token_connection_errors(
    transport: Transport, ring_server: FakeServer
) -> None:
    """Unreachable and slow token endpoints."""

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response()

    ring_server.route("POST", "/slow", slow)
    with pytest.raises(RingPartnerTimeoutError):
        await exchange_code(
            transport,
            token_url=f"{ring_server.url}/slow",
            client_id="cid",
            client_secret="sec",
            code="c",
            request_timeout=0.1,
        )
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(RingPartnerConnectionError):
        await exchange_code(
            transport,
            token_url=f"http://127.0.0.1:{port}/oauth/token",
            client_id="cid",
            client_secret="sec",
            code="c",
        )

"""Fixtures for the Ring Partner API client tests: a fake auth, fake servers, the simulator."""

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Any, override

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.ring_partner.client import (
    AbstractAuth,
    RateLimiter,
    RingPartnerClient,
)
from simulator import Simulator, SimulatorConfig
from simulator.scenario import DEFAULT_ACCOUNT_ID
from tests.conftest import SimControl, make_sim_config

from .sim_support import link_account

FIXTURES = Path(__file__).parent / "fixtures"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def load_json(name: str) -> dict[str, Any]:
    """Load a JSON fixture from tests/client/fixtures."""
    result: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return result


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Client tests need no Home Assistant instance (overrides the root autouse)."""


class SleepRecorder:
    """An injectable sleep that records delays instead of waiting."""

    def __init__(self) -> None:
        """Start with no recorded delays."""
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        """Record the delay and return at once."""
        self.delays.append(delay)


class FakeAuth(AbstractAuth):
    """Auth with fixed tokens; the forced refresh swaps in a second token."""

    def __init__(
        self,
        websession: aiohttp.ClientSession,
        api_base: str,
        *,
        token: str = "access-1",
        refreshed_token: str | None = "access-2",
        **kwargs: Any,
    ) -> None:
        """Initialize with the tokens to hand out."""
        super().__init__(websession, api_base, **kwargs)
        self.token = token
        self.refreshed_token = refreshed_token
        self.refresh_calls = 0

    @override
    async def async_get_access_token(self) -> str:
        """Return the current token."""
        return self.token

    @override
    async def async_force_refresh_access_token(self) -> str:
        """Swap in the refreshed token, or fail like the default."""
        self.refresh_calls += 1
        if self.refreshed_token is None:
            return await super().async_force_refresh_access_token()
        self.token = self.refreshed_token
        return self.token


@dataclass
class RecordedRequest:
    """A request as seen by a fake server."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeServer:
    """A tiny programmable HTTP server on 127.0.0.1."""

    server: TestServer
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return str(self.server.make_url("")).rstrip("/")

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Register a handler for an exact method and path."""
        self.routes[method.upper(), path] = handler

    def reply(
        self,
        method: str,
        path: str,
        *responses: web.StreamResponse | Callable[[], web.StreamResponse],
    ) -> None:
        """Answer consecutive requests with the given responses (last one repeats)."""
        queue = list(responses)

        async def handler(request: web.Request) -> web.StreamResponse:
            item = queue.pop(0) if len(queue) > 1 else queue[0]
            return item() if callable(item) else item

        self.route(method, path, handler)

    def count(self, method: str, path: str) -> int:
        """Return how many requests hit method + path."""
        return sum(1 for r in self.requests if (r.method, r.path) == (method, path))


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Callable[[], web.Response]:
    """Return a factory for a JSON response (a response object is single-use)."""
    return lambda: web.json_response(body, status=status, headers=headers)


def error_response(
    status: int,
    title: str | None = None,
    code: str | None = None,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
) -> Callable[[], web.Response]:
    """Return a factory for a JSON:API error response."""
    error: dict[str, str] = {"status": str(status)}
    if title:
        error["title"] = title
    if code:
        error["code"] = code
    if detail:
        error["detail"] = detail
    return json_response({"errors": [error]}, status, headers)


async def _start_server() -> FakeServer:
    """Build and start a FakeServer."""
    app = web.Application()
    holder: list[FakeServer] = []

    async def dispatch(request: web.Request) -> web.StreamResponse:
        fake = holder[0]
        fake.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=await request.read(),
            )
        )
        handler = fake.routes.get((request.method, request.path))
        if handler is None:
            return web.json_response(
                {"errors": [{"status": "404", "title": "Not Found"}]}, status=404
            )
        return await handler(request)

    app.router.add_route("*", "/{tail:.*}", dispatch)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake = FakeServer(server=server)
    holder.append(fake)
    return fake


@pytest.fixture
async def ring_server(socket_enabled: None) -> AsyncGenerator[FakeServer]:
    """Start a fake Ring API server."""
    fake = await _start_server()
    yield fake
    await fake.server.close()


@pytest.fixture
async def media_server(socket_enabled: None) -> AsyncGenerator[FakeServer]:
    """Start a fake presigned-media host (another origin)."""
    fake = await _start_server()
    yield fake
    await fake.server.close()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """Own an aiohttp session for the test (sockets to 127.0.0.1 allowed)."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def sleeps() -> SleepRecorder:
    """Return the injected sleep recorder."""
    return SleepRecorder()


@pytest.fixture
def auth(
    session: aiohttp.ClientSession, ring_server: FakeServer, sleeps: SleepRecorder
) -> FakeAuth:
    """Return a FakeAuth against the fake API server, with no real waiting."""
    return FakeAuth(
        session,
        ring_server.url,
        sleep=sleeps,
        jitter=lambda: 0.0,
        rate_limiter=RateLimiter(sleep=sleeps),
    )


@pytest.fixture
def client(auth: FakeAuth) -> RingPartnerClient:
    """Return a client over the fake auth."""
    return RingPartnerClient(auth)


@pytest.fixture
def simulator_config(ring_server: FakeServer) -> SimulatorConfig:
    """Put the partner's Token Exchange and Account Link URLs on the fake server; 100x time."""
    return make_sim_config(
        token_exchange_url=f"{ring_server.url}/ring/token-exchange",
        account_link_url=f"{ring_server.url}/ring/link",
        time_scale=0.01,
    )


@pytest.fixture
def codes(ring_server: FakeServer) -> list[str]:
    """Collect the codes Ring posts to the Token Exchange URL on the partner server."""
    received: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        form = await request.post()
        received.append(str(form["code"]))
        return web.Response(text="ok")

    ring_server.route("POST", "/ring/token-exchange", receive)
    return received


@pytest.fixture
async def linked(
    session: aiohttp.ClientSession,
    simulator: Simulator,
    sim_control: SimControl,
    codes: list[str],
) -> RingPartnerClient:
    """Return a client linked to the default account (integration completed)."""
    return await link_account(
        session, simulator, sim_control, codes, DEFAULT_ACCOUNT_ID
    )

"""Fixtures for the simulator tests: a running simulator and a partner stand-in."""

from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock

from .helpers import link_account
from .partner import Partner
from .rtsp_client import RtspClient


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(socket_enabled: None) -> None:
    """Need no Home Assistant instance (overrides the root autouse fixture); allow sockets.

    phacc still restricts connections to 127.0.0.1.
    """


@pytest.fixture
def clock() -> ManualClock:
    """Return a manual wall clock for the simulator."""
    return ManualClock()


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Return the config the `sim` fixture starts with (tests may override it)."""
    return SimulatorConfig(port=0, media_port=0, clock=clock, seed=1, time_scale=0.001)


@pytest.fixture
async def sim(sim_config: SimulatorConfig) -> AsyncIterator[Simulator]:
    """Run a simulator on free 127.0.0.1 ports."""
    simulator = Simulator(sim_config)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Open an HTTP client session."""
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def token(sim: Simulator, session: aiohttp.ClientSession) -> str:
    """Link the demo account and return its access token."""
    tokens = await link_account(session, sim)
    return str(tokens["access_token"])


@pytest.fixture
async def partner(
    sim: Simulator, session: aiohttp.ClientSession
) -> AsyncIterator[Partner]:
    """Run a tiny partner backend on 127.0.0.1, wired into the simulator's config."""
    async with Partner(sim, session) as stand_in:
        sim.config.token_exchange_url = stand_in.url("/token-exchange")
        sim.config.account_link_url = stand_in.url("/link")
        sim.config.webhook_url = stand_in.url("/webhook")
        yield stand_in


@pytest.fixture
async def rtsp_connect(
    sim: Simulator,
) -> AsyncIterator[Callable[[], Awaitable[RtspClient]]]:
    """Return a function that opens verified TLS connections to the RTSP bridge."""
    clients: list[RtspClient] = []

    async def connect() -> RtspClient:
        client = await RtspClient.connect("127.0.0.1", sim.rtsp_port, sim.rtsp_ca_file)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.close()

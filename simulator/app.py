"""The two aiohttp applications and the `Simulator` that runs them.

Port 1 (`base_url`): OAuth (`/oauth/token`, `/partner-link/authorize`), the API (`/v1/...`)
and the control API (`/_sim/...`). Port 2 (`media_url`): the media download host that
presigned URLs point to, a different origin as in production (docs/media.md#image-download).
Port 3 (`rtsp_url`): the RTSP bridge, RTSP over TLS with a certificate made at start
(`rtsp_ca_file`). All bind `config.host` (127.0.0.1); port 0 picks a free port.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import logging
import socket

import aiohttp
from aiohttp import web

from simulator import (
    chime,
    control,
    devices,
    history,
    linking,
    middleware,
    oauth,
    users,
)
from simulator.config import SimulatorConfig
from simulator.errors import error_middleware
from simulator.media import setup_media_routes
from simulator.rtsp import RtspBridge, setup_rtsp
from simulator.state import STATE_KEY, SimState

_LOGGER = logging.getLogger(__name__)


def _base_app(state: SimState) -> web.Application:
    """Return an app with the shared middlewares and the state attached."""
    app = web.Application(
        middlewares=[
            middleware.request_log_middleware,
            middleware.fault_middleware,
            middleware.rate_limit_middleware,
            error_middleware,
        ],
        client_max_size=4 * 1024 * 1024,
    )
    app[STATE_KEY] = state
    middleware.install(app)
    return app


def build_apps(
    state: SimState,
) -> tuple[web.Application, web.Application, RtspBridge]:
    """Build the API app, the media app and the (not yet listening) RTSP bridge."""
    api_app = _base_app(state)
    media_app = _base_app(state)
    oauth.setup(api_app)
    linking.setup(api_app)
    users.setup(api_app)
    devices.setup(api_app)
    chime.setup(api_app)
    history.setup(api_app)
    control.setup(api_app)
    setup_media_routes(api_app, media_app, state)
    bridge = setup_rtsp(api_app, state)
    return api_app, media_app, bridge


class Simulator:
    """A running Ring cloud simulator: API + OAuth + control, media, and the RTSP bridge."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        """Prepare the state and apps; nothing listens until `start()`."""
        self.config = config or SimulatorConfig()
        self.state = SimState(self.config)
        self.api_app, self.media_app, self.rtsp = build_apps(self.state)
        self._runners: list[web.AppRunner] = []
        self.port = 0
        self.media_port = 0

    @property
    def base_url(self) -> str:
        """Return the API/OAuth/control origin, e.g. `http://127.0.0.1:8765`."""
        return self.state.base_url

    @property
    def media_url(self) -> str:
        """Return the media download origin."""
        return self.state.media_url

    @property
    def rtsp_url(self) -> str:
        """Return the RTSP bridge origin, e.g. `rtsps://127.0.0.1:8322`."""
        return self.rtsp.url

    @property
    def rtsp_port(self) -> int:
        """Return the RTSP bridge's TLS port."""
        return self.rtsp.port

    @property
    def rtsp_ca_file(self) -> str:
        """Return the PEM file of the bridge's self-signed certificate (trust it as a CA)."""
        if self.rtsp.certificate is None:
            raise RuntimeError("the simulator is not running")
        return str(self.rtsp.certificate.cert_file)

    def rtsp_stream_url(self, device_id: str) -> str:
        """Return a device's `rtsps://…/v1/devices/<id>/stream` URL on the bridge."""
        return self.rtsp.stream_url(device_id)

    @property
    def token_url(self) -> str:
        """Return the OAuth token endpoint."""
        return f"{self.base_url}/oauth/token"

    @property
    def authorize_url(self) -> str:
        """Return the partner-initiated authorize page."""
        return f"{self.base_url}/partner-link/authorize"

    async def start(self) -> None:
        """Listen on both ports and open the outgoing HTTP session (webhooks, linking)."""
        self.state.webhooks.session = aiohttp.ClientSession()
        self.port = await self._listen(self.api_app, self.config.port)
        self.media_port = await self._listen(self.media_app, self.config.media_port)
        await self.rtsp.start()
        self.state.base_url = f"http://{self.config.host}:{self.port}"
        self.state.media_url = f"http://{self.config.host}:{self.media_port}"
        _LOGGER.info(
            "Ring simulator API on %s, media on %s, RTSP bridge on %s",
            self.base_url,
            self.media_url,
            self.rtsp_url,
        )

    async def _listen(self, app: web.Application, port: int) -> int:
        """Start one app and return the port it listens on."""
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        self._runners.append(runner)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.config.host, port))
        site = web.SockSite(runner, sock)
        await site.start()
        return int(sock.getsockname()[1])

    async def stop(self) -> None:
        """Cancel every task and timer, close the HTTP session, the servers and the bridge."""
        await self.state.close()
        session, self.state.webhooks.session = self.state.webhooks.session, None
        if session is not None:
            await session.close()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()


@asynccontextmanager
async def run_simulator(
    config: SimulatorConfig | None = None,
) -> AsyncIterator[Simulator]:
    """Run a simulator for the duration of an `async with` block."""
    simulator = Simulator(config)
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()

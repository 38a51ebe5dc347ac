"""A minimal partner backend (Token Exchange URL, Account Link URL, Webhook URL) for tests."""

import asyncio
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from simulator import Simulator

from .helpers import exchange_code


class Partner:
    """Plays the partner: exchanges codes, records webhooks, answers with chosen statuses."""

    def __init__(self, sim: Simulator, session: aiohttp.ClientSession) -> None:
        """Prepare the app."""
        self.sim = sim
        self.session = session
        self.codes: list[str] = []
        self.exchange_shapes: list[
            str
        ] = []  # form, json or query, per Token Exchange POST
        self.tokens: list[dict[str, Any]] = []
        self.account_ids: list[str] = []
        self.webhooks: list[tuple[bytes, dict[str, str]]] = []
        self.webhook_statuses: list[int] = []  # consumed first; then 200
        self.webhook_delays: list[float] = []  # consumed first; then no delay
        self.exchange_status = 200
        app = web.Application()
        app.router.add_post("/token-exchange", self._token_exchange)
        app.router.add_post("/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        self.port = 0

    def url(self, path: str) -> str:
        """Return an absolute URL on the partner."""
        return f"http://127.0.0.1:{self.port}{path}"

    async def __aenter__(self) -> Self:
        """Start listening on a free port."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self._runner.cleanup()

    async def _token_exchange(self, request: web.Request) -> web.Response:
        """Receive the code (form, JSON or query), exchange it, learn the account id."""
        if request.content_type == "application/json":
            code, shape = str((await request.json())["code"]), "json"
        elif "code" in request.query:
            assert not await request.read()
            code, shape = request.query["code"], "query"
        else:
            assert request.content_type == "application/x-www-form-urlencoded"
            code, shape = str((await request.post())["code"]), "form"
        self.codes.append(code)
        self.exchange_shapes.append(shape)
        if self.exchange_status != 200:
            return web.Response(status=self.exchange_status)
        tokens = await exchange_code(self.session, self.sim, code)
        self.tokens.append(tokens)
        async with self.session.get(
            f"{self.sim.base_url}/v1/users/me",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        ) as response:
            assert response.status == 200
            self.account_ids.append((await response.json())["data"]["id"])
        return web.Response(status=200)

    async def _webhook(self, request: web.Request) -> web.Response:
        """Record a webhook delivery."""
        body = await request.read()
        self.webhooks.append((body, dict(request.headers)))
        if self.webhook_delays and (delay := self.webhook_delays.pop(0)):
            await asyncio.sleep(delay)
        status = self.webhook_statuses.pop(0) if self.webhook_statuses else 200
        return web.Response(status=status)

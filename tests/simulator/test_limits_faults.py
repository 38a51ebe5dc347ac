"""Rate limiting, fault injection and the request log."""

import asyncio
import time

import aiohttp
import pytest

from simulator import Simulator
from simulator.scenario import FRONT_DOOR_ID

from .helpers import api, bearer, control


async def test_rate_limit(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Headers on every counted response; 429 with Retry-After over the limit."""
    await control(session, sim, "/config", {"rate_limit": 5})
    sim.state.rate_limiter.reset()
    remaining = []
    for _ in range(5):
        async with session.get(
            f"{sim.base_url}/v1/devices", headers=bearer(token)
        ) as response:
            assert response.status == 200
            assert response.headers["X-RateLimit-Limit"] == "5"
            remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    async with session.get(
        f"{sim.base_url}/v1/users/me", headers=bearer(token)
    ) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "1"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        body = await response.json()
    assert body["errors"][0]["status"] == "429"
    assert body["errors"][0]["title"] == "Rate Limit Exceeded"
    # The control API and the token endpoint are not counted.
    await control(session, sim, "/state", method="GET")


async def test_rate_limit_window_slides(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """After a second the budget is back; playground tokens are exempt."""
    sim.config.rate_limit = 2
    sim.state.rate_limiter.reset()
    for _ in range(2):
        await api(session, sim, "/v1/devices", token)
    await api(session, sim, "/v1/devices", token, expect=429)
    playground = (await control(session, sim, "/playground/token"))["access_token"]
    async with session.get(
        f"{sim.base_url}/v1/devices", headers=bearer(playground)
    ) as response:
        assert response.status == 200
        assert "X-RateLimit-Limit" not in response.headers
    await asyncio.sleep(1.05)
    await api(session, sim, "/v1/devices", token)


async def test_fault_status_and_count(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """A 503 fault with a count and Retry-After; then normal answers."""
    fault = await control(
        session,
        sim,
        "/faults",
        {"path": "^/v1/devices$", "status": 503, "count": 2, "retry_after": 7},
    )
    assert fault["count"] == 2
    for _ in range(2):
        async with session.get(
            f"{sim.base_url}/v1/devices", headers=bearer(token)
        ) as response:
            assert response.status == 503
            assert response.headers["Retry-After"] == "7"
            assert (await response.json())["errors"][0]["status"] == "503"
    await api(session, sim, f"/v1/devices/{FRONT_DOOR_ID}", token)
    await api(session, sim, "/v1/devices", token)
    assert await control(session, sim, "/faults", method="GET") == []


async def test_fault_method_latency_drop(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Method filter, latency and dropped connections; DELETE clears faults."""
    await control(
        session,
        sim,
        "/faults",
        {"path": "/oauth/token", "method": "post", "status": 500},
    )
    async with session.post(sim.token_url, data={}) as response:
        assert response.status == 500
    await control(session, sim, "/faults", method="DELETE")
    await control(
        session, sim, "/faults", {"path": "users/me", "latency_ms": 200, "count": 1}
    )
    started = time.monotonic()
    await api(session, sim, "/v1/users/me", token)
    assert time.monotonic() - started >= 0.2
    await control(session, sim, "/faults", {"path": "users/me", "drop": True})
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api(session, sim, "/v1/users/me", token)
    await control(session, sim, "/faults", method="DELETE")
    await api(session, sim, "/v1/users/me", token)
    body = await control(session, sim, "/faults", {"path": "("}, expect=400)
    assert body["errors"][0]["status"] == "400"
    await control(session, sim, "/faults", {"path": "x"}, expect=400)


async def test_request_log(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Every API/OAuth/media request is logged with auth presence, host and port."""
    await control(session, sim, "/requests", method="DELETE")
    await api(session, sim, "/v1/devices?include=status", token)
    await api(session, sim, "/v1/devices", None, expect=401)
    async with session.get(f"{sim.media_url}/nowhere") as response:
        assert response.status == 404
        assert (await response.json())["errors"][0]["status"] == "404"
    log = await control(session, sim, "/requests", method="GET")
    assert [(e["path"], e["status"], e["bearer"], e["authorization"]) for e in log] == [
        ("/v1/devices", 200, True, True),
        ("/v1/devices", 401, False, False),
        ("/nowhere", 404, False, False),
    ]
    assert log[0]["query"] == "include=status"
    assert log[0]["port"] == sim.port
    assert log[0]["host"] == f"127.0.0.1:{sim.port}"
    assert log[2]["port"] == sim.media_port
    assert {
        "method",
        "path",
        "query",
        "status",
        "bearer",
        "authorization",
        "host",
        "port",
        "time",
    } == set(log[0])

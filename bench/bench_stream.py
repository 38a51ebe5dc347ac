"""Benchmark the camera's stream source: time to the first HLS segment, bridge sessions per viewer.

Starts the simulator's RTSP bridge and an in-process Home Assistant (phacc's test instance)
with `stream` (plain HLS) and the integration on a Playground entry, serves HA's HTTP app on
127.0.0.1 and talks to it over the real websocket API. Reports:

1. Time from sending `camera/stream` to the first segment in the HLS playlist, through the
   loopback relay (the integration's path), against a baseline measured in the same run:
   HA's `stream` playing the bridge directly (FFmpeg on `rtsps://:TOKEN@…`), which only works
   with the simulator's non-documented switches `rtsp_tcp_interleaved` and `rtsp_accept_avp`
   turned on. The ratio is the relay's (and the websocket's) cost.
2. Bridge sessions opened per viewer with 1 and 5 viewers: HLS clients polling the playlist,
   and PyAV players reading the stream source itself (HomeKit, go2rtc and the like), against
   the same players reading the bridge directly (one session each). Goal: one per camera.

Run: `.venv/bin/python -m bench.bench_stream [--runs 5] [--viewers 1,5]`.
"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import logging
import statistics
import tempfile
import time
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
import av
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.ring_partner.camera import RingPartnerCamera
from custom_components.ring_partner.const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_AUTHORIZE_URL,
    CONF_ENDPOINTS,
    CONF_HMAC_KEY,
    CONF_LINK_METHOD,
    CONF_LINKED_AT,
    CONF_OAUTH_TOKEN_URL,
    DOMAIN,
    LinkMethod,
)
from custom_components.ring_partner.stream import DATA_RTSP_BRIDGE, BridgeEndpoint
from homeassistant import loader
from homeassistant.components.camera.const import DATA_COMPONENT
from homeassistant.components.camera.prefs import DynamicStreamSettings
from homeassistant.components.stream import HLS_PROVIDER, Stream, create_stream
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from simulator import Simulator, SimulatorConfig, run_simulator
from simulator.scenario import PLAYGROUND_ACCOUNT_ID, PLAYGROUND_DEVICE_ID

POLL_S = 0.02
TIMEOUT_S = 60.0


@dataclass
class _Harness:
    """The simulator, Home Assistant serving HTTP, and clients of both."""

    sim: Simulator
    hass: HomeAssistant
    server: TestServer
    http: aiohttp.ClientSession
    ws: aiohttp.ClientWebSocketResponse
    token: str
    camera: RingPartnerCamera
    next_id: int = 0

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the simulator's control API."""
        async with self.http.request(
            method, f"{self.sim.base_url}/_sim/{path}", json=body
        ) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def sessions(self) -> list[dict[str, Any]]:
        """Return the bridge's sessions."""
        result: list[dict[str, Any]] = await self.control("GET", "rtsp/sessions")
        return result

    async def forget_ended(self) -> None:
        """Wait until no bridge session is open, then forget the ended ones."""
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                if all(s["state"] == "ended" for s in await self.sessions()):
                    break
                await asyncio.sleep(POLL_S)
        await self.control("DELETE", "rtsp/sessions")

    async def camera_stream(self) -> str:
        """Send `camera/stream` over the websocket; return the media playlist URL."""
        self.next_id += 1
        await self.ws.send_json(
            {
                "id": self.next_id,
                "type": "camera/stream",
                "entity_id": self.camera.entity_id,
            }
        )
        reply = await self.ws.receive_json()
        assert reply["success"], reply
        url: str = reply["result"]["url"]
        return str(self.server.make_url(url.replace("master_playlist", "playlist")))

    async def first_segment(self, playlist_url: str) -> None:
        """Poll the playlist until it lists a segment."""
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                async with self.http.get(playlist_url) as resp:
                    if resp.status == 200 and "#EXTINF" in await resp.text():
                        return
                await asyncio.sleep(POLL_S)


async def _stop(stream: Stream) -> None:
    """End a stream as its idle timers would."""
    for provider in list(stream.outputs().values()):
        await stream.remove_provider(provider)
    await stream.stop()


async def _relay_first_segment(h: _Harness) -> float:
    """Return seconds from `camera/stream` to the first segment through the relay."""
    started = time.perf_counter()
    await h.first_segment(await h.camera_stream())
    elapsed = time.perf_counter() - started
    assert h.camera.stream is not None
    await _stop(h.camera.stream)
    await h.forget_ended()
    return elapsed


async def _direct_first_segment(h: _Harness) -> float:
    """Return seconds from starting a stream on the bridge's URL to its first segment."""
    source = h.sim.rtsp_stream_url(PLAYGROUND_DEVICE_ID).replace(
        "rtsps://", f"rtsps://:{h.token}@"
    )
    started = time.perf_counter()
    stream = create_stream(
        h.hass, source, {}, DynamicStreamSettings(), stream_label="bench direct"
    )
    stream.add_provider(HLS_PROVIDER)
    await stream.start()
    url = str(h.server.make_url(stream.endpoint_url(HLS_PROVIDER)))
    await h.first_segment(url.replace("master_playlist", "playlist"))
    elapsed = time.perf_counter() - started
    await _stop(stream)
    await h.forget_ended()
    return elapsed


def _play(url: str, frames: int, options: dict[str, str]) -> int:
    """Decode `frames` frames from a URL (blocking)."""
    with av.open(url, options=options, timeout=10) as container:
        decoded = 0
        for _ in container.decode(video=0):
            decoded += 1
            if decoded == frames:
                break
        return decoded


async def _count_sessions(h: _Harness, run: Callable[[], Awaitable[None]]) -> int:
    """Run something, wait for every bridge session to end, return how many there were."""
    await run()
    count = len(await h.sessions())
    await h.forget_ended()
    return count


async def _hls_viewers(h: _Harness, viewers: int) -> int:
    """Start HLS and let `viewers` clients each fetch the playlist and two segments."""

    async def run() -> None:
        url = await h.camera_stream()
        await h.first_segment(url)

        async def viewer() -> None:
            for _ in range(2):
                async with h.http.get(url) as resp:
                    await resp.text()
                await asyncio.sleep(1)

        await asyncio.gather(*(viewer() for _ in range(viewers)))
        assert h.camera.stream is not None
        await _stop(h.camera.stream)

    return await _count_sessions(h, run)


async def _players(h: _Harness, url: str, viewers: int) -> int:
    """Run `viewers` PyAV players on a URL at once; return the bridge sessions opened."""
    options = {"tls_verify": "0"} if url.startswith("rtsps") else {}

    async def run() -> None:
        results = await asyncio.gather(
            *(asyncio.to_thread(_play, url, 30, options) for _ in range(viewers))
        )
        assert all(r == 30 for r in results), results

    return await _count_sessions(h, run)


async def _setup_hass(hass: HomeAssistant, sim: Simulator, token: str) -> None:
    """Load `stream` and the integration with a Playground entry bound to the simulator."""
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    hass.data[DATA_RTSP_BRIDGE] = BridgeEndpoint(
        origin=sim.rtsp_url, ca_file=sim.rtsp_ca_file
    )
    assert await async_setup_component(hass, "stream", {"stream": {"ll_hls": False}})
    assert await async_setup_component(hass, "websocket_api", {})
    base_url = sim.base_url
    assert await async_setup_component(
        hass,
        DOMAIN,
        {
            DOMAIN: {
                CONF_API_BASE: base_url,
                CONF_OAUTH_TOKEN_URL: sim.token_url,
                CONF_AUTHORIZE_URL: sim.authorize_url,
            }
        },
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=PLAYGROUND_ACCOUNT_ID,
        title="Bench",
        data={
            "token": {
                "access_token": token,
                "token_type": "Bearer",
                "expires_at": time.time() + 1800,
            },
            CONF_LINK_METHOD: LinkMethod.PLAYGROUND,
            CONF_HMAC_KEY: "bench",
            CONF_ACCOUNT_ID: PLAYGROUND_ACCOUNT_ID,
            CONF_LINKED_AT: datetime.now(UTC).isoformat(),
            CONF_ENDPOINTS: {
                "api_base": base_url,
                "token_url": sim.token_url,
                "authorize_url": sim.authorize_url,
            },
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _websocket(
    hass: HomeAssistant, server: TestServer, http: aiohttp.ClientSession
) -> aiohttp.ClientWebSocketResponse:
    """Open an authenticated websocket to HA."""
    user = await hass.auth.async_create_system_user("bench")
    refresh = await hass.auth.async_create_refresh_token(user)
    ws = await http.ws_connect(server.make_url("/api/websocket"))
    await ws.receive_json()
    await ws.send_json(
        {"type": "auth", "access_token": hass.auth.async_create_access_token(refresh)}
    )
    assert (await ws.receive_json())["type"] == "auth_ok"
    return ws


@dataclass
class _Results:
    """Everything measured."""

    relay_s: list[float]
    direct_s: list[float]
    sessions: dict[tuple[str, int], int]


async def _bench(args: argparse.Namespace) -> _Results:
    """Run both measurements."""
    # Strict bridge for the relay; the switches are turned on only around the baseline.
    config = SimulatorConfig(port=0, media_port=0, rate_limit=0)
    results = _Results(relay_s=[], direct_s=[], sessions={})
    with tempfile.TemporaryDirectory() as config_dir:
        async with (
            run_simulator(config) as sim,
            aiohttp.ClientSession() as http,
            async_test_home_assistant(config_dir=config_dir) as hass,
        ):
            async with http.post(f"{sim.base_url}/_sim/playground/token") as resp:
                token = (await resp.json())["access_token"]
            await _setup_hass(hass, sim, token)
            server = TestServer(hass.http.app, host="127.0.0.1")
            await server.start_server()
            camera = next(iter(hass.data[DATA_COMPONENT].entities))
            assert isinstance(camera, RingPartnerCamera)
            h = _Harness(
                sim=sim,
                hass=hass,
                server=server,
                http=http,
                ws=await _websocket(hass, server, http),
                token=token,
                camera=camera,
            )
            lenient = {"rtsp_tcp_interleaved": True, "rtsp_accept_avp": True}
            strict = {"rtsp_tcp_interleaved": False, "rtsp_accept_avp": False}
            await _relay_first_segment(h)  # warm up imports and codecs
            for _ in range(args.runs):
                results.relay_s.append(await _relay_first_segment(h))
                await h.control("POST", "config", lenient)
                results.direct_s.append(await _direct_first_segment(h))
                await h.control("POST", "config", strict)
            source = await camera.stream_source()
            direct = sim.rtsp_stream_url(PLAYGROUND_DEVICE_ID).replace(
                "rtsps://", f"rtsps://:{token}@"
            )
            for viewers in args.viewers:
                results.sessions["HLS clients, relay", viewers] = await _hls_viewers(
                    h, viewers
                )
                results.sessions["players, relay", viewers] = await _players(
                    h, source, viewers
                )
                await h.control("POST", "config", lenient)
                results.sessions["players, bridge direct", viewers] = await _players(
                    h, direct, viewers
                )
                await h.control("POST", "config", strict)
            await h.ws.close()
            await server.close()
            await hass.async_stop(force=True)
    return results


def _report(results: _Results, viewers: list[int]) -> None:
    """Print Markdown tables."""
    relay = statistics.median(results.relay_s)
    direct = statistics.median(results.direct_s)
    print("| Path | Median to first HLS segment | Ratio |")
    print("| --- | --- | --- |")
    print(f"| baseline: `stream` on the bridge directly | {direct:.2f} s | 1.00 |")
    print(
        f"| `camera/stream` through the relay | {relay:.2f} s | {relay / direct:.2f} |"
    )
    print(f"\n{len(results.relay_s)} runs each.\n")
    print(
        "| Readers | "
        + " | ".join(f"{n} viewer{'s' if n > 1 else ''}" for n in viewers)
        + " |"
    )
    print("| --- |" + " --- |" * len(viewers))
    for kind in ("HLS clients, relay", "players, relay", "players, bridge direct"):
        cells = [
            f"{results.sessions[kind, n]} ({results.sessions[kind, n] / n:.2f}/viewer)"
            for n in viewers
        ]
        print(f"| {kind} | " + " | ".join(cells) + " |")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--viewers",
        type=lambda value: [int(part) for part in value.split(",")],
        default=[1, 5],
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    _report(asyncio.run(_bench(args)), args.viewers)


if __name__ == "__main__":
    main()

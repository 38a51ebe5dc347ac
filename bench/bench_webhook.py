"""Benchmark the webhook path: signed webhooks through HA's HTTP server to entity states.

Starts the simulator (one Playground account with `--devices` doorbells) and an in-process
Home Assistant (phacc's test instance) with the integration loaded against it, serves HA's
HTTP application (all of HA's middlewares) on 127.0.0.1, then posts `--events` signed
webhooks (ding and motion alternating over the devices) with `--concurrency` requests in
flight. Reports:

- the cost of one webhook as a ratio to one POST of the same body to a trivial Home
  Assistant view (reads the body, answers 200) in the same run and server (goal: at most 1.5 times);
- events per second handled (answered 200 and applied);
- p50/p99 time from sending the request to the event entity's state change, and to the
  answer (the state is written before Ring gets its 200);
- upstream API requests per webhook, from the simulator's request log: the push path makes
  none; the camera's still refresh after motion/ding (media downloads) is counted apart;
- the history reconciliation's upstream requests per hour and camera while webhooks flow:
  `--rounds` rounds are run back to back and their history requests counted, then scaled
  by the rounds an hour holds (one per RECONCILE_INTERVAL).

Run: `.venv/bin/python -m bench.bench_webhook [--events 2000] [--concurrency 1,10]`.
"""

import argparse
import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import logging
import statistics
import tempfile
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.ring_partner.client import compute_signature
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
    WEBHOOK_PATH,
    LinkMethod,
)
from custom_components.ring_partner.push.reconciliation import RECONCILE_INTERVAL
from homeassistant import loader
from homeassistant.components.http import HomeAssistantView
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from simulator import SimulatorConfig, run_simulator
from simulator.scenario import AccountSpec, DeviceSpec, Scenario

ACCOUNT_ID = "ava1.ring.account.BENCH"
HMAC_KEY = "bench-hmac-key"
TRIVIAL_PATH = "/api/bench/trivial"


class _TrivialView(HomeAssistantView):
    """The baseline: a Home Assistant view that reads the body and answers 200."""

    url = TRIVIAL_PATH
    name = "api:bench:trivial"
    requires_auth = False

    async def post(self, request: web.Request) -> web.Response:
        """Read the body and answer."""
        await request.read()
        return web.Response(text="ok")


@dataclass
class _Result:
    """Measurements of one run."""

    concurrency: int
    events: int
    seconds: float
    to_state: list[float]
    to_answer: list[float]
    api_requests: int
    media_requests: int


@dataclass
class _Costs:
    """Per-request cost against the trivial view, and the reconciliation's upstream cost."""

    webhook_s: float
    trivial_s: float
    history_per_round_per_camera: float
    cameras: int


def _percentile(values: list[float], fraction: float) -> float:
    """Return a percentile in milliseconds."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index] * 1000


def _body(device_id: str, index: int, *, ding: bool) -> tuple[str, bytes]:
    """Return a unique event id and a v1.1 body for a ding or a person motion.

    Event times are a second ago: older ones would be past the lateness limit and recorded
    without firing, and Ring refuses images of times in the future.
    """
    timestamp = int(time.time() * 1000) - 1000
    kind = "button_press" if ding else "human"
    event_id = f"{device_id}_{kind}_{timestamp}_{index}"
    data: dict[str, Any] = {
        "id": event_id,
        "type": "button_press" if ding else "motion_detected",
        "attributes": {
            "source": device_id,
            "source_type": "devices",
            "timestamp": timestamp,
        },
    }
    if not ding:
        data["subType"] = "human"
    meta = {
        "version": "1.1",
        "time": "2026-02-13T13:39:57.200155525Z",
        "request_id": f"bench-{index}",
        "account_id": ACCOUNT_ID,
    }
    return event_id, json.dumps({"meta": meta, "data": data}).encode()


async def _setup_hass(hass: HomeAssistant, base_url: str, token: str) -> None:
    """Load the integration with a Playground entry bound to the simulator."""
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    assert await async_setup_component(
        hass,
        DOMAIN,
        {
            DOMAIN: {
                CONF_API_BASE: base_url,
                CONF_OAUTH_TOKEN_URL: f"{base_url}/oauth/token",
                CONF_AUTHORIZE_URL: f"{base_url}/partner-link/authorize",
            }
        },
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=ACCOUNT_ID,
        title="Bench",
        data={
            "token": {
                "access_token": token,
                "token_type": "Bearer",
                "expires_at": time.time() + 1800,
            },
            CONF_LINK_METHOD: LinkMethod.PLAYGROUND,
            CONF_HMAC_KEY: HMAC_KEY,
            CONF_ACCOUNT_ID: ACCOUNT_ID,
            CONF_LINKED_AT: datetime.now(UTC).isoformat(),
            CONF_ENDPOINTS: {
                "api_base": base_url,
                "token_url": f"{base_url}/oauth/token",
                "authorize_url": f"{base_url}/partner-link/authorize",
            },
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _run_once(
    hass: HomeAssistant,
    http: aiohttp.ClientSession,
    *,
    url: str,
    devices: list[str],
    events: int,
    concurrency: int,
    offset: int,
) -> tuple[float, list[float], list[float]]:
    """Post `events` webhooks with `concurrency` in flight; return time and latencies."""
    sent: dict[str, float] = {}
    to_state: list[float] = []
    to_answer: list[float] = []
    done = asyncio.Event()

    @callback
    def _state_changed(event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if new_state is None or not event.data["entity_id"].startswith("event."):
            return
        if (
            started := sent.pop(str(new_state.attributes.get("event_id")), None)
        ) is None:
            return
        to_state.append(time.perf_counter() - started)
        if len(to_state) == events:
            done.set()

    unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, _state_changed)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(offset, offset + events):
        queue.put_nowait(index)

    async def _worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            device_id = devices[index % len(devices)]
            event_id, body = _body(device_id, index, ding=index % 2 == 0)
            headers = {
                "Content-Type": "application/json",
                "X-Signature": compute_signature(body, HMAC_KEY),
            }
            sent[event_id] = started = time.perf_counter()
            async with http.post(url, data=body, headers=headers) as response:
                assert response.status == 200, response.status
            to_answer.append(time.perf_counter() - started)

    begin = time.perf_counter()
    await asyncio.gather(*(_worker() for _ in range(concurrency)))
    await asyncio.wait_for(done.wait(), 30)
    seconds = time.perf_counter() - begin
    unsub()
    return seconds, to_state, to_answer


async def _per_request(
    http: aiohttp.ClientSession, url: str, bodies: list[bytes]
) -> float:
    """Return the median seconds of one signed POST, one at a time."""
    times: list[float] = []
    for body in bodies:
        headers = {
            "Content-Type": "application/json",
            "X-Signature": compute_signature(body, HMAC_KEY),
        }
        started = time.perf_counter()
        async with http.post(url, data=body, headers=headers) as response:
            assert response.status == 200, response.status
            await response.read()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _costs(
    hass: HomeAssistant,
    http: aiohttp.ClientSession,
    control: aiohttp.ClientSession,
    *,
    base_url: str,
    webhook_url: str,
    trivial_url: str,
    devices: list[str],
    events: int,
    offset: int,
    rounds: int,
) -> _Costs:
    """Measure the webhook against the trivial view, interleaved, and the history cost."""
    webhook_s: list[float] = []
    trivial_s: list[float] = []
    chunk = 50
    for start in range(offset, offset + events, chunk):
        bodies = [
            _body(devices[i % len(devices)], i, ding=i % 2 == 0)[1]
            for i in range(start, start + chunk)
        ]
        # The same bodies to both: the trivial view first (so the webhook ones are new).
        trivial_s.append(await _per_request(http, trivial_url, bodies))
        webhook_s.append(await _per_request(http, webhook_url, bodies))
        await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    reconciler = entry.runtime_data.push.reconciler
    assert reconciler is not None
    async with control.delete(f"{base_url}/_sim/requests"):
        pass
    for _ in range(rounds):
        await reconciler.async_reconcile()
    async with control.get(f"{base_url}/_sim/requests") as resp:
        log = await resp.json()
    history = sum("/v1/history/" in r["path"] for r in log)
    return _Costs(
        webhook_s=statistics.median(webhook_s),
        trivial_s=statistics.median(trivial_s),
        history_per_round_per_camera=history / rounds / len(devices),
        cameras=len(devices),
    )


async def _bench(args: argparse.Namespace) -> tuple[list[_Result], _Costs]:
    """Run the benchmark for each concurrency."""
    devices = [f"ava1.ring.device.BENCH{i:03d}" for i in range(args.devices)]
    scenario = Scenario(
        accounts=[
            AccountSpec(
                id=ACCOUNT_ID,
                playground=True,
                devices=[
                    DeviceSpec(id=device_id, name=f"Door {i}", kind="doorbell")
                    for i, device_id in enumerate(devices)
                ],
            )
        ]
    )
    config = SimulatorConfig(port=0, media_port=0, scenario=scenario, rate_limit=0)
    results: list[_Result] = []
    with tempfile.TemporaryDirectory() as config_dir:
        async with (
            run_simulator(config) as sim,
            aiohttp.ClientSession() as control,
            async_test_home_assistant(config_dir=config_dir) as hass,
        ):
            async with control.post(f"{sim.base_url}/_sim/playground/token") as resp:
                token = (await resp.json())["access_token"]
            await _setup_hass(hass, sim.base_url, token)
            hass.http.register_view(_TrivialView())
            server = TestServer(hass.http.app, host="127.0.0.1")
            await server.start_server()
            url = str(server.make_url(WEBHOOK_PATH))
            connector = aiohttp.TCPConnector(limit=0)
            offset = 0
            async with aiohttp.ClientSession(connector=connector) as http:
                # Warm up (imports, first-use caches) before measuring.
                await _run_once(
                    hass,
                    http,
                    url=url,
                    devices=devices,
                    events=50,
                    concurrency=5,
                    offset=offset,
                )
                offset += 50
                for concurrency in args.concurrency:
                    await hass.async_block_till_done()
                    async with control.delete(f"{sim.base_url}/_sim/requests"):
                        pass
                    seconds, to_state, to_answer = await _run_once(
                        hass,
                        http,
                        url=url,
                        devices=devices,
                        events=args.events,
                        concurrency=concurrency,
                        offset=offset,
                    )
                    offset += args.events
                    await hass.async_block_till_done()
                    async with control.get(f"{sim.base_url}/_sim/requests") as resp:
                        log = await resp.json()
                    media = sum(
                        "/media/" in r["path"] or "/download" in r["path"] for r in log
                    )
                    # Reconciliation rounds that fell into the run are reported apart.
                    history = sum("/v1/history/" in r["path"] for r in log)
                    results.append(
                        _Result(
                            concurrency=concurrency,
                            events=args.events,
                            seconds=seconds,
                            to_state=to_state,
                            to_answer=to_answer,
                            api_requests=len(log) - media - history,
                            media_requests=media,
                        )
                    )
                costs = await _costs(
                    hass,
                    http,
                    control,
                    base_url=sim.base_url,
                    webhook_url=url,
                    trivial_url=str(server.make_url(TRIVIAL_PATH)),
                    devices=devices,
                    events=args.events,
                    offset=offset,
                    rounds=args.rounds,
                )
            await server.close()
            await hass.async_stop(force=True)
    return results, costs


def _report(results: list[_Result], costs: _Costs) -> None:
    """Print Markdown tables."""
    print("| Request (median, one at a time) | Time | Ratio |")
    print("| --- | --- | --- |")
    print(f"| trivial HA view | {costs.trivial_s * 1000:.2f} ms | 1.00 |")
    print(
        f"| signed webhook → state | {costs.webhook_s * 1000:.2f} ms "
        f"| {costs.webhook_s / costs.trivial_s:.2f} |"
    )
    per_hour = 3600 / RECONCILE_INTERVAL.total_seconds()
    print(
        f"\nReconciliation with healthy webhooks: "
        f"{costs.history_per_round_per_camera:.2f} history requests per round and camera, "
        f"{costs.history_per_round_per_camera * per_hour:.0f} per hour and camera "
        f"({costs.cameras} cameras).\n"
    )
    print(
        "| Concurrency | Events/s | p50 → state | p99 → state | p50 → 200 | p99 → 200 "
        "| API req/webhook | media req/webhook |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r.concurrency} | {r.events / r.seconds:.0f} "
            f"| {_percentile(r.to_state, 0.5):.2f} ms | {_percentile(r.to_state, 0.99):.2f} ms "
            f"| {_percentile(r.to_answer, 0.5):.2f} ms "
            f"| {_percentile(r.to_answer, 0.99):.2f} ms "
            f"| {r.api_requests / r.events:.3f} | {r.media_requests / r.events:.3f} |"
        )
    mean = statistics.fmean(len(r.to_state) for r in results)
    print(f"\n{len(results)} runs, {mean:.0f} state changes each.")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument(
        "--concurrency",
        type=lambda value: [int(part) for part in value.split(",")],
        default=[1, 10],
    )
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    _report(*asyncio.run(_bench(args)))


if __name__ == "__main__":
    main()

"""Benchmark the camera against the simulator: stills, WebRTC, event images and captures.

1. Stills: N viewers each poll the camera still every `--poll` seconds (the frontend's
   camera card cadence) for `--rounds` polls. Reports upstream requests (image POST + presigned
   GET, from the simulator's request log) per still request, against 2.0 for a cache-less
   camera. Time is simulated for the cache; requests are real.
2. WebRTC: offer to answer through `RingPartnerCamera.async_handle_async_webrtc_offer` versus
   a bare WHEP POST of the same complete offer (the simulator's own latency), for a complete
   offer (goes at once) and for a frontend-style offer without candidates whose candidates
   trickle in after a simulated round trip. The gathering window's added time is reported
   separately.
3. Last event image: an in-process Home Assistant with the integration loaded against the
   simulator (the Demo account linked through the Appstore flow, webhooks delivered to HA's
   HTTP server). A ding at the simulator, then the time until the "Last event" image's state
   names that ding, minus the simulator's recording-ready delay (`--ready`): what the
   integration adds on top of Ring's own processing (goal: p95 at most 1 s).
4. Capture snapshot: press to new still (the button's service call returns once the camera
   shows it), p50/p95, against a bare WHEP POST + DELETE in the same run; and the fallback
   path (undecodable video, Ring's image of the recording) over fewer runs.

Run: `.venv/bin/python -m bench.bench_camera [--viewers 1,5,20,50] [--runs 10] [--events 20]`.
"""

import argparse
import asyncio
from collections.abc import Coroutine
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
import logging
import statistics
import tempfile
import time
from types import SimpleNamespace
from typing import Any, cast, override
from unittest.mock import patch

import aiohttp
from aiohttp.test_utils import TestServer
from aiortc import RTCPeerConnection
from pytest_homeassistant_custom_component.common import async_test_home_assistant
from webrtc_models import RTCIceCandidateInit

from custom_components.ring_partner import (
    camera as camera_module,
    snapshot as snapshot_module,
)
from custom_components.ring_partner.camera import RingPartnerCamera
from custom_components.ring_partner.client import (
    RECORDING_NOT_READY_DELAYS,
    AbstractAuth,
    RingPartnerClient,
    StaticTokenAuth,
)
from custom_components.ring_partner.const import (
    CONF_API_BASE,
    CONF_AUTHORIZE_URL,
    CONF_OAUTH_TOKEN_URL,
    DOMAIN,
    WEBHOOK_PATH,
)
from custom_components.ring_partner.snapshot import CameraSnapshots
from homeassistant import loader
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.components.camera import WebRTCAnswer, WebRTCMessage
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from simulator import Simulator, SimulatorConfig, run_simulator
from simulator.media.peer import ensure_loopback_candidates
from simulator.scenario import (
    PLAYGROUND_ACCOUNT_ID,
    PLAYGROUND_DEVICE_ID,
    AccountSpec,
    DeviceSpec,
    Scenario,
)
from tests.conftest import CLIENT_ID, CLIENT_SECRET, SimControl, entry_for, link_account

BENCH_ACCOUNT_ID = "ava1.ring.account.BENCHCAMERA"
NAIVE_REQUESTS_PER_STILL = 2  # POST /media/image/download, then GET the presigned URL


class _TokenAuth(AbstractAuth):
    """Hand out one Playground access token."""

    def __init__(
        self, session: aiohttp.ClientSession, api_base: str, token: str
    ) -> None:
        """Initialize with the token."""
        super().__init__(session, api_base)
        self._token = token

    @override
    async def async_get_access_token(self) -> str:
        """Return the token."""
        return self._token


@dataclass
class _Sim:
    """The simulator, a client for its Playground account and a control session."""

    base_url: str
    media_port: int
    control: aiohttp.ClientSession
    client: RingPartnerClient

    async def call(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control API."""
        async with self.control.request(
            method, f"{self.base_url}/_sim/{path}", json=json
        ) as resp:
            resp.raise_for_status()
            if resp.content_type == "application/json":
                return await resp.json()
            return None


async def bench_stills(sim: _Sim, viewers: int, rounds: int, poll: float) -> float:
    """Return upstream requests per still request for `viewers` concurrent viewers."""
    clock = SimpleNamespace(t=0.0)
    tasks: set[asyncio.Task[None]] = set()

    def _create_task(coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    snapshots = CameraSnapshots(
        sim.client,
        PLAYGROUND_DEVICE_ID,
        linked_at=(await _consent(sim)),
        create_task=_create_task,
        monotonic=lambda: clock.t,
    )
    await sim.call("DELETE", "requests")
    for _ in range(rounds):
        results = await asyncio.gather(
            *(snapshots.async_image(1280, 720) for _ in range(viewers))
        )
        assert all(result is not None for result in results)
        clock.t += poll
    log = await sim.call("GET", "requests")
    upstream = sum(
        1
        for entry in log
        if entry["path"].endswith("/media/image/download")
        or entry["port"] == sim.media_port
    )
    return upstream / (viewers * rounds)


async def _consent(sim: _Sim) -> datetime:
    """Return the Playground account's consent time."""
    state = await sim.call("GET", "state")
    account = next(a for a in state["accounts"] if a["id"] == PLAYGROUND_ACCOUNT_ID)
    return datetime.fromtimestamp(account["link_time_ms"] / 1000, tz=UTC)


async def _browser_offer() -> tuple[RTCPeerConnection, str, list[RTCIceCandidateInit]]:
    """Return a peer, its complete offer and the candidates cut out of it."""
    pc = RTCPeerConnection()
    pc.addTransceiver("audio", direction="recvonly")
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    candidates: list[RTCIceCandidateInit] = []
    index, mid = -1, None
    for line in pc.localDescription.sdp.split("\r\n"):
        if line.startswith("m="):
            index += 1
        elif line.startswith("a=mid:"):
            mid = line.removeprefix("a=mid:")
        elif line.startswith("a=candidate:"):
            candidates.append(
                RTCIceCandidateInit(
                    line.removeprefix("a="), sdp_mid=mid, sdp_m_line_index=index
                )
            )
    return pc, pc.localDescription.sdp, candidates


def _strip_candidates(sdp: str) -> str:
    """Return the offer as a browser sends it before gathering."""
    return "\r\n".join(
        line
        for line in sdp.split("\r\n")
        if not line.startswith("a=candidate:") and line != "a=end-of-candidates"
    )


async def _direct(sim: _Sim, offer: str) -> float:
    """Time a bare WHEP POST of a complete offer (the simulator's own latency)."""
    started = time.perf_counter()
    session = await sim.client.create_whep_session(PLAYGROUND_DEVICE_ID, offer)
    elapsed = time.perf_counter() - started
    await sim.client.delete_whep_session(session)
    return elapsed


async def _through_camera(
    hass: HomeAssistant,
    camera: RingPartnerCamera,
    offer: str,
    trickle: list[tuple[float, RTCIceCandidateInit]],
) -> float:
    """Time offer to answer through the camera, trickling (delay, candidate) pairs."""
    answered = asyncio.Event()
    session_id = f"bench-{time.perf_counter_ns()}"

    def _send(message: WebRTCMessage) -> None:
        assert isinstance(message, WebRTCAnswer), message
        answered.set()

    async def _trickle() -> None:
        for delay, candidate in trickle:
            await asyncio.sleep(delay)
            await camera.async_on_webrtc_candidate(session_id, candidate)

    started = time.perf_counter()
    trickler = asyncio.create_task(_trickle())
    await camera.async_handle_async_webrtc_offer(offer, session_id, _send)
    await answered.wait()
    elapsed = time.perf_counter() - started
    await trickler
    camera.close_webrtc_session(session_id)
    await hass.async_block_till_done()
    return elapsed


class _BenchCamera(RingPartnerCamera):
    """The camera, outside an entity platform: no state to write."""

    @override
    def _set_streaming(self) -> None:
        """Skip the state write; the bench has no state machine."""


def _median_ms(values: list[float]) -> float:
    """Return the median in milliseconds."""
    return statistics.median(values) * 1000


async def bench_webrtc(sim: _Sim, runs: int, rtt: float) -> dict[str, float]:
    """Return median times (ms) for the direct POST and the camera's two paths."""
    with tempfile.TemporaryDirectory() as config_dir:
        hass = HomeAssistant(config_dir)
        device = await sim.client.get_device(PLAYGROUND_DEVICE_ID)
        # No entry is set up: the runtime data holds just the still cache the camera asks for.
        runtime = SimpleNamespace(
            snapshots={device.id: SimpleNamespace(image=None, origin=None)}
        )
        coordinator = SimpleNamespace(
            data={device.id: device},
            client=sim.client,
            config_entry=SimpleNamespace(runtime_data=runtime),
            hass=hass,
        )
        camera = _BenchCamera(
            coordinator=cast("Any", coordinator),
            device_id=device.id,
            description=camera_module.CAMERA,
        )
        camera.hass = hass
        camera.entity_id = "camera.bench"
        direct, complete, trickled = [], [], []
        try:
            for _ in range(runs):
                pc, offer, candidates = await _browser_offer()
                try:
                    direct.append(await _direct(sim, offer))
                    complete.append(await _through_camera(hass, camera, offer, []))
                    # The frontend sends its candidates once the session id is back (one
                    # round trip), then each as the browser finds it.
                    schedule = [
                        (rtt if n == 0 else 0.001, c) for n, c in enumerate(candidates)
                    ]
                    trickled.append(
                        await _through_camera(
                            hass, camera, _strip_candidates(offer), schedule
                        )
                    )
                finally:
                    await pc.close()
        finally:
            await hass.async_block_till_done()
            with contextlib.suppress(Exception):
                await hass.async_stop(force=True)
    return {
        "direct": _median_ms(direct),
        "complete": _median_ms(complete),
        "trickled": _median_ms(trickled),
    }


def _percentile(values: list[float], fraction: float) -> float:
    """Return a percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000


async def _setup_hass(hass: HomeAssistant, sim: Simulator, control: SimControl) -> str:
    """Link the bench account, load the integration and serve HA's HTTP app; return its URL."""
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    account = await link_account(control, BENCH_ACCOUNT_ID)
    assert await async_setup_component(
        hass,
        DOMAIN,
        {
            DOMAIN: {
                CONF_API_BASE: sim.base_url,
                CONF_OAUTH_TOKEN_URL: sim.token_url,
                CONF_AUTHORIZE_URL: sim.authorize_url,
            }
        },
    )
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )
    entry = entry_for(sim, account)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    server = TestServer(hass.http.app, host="127.0.0.1")
    await server.start_server()
    hass.data["bench_server"] = server
    await control.configure(webhook_url=str(server.make_url(WEBHOOK_PATH)))
    return str(server.make_url(""))


def _doorbell_id(index: int) -> str:
    """Return the id of the bench's doorbell number `index`."""
    return f"ava1.ring.device.BENCHDOOR{index:03d}"


async def bench_event_image(
    hass: HomeAssistant, control: SimControl, doorbells: range, ready: float
) -> list[float]:
    """Return, per ding, seconds from the ding to the Last event image minus `ready`.

    Each ding is on its own doorbell: Ring's `at_timestamp` matches recordings up to 10 s
    away, so a second ding on one device would be answered with the first one's frame.
    """
    await control.configure(recording_not_ready_s=ready)
    waiting: dict[tuple[str, str], asyncio.Future[float]] = {}

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if (
            new is not None
            and (future := waiting.pop((event.data["entity_id"], new.state), None))
            is not None
        ):
            future.set_result(time.time())

    unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, _changed)
    results: list[float] = []
    try:
        for index in doorbells:
            loop = asyncio.get_running_loop()
            answer = await control.call("POST", f"devices/{_doorbell_id(index)}/ding")
            when = datetime.fromtimestamp(answer["timestamp"] / 1000, tz=UTC)
            entity_id = f"image.door_{index}_last_event"
            future = waiting[entity_id, when.isoformat()] = loop.create_future()
            shown = await asyncio.wait_for(future, 60)
            results.append(shown - when.timestamp() - ready)
            await hass.async_block_till_done()
    finally:
        unsub()
    return results


async def bench_capture(
    hass: HomeAssistant, sim: Simulator, control: SimControl, runs: int, *, fault: str
) -> tuple[list[float], list[float]]:
    """Return press-to-still times of the capture button and of bare WHEP POST+DELETE."""
    await control.configure(whep_video_fault=fault, recording_not_ready_s=0.5)
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    # A second client on its own session, so the baseline shares nothing with HA's.
    async with aiohttp.ClientSession() as session:
        bare = RingPartnerClient(
            StaticTokenAuth(
                session,
                sim.base_url,
                token=entry.data["token"]["access_token"],
            )
        )
        presses: list[float] = []
        baseline: list[float] = []
        for _ in range(runs):
            started = time.perf_counter()
            await hass.services.async_call(
                "button",
                "press",
                {"entity_id": "button.door_0_capture_snapshot"},
                blocking=True,
            )
            presses.append(time.perf_counter() - started)
            state = hass.states.get("camera.door_0")
            assert state is not None
            expected = "live" if fault == "none" else "recording"
            assert state.attributes["image_origin"] == expected, state.attributes
            pc, offer, _ = await _browser_offer()
            try:
                started = time.perf_counter()
                whep = await bare.create_whep_session(_doorbell_id(0), offer)
                await bare.delete_whep_session(whep)
                baseline.append(time.perf_counter() - started)
            finally:
                await pc.close()
    return presses, baseline


async def bench_home_assistant(args: argparse.Namespace) -> None:
    """Run the Last event and capture benchmarks against an in-process Home Assistant."""
    doorbells = [
        DeviceSpec(id=_doorbell_id(index), name=f"Door {index}", kind="doorbell")
        for index in range(2 * max(args.events, 1))
    ]
    config = SimulatorConfig(
        port=0,
        media_port=0,
        scenario=Scenario(
            accounts=[AccountSpec(id=BENCH_ACCOUNT_ID, devices=doorbells)]
        ),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        hmac_key="sim-hmac-key",
        rate_limit=0,
    )
    with tempfile.TemporaryDirectory() as config_dir:
        async with (
            run_simulator(config) as sim,
            aiohttp.ClientSession() as session,
            async_test_home_assistant(config_dir=config_dir) as hass,
        ):
            control = SimControl(session, sim)
            await _setup_hass(hass, sim, control)
            try:
                events = max(args.events, 1)
                delays = await bench_event_image(
                    hass, control, range(events), args.ready
                )
                # Baseline: the same with the client's default 425 schedule (1, 2, 4 s...).
                with patch.object(
                    snapshot_module, "EVENT_FRAME_DELAYS", RECORDING_NOT_READY_DELAYS
                ):
                    baseline = await bench_event_image(
                        hass, control, range(events, 2 * events), args.ready
                    )
                print(
                    f"Ding to Last event image, minus the {args.ready:.1f} s recording"
                    f" delay ({len(delays)} dings each)"
                )
                for label, values in (
                    ("0.5 s polling for 5 s (EVENT_FRAME_DELAYS)", delays),
                    ("baseline, client default 1, 2, 4 s...", baseline),
                ):
                    print(
                        f"  {label}: p50 {_percentile(values, 0.5):.0f} ms,"
                        f" p95 {_percentile(values, 0.95):.0f} ms,"
                        f" max {max(values) * 1000:.0f} ms"
                    )
                presses, bare = await bench_capture(
                    hass, sim, control, args.runs, fault="none"
                )
                print(
                    f"Capture snapshot, decoded live ({len(presses)} presses):"
                    f" p50 {_percentile(presses, 0.5):.0f} ms,"
                    f" p95 {_percentile(presses, 0.95):.0f} ms;"
                    f" bare WHEP POST+DELETE p50 {_percentile(bare, 0.5):.0f} ms"
                    f" (ratio {statistics.median(presses) / statistics.median(bare):.1f})"
                )
                fallback, _ = await bench_capture(
                    hass, sim, control, max(2, args.runs // 4), fault="garbage"
                )
                print(
                    f"Capture snapshot, undecodable video -> recording image"
                    f" ({len(fallback)} presses): p50 {_percentile(fallback, 0.5):.0f} ms,"
                    f" p95 {_percentile(fallback, 0.95):.0f} ms"
                )
            finally:
                await hass.data["bench_server"].close()
                await hass.async_stop(force=True)


async def main() -> None:
    """Run every benchmark and print a report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="1,5,20,50")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--poll", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rtt", type=float, default=0.02)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--ready", type=float, default=2.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    ensure_loopback_candidates()
    config = SimulatorConfig(
        port=0, media_port=0, recording_not_ready_s=0.0, rate_limit=0
    )
    async with (
        run_simulator(config) as simulator,
        aiohttp.ClientSession() as control,
        aiohttp.ClientSession() as api,
    ):
        sim = _Sim(
            base_url=simulator.base_url,
            media_port=int(simulator.media_url.rsplit(":", 1)[1]),
            control=control,
            client=RingPartnerClient(_TokenAuth(api, simulator.base_url, "")),
        )
        token = (await sim.call("POST", "playground/token"))["access_token"]
        sim.client = RingPartnerClient(_TokenAuth(api, simulator.base_url, token))
        await sim.call(
            "POST", f"devices/{PLAYGROUND_DEVICE_ID}/motion", {"subtype": "human"}
        )

        print(f"Stills: {args.rounds} polls every {args.poll:.0f} s per viewer")
        print(
            f"  naive (no cache): {NAIVE_REQUESTS_PER_STILL:.3f} upstream requests per still"
        )
        for viewers in (int(v) for v in args.viewers.split(",")):
            ratio = await bench_stills(sim, viewers, args.rounds, args.poll)
            print(f"  {viewers:>3} viewers: {ratio:.3f} upstream requests per still")

        times = await bench_webrtc(sim, args.runs, args.rtt)
        print(
            f"WebRTC offer to answer, median of {args.runs} (simulated RTT {args.rtt * 1000:.0f} ms)"
        )
        print(f"  simulator alone (bare WHEP POST):      {times['direct']:7.1f} ms")
        print(
            f"  camera, complete offer:                {times['complete']:7.1f} ms"
            f"  ({times['complete'] - times['direct']:+.1f} ms integration overhead)"
        )
        print(
            f"  camera, trickled offer (HA frontend):  {times['trickled']:7.1f} ms"
            f"  ({times['trickled'] - times['complete']:+.1f} ms gathering window;"
            f" quiet gap {camera_module.CANDIDATE_QUIET_GAP * 1000:.0f} ms,"
            f" cap {camera_module.CANDIDATE_GATHER_CAP * 1000:.0f} ms)"
        )
    await bench_home_assistant(args)


if __name__ == "__main__":
    asyncio.run(main())

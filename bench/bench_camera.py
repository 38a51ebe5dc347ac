"""Benchmark the camera against the simulator: still-image fan-in and WebRTC time to answer.

1. Stills: N viewers each poll the camera still every `--poll` seconds (the frontend's
   camera card cadence) for `--rounds` polls. Reports upstream requests (image POST + presigned
   GET, from the simulator's request log) per still request, against 2.0 for a cache-less
   camera. Time is simulated for the cache; requests are real.
2. WebRTC: offer to answer through `RingPartnerCamera.async_handle_async_webrtc_offer` versus
   a bare WHEP POST of the same complete offer (the simulator's own latency), for a complete
   offer (goes at once) and for a frontend-style offer without candidates whose candidates
   trickle in after a simulated round trip. The gathering window's added time is reported
   separately.

Run: `.venv/bin/python -m bench.bench_camera [--viewers 1,5,20,50] [--runs 10]`.
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

import aiohttp
from aiortc import RTCPeerConnection
from webrtc_models import RTCIceCandidateInit

from custom_components.ring_partner import camera as camera_module
from custom_components.ring_partner.camera import RingPartnerCamera
from custom_components.ring_partner.client import AbstractAuth, RingPartnerClient
from custom_components.ring_partner.snapshot import CameraSnapshots
from homeassistant.components.camera import WebRTCAnswer, WebRTCMessage
from homeassistant.core import HomeAssistant
from simulator import SimulatorConfig, run_simulator
from simulator.media.peer import ensure_loopback_candidates
from simulator.scenario import PLAYGROUND_ACCOUNT_ID, PLAYGROUND_DEVICE_ID

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
        runtime = SimpleNamespace(snapshots={device.id: SimpleNamespace(image=None)})
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


async def main() -> None:
    """Run both benchmarks and print a report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="1,5,20,50")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--poll", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rtt", type=float, default=0.02)
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


if __name__ == "__main__":
    asyncio.run(main())

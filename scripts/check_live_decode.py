"""Capture a still from the simulator's live view for every H.264 profile and video fault.

Run it with the Python of a Home Assistant install that got aiortc through Home Assistant's
installer (docs/requirements-install.md), to show its aiortc and PyAV decode Ring-style H.264:
`PYTHONPATH=. <venv>/bin/python scripts/check_live_decode.py`. The simulator itself needs numpy,
which that venv gets from Home Assistant's constraints (`numpy==2.3.2`). Prints one line per
case: profile, fault, whether the frame was decoded live (else Ring's image of the recording
was used), the JPEG size and the time taken.
"""

import asyncio
from datetime import UTC, datetime
import time

import aiohttp
import av

from custom_components.ring_partner.capture import async_capture_still
from custom_components.ring_partner.client import RingPartnerClient, StaticTokenAuth
from simulator import SimulatorConfig, run_simulator
from simulator.media.peer import ensure_loopback_candidates
from simulator.scenario import PLAYGROUND_DEVICE_ID

CASES = [
    ("auto", "none"),
    ("42e01f", "none"),
    ("42001f", "none"),
    ("64001f", "none"),
    ("auto", "garbage"),
    ("auto", "no_keyframe"),
]


async def main() -> None:
    """Run every case against one simulator."""
    ensure_loopback_candidates()
    config = SimulatorConfig(
        port=0, media_port=0, recording_not_ready_s=0.5, rate_limit=0
    )
    async with run_simulator(config) as sim, aiohttp.ClientSession() as session:
        async with session.post(f"{sim.base_url}/_sim/playground/token") as resp:
            token = (await resp.json())["access_token"]
        client = RingPartnerClient(StaticTokenAuth(session, sim.base_url, token=token))
        print(f"av {av.__version__}")
        for profile, fault in CASES:
            async with session.post(
                f"{sim.base_url}/_sim/config",
                json={"whep_h264_profile": profile, "whep_video_fault": fault},
            ) as resp:
                resp.raise_for_status()
            started = time.perf_counter()
            still = await async_capture_still(
                client, PLAYGROUND_DEVICE_ID, now=lambda: datetime.now(UTC)
            )
            print(
                f"profile={profile} fault={fault} live={still.live}"
                f" jpeg={len(still.image.content)} B"
                f" in {time.perf_counter() - started:.2f} s"
            )


if __name__ == "__main__":
    asyncio.run(main())

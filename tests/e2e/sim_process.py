"""The simulator as its own process (`python -m simulator`), for the browser test.

In the test process Home Assistant's test harness replaces the host's network addresses
(aioice then sees a fake 10.10.10.10), and Chromium gathers no loopback candidate, so a browser
could not reach the in-process simulator's WHEP peer. Run on its own, the simulator's aiortc
gathers this machine's own host addresses as Chromium does; the media never leaves the machine
(no ICE servers: host candidates only).
"""

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
from pathlib import Path
import sys

from aiohttp import ClientSession

from tests.conftest import CLIENT_ID, CLIENT_SECRET, HMAC_KEY

from .hass_process import START_LIMIT, STOP_LIMIT, free_port


@dataclass(frozen=True)
class SimProcess:
    """The URLs of a simulator process (what SimControl and run_hass read)."""

    base_url: str

    @property
    def token_url(self) -> str:
        """Return the OAuth token endpoint."""
        return f"{self.base_url}/oauth/token"

    @property
    def authorize_url(self) -> str:
        """Return the partner-initiated authorize page."""
        return f"{self.base_url}/partner-link/authorize"


def _tail(log: Path) -> str:
    """Return the end of the simulator's log, to show why it exited."""
    return log.read_text(encoding="utf-8", errors="replace")[-4000:]


@contextlib.asynccontextmanager
async def run_simulator_process(log: Path, *flags: str) -> AsyncIterator[SimProcess]:
    """Start `python -m simulator` on free loopback ports; stop it at the end."""
    port = free_port()
    sim = SimProcess(base_url=f"http://127.0.0.1:{port}")
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulator",
            "--port",
            str(port),
            "--media-port",
            str(free_port()),
            "--rtsp-port",
            str(free_port()),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--hmac-key",
            HMAC_KEY,
            *flags,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + START_LIMIT
            async with ClientSession() as session:
                while True:
                    assert proc.returncode is None, _tail(log)
                    assert loop.time() < deadline, "the simulator did not start"
                    with contextlib.suppress(OSError):
                        async with session.get(f"{sim.base_url}/_sim/state") as resp:
                            if resp.status == 200:
                                break
                    await asyncio.sleep(0.3)
            yield sim
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), STOP_LIMIT)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()

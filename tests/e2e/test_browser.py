"""A real browser against a real `hass`: log in, link from the Appstore, watch a camera.

Playwright drives Debian's Chromium (scripts/setup --browser installs it; CHROMIUM names another
Chromium-based browser). The simulator runs as its own process (sim_process.py says why), with
battery live sessions capped at 8 s instead of Ring's 30 s.
"""

from collections.abc import AsyncIterator
import json
import os
from pathlib import Path
import re
from typing import Any, cast

from aiohttp import ClientSession
from playwright.async_api import Browser, Page, async_playwright, expect
import pytest

from simulator import Simulator
from simulator.scenario import DEFAULT_ACCOUNT_ID
from tests.conftest import SimControl

from .hass_process import (
    PASSWORD,
    USERNAME,
    HassProcess,
    integration_problems,
    run_hass,
)
from .linking import finish_flow, link_appstore, start_appstore_link, wire_simulator
from .sim_process import run_simulator_process

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
# Playwright's own waits, in ms: limits on a loaded 2-core machine, not timing assertions.
UI_LIMIT = 60_000
CONSOLE: list[str] = []  # the browser's console, shown when the live view does not play

# Wrap the page's WebRTC so the test can read when the offer was made and when the <video> showed
# its first decoded frame (requestVideoFrameCallback fires on the first presented frame).
TIMING_SCRIPT = """
(() => {
  const setLocal = RTCPeerConnection.prototype.setLocalDescription;
  RTCPeerConnection.prototype.setLocalDescription = function (...args) {
    window.__offerAt ??= performance.now();
    (window.__pcs ??= []).push(this);
    return setLocal.apply(this, args);
  };
  const desc = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, "srcObject");
  Object.defineProperty(HTMLMediaElement.prototype, "srcObject", {
    ...desc,
    set(value) {
      desc.set.call(this, value);
      if (value && this.requestVideoFrameCallback) {
        this.requestVideoFrameCallback((now) => { window.__firstFrameAt ??= now; });
      }
    },
  });
})();
"""


BATTERY_CAP_S = 8.0


@pytest.fixture
async def sim_control(
    tmp_path: Path, socket_enabled: None
) -> AsyncIterator[SimControl]:
    """Run the simulator as a process; control it over its /_sim API."""
    async with (
        run_simulator_process(
            tmp_path / "simulator.log", "--whep-cap-battery", str(BATTERY_CAP_S)
        ) as sim,
        ClientSession() as session,
    ):
        # SimControl reads only base_url of its simulator.
        yield SimControl(session, cast("Simulator", sim))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Start headless Chromium; WebRTC may use loopback and raw (not mDNS) host candidates."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--allow-loopback-in-peer-connection",
                "--disable-features=WebRtcHideLocalIpsWithMdns",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def log_in(browser: Browser, hass: HassProcess) -> Page:
    """Log in on Home Assistant's own login page, as a person does."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_init_script(TIMING_SCRIPT)
    page = await context.new_page()
    page.on("console", lambda msg: CONSOLE.append(f"{msg.type}: {msg.text}"))
    await page.goto(hass.url)
    await page.get_by_role("textbox", name="Username").fill(USERNAME)
    await page.get_by_role("textbox", name="Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    # The default panel: /home/overview on 2026.10 and 2026.11.
    await page.wait_for_url(re.compile(r"/(home|lovelace)/"), timeout=UI_LIMIT)
    return page


async def open_more_info(page: Page, hass: HassProcess, entity_id: str) -> None:
    """Open an entity's more-info dialog on the dashboard."""
    await page.goto(f"{hass.url}/home/overview?more-info-entity-id={entity_id}")
    await expect(page.get_by_role("dialog")).to_be_visible(timeout=UI_LIMIT)


async def video_state(page: Page) -> dict[str, Any]:
    """Return the more-info <video>'s size and position."""
    state: dict[str, Any] = await page.locator("ha-more-info-dialog video").evaluate(
        "v => ({width: v.videoWidth, time: v.currentTime, paused: v.paused})"
    )
    return state


async def wait_until_playing(page: Page) -> dict[str, Any]:
    """Wait until the <video> has decoded a frame and its time has moved on."""
    try:
        return await _wait_until_playing(page)
    except Exception:
        # Show what the player saw: its console log, timings, the dialog's text, a screenshot.
        RESULTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=RESULTS / "browser_failure.png")
        timings = await page.evaluate("[window.__offerAt, window.__firstFrameAt]")
        peers = await page.evaluate(
            """(window.__pcs ?? []).map(pc => ({
              ice: pc.iceConnectionState, conn: pc.connectionState,
              local: (pc.localDescription?.sdp ?? "").split("\\r\\n").filter(l => l.startsWith("a=candidate")),
              remote: (pc.remoteDescription?.sdp ?? "").split("\\r\\n").filter(l => l.startsWith("a=candidate"))
            }))"""
        )
        print(json.dumps(peers, indent=1))  # noqa: T201
        dialog = await page.get_by_role("dialog").inner_text()
        print("\n".join([*CONSOLE[-60:], f"timings {timings}", f"dialog {dialog!r}"]))  # noqa: T201
        raise


async def _wait_until_playing(page: Page) -> dict[str, Any]:
    """Wait for the first decoded frame, then for the video's time to move on."""
    video = page.locator("ha-more-info-dialog video")
    await expect(video).to_be_attached(timeout=UI_LIMIT)
    await page.wait_for_function(
        "() => window.__firstFrameAt !== undefined", timeout=UI_LIMIT
    )
    first = await video_state(page)
    await page.wait_for_function(
        "([v, t]) => v.videoWidth > 0 && v.currentTime > t + 0.5",
        arg=[await video.element_handle(), first["time"]],
        timeout=UI_LIMIT,
    )
    return await video_state(page)


def record_timing(name: str, values: dict[str, Any]) -> None:
    """Write a measurement for the report (bench/results/, not committed)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps(values, indent=2), encoding="utf-8"
    )


async def test_browser_link_and_live_view(
    tmp_path: Path, sim_control: SimControl, browser: Browser
) -> None:
    """Log in, link through the Appstore in the browser, and watch Front Door live."""
    async with run_hass(tmp_path / "config", sim_control.sim) as hass:
        await wire_simulator(hass, sim_control)
        page = await log_in(browser, hass)
        flow_id, code = await start_appstore_link(hass)

        # The simulated Appstore install opens Home Assistant's Account Link page in a new tab.
        link_page = await page.context.new_page()
        await link_page.goto(
            f"{sim_control.sim.base_url}/_sim/accounts/{DEFAULT_ACCOUNT_ID}/install"
        )
        await link_page.get_by_label("Pairing code").fill(code)
        await link_page.get_by_role("button", name="Link").click()
        await expect(link_page.get_by_text("Ring account linked")).to_be_visible(
            timeout=UI_LIMIT
        )
        await link_page.close()
        assert (await finish_flow(hass, flow_id))["type"] == "create_entry"

        await open_more_info(page, hass, "camera.front_door")
        playing = await wait_until_playing(page)
        assert playing["width"] > 0
        offer_to_frame = await page.evaluate("window.__firstFrameAt - window.__offerAt")
        record_timing(
            "browser_live_view",
            {"offer_to_first_frame_ms": round(offer_to_frame), "video": playing},
        )
        print(f"live view: offer to first decoded frame {offer_to_frame:.0f} ms")  # noqa: T201
        sessions = await sim_control.call("GET", "whep/sessions")
        assert sessions, "the live view did not go through Ring's WHEP"
    assert integration_problems(hass.log_text()) == []


async def test_browser_still_and_live_view_end(
    tmp_path: Path, sim_control: SimControl, browser: Browser
) -> None:
    """A camera with no event shows a real still; at Ring's cap the player says it ended."""
    async with run_hass(tmp_path / "config", sim_control.sim) as hass:
        await wire_simulator(hass, sim_control)
        await link_appstore(hass, sim_control)
        page = await log_in(browser, hass)

        # Backyard has no recording since linking: the still a picture card shows (the
        # entity_picture URL, loaded by the logged-in page) must not be a broken image.
        width = await page.evaluate(
            """async (entityId) => {
              const hass = document.querySelector("home-assistant").hass;
              const img = new Image();
              img.src = hass.states[entityId].attributes.entity_picture;
              document.body.append(img);
              try { await img.decode(); } catch (err) { return -1; }
              return img.naturalWidth;
            }""",
            "camera.backyard",
        )
        assert width > 0, "the camera proxy gave no decodable still"

        await open_more_info(page, hass, "camera.backyard")
        await wait_until_playing(page)
        alert = page.locator('ha-more-info-dialog ha-alert[alert-type="error"]')
        await expect(alert).to_be_visible(timeout=UI_LIMIT)
        text = (await alert.inner_text()).strip()
        # "Failed to start WebRTC stream: <message>" (2026.10's frontend), "Failed to start
        # the WebRTC stream: <message>" (2026.11's): the message is the integration's.
        prefix, _, message = text.partition("WebRTC stream: ")
        assert prefix.startswith("Failed to start"), text
        assert len(message) > 10, text
    assert integration_problems(hass.log_text()) == []

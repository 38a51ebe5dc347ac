"""Link Ring accounts in a real Home Assistant through its REST and websocket APIs.

The steps are the ones a person takes in the frontend (README "Run Home Assistant with the
simulator"): the config flow menu, the application credentials, the HMAC key, the pairing code
on Home Assistant's Account Link page after the simulated Appstore install.
"""

import asyncio
from typing import Any

from yarl import URL

from simulator.scenario import DEFAULT_ACCOUNT_ID
from tests.conftest import CLIENT_ID, CLIENT_SECRET, HMAC_KEY, SimControl

from .hass_process import HassProcess

FLOWS = "/api/config/config_entries/flow"
FLOW_LIMIT = 60.0


async def wire_simulator(hass: HassProcess, sim_control: SimControl) -> None:
    """Point the simulator's partner URLs (linking, webhooks) at this Home Assistant."""
    await sim_control.configure(
        token_exchange_url=f"{hass.url}/api/ring_partner/link/token",
        account_link_url=f"{hass.url}/api/ring_partner/link/account",
        webhook_url=f"{hass.url}/api/ring_partner/webhook",
    )


async def start_flow(hass: HassProcess, menu_option: str) -> dict[str, Any]:
    """Start the integration's config flow and pick a way in from its menu."""
    result = await hass.rest("POST", FLOWS, {"handler": "ring_partner"})
    assert result["type"] == "menu", result
    step: dict[str, Any] = await hass.rest(
        "POST", f"{FLOWS}/{result['flow_id']}", {"next_step_id": menu_option}
    )
    return step


async def link_playground(hass: HassProcess, sim_control: SimControl) -> dict[str, Any]:
    """Link the Playground account with a pasted Playground token."""
    token = (await sim_control.call("POST", "playground/token"))["access_token"]
    result = await start_flow(hass, "playground")
    assert result["step_id"] == "playground", result
    entry: dict[str, Any] = await hass.rest(
        "POST", f"{FLOWS}/{result['flow_id']}", {"access_token": token}
    )
    assert entry["type"] == "create_entry", entry
    return entry


async def start_appstore_link(hass: HassProcess) -> tuple[str, str]:
    """Go through credentials, HMAC key and URLs; return the flow id and the pairing code."""
    await hass.ws(
        {
            "type": "application_credentials/create",
            "domain": "ring_partner",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "name": "Ring simulator",
        }
    )
    result = await start_flow(hass, "appstore")
    assert result["step_id"] == "hmac_key", result
    flow = f"{FLOWS}/{result['flow_id']}"
    result = await hass.rest("POST", flow, {"hmac_key": HMAC_KEY})
    assert result["step_id"] == "link", result
    code = result["description_placeholders"]["pairing_code"].replace(" ", "")
    result = await hass.rest("POST", flow, {})
    assert result["type"] == "progress", result
    return result["flow_id"], code


async def appstore_install(sim_control: SimControl) -> URL:
    """Install the app from the simulated Appstore; return the Account Link URL it opens."""
    link = await sim_control.call("POST", f"accounts/{DEFAULT_ACCOUNT_ID}/install")
    return URL(link["account_link_url"])


async def finish_flow(hass: HassProcess, flow_id: str) -> dict[str, Any]:
    """Move a flow past its progress step, as the frontend does, and return the end result."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FLOW_LIMIT
    while loop.time() < deadline:
        result: dict[str, Any] = await hass.rest("POST", f"{FLOWS}/{flow_id}", {})
        if result["type"] not in {"progress", "progress_done"}:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"flow {flow_id} still in progress after {FLOW_LIMIT} s")


async def link_appstore(hass: HassProcess, sim_control: SimControl) -> dict[str, Any]:
    """Link the Demo User from the Appstore: install, then the pairing code on the link page."""
    flow_id, code = await start_appstore_link(hass)
    link_url = await appstore_install(sim_control)
    async with hass.session.get(link_url) as resp:
        assert resp.status == 200, await resp.text()
        assert 'name="pairing_code"' in await resp.text()
    async with hass.session.post(
        link_url.with_query(None),
        data={
            "nonce": link_url.query["nonce"],
            "time": link_url.query["time"],
            "pairing_code": code,
        },
    ) as resp:
        text = await resp.text()
        assert resp.status == 200, text
        assert "Ring account linked" in text
    result = await finish_flow(hass, flow_id)
    assert result["type"] == "create_entry", result
    return result

"""Ring's three URLs as webhook handlers: external HTTPS and Home Assistant Cloud cloudhooks.

The cloud path relays each of Ring's requests through Home Assistant Cloud's own
`CloudClient.async_webhook_message`, as the Nabu Casa relay does; only what needs Nabu Casa's
servers (the subscription check, creating and deleting cloudhooks) is patched, autospec'd.
"""

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, MagicMock, create_autospec, patch

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.ring_partner.const import DOMAIN
from custom_components.ring_partner.endpoints import async_webhook_url
from custom_components.ring_partner.partner_urls import STORAGE_KEY
from homeassistant.components.cloud.client import CloudClient
from homeassistant.components.cloud.prefs import CloudPreferences
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from simulator import Simulator
from simulator.scenario import DEFAULT_ACCOUNT_ID

from .conftest import SimControl
from .test_linking import finish_flow, pairing_code, start_appstore_flow

pytestmark = pytest.mark.usefixtures("socket_enabled", "current_request_with_host")

RING_URLS = ("token_exchange_url", "account_link_url", "webhook_url")


def placeholders(result: ConfigFlowResult) -> dict[str, str]:
    """Return the flow's placeholders (URLs and pairing code)."""
    values = result["description_placeholders"]
    assert values is not None
    return dict(values)


def local(client: TestClient, url: str) -> str:
    """Return the test server's address for a URL the flow showed on the external host."""
    return str(client.make_url(URL(url).path))


async def point_simulator(sim_control: SimControl, urls: dict[str, str]) -> None:
    """Register the URLs in the simulated Ring console."""
    await sim_control.configure(
        token_exchange_url=urls["token_exchange_url"],
        account_link_url=urls["account_link_url"],
        webhook_url=urls["webhook_url"],
        webhooks_before_completed=True,
    )


async def browser_link(session: ClientSession, link_url: str, code: str) -> str:
    """Open the Account Link page like a browser and POST its form back to the same URL."""
    async with session.get(link_url) as resp:
        assert resp.status == 200, await resp.text()
        page = await resp.text()
    assert 'name="pairing_code"' in page
    async with session.post(
        link_url,
        data={
            "nonce": URL(link_url).query["nonce"],
            "time": URL(link_url).query["time"],
            "pairing_code": code,
        },
    ) as resp:
        text = await resp.text()
        assert resp.status == 200, text
    return text


async def assert_webhooks_answered(
    simulator: Simulator, sim_control: SimControl
) -> None:
    """Every webhook Ring sent while linking was accepted (so its signature checked out)."""
    await simulator.state.webhooks.drain()
    deliveries = await sim_control.call("GET", "webhooks")
    assert {"device_added", "app_integration_added"} <= {d["type"] for d in deliveries}
    for delivery in deliveries:
        assert [a["status"] for a in delivery["attempts"]] == [200], delivery


@pytest.fixture
async def ha_client(
    hass: HomeAssistant,
    setup_integration_yaml: None,
    hass_client_no_auth: ClientSessionGenerator,
) -> TestClient:
    """Serve Home Assistant on 127.0.0.1 with an external HTTPS URL configured.

    What registers views once an entry loads is set up first: the server freezes its router.
    """
    await hass.config.async_update(external_url="https://ha.example.com")
    for domain in ("camera", "image", "repairs"):
        assert await async_setup_component(hass, domain, {})
    client: TestClient = await hass_client_no_auth()
    return client


@pytest.mark.parametrize("shape", ["form", "json", "query"])
@pytest.mark.parametrize("answer", ["flat", "jsonapi"])
async def test_link_through_webhook_urls(
    hass: HomeAssistant,
    *,
    ha_client: TestClient,
    simulator: Simulator,
    sim_control: SimControl,
    shape: str,
    answer: str,
) -> None:
    """Ring's three calls reach the webhook handlers; every code shape and answer works."""
    await sim_control.configure(
        token_exchange_shape=shape, app_integration_answer=answer
    )
    result = await start_appstore_flow(hass)
    urls = placeholders(result)
    await point_simulator(
        sim_control, {name: local(ha_client, urls[name]) for name in RING_URLS}
    )
    link = await sim_control.call("POST", f"accounts/{DEFAULT_ACCOUNT_ID}/install")
    text = await browser_link(
        ha_client.session, link["account_link_url"], pairing_code(result)
    )
    assert "Ring account linked" in text
    result = await finish_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await assert_webhooks_answered(simulator, sim_control)
    paths = {r["path"] for r in await sim_control.requests()}
    assert "/v1/accounts/me/app-integrations" in paths


async def test_ids_are_kept_per_app(
    hass: HomeAssistant, ha_client: TestClient, hass_storage: dict[str, Any]
) -> None:
    """A second flow of the same app shows the same URLs; the ids are stored."""
    result = await start_appstore_flow(hass)
    first = placeholders(result)
    hass.config_entries.flow.async_abort(result["flow_id"])
    second = placeholders(await start_appstore_flow(hass))
    assert {n: first[n] for n in RING_URLS} == {n: second[n] for n in RING_URLS}
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
    await hass.async_block_till_done()
    stored = hass_storage[STORAGE_KEY]["data"]["apps"]
    (app,) = stored.values()
    for kind, name in zip(
        ("token_exchange", "account_link", "webhook"), RING_URLS, strict=True
    ):
        assert first[name].endswith(f"/api/webhook/{app['webhook_ids'][kind]}")


async def test_stored_ids_are_registered_at_setup(
    hass: HomeAssistant,
    simulator: Simulator,
    hass_storage: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """After a restart the stored ids answer before any flow runs."""
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {
            "apps": {
                "sim-client-id": {
                    "webhook_ids": {
                        "token_exchange": "a" * 64,
                        "account_link": "b" * 64,
                        "webhook": "c" * 64,
                    }
                }
            }
        },
    }
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client_no_auth()
    # No flow waits: the Token Exchange says so (a unknown webhook id would answer 200).
    resp = await client.post(f"/api/webhook/{'a' * 64}", data={"code": "abc"})
    assert resp.status == 404
    resp = await client.get(f"/api/webhook/{'b' * 64}")
    assert resp.status == 400
    assert "Incomplete link" in await resp.text()
    resp = await client.post(f"/api/webhook/{'c' * 64}", data=b"{}")
    assert resp.status == 401


@dataclass
class CloudRelay:
    """A stand-in for Nabu Casa's relay in front of Home Assistant Cloud's own client."""

    base_url: str
    hooks: dict[str, dict[str, Any]]
    create: AsyncMock
    delete: AsyncMock


@pytest.fixture
async def cloud_relay(hass: HomeAssistant) -> AsyncGenerator[CloudRelay]:
    """Relay HTTP requests to cloudhooks through CloudClient.async_webhook_message."""
    hooks: dict[str, dict[str, Any]] = {}
    prefs = create_autospec(CloudPreferences, instance=True)
    prefs.cloudhooks = hooks
    cloud_client = CloudClient(hass, prefs, MagicMock(), {}, {})

    async def relay(request: web.Request) -> web.Response:
        answer = await cloud_client.async_webhook_message(
            {
                "cloudhook_id": request.match_info["cloudhook_id"],
                "body": await request.text(),
                "headers": dict(request.headers),
                "method": request.method,
                "query": request.query_string,
            }
        )
        return web.Response(
            status=answer["status"],
            text=answer.get("body"),
            content_type=answer.get("headers", {}).get("Content-Type"),
        )

    app = web.Application()
    app.router.add_route("*", "/{cloudhook_id}", relay)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base_url = f"http://127.0.0.1:{port}"

    async def create(hass: HomeAssistant, webhook_id: str) -> str:
        cloudhook_id = f"hook{len(hooks)}"
        url = f"{base_url}/{cloudhook_id}"
        hooks[webhook_id] = {
            "webhook_id": webhook_id,
            "cloudhook_id": cloudhook_id,
            "cloudhook_url": url,
        }
        return url

    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            autospec=True,
            return_value=True,
        ) as active,
        patch(
            "homeassistant.components.cloud.async_create_cloudhook",
            autospec=True,
            side_effect=create,
        ) as create_mock,
        patch(
            "homeassistant.components.cloud.async_delete_cloudhook", autospec=True
        ) as delete_mock,
    ):
        relay_state = CloudRelay(base_url, hooks, create_mock, delete_mock)
        relay_state.active = active  # type: ignore[attr-defined]
        yield relay_state
    await runner.cleanup()


async def test_link_through_cloudhooks(
    hass: HomeAssistant,
    *,
    setup_integration_yaml: None,
    simulator: Simulator,
    sim_control: SimControl,
    cloud_relay: CloudRelay,
    issue_registry: ir.IssueRegistry,
) -> None:
    """With Home Assistant Cloud, Ring's calls and the browser go through the relay only."""
    result = await start_appstore_flow(hass, link_step="link_cloudhook")
    urls = placeholders(result)
    assert all(urls[name].startswith(cloud_relay.base_url) for name in RING_URLS)
    assert cloud_relay.create.await_count == 3
    await point_simulator(sim_control, urls)
    link = await sim_control.call("POST", f"accounts/{DEFAULT_ACCOUNT_ID}/install")
    async with ClientSession() as browser:
        text = await browser_link(
            browser, link["account_link_url"], pairing_code(result)
        )
        # The page is whole through the relay: styled, with the logo, nothing external.
        assert "<style>" in text
        assert 'src="data:image/png;base64,' in text
        # An unsigned delivery to the relayed Webhook URL is refused by the receiver.
        async with browser.post(urls["webhook_url"], data=b"{}") as resp:
            assert resp.status == 401
    result = await finish_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await assert_webhooks_answered(simulator, sim_control)
    await hass.async_block_till_done()
    # The webhook repairs name the URL the link went through.
    assert async_webhook_url(hass) == urls["webhook_url"]

    # The subscription ends: a repair names the URLs on the external address instead.
    await hass.config.async_update(external_url="https://ha.example.com")
    cloud_relay.active.return_value = False  # type: ignore[attr-defined]
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1, seconds=1))
    await hass.async_block_till_done()
    (issue,) = [i for i in issue_registry.issues.values() if i.domain == DOMAIN]
    assert issue.translation_key == "cloudhook_ended"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["webhook_url"].startswith(
        "https://ha.example.com/api/webhook/"
    )

    # Removing the last entry of the app deletes its cloudhooks.
    assert await hass.config_entries.async_remove(result["result"].entry_id)
    await hass.async_block_till_done()
    assert cloud_relay.delete.await_count == 3


async def test_external_url_change_raises_repair(
    hass: HomeAssistant,
    *,
    ha_client: TestClient,
    simulator: Simulator,
    sim_control: SimControl,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    """A new external address makes the registered URLs stale; the fix records the new ones."""
    result = await start_appstore_flow(hass)
    urls = placeholders(result)
    await point_simulator(
        sim_control, {name: local(ha_client, urls[name]) for name in RING_URLS}
    )
    link = await sim_control.call("POST", f"accounts/{DEFAULT_ACCOUNT_ID}/install")
    await browser_link(
        ha_client.session, link["account_link_url"], pairing_code(result)
    )
    result = await finish_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert not [i for i in issue_registry.issues.values() if i.domain == DOMAIN]

    await hass.config.async_update(external_url="https://new.example.com")
    await hass.async_block_till_done()
    (issue,) = [i for i in issue_registry.issues.values() if i.domain == DOMAIN]
    assert issue.translation_key == "external_url_changed"
    assert issue.is_fixable
    assert issue.translation_placeholders is not None
    new_webhook_url = issue.translation_placeholders["webhook_url"]
    assert new_webhook_url == urls["webhook_url"].replace("ha.", "new.")

    client = await hass_client()
    resp = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    flow = await resp.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"]["webhook_url"] == new_webhook_url
    resp = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert (await resp.json())["type"] == "create_entry"
    assert issue_registry.async_get_issue(DOMAIN, issue.issue_id) is None
    # The new URLs are the registered ones now: checking again raises nothing.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1, seconds=1))
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue.issue_id) is None

    # Without any external URL there is nothing to offer: a plain issue says what to set.
    await hass.config.async_update(external_url=None)
    await hass.async_block_till_done()
    gone = issue_registry.async_get_issue(DOMAIN, issue.issue_id)
    assert gone is not None
    assert gone.translation_key == "external_url_gone"
    assert not gone.is_fixable


async def test_webhook_handler_keeps_the_receiver_rules(
    hass: HomeAssistant,
    ha_client: TestClient,
    hass_storage: dict[str, Any],
) -> None:
    """Through the webhook handler: size cap, signature before parsing, POST only."""
    result = await start_appstore_flow(hass)
    url = URL(placeholders(result)["webhook_url"]).path
    resp = await ha_client.post(url, data=b"x" * (64 * 1024 + 1))
    assert resp.status == 413
    resp = await ha_client.post(
        url, data=b"not json", headers={"X-Signature": "sha256=" + "0" * 64}
    )
    assert resp.status == 401
    resp = await ha_client.get(url)
    assert resp.status == 405

"""Webhook repairs from the first minutes after linking: a wrong key shows up at once."""

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ring_partner.const import CONF_HMAC_KEY, DOMAIN
from custom_components.ring_partner.linking import DATA_LINKING, PendingLink
from custom_components.ring_partner.linking.token_exchange import LinkCredentials
from custom_components.ring_partner.push.receiver import DATA_RECEIVER
from custom_components.ring_partner.repairs import SIGNATURE_FAILURES_ISSUE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from simulator import Simulator
from simulator.scenario import FRONT_DOOR_ID

from .conftest import CLIENT_ID, CLIENT_SECRET, HMAC_KEY, SimControl, webhook_client
from .webhook_helpers import post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def _setup_with_wrong_key(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the entry with a key other than the one Ring signs with."""
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_HMAC_KEY: "typo-in-the-key"}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def _pending_link(hass: HomeAssistant, simulator: Simulator) -> None:
    """Register a link in progress whose key is the one Ring signs with."""
    hass.data[DATA_LINKING].async_register(
        PendingLink(
            flow_id="flow",
            credentials=LinkCredentials(
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                token_url=simulator.token_url,
                api_base=simulator.base_url,
            ),
            hmac_key=HMAC_KEY,
            pairing_code="12345678",
            check_account=lambda _account: None,
            result=hass.loop.create_future(),
        )
    )


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_wrong_key_right_after_linking_raises_the_repair_at_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    sim_control: SimControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The first webhook Ring signs with the real key raises the repair (Ring sends no retry)."""
    await _setup_with_wrong_key(hass, config_entry)
    await webhook_client(hass, hass_client_no_auth, sim_control)
    assert issue_registry.async_get_issue(DOMAIN, SIGNATURE_FAILURES_ISSUE) is None

    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")

    deliveries = await sim_control.call("GET", "webhooks")
    assert [a["status"] for a in deliveries[-1]["attempts"]] == [401]
    assert issue_registry.async_get_issue(DOMAIN, SIGNATURE_FAILURES_ISSUE) is not None
    assert config_entry.runtime_data.push.health.signature_failures == 1


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_entry_key_differs_from_the_linking_key(
    hass: HomeAssistant,
    *,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    sim_control: SimControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Verified by the link's key, but the account's entry holds another: repair, retry."""
    await _setup_with_wrong_key(hass, config_entry)
    _pending_link(hass, simulator)
    client = await webhook_client(hass, hass_client_no_auth, sim_control)

    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    response = await post_webhook(client, body)
    assert response.status == 503
    assert issue_registry.async_get_issue(DOMAIN, SIGNATURE_FAILURES_ISSUE) is not None
    assert config_entry.runtime_data.push.health.signature_failures == 1


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_account_being_linked_gets_retry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    issue_registry: ir.IssueRegistry,
    sim_control: SimControl,
) -> None:
    """A webhook for an account whose link is in progress (no entry yet) answers 503."""
    _pending_link(hass, simulator)
    client = await webhook_client(hass, hass_client_no_auth, sim_control)
    body = webhook_body("app_integration_added", account_id="ava1.ring.account.NEW")
    assert (await post_webhook(client, body)).status == 503
    assert hass.data[DATA_RECEIVER].stats["not_ready"] == 1
    assert issue_registry.async_get_issue(DOMAIN, SIGNATURE_FAILURES_ISSUE) is None

"""Test the repair for a Ring link left awaiting."""

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ring_partner.const import DOMAIN
from custom_components.ring_partner.repairs import (
    async_complete_if_awaiting,
    async_create_awaiting_issue,
    awaiting_issue_id,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from simulator.scenario import DEFAULT_ACCOUNT_ID

from .conftest import SimControl

ISSUE_ID = awaiting_issue_id(DEFAULT_ACCOUNT_ID)
APP_INTEGRATIONS = "/v1/accounts/me/app-integrations"


async def _fix(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> tuple[dict[str, Any], Any]:
    """Start the fix flow through the repairs API; return the form and the client."""
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    resp = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": ISSUE_ID}
    )
    assert resp.status == 200
    flow: dict[str, Any] = await resp.json()
    assert flow["step_id"] == "confirm"
    return flow, client


async def _submit(client: Any, flow: dict[str, Any]) -> dict[str, Any]:
    """Submit the confirmation form."""
    resp = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert resp.status == 200
    result: dict[str, Any] = await resp.json()
    return result


async def test_fix_completes_the_link(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The fix flow PATCHes completed at once; a failure keeps the form with an error."""
    async_create_awaiting_issue(hass, DEFAULT_ACCOUNT_ID, "Demo User")
    flow, client = await _fix(hass, hass_client)
    assert flow["description_placeholders"]["account"] == "Demo User"

    await sim_control.call(
        "POST", "faults", {"path": APP_INTEGRATIONS, "method": "PATCH", "status": 500}
    )
    result = await _submit(client, flow)
    assert result["type"] == "form"
    assert result["errors"] == {"base": "cannot_connect"}
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID)

    await sim_control.call("DELETE", "faults")
    await sim_control.clear_requests()
    result = await _submit(client, flow)
    assert result["type"] == "create_entry"
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None
    patches = [r for r in await sim_control.requests() if r["path"] == APP_INTEGRATIONS]
    assert [r["method"] for r in patches] == ["PATCH"]


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_fix_needs_a_loaded_entry(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """An entry that is not loaded cannot retry now; the issue stays."""
    config_entry.add_to_hass(hass)
    async_create_awaiting_issue(hass, DEFAULT_ACCOUNT_ID, "Demo User")
    flow, client = await _fix(hass, hass_client)
    result = await _submit(client, flow)
    assert result["type"] == "abort"
    assert result["reason"] == "not_loaded"
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID)


async def test_fix_without_entry_deletes_issue(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """With the entry removed there is nothing to complete: the issue goes."""
    assert await async_setup_component(hass, DOMAIN, {})
    async_create_awaiting_issue(hass, DEFAULT_ACCOUNT_ID, "Demo User")
    flow, client = await _fix(hass, hass_client)
    assert flow["description_placeholders"]["account"] == DEFAULT_ACCOUNT_ID
    result = await _submit(client, flow)
    assert result["type"] == "create_entry"
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None


async def test_setup_retry_failure_keeps_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Setup's retry leaves the issue when Ring still refuses; no issue, no call."""
    client = init_integration.runtime_data.client
    await sim_control.clear_requests()
    assert await async_complete_if_awaiting(hass, DEFAULT_ACCOUNT_ID, client)
    assert not [
        r for r in await sim_control.requests() if r["path"] == APP_INTEGRATIONS
    ]

    async_create_awaiting_issue(hass, DEFAULT_ACCOUNT_ID, "Demo User")
    await sim_control.call(
        "POST", "faults", {"path": APP_INTEGRATIONS, "method": "PATCH", "status": 500}
    )
    assert not await async_complete_if_awaiting(hass, DEFAULT_ACCOUNT_ID, client)
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.is_persistent

"""Test Appstore linking end to end: simulator -> Token Exchange and Account Link views."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
import logging
import re
import time
from typing import Any
from unittest.mock import patch

from aiohttp import FormData
from aiohttp.test_utils import TestClient
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.ring_partner.const import (
    ACCOUNT_LINK_PATH,
    CONF_ACCOUNT_ID,
    CONF_ENDPOINTS,
    CONF_HMAC_KEY,
    CONF_LINK_METHOD,
    CONF_LINKED_AT,
    DOMAIN,
    TOKEN_EXCHANGE_PATH,
    LinkMethod,
)
from custom_components.ring_partner.endpoints import DATA_ENDPOINTS, Endpoints
from custom_components.ring_partner.linking import (
    DATA_LINKING,
    STRANGER_ADDRESSES,
    STRANGER_ATTEMPTS,
    STRANGER_WINDOW,
    StrangerLimit,
    mask_email,
)
from custom_components.ring_partner.linking.page import negotiate_language
from custom_components.ring_partner.repairs import awaiting_issue_id
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from simulator import Simulator
from simulator.scenario import DEFAULT_ACCOUNT_ID

from .conftest import HMAC_KEY, SimControl

pytestmark = pytest.mark.usefixtures("socket_enabled", "current_request_with_host")

APP_INTEGRATIONS = "/v1/accounts/me/app-integrations"


@pytest.fixture
async def link_client(
    hass: HomeAssistant,
    setup_integration_yaml: None,
    hass_client_no_auth: ClientSessionGenerator,
    sim_control: SimControl,
) -> TestClient:
    """Serve HA on 127.0.0.1 and point the simulator's Appstore at its views."""
    await async_process_ha_core_config(hass, {"external_url": "https://ha.example.com"})
    # The test server freezes the router: what registers views once an entry loads first.
    for domain in ("camera", "image", "webhook", "diagnostics"):
        assert await async_setup_component(hass, domain, {})
    client: TestClient = await hass_client_no_auth()
    await sim_control.configure(
        token_exchange_url=str(client.make_url(TOKEN_EXCHANGE_PATH)),
        account_link_url=str(client.make_url(ACCOUNT_LINK_PATH)),
    )
    return client


async def start_appstore_flow(
    hass: HomeAssistant,
    hmac_key: str = HMAC_KEY,
    implementation: str | None = None,
    link_step: str = "link",
) -> ConfigFlowResult:
    """Go through the menu, the HMAC key and the URLs to the waiting step."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "appstore"}
    )
    if implementation is not None:
        assert result["step_id"] == "pick_implementation"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"implementation": implementation}
        )
    return await continue_appstore_flow(hass, result, hmac_key, link_step)


async def continue_appstore_flow(
    hass: HomeAssistant,
    result: ConfigFlowResult,
    hmac_key: str | None = HMAC_KEY,
    link_step: str = "link",
) -> ConfigFlowResult:
    """Enter the HMAC key (unless reauth skips it) and confirm the URLs."""
    if hmac_key is not None:
        assert result["step_id"] == "hmac_key"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HMAC_KEY: hmac_key}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == link_step
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "wait_for_ring"
    return result


def pairing_code(result: ConfigFlowResult) -> str:
    """Return the pairing code the flow shows to the admin."""
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    return placeholders["pairing_code"]


async def install(sim_control: SimControl) -> URL:
    """Install the app from the simulated Appstore; return the Account Link URL."""
    link = await sim_control.call("POST", f"accounts/{DEFAULT_ACCOUNT_ID}/install")
    return URL(link["account_link_url"])


async def submit_code(
    client: TestClient, link_url: URL, code: str, *, get_first: bool = True
) -> tuple[int, str]:
    """Open the Account Link page like a browser and submit a pairing code."""
    if get_first:
        resp = await client.get(link_url.path_qs)
        assert resp.status == 200, await resp.text()
        assert 'name="pairing_code"' in await resp.text()
    resp = await client.post(
        ACCOUNT_LINK_PATH,
        data={
            "nonce": link_url.query["nonce"],
            "time": link_url.query["time"],
            "pairing_code": code,
        },
    )
    return resp.status, await resp.text()


async def finish_flow(
    hass: HomeAssistant, result: ConfigFlowResult
) -> ConfigFlowResult:
    """Move the flow on once its wait has ended, as the frontend does when told."""
    # The link (or its failure) has ended the wait; its task finishes within a few loops.
    for _ in range(200):
        await hass.async_block_till_done()
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
        if result["type"] not in (
            FlowResultType.SHOW_PROGRESS,
            FlowResultType.SHOW_PROGRESS_DONE,
        ):
            return result
        await asyncio.sleep(0.01)
    pytest.fail("the flow kept waiting")


def integration_calls(requests: list[dict[str, Any]]) -> list[str]:
    """Return the methods of the app-integrations calls the simulator saw."""
    return [r["method"] for r in requests if r["path"] == APP_INTEGRATIONS]


async def claim_link(
    hass: HomeAssistant,
    link_client: TestClient,
    sim_control: SimControl,
    result: ConfigFlowResult,
) -> tuple[int, str, ConfigFlowResult]:
    """Install, submit the right pairing code and let the flow finish.

    Return the Account Link page's status and text, and the flow's final result.
    """
    link_url = await install(sim_control)
    status, text = await submit_code(link_client, link_url, pairing_code(result))
    return status, text, await finish_flow(hass, result)


async def link_via_appstore(
    hass: HomeAssistant,
    link_client: TestClient,
    sim_control: SimControl,
    result: ConfigFlowResult,
) -> ConfigFlowResult:
    """Install, submit the right pairing code and return the flow's final result."""
    status, text, result = await claim_link(hass, link_client, sim_control, result)
    assert status == 200, text
    assert "Ring account linked" in text
    return result


async def test_appstore_link(
    hass: HomeAssistant,
    link_client: TestClient,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The whole Appstore link creates the entry; Ring sees POST, then PATCH completed."""
    caplog.set_level(logging.DEBUG)
    result = await start_appstore_flow(hass)
    code = pairing_code(result)
    assert len(code.replace(" ", "")) == 8
    link_url = await install(sim_control)
    status, text = await submit_code(link_client, link_url, code)
    assert status == 200, text
    assert "Ring account linked" in text
    result = await finish_flow(hass, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Demo User"
    assert result["result"].unique_id == DEFAULT_ACCOUNT_ID
    data = result["data"]
    assert data["auth_implementation"] == DOMAIN
    assert data[CONF_LINK_METHOD] == LinkMethod.APPSTORE
    assert data[CONF_HMAC_KEY] == HMAC_KEY
    assert data[CONF_ACCOUNT_ID] == DEFAULT_ACCOUNT_ID
    assert data[CONF_LINKED_AT]
    assert set(data[CONF_ENDPOINTS]) == {"api_base", "token_url", "authorize_url"}
    token = data["token"]
    assert token["refresh_token"]
    assert token["expires_at"] > time.time() + 3600
    assert integration_calls(await sim_control.requests()) == ["POST", "PATCH"]
    state = await sim_control.call("GET", "state")
    account = next(a for a in state["accounts"] if a["id"] == DEFAULT_ACCOUNT_ID)
    assert account["integration_status"] == "completed"
    assert not hass.data[DATA_LINKING].pending
    assert not hass.data[DATA_LINKING].exchange.unclaimed

    # Neither the logs nor diagnostics carry a token, the pairing code or the nonce.
    # (aiohttp's access log shows Ring's redirect URL, nonce included: not our logging.)
    await hass.async_block_till_done()
    logs = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name != "aiohttp.access"
    )
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, result["result"]
    )
    for secret in (
        token["access_token"],
        token["refresh_token"],
        HMAC_KEY,
        code,
        code.replace(" ", ""),
        link_url.query["nonce"],
    ):
        assert secret not in logs
        assert secret not in str(diagnostics)


async def test_token_exchange_view(
    hass: HomeAssistant, link_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """400 for a malformed code, 404 with no flow waiting; the code is never logged."""
    caplog.set_level(logging.DEBUG)
    resp = await link_client.post(TOKEN_EXCHANGE_PATH, data={})
    assert resp.status == 400
    resp = await link_client.post(TOKEN_EXCHANGE_PATH, data={"code": "has spaces"})
    assert resp.status == 400
    resp = await link_client.post(TOKEN_EXCHANGE_PATH, data={"code": "stray-code"})
    assert resp.status == 404

    await start_appstore_flow(hass)
    resp = await link_client.post(TOKEN_EXCHANGE_PATH, data={"code": "secret-code-42"})
    assert resp.status == 200
    await hass.async_block_till_done()
    registry = hass.data[DATA_LINKING]
    assert not registry.exchange.unclaimed
    assert all(pending.exchange_failed for pending in registry.pending.values())
    assert "could not exchange" in caplog.text
    assert "secret-code-42" not in caplog.text
    assert "stray-code" not in caplog.text


async def test_account_link_page_checks_time(
    hass: HomeAssistant, link_client: TestClient
) -> None:
    """Malformed, expired and future links get a clear page; nothing waits -> 404."""
    now_ms = int(time.time() * 1000)
    nonce = "n" * 43
    cases = {
        f"?nonce={nonce}": (400, "Incomplete link"),
        f"?nonce=bad&time={now_ms}": (400, "Incomplete link"),
        f"?nonce={nonce}&time={now_ms - 601_000}": (400, "Link expired"),
        f"?nonce={nonce}&time={now_ms + 10_000}": (400, "Clock mismatch"),
        f"?nonce={nonce}&time={now_ms}": (404, "Nothing to link"),
    }
    for query, (status, title) in cases.items():
        resp = await link_client.get(f"{ACCOUNT_LINK_PATH}{query}")
        assert resp.status == status
        text = await resp.text()
        assert title in text
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["Cache-Control"] == "no-store"

    link_url = URL(ACCOUNT_LINK_PATH).with_query(
        nonce=nonce, time=str(now_ms - 601_000)
    )
    status, text = await submit_code(link_client, link_url, "1", get_first=False)
    assert (status, "Link expired" in text) == (400, True)
    link_url = link_url.update_query(time=str(now_ms))
    status, text = await submit_code(link_client, link_url, "1", get_first=False)
    assert (status, "Nothing to link" in text) == (404, True)
    resp = await link_client.post(
        ACCOUNT_LINK_PATH, data={"nonce": nonce, "time": str(now_ms)}
    )
    assert resp.status == 400


async def test_brute_force_aborts_flow(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """Five wrong codes are tolerated; the sixth aborts the flow and drops the token."""
    result = await start_appstore_flow(hass)
    link_url = await install(sim_control)
    code = pairing_code(result).replace(" ", "")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for left in range(5, 0, -1):
        status, text = await submit_code(link_client, link_url, wrong)
        assert status == 403
        assert f"Tries left: {left}." in text
        assert 'name="pairing_code"' in text
    status, text = await submit_code(link_client, link_url, wrong, get_first=False)
    assert status == 403
    assert "Too many wrong codes" in text
    result = await finish_flow(hass, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "too_many_attempts"
    registry = hass.data[DATA_LINKING]
    assert not registry.pending
    assert not registry.exchange.unclaimed

    # The right code now finds nothing: the flow is gone, and Ring saw no POST.
    status, text = await submit_code(link_client, link_url, code, get_first=False)
    assert status == 404
    assert integration_calls(await sim_control.requests()) == []


async def test_several_flows_bind_by_credentials(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """The code is tried with each waiting app; the pairing code picks the flow."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("other-client", "other-secret"), "other"
    )
    first = await start_appstore_flow(hass, implementation=DOMAIN)
    second = await start_appstore_flow(hass, implementation="other")
    result = await link_via_appstore(hass, link_client, sim_control, first)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["auth_implementation"] == DOMAIN
    # The other flow still waits; it has no token of its own.
    assert second["flow_id"] in hass.data[DATA_LINKING].pending
    assert not hass.data[DATA_LINKING].exchange.unclaimed
    hass.config_entries.flow.async_abort(second["flow_id"])
    assert not hass.data[DATA_LINKING].pending


async def _reject_codes(sim_control: SimControl) -> None:
    """Make Ring's token endpoint refuse every code."""
    await sim_control.call("POST", "faults", {"path": "^/oauth/token$", "status": 400})


async def _post_no_code(sim_control: SimControl) -> None:
    """Make Ring skip the Token Exchange URL (as a wrong URL in its console does)."""
    await sim_control.configure(token_exchange_url=None)


@pytest.mark.parametrize(
    ("break_exchange", "expected"),
    [
        (_reject_codes, (502, "Code exchange failed", "code_exchange_failed")),
        (_post_no_code, (409, "No code from Ring", "no_unclaimed_token")),
    ],
    ids=["code_exchange_failed", "no_code_from_ring"],
)
async def test_no_token_to_claim(
    hass: HomeAssistant,
    link_client: TestClient,
    sim_control: SimControl,
    break_exchange: Callable[[SimControl], Awaitable[None]],
    expected: tuple[int, str, str],
) -> None:
    """Ring's code could not be exchanged, or never arrived: the page and the flow say so."""
    await break_exchange(sim_control)
    result = await start_appstore_flow(hass)
    status, text, result = await claim_link(hass, link_client, sim_control, result)
    expected_status, title, reason = expected
    assert status == expected_status
    assert title in text
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_unclaimed_token_expires(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """A token left unclaimed past its life is gone."""
    with patch(
        "custom_components.ring_partner.linking.token_exchange.UNCLAIMED_TOKEN_LIFETIME",
        timedelta(0),
    ):
        result = await start_appstore_flow(hass)
        link_url = await install(sim_control)
        status, _ = await submit_code(link_client, link_url, pairing_code(result))
    assert status == 409
    result = await finish_flow(hass, result)
    assert result["reason"] == "no_unclaimed_token"


async def test_nonce_mismatch(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """A wrong HMAC key cannot match Ring's nonce: the flow says which key to check."""
    result = await start_appstore_flow(hass, hmac_key="not-the-hmac-key")
    status, text, result = await claim_link(hass, link_client, sim_control, result)
    assert status == 409
    assert "HMAC signature key" in text
    assert result["reason"] == "nonce_mismatch"
    assert integration_calls(await sim_control.requests()) == []


async def test_invalid_nonce_from_ring(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """Ring's 400 Invalid Nonce (here: a link from an older install) aborts the flow."""
    result = await start_appstore_flow(hass)
    old_link = await install(sim_control)
    await install(sim_control)
    status, text = await submit_code(link_client, old_link, pairing_code(result))
    assert status == 409
    assert "Invalid Nonce" in text
    result = await finish_flow(hass, result)
    assert result["reason"] == "invalid_nonce"
    assert not hass.data[DATA_LINKING].exchange.unclaimed


async def test_account_already_configured(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """An account that already has an entry is refused before Ring's POST."""
    MockConfigEntry(domain=DOMAIN, unique_id=DEFAULT_ACCOUNT_ID).add_to_hass(hass)
    result = await start_appstore_flow(hass)
    status, text, result = await claim_link(hass, link_client, sim_control, result)
    assert status == 409
    assert "Already linked" in text
    assert result["reason"] == "already_configured"
    assert integration_calls(await sim_control.requests()) == []


async def test_ring_unavailable_then_retry(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """A failed POST keeps the flow waiting; submitting the code again links."""
    await sim_control.call(
        "POST",
        "faults",
        {"path": APP_INTEGRATIONS, "method": "POST", "status": 500, "count": 1},
    )
    result = await start_appstore_flow(hass)
    link_url = await install(sim_control)
    status, text = await submit_code(link_client, link_url, pairing_code(result))
    assert status == 503
    assert 'name="pairing_code"' in text
    status, text = await submit_code(
        link_client, link_url, pairing_code(result), get_first=False
    )
    assert status == 200, text
    result = await finish_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_patch_failure_keeps_link_and_retries_on_setup(
    hass: HomeAssistant,
    link_client: TestClient,
    sim_control: SimControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """POST worked, PATCH failed: the entry exists, a repair issue says so, setup retries."""
    await sim_control.call(
        "POST", "faults", {"path": APP_INTEGRATIONS, "method": "PATCH", "status": 500}
    )
    result = await start_appstore_flow(hass)
    status, text, result = await claim_link(hass, link_client, sim_control, result)
    assert status == 200
    assert "did not accept the final confirmation" in text
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    issue_id = awaiting_issue_id(DEFAULT_ACCOUNT_ID)
    assert issue_registry.async_get_issue(DOMAIN, issue_id)

    await sim_control.call("DELETE", "faults")
    entry = result["result"]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert integration_calls(await sim_control.requests())[-1] == "PATCH"
    state = await sim_control.call("GET", "state")
    account = next(a for a in state["accounts"] if a["id"] == DEFAULT_ACCOUNT_ID)
    assert account["integration_status"] == "completed"


async def test_flow_times_out(hass: HomeAssistant, link_client: TestClient) -> None:
    """Nobody links within the window: the flow aborts and stops accepting codes."""
    with patch("custom_components.ring_partner.config_flow.LINK_TIMEOUT", 0.01):
        result = await start_appstore_flow(hass)
        result = await finish_flow(hass, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "link_timeout"
    assert not hass.data[DATA_LINKING].pending
    resp = await link_client.post(TOKEN_EXCHANGE_PATH, data={"code": "late-code"})
    assert resp.status == 404


async def test_dismissed_flow_unregisters(
    hass: HomeAssistant, link_client: TestClient
) -> None:
    """Closing the dialog at the URL step stops accepting codes for it."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "appstore"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HMAC_KEY: HMAC_KEY}
    )
    assert result["step_id"] == "link"
    assert hass.data[DATA_LINKING].pending
    hass.config_entries.flow.async_abort(result["flow_id"])
    assert not hass.data[DATA_LINKING].pending


def test_mask_email() -> None:
    """Enough of the address to recognize it, no more."""
    assert mask_email("dinner@example.com") == "d***r@example.com"
    assert mask_email("d@example.com") == "***@example.com"
    assert mask_email(None) is None
    assert mask_email("no-at-sign") is None


def _appstore_entry(simulator: Simulator, account_id: str) -> MockConfigEntry:
    """Return an Appstore entry whose tokens Ring no longer accepts."""
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=account_id,
        title="Demo User",
        data={
            "auth_implementation": DOMAIN,
            "token": {"access_token": "revoked", "expires_at": 0},
            CONF_LINK_METHOD: LinkMethod.APPSTORE,
            CONF_HMAC_KEY: HMAC_KEY,
            CONF_ACCOUNT_ID: account_id,
            CONF_LINKED_AT: "2026-01-01T00:00:00+00:00",
            CONF_ENDPOINTS: {
                "api_base": simulator.base_url,
                "token_url": simulator.token_url,
                "authorize_url": simulator.authorize_url,
            },
        },
    )


async def start_appstore_reauth(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ConfigFlowResult:
    """Start reauth and go to the waiting step; the stored HMAC key is reused."""
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    return await continue_appstore_flow(hass, result, hmac_key=None)


async def test_appstore_reauth(
    hass: HomeAssistant,
    link_client: TestClient,
    sim_control: SimControl,
) -> None:
    """Reauth links the same account again from the Ring app and reloads the entry."""
    entry = _appstore_entry(sim_control.sim, DEFAULT_ACCOUNT_ID)
    entry.add_to_hass(hass)
    result = await start_appstore_reauth(hass, entry)
    result = await link_via_appstore(hass, link_client, sim_control, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"]["access_token"] != "revoked"
    assert entry.data[CONF_LINKED_AT] != "2026-01-01T00:00:00+00:00"
    assert entry.data[CONF_HMAC_KEY] == HMAC_KEY
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)


async def test_appstore_reauth_wrong_account(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """Linking another account during reauth aborts before Ring's POST."""
    entry = _appstore_entry(sim_control.sim, "ava1.ring.account.someone-else")
    entry.add_to_hass(hass)
    result = await start_appstore_reauth(hass, entry)
    status, text, result = await claim_link(hass, link_client, sim_control, result)
    assert status == 409
    assert "Different Ring account" in text
    assert result["reason"] == "wrong_account"
    assert integration_calls(await sim_control.requests()) == []


async def test_tokens_stay_while_a_flow_of_the_app_waits(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """A token goes only when no waiting flow of the same app is left to claim it."""
    first = await start_appstore_flow(hass)
    second = await start_appstore_flow(hass)
    link_url = await install(sim_control)
    await hass.async_block_till_done()
    hass.config_entries.flow.async_abort(first["flow_id"])
    # The second flow of the app still claims the token Ring's code was exchanged for.
    status, text = await submit_code(link_client, link_url, pairing_code(second))
    assert status == 200, text
    assert (await finish_flow(hass, second))["type"] is FlowResultType.CREATE_ENTRY


async def test_tokens_go_with_the_last_flow_of_the_app(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """With the app's last flow gone its token goes too: a new flow finds none to claim."""
    only = await start_appstore_flow(hass)
    link_url = await install(sim_control)
    await hass.async_block_till_done()
    hass.config_entries.flow.async_abort(only["flow_id"])
    again = await start_appstore_flow(hass)
    status, text = await submit_code(link_client, link_url, pairing_code(again))
    assert status == 409
    assert "No code from Ring" in text


async def test_stranger_cannot_abort_a_waiting_link(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """Six wrong codes with a made-up nonce leave the flow alive; the real link works."""
    result = await start_appstore_flow(hass)
    now_ms = str(int(time.time() * 1000))
    stranger = URL(ACCOUNT_LINK_PATH).with_query(nonce="s" * 43, time=now_ms)
    for _ in range(6):
        status, text = await submit_code(
            link_client, stranger, "00000000", get_first=False
        )
        assert status == 403
        assert "Wrong pairing code" in text
        assert "Tries left" not in text
    assert result["flow_id"] in hass.data[DATA_LINKING].pending
    result = await link_via_appstore(hass, link_client, sim_control, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_strangers_are_rate_limited(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """Past the limit a stranger's code is not even checked: the same page, nothing aborts."""
    result = await start_appstore_flow(hass)
    now_ms = str(int(time.time() * 1000))
    stranger = URL(ACCOUNT_LINK_PATH).with_query(nonce="s" * 43, time=now_ms)
    for _ in range(STRANGER_ATTEMPTS):
        status, _ = await submit_code(
            link_client, stranger, "00000000", get_first=False
        )
        assert status == 403
    # The right pairing code with a made-up nonce would abort the flow (nonce_mismatch);
    # over the limit it is turned away like any other guess.
    status, text = await submit_code(
        link_client, stranger, pairing_code(result), get_first=False
    )
    assert status == 403
    assert "Wrong pairing code" in text
    assert result["flow_id"] in hass.data[DATA_LINKING].pending
    # The address is over its budget, Ring's real redirect is not.
    result = await link_via_appstore(hass, link_client, sim_control, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_right_code_with_a_foreign_nonce_aborts_below_the_limit(
    hass: HomeAssistant, link_client: TestClient
) -> None:
    """Whoever knows the pairing code is the admin: a nonce that matches nothing says so."""
    result = await start_appstore_flow(hass)
    now_ms = str(int(time.time() * 1000))
    foreign = URL(ACCOUNT_LINK_PATH).with_query(nonce="s" * 43, time=now_ms)
    status, _ = await submit_code(
        link_client, foreign, pairing_code(result), get_first=False
    )
    assert status == 409
    assert (await finish_flow(hass, result))["reason"] == "no_unclaimed_token"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"code=\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"code=%ff%fe", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b'{"code": 42}', {"Content-Type": "application/json"}),
        (b'{"code": "a b"}', {"Content-Type": "application/json"}),
        (b"[1, 2]", {"Content-Type": "application/json"}),
        (b"{not json", {"Content-Type": "application/json"}),
        (b"code=" + b"a" * 9000, {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"", {}),
    ],
    ids=[
        "invalid_utf8",
        "escaped_non_utf8",
        "json_number",
        "json_spaces",
        "json_list",
        "broken_json",
        "oversize",
        "empty",
    ],
)
async def test_token_exchange_rejects_malformed_input(
    hass: HomeAssistant,
    link_client: TestClient,
    body: bytes,
    headers: dict[str, str],
) -> None:
    """Malformed Token Exchange requests get 400, never 5xx, with a flow waiting."""
    await start_appstore_flow(hass)
    resp = await link_client.post(TOKEN_EXCHANGE_PATH, data=body, headers=headers)
    assert resp.status == 400
    assert not hass.data[DATA_LINKING].exchange.unclaimed


async def test_token_exchange_logs_an_unknown_shape_once(
    hass: HomeAssistant, link_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """No code anywhere: the field names are logged once, never the values."""
    await start_appstore_flow(hass)
    for _ in range(2):
        resp = await link_client.post(
            TOKEN_EXCHANGE_PATH, json={"authorization_code": "secret-value-1"}
        )
        assert resp.status == 400
    records = [r for r in caplog.records if "without a code" in r.getMessage()]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "authorization_code" in message
    assert "application/json" in message
    assert "secret-value-1" not in caplog.text


@pytest.mark.parametrize(
    ("method", "query", "body", "status", "title"),
    [
        ("GET", {"nonce": "n" * 43, "time": "9" * 16}, None, 400, "Clock mismatch"),
        ("GET", {"nonce": "n" * 43, "time": "1" * 16}, None, 400, "Clock mismatch"),
        (
            "GET",
            {"nonce": "n" * 43, "time": "\u0661" * 13},
            None,
            400,
            "Incomplete link",
        ),
        (
            "POST",
            None,
            b"nonce=" + b"n" * 43 + b"&time=" + b"9" * 16 + b"&pairing_code=1",
            400,
            "Clock mismatch",
        ),
        ("POST", None, b"nonce=\xff\xfe&time=1&pairing_code=1", 400, "Incomplete link"),
        ("POST", None, b"pairing_code=" + b"1" * 9000, 400, "Incomplete link"),
    ],
    ids=[
        "time_16_nines",
        "time_16_ones",
        "arabic_digits",
        "post_16_digits",
        "post_invalid_utf8",
        "post_oversize",
    ],
)
async def test_account_link_rejects_malformed_input(
    hass: HomeAssistant,
    link_client: TestClient,
    *,
    method: str,
    query: dict[str, str] | None,
    body: bytes | None,
    status: int,
    title: str,
) -> None:
    """Absurd times, invalid UTF-8 and oversize bodies get a clear 400 page."""
    await start_appstore_flow(hass)
    resp = await link_client.request(
        method,
        ACCOUNT_LINK_PATH,
        params=query,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == status
    assert title in await resp.text()


async def test_token_exchange_view_limits_exchanges_in_flight(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """Codes posted while three exchanges are still running are turned away."""
    await sim_control.call(
        "POST", "faults", {"path": "^/oauth/token$", "latency_ms": 300, "status": 400}
    )
    await start_appstore_flow(hass)
    statuses = [
        (await link_client.post(TOKEN_EXCHANGE_PATH, data={"code": f"code-{i}"})).status
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 503]
    await hass.async_block_till_done()
    resp = await link_client.post(TOKEN_EXCHANGE_PATH, data={"code": "code-5"})
    assert resp.status == 200
    await hass.async_block_till_done()


async def test_first_link_accepts_webhooks_before_the_entry_exists(
    hass: HomeAssistant,
    simulator: Simulator,
    sim_control: SimControl,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """On a fresh install (async_setup not run) Ring's linking webhooks still get a 200.

    Ring sends app_integration_added right after the PATCH, before the flow has created the
    entry (docs/webhooks.md#integration-events); a 4xx there is a permanent failure Ring
    never retries (docs/webhooks.md#responses-and-retries).
    """
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("sim-client-id", "sim-client-secret"), DOMAIN
    )
    hass.data[DATA_ENDPOINTS] = Endpoints(
        api_base=simulator.base_url,
        token_url=simulator.token_url,
        authorize_url=simulator.authorize_url,
    )
    await async_process_ha_core_config(hass, {"external_url": "https://ha.example.com"})
    # Home Assistant's own server keeps its router open for views registered later (the
    # flow registers the fixed-path views here); the test server would freeze it.
    hass.http.app._router.freeze = lambda: None  # type: ignore[method-assign]
    client: TestClient = await hass_client_no_auth()
    await sim_control.configure(
        token_exchange_url=str(client.make_url(TOKEN_EXCHANGE_PATH)),
        account_link_url=str(client.make_url(ACCOUNT_LINK_PATH)),
        webhook_url=str(client.make_url("/api/ring_partner/webhook")),
        webhooks_before_completed=True,
    )
    assert DOMAIN not in hass.config.components
    result = await start_appstore_flow(hass)
    result = await link_via_appstore(hass, client, sim_control, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await simulator.state.webhooks.drain()
    deliveries = await sim_control.call("GET", "webhooks")
    types = {d["type"] for d in deliveries}
    assert {"device_added", "app_integration_added"} <= types
    for delivery in deliveries:
        assert [a["status"] for a in delivery["attempts"]] == [200], delivery


async def test_link_page_is_self_contained_and_names_home_assistant(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """HA's look, the logo inline, the location name, and nothing loaded from elsewhere."""
    await hass.config.async_update(location_name="Beach <House>")
    await start_appstore_flow(hass)
    link_url = await install(sim_control)
    resp = await link_client.get(link_url.path_qs)
    assert resp.status == 200
    page = await resp.text()
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert 'lang="en"' in page
    assert "Link your Ring account" in page
    assert "Beach &lt;House&gt;" in page
    assert 'name="viewport"' in page
    assert "#03a9f4" in page  # Home Assistant's primary colour
    assert 'src="data:image/png;base64,' in page
    assert "<script" not in page
    assert "<link" not in page
    # Every src, href and action stays on the page (data URIs) or posts back to itself.
    assert not re.findall(r'(?:src|href|action)="(?!data:)', page)
    assert "url(" not in page


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("en;q=0.5, nl;q=0.9", "nl"),
        ("xx-YY, zz", "en"),
        ("de;q=abc, it", "it"),
        ("", "en"),
        ("es;q=0", "en"),
        ("*", "en"),
    ],
)
def test_negotiate_language(header: str, language: str) -> None:
    """The best translated language the browser accepts, else Home Assistant's."""
    assert negotiate_language(header, "en") == language


def test_negotiate_language_falls_back_to_home_assistant() -> None:
    """Without a usable header the page uses Home Assistant's language, if translated."""
    assert negotiate_language(None, "de") == "de"
    assert negotiate_language("pt-BR", "nl-BE") == "nl"
    assert negotiate_language(None, "pt") == "en"


async def test_link_page_speaks_the_browser_language(
    hass: HomeAssistant, link_client: TestClient, sim_control: SimControl
) -> None:
    """Accept-Language: de gets the page in German, form and tries left included."""
    result = await start_appstore_flow(hass)
    link_url = await install(sim_control)
    headers = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    resp = await link_client.get(link_url.path_qs, headers=headers)
    page = await resp.text()
    assert 'lang="de"' in page
    assert "Ring-Konto verknüpfen" in page
    assert "Kopplungscode" in page
    code = pairing_code(result).replace(" ", "")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    resp = await link_client.post(
        ACCOUNT_LINK_PATH,
        data={
            "nonce": link_url.query["nonce"],
            "time": link_url.query["time"],
            "pairing_code": wrong,
        },
        headers=headers,
    )
    assert resp.status == 403
    page = await resp.text()
    assert "Falscher Kopplungscode" in page
    assert "Verbleibende Versuche: 5." in page


async def test_percent_escapes_that_are_no_utf8_get_400(
    hass: HomeAssistant, link_client: TestClient
) -> None:
    """Query strings are outside input too: escapes of invalid UTF-8 answer 400."""
    await start_appstore_flow(hass)
    now_ms = int(time.time() * 1000)
    resp = await link_client.get(
        f"{ACCOUNT_LINK_PATH}?nonce={'%ff' * 20}&time={now_ms}"
    )
    assert resp.status == 400
    assert "Incomplete link" in await resp.text()
    resp = await link_client.post(f"{TOKEN_EXCHANGE_PATH}?code=%ff%fe")
    assert resp.status == 400


async def test_token_exchange_reads_every_shape(
    hass: HomeAssistant, link_client: TestClient
) -> None:
    """Form, multipart, JSON and query all deliver the code (here one Ring refuses)."""
    await start_appstore_flow(hass)
    multipart = FormData({"code": "code-multipart"}, default_to_multipart=True)
    multipart.add_field("other", "ignored")
    for options in (
        {"data": {"code": "code-form"}},
        {"data": multipart},
        {"json": {"code": "code-json", "state": "x"}},
        {"params": {"code": "code-query"}},
    ):
        resp = await link_client.post(TOKEN_EXCHANGE_PATH, **options)
        assert resp.status == 200, options
        await hass.async_block_till_done()
    # A multipart body without the field is no code, however it is split.
    empty = FormData({"other": "x"}, default_to_multipart=True)
    resp = await link_client.post(TOKEN_EXCHANGE_PATH, data=empty)
    assert resp.status == 400


def test_stranger_limit_window_and_memory() -> None:
    """Ten attempts per address and window; the window slides; old addresses are dropped."""
    now = [1000.0]
    limit = StrangerLimit(clock=lambda: now[0])
    assert all(limit.async_allow("203.0.113.7") for _ in range(STRANGER_ATTEMPTS))
    assert not limit.async_allow("203.0.113.7")
    assert limit.async_allow("198.51.100.1")  # another address has its own budget
    assert limit.async_allow(None)  # relayed requests share one
    now[0] += STRANGER_WINDOW
    assert limit.async_allow("203.0.113.7")
    # Memory is bounded: an address over its budget is forgotten once enough others came.
    assert all(limit.async_allow("192.0.2.1") for _ in range(STRANGER_ATTEMPTS))
    assert not limit.async_allow("192.0.2.1")
    for index in range(STRANGER_ADDRESSES):
        limit.async_allow(f"10.0.{index // 256}.{index % 256}")
    assert limit.async_allow("192.0.2.1")

"""Test the config flow: menu, OAuth with PKCE, Playground token, reauth, reconfigure, options."""

from collections.abc import Generator
from datetime import timedelta
import re
import time
from typing import Any, override
from unittest.mock import AsyncMock, patch

from aiohttp import ClientSession
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.ring_partner.client import User
from custom_components.ring_partner.const import (
    CONF_ACCOUNT_ID,
    CONF_DING_HOLD,
    CONF_ENDPOINTS,
    CONF_HMAC_KEY,
    CONF_LATE_EVENT_LIMIT,
    CONF_LINK_METHOD,
    CONF_LINKED_AT,
    CONF_MOTION_HOLD,
    DOMAIN,
    LinkMethod,
)
from custom_components.ring_partner.repairs import (
    NO_EXTERNAL_URL_ISSUE,
    awaiting_issue_id,
)
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import config_entry_oauth2_flow, issue_registry as ir
from homeassistant.setup import async_setup_component
from simulator import Simulator
from simulator.scenario import DEFAULT_ACCOUNT_ID, PLAYGROUND_ACCOUNT_ID

from .conftest import CLIENT_ID, CLIENT_SECRET, HMAC_KEY, SimControl

pytestmark = pytest.mark.usefixtures("current_request_with_host")

REDIRECT_URI = "https://example.com/auth/external/callback"
APP_INTEGRATIONS = "/v1/accounts/me/app-integrations"
# A token Ring no longer accepts: what an entry being reauthenticated holds.
EXPIRED_TOKEN = {"access_token": "old", "expires_at": 0}
SETUP_ENTRY = "custom_components.ring_partner.async_setup_entry"
GET_USER = "custom_components.ring_partner.config_flow.RingPartnerClient.get_user"


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep entries from loading where a test is only about the flow."""
    with patch(SETUP_ENTRY, return_value=True) as mock:
        yield mock


@pytest.fixture
async def production(hass: HomeAssistant) -> None:
    """Set up the integration against Ring's production endpoints (nothing is called)."""
    assert await async_setup_component(hass, DOMAIN, {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


async def choose(hass: HomeAssistant, way: str) -> ConfigFlowResult:
    """Open the menu and pick a way in."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["appstore", "oauth", "playground"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": way}
    )


async def authorize(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    session: ClientSession,
    result: ConfigFlowResult,
) -> ConfigFlowResult:
    """Allow access on the simulator's authorize page and follow the redirect back."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    url = URL(result["url"])
    assert url.query["redirect_uri"] == REDIRECT_URI
    assert url.query["code_challenge_method"] == "S256"
    assert url.query["scope"] == "ava.v1:read"
    async with session.get(url) as resp:
        assert resp.status == 200
        assert "Allow" in await resp.text()
    form = {**url.query, "decision": "allow"}
    async with session.post(
        url.with_query(None), data=form, allow_redirects=False
    ) as resp:
        assert resp.status == 302
        callback = URL(resp.headers["Location"])
    assert str(callback.with_query(None)) == REDIRECT_URI
    client = await hass_client_no_auth()
    resp = await client.get(f"/auth/external/callback?{callback.query_string}")
    assert resp.status == 200
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def playground_token(sim_control: SimControl) -> str:
    """Mint a Developer Playground token in the simulator."""
    token = await sim_control.call("POST", "playground/token")
    assert token["expires_in"] == 1800
    return str(token["access_token"])


def integration_calls(requests: list[dict[str, Any]]) -> list[str]:
    """Return the methods of the app-integrations calls the simulator saw."""
    return [r["method"] for r in requests if r["path"] == APP_INTEGRATIONS]


def _sim_endpoints(simulator: Simulator) -> dict[str, str]:
    """Return a development entry's endpoints pointing at the simulator."""
    return {
        "api_base": simulator.base_url,
        "token_url": simulator.token_url,
        "authorize_url": simulator.authorize_url,
    }


def _entry(
    method: LinkMethod,
    *,
    account_id: str = DEFAULT_ACCOUNT_ID,
    hmac_key: str | None = None,
    token: dict[str, Any] | None = None,
    endpoints: dict[str, str] | None = None,
    title: str = "Mock Title",
) -> MockConfigEntry:
    """Return an entry of the given link method, with a valid token unless one is given."""
    data: dict[str, Any] = {
        "token": token or {"access_token": "token", "expires_at": time.time() + 3600},
        CONF_LINK_METHOD: method,
        CONF_HMAC_KEY: hmac_key,
        CONF_ACCOUNT_ID: account_id,
        CONF_LINKED_AT: "2026-01-01T00:00:00+00:00",
    }
    if method is not LinkMethod.PLAYGROUND:
        data["auth_implementation"] = DOMAIN
    if endpoints is not None:
        data[CONF_ENDPOINTS] = endpoints
    return MockConfigEntry(domain=DOMAIN, unique_id=account_id, title=title, data=data)


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_oauth_link(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """Sign in with Ring: PKCE, users/me, then PATCH completed without a nonce POST."""
    result = await choose(hass, "oauth")
    result = await authorize(hass, hass_client_no_auth, sim_control.session, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Demo User"
    assert result["result"].unique_id == DEFAULT_ACCOUNT_ID
    data = result["data"]
    assert data["auth_implementation"] == DOMAIN
    assert data[CONF_LINK_METHOD] == LinkMethod.OAUTH
    assert data[CONF_HMAC_KEY] is None
    assert data[CONF_ACCOUNT_ID] == DEFAULT_ACCOUNT_ID
    assert data[CONF_LINKED_AT]
    assert data[CONF_ENDPOINTS]["token_url"] == sim_control.sim.token_url
    assert data["token"]["refresh_token"]
    assert integration_calls(await sim_control.requests()) == ["PATCH"]
    await hass.async_block_till_done()


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_oauth_patch_fails(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim_control: SimControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A failed PATCH still creates the entry, with the awaiting repair issue."""
    await sim_control.call(
        "POST", "faults", {"path": APP_INTEGRATIONS, "method": "PATCH", "status": 500}
    )
    result = await choose(hass, "oauth")
    with patch(SETUP_ENTRY, return_value=True):
        result = await authorize(hass, hass_client_no_auth, sim_control.session, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    issue = issue_registry.async_get_issue(
        DOMAIN, awaiting_issue_id(DEFAULT_ACCOUNT_ID)
    )
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"account": "Demo User"}


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_oauth_users_me_fails(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """Ring not answering users/me after the exchange aborts with cannot_connect."""
    result = await choose(hass, "oauth")
    await sim_control.fault(path="^/v1/users/me$", status=404)
    result = await authorize(hass, hass_client_no_auth, sim_control.session, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_oauth_reauth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """Reauth of an OAuth entry goes through the same dance and keeps the HMAC key."""
    entry = _entry(
        LinkMethod.OAUTH, hmac_key=HMAC_KEY, token=EXPIRED_TOKEN, title="Demo User"
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["account"] == "Demo User"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    with patch(SETUP_ENTRY, return_value=True):
        result = await authorize(hass, hass_client_no_auth, sim_control.session, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"]["access_token"] != "old"
    assert entry.data[CONF_HMAC_KEY] == HMAC_KEY
    assert entry.data[CONF_LINKED_AT] != "2026-01-01T00:00:00+00:00"


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_oauth_reauth_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """Reauth that signs in to another Ring account aborts before the PATCH."""
    entry = _entry(
        LinkMethod.OAUTH,
        account_id="ava1.ring.account.someone-else",
        token=EXPIRED_TOKEN,
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await authorize(hass, hass_client_no_auth, sim_control.session, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert integration_calls(await sim_control.requests()) == []


@pytest.mark.usefixtures("setup_integration_yaml", "mock_setup_entry")
async def test_oauth_already_configured(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim_control: SimControl,
) -> None:
    """Linking an account that already has an entry aborts."""
    MockConfigEntry(domain=DOMAIN, unique_id=DEFAULT_ACCOUNT_ID).add_to_hass(hass)
    result = await choose(hass, "oauth")
    result = await authorize(hass, hass_client_no_auth, sim_control.session, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_playground(hass: HomeAssistant, sim_control: SimControl) -> None:
    """A pasted Playground token is checked with users/me and lives 30 minutes."""
    result = await choose(hass, "playground")
    assert result["step_id"] == "playground"
    token = await playground_token(sim_control)
    with patch(SETUP_ENTRY, return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ACCESS_TOKEN: f"Bearer {token} "}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == PLAYGROUND_ACCOUNT_ID
    data = result["data"]
    assert "auth_implementation" not in data
    assert data[CONF_LINK_METHOD] == LinkMethod.PLAYGROUND
    assert data["token"]["access_token"] == token
    assert "refresh_token" not in data["token"]
    assert abs(data["token"]["expires_at"] - (time.time() + 1800)) < 60


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 400}, "cannot_connect"),
        # An unexpected failure cannot come from Ring's side: the one mock (autospec'd).
        (None, "unknown"),
        ({"status": 401}, "invalid_auth"),
    ],
)
@pytest.mark.usefixtures("setup_integration_yaml", "mock_setup_entry")
async def test_playground_errors_recover(
    hass: HomeAssistant,
    sim_control: SimControl,
    fault: dict[str, Any] | None,
    error: str,
) -> None:
    """Each error shows on the form; a good token then creates the entry."""
    result = await choose(hass, "playground")
    token = await playground_token(sim_control)
    if fault is None:
        with patch(GET_USER, autospec=True, side_effect=ValueError("boom")):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_ACCESS_TOKEN: token}
            )
    else:
        await sim_control.fault(path="^/v1/users/me$", count=1, **fault)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ACCESS_TOKEN: token}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: token}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_playground_expiry_asks_for_reauth(
    hass: HomeAssistant, sim_control: SimControl, freezer: FrozenDateTimeFactory
) -> None:
    """After 30 minutes the entry fails auth; reauth takes a new token for the account."""
    result = await choose(hass, "playground")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: await playground_token(sim_control)}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state.value == "loaded"

    freezer.tick(timedelta(seconds=1801))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_REAUTH
    assert flows[0]["step_id"] == "reauth_playground"

    new_token = await playground_token(sim_control)
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_ACCESS_TOKEN: new_token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["token"]["access_token"] == new_token
    assert entry.state.value == "loaded"
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("setup_integration_yaml", "linked_account")
async def test_playground_reauth_wrong_account(
    hass: HomeAssistant, sim_control: SimControl
) -> None:
    """A Playground token of another account does not fix this entry."""
    entry = _entry(LinkMethod.PLAYGROUND, token=EXPIRED_TOKEN)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_playground"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: await playground_token(sim_control)}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


@pytest.mark.usefixtures("production")
async def test_appstore_needs_external_https_url(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    """No external HTTPS URL: abort and raise a repair; with one, the issue goes."""
    result = await choose(hass, "appstore")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_external_url"
    assert issue_registry.async_get_issue(DOMAIN, NO_EXTERNAL_URL_ISSUE)

    # Plain http is accepted only against development endpoints.
    await async_process_ha_core_config(hass, {"external_url": "http://ha.example.com"})
    result = await choose(hass, "appstore")
    assert result["reason"] == "no_external_url"

    await async_process_ha_core_config(hass, {"external_url": "https://ha.example.com"})
    result = await choose(hass, "appstore")
    assert result["step_id"] == "hmac_key"
    assert issue_registry.async_get_issue(DOMAIN, NO_EXTERNAL_URL_ISSUE) is None

    # Wrong keys are refused until a plausible one arrives.
    for key, error in (
        ("short", "invalid_hmac_key"),
        ("has a space", "invalid_hmac_key"),
        (CLIENT_SECRET, "hmac_key_is_credential"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HMAC_KEY: key}
        )
        assert result["errors"] == {CONF_HMAC_KEY: error}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HMAC_KEY: f"  {HMAC_KEY}  "}
    )
    assert result["step_id"] == "link"
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    # Each of Ring's URLs is a webhook of its own, on the external HTTPS address.
    urls = [
        placeholders[name]
        for name in ("token_exchange_url", "account_link_url", "webhook_url")
    ]
    for url in urls:
        assert re.fullmatch(r"https://ha\.example\.com/api/webhook/[0-9a-f]{64}", url)
    assert len(set(urls)) == 3
    assert placeholders["homepage_url"] == "https://ha.example.com/"
    assert placeholders["pairing_code"].replace(" ", "").isdigit()
    hass.config_entries.flow.async_abort(result["flow_id"])


class _CloudImplementation(config_entry_oauth2_flow.AbstractOAuth2Implementation):
    """An implementation without a local client secret (as a cloud account link has)."""

    @property
    @override
    def name(self) -> str:
        """Return the name."""
        return "Cloud"

    @property
    @override
    def domain(self) -> str:
        """Return the domain."""
        return "cloud_ring"

    @override
    async def async_generate_authorize_url(self, flow_id: str) -> str:
        """Return nothing useful."""
        return "https://example.com/authorize"

    @override
    async def async_resolve_external_data(self, external_data: Any) -> dict[str, Any]:
        """Return nothing useful."""
        return {}

    @override
    async def _async_refresh_token(self, token: dict[str, Any]) -> dict[str, Any]:
        """Return the token unchanged."""
        return token


@pytest.mark.usefixtures("production")
async def test_appstore_needs_local_credentials(hass: HomeAssistant) -> None:
    """Appstore linking exchanges codes itself, so it needs a client secret in hand."""
    await async_process_ha_core_config(hass, {"external_url": "https://ha.example.com"})
    config_entry_oauth2_flow.async_register_implementation(
        hass, DOMAIN, _CloudImplementation()
    )
    result = await choose(hass, "appstore")
    assert result["step_id"] == "pick_implementation"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": "cloud_ring"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "appstore_needs_credentials"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_development_entry(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Reconfigure checks the HMAC key and the endpoints of a development entry."""
    endpoints = _sim_endpoints(simulator)
    entry = _entry(LinkMethod.APPSTORE, hmac_key=HMAC_KEY, endpoints=endpoints)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    schema_keys = {str(key) for key in result["data_schema"].schema}
    assert schema_keys == {CONF_HMAC_KEY, *endpoints}

    bad = {**endpoints, CONF_HMAC_KEY: "short", "api_base": "not a url"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], bad)
    assert result["errors"] == {
        CONF_HMAC_KEY: "invalid_hmac_key",
        "api_base": "invalid_url",
    }
    good = {
        **endpoints,
        CONF_HMAC_KEY: "new-hmac-key",
        "api_base": "http://127.0.0.1:1/",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HMAC_KEY] == "new-hmac-key"
    assert entry.data[CONF_ENDPOINTS]["api_base"] == "http://127.0.0.1:1"


@pytest.mark.usefixtures("production", "mock_setup_entry")
async def test_reconfigure_oauth_entry_key_is_optional(hass: HomeAssistant) -> None:
    """An invited app may leave the key empty; production hides the endpoints."""
    entry = _entry(LinkMethod.OAUTH)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert {str(key) for key in result["data_schema"].schema} == {CONF_HMAC_KEY}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HMAC_KEY] is None


@pytest.mark.usefixtures("production", "mock_setup_entry")
async def test_reconfigure_playground_entry(hass: HomeAssistant) -> None:
    """A production Playground entry has nothing to reconfigure."""
    entry = _entry(LinkMethod.PLAYGROUND)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_not_supported"


@pytest.mark.usefixtures("production", "mock_setup_entry")
async def test_options(hass: HomeAssistant) -> None:
    """Options default to 5 min / 30 s / 10 s / 15 min, take new values and reload the entry."""
    entry = _entry(LinkMethod.OAUTH)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    schema = result["data_schema"]
    assert schema is not None
    defaults = {str(key): key.description["suggested_value"] for key in schema.schema}
    assert defaults == {
        CONF_SCAN_INTERVAL: 300,
        CONF_MOTION_HOLD: 30,
        CONF_DING_HOLD: 10,
        CONF_LATE_EVENT_LIMIT: 15,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SCAN_INTERVAL: 120.0,
            CONF_MOTION_HOLD: 45,
            CONF_DING_HOLD: 5,
            CONF_LATE_EVENT_LIMIT: 30,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SCAN_INTERVAL: 120,
        CONF_MOTION_HOLD: 45,
        CONF_DING_HOLD: 5,
        CONF_LATE_EVENT_LIMIT: 30,
    }


@pytest.mark.usefixtures("production", "mock_setup_entry")
async def test_playground_production_title_masks_email(hass: HomeAssistant) -> None:
    """An account without a name is titled by its masked email; production stores no endpoints."""
    user = User(id="ava1.ring.account.nameless", email="dinner@example.com")
    result = await choose(hass, "playground")
    # Production endpoints cannot be reached from here: the one mock (autospec'd).
    with patch(GET_USER, autospec=True, return_value=user):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ACCESS_TOKEN: "token"}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "d***r@example.com"
    assert CONF_ENDPOINTS not in result["data"]


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_development_playground_entry(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A development Playground entry can move its endpoints; it has no HMAC key."""
    endpoints = _sim_endpoints(simulator)
    entry = _entry(LinkMethod.PLAYGROUND, endpoints=endpoints)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert {str(key) for key in result["data_schema"].schema} == set(endpoints)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], endpoints
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_ENDPOINTS] == endpoints
    assert entry.data[CONF_HMAC_KEY] is None


@pytest.mark.usefixtures("production", "mock_setup_entry")
async def test_options_reject_fast_polling(hass: HomeAssistant) -> None:
    """Polling faster than once a minute is refused."""
    entry = _entry(LinkMethod.OAUTH)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                CONF_SCAN_INTERVAL: 30,
                CONF_MOTION_HOLD: 30,
                CONF_DING_HOLD: 10,
                CONF_LATE_EVENT_LIMIT: 15,
            },
        )


@pytest.mark.usefixtures("production", "mock_setup_entry")
@pytest.mark.parametrize("minutes", [0, 61])
async def test_options_bound_the_late_event_limit(
    hass: HomeAssistant, minutes: int
) -> None:
    """The late event limit stays within 1 to 60 minutes (what the ledger covers)."""
    entry = _entry(LinkMethod.OAUTH)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                CONF_SCAN_INTERVAL: 300,
                CONF_MOTION_HOLD: 30,
                CONF_DING_HOLD: 10,
                CONF_LATE_EVENT_LIMIT: minutes,
            },
        )

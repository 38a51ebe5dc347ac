"""Fixtures for Ring Partner tests: the simulator, a linked Ring account, a loaded entry."""

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from datetime import UTC, datetime
import time
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession, web
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.ring_partner import PLATFORMS
from custom_components.ring_partner.const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_AUTHORIZE_URL,
    CONF_ENDPOINTS,
    CONF_HMAC_KEY,
    CONF_LINK_METHOD,
    CONF_LINKED_AT,
    CONF_OAUTH_TOKEN_URL,
    CONF_RTSP_BRIDGE_URL,
    CONF_RTSP_CA_FILE,
    DOMAIN,
    WEBHOOK_PATH,
    LinkMethod,
)
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.setup import async_setup_component
from simulator import Simulator, SimulatorConfig, run_simulator
from simulator.media.peer import ensure_loopback_candidates
from simulator.scenario import DEFAULT_ACCOUNT_ID


def _pin_cryptography_datetime() -> None:
    """Let cryptography's compiled code look up `datetime.datetime` now, unfrozen.

    It caches the class on first use; if that first use happens under `freezer`, it caches
    freezegun's class and every later certificate (the simulator's RTSP bridge makes one per
    start) fails with "'datetime' object is not an instance of 'HAFakeDatetime'".
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "warm-up")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now)
        .sign(key, hashes.SHA256())
    )
    assert certificate.not_valid_before_utc == now.replace(microsecond=0)


_pin_cryptography_datetime()


CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
HMAC_KEY = "sim-hmac-key"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Enable loading custom integrations in every test."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Use Home Assistant's snapshot format in tests/snapshots/ (phacc's own is shadowed)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def loopback_ice() -> None:
    """Let the test's aiortc peers gather 127.0.0.1 candidates (aioice skips loopback)."""
    ensure_loopback_candidates()


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable entities that are disabled by default (copied from core's tests)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


def make_sim_config(**changes: Any) -> SimulatorConfig:
    """Return a simulator configuration on free ports with the test credentials."""
    return SimulatorConfig(
        port=0,
        media_port=0,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        hmac_key=HMAC_KEY,
        **changes,
    )


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Return the simulator's configuration; override to change the scenario."""
    return make_sim_config()


@pytest.fixture
async def simulator(
    simulator_config: SimulatorConfig, socket_enabled: None
) -> AsyncGenerator[Simulator]:
    """Run the Ring cloud simulator in-process on 127.0.0.1 (sockets allowed to 127.0.0.1 only)."""
    async with run_simulator(simulator_config) as sim:
        yield sim


class SimControl:
    """Drive the simulator through its control API, as a person or test would."""

    def __init__(self, session: ClientSession, sim: Simulator) -> None:
        """Initialize the control client."""
        self.session = session
        self.sim = sim

    async def call(self, method: str, path: str, json: Any = None) -> Any:
        """Call /_sim/<path> and return the decoded JSON answer."""
        async with self.session.request(
            method, f"{self.sim.base_url}/_sim/{path.lstrip('/')}", json=json
        ) as resp:
            assert resp.status < 400, (
                f"{method} {path}: {resp.status} {await resp.text()}"
            )
            if resp.content_type == "application/json":
                return await resp.json()
            return None

    async def configure(self, **changes: Any) -> None:
        """Change the simulator's runtime configuration."""
        await self.call("POST", "config", changes)

    async def requests(self) -> list[dict[str, Any]]:
        """Return the simulator's request log."""
        result: list[dict[str, Any]] = await self.call("GET", "requests")
        return result

    async def clear_requests(self) -> None:
        """Empty the simulator's request log."""
        await self.call("DELETE", "requests")

    async def fault(self, **fault: Any) -> None:
        """Inject a fault (path regex, status, count, retry_after, ...)."""
        await self.call("POST", "faults", fault)


@pytest.fixture
async def sim_control(simulator: Simulator) -> AsyncGenerator[SimControl]:
    """Return a control client for the simulator."""
    async with ClientSession() as session:
        yield SimControl(session, simulator)


@dataclass(frozen=True, kw_only=True)
class LinkedAccount:
    """Tokens and facts of a Ring account linked through the Appstore flow."""

    account_id: str
    token: dict[str, Any]
    linked_at: datetime


async def link_account(
    sim_control: SimControl, account_id: str = DEFAULT_ACCOUNT_ID
) -> LinkedAccount:
    """Play the partner's side of Appstore linking against the simulator, without HA.

    Ring POSTs a code to the Token Exchange URL, then sends the browser to the Account Link
    URL with a nonce; the partner exchanges the code, confirms with the nonce and completes.
    """
    sim = sim_control.sim
    codes: list[str] = []

    async def _token_exchange(request: web.Request) -> web.Response:
        codes.append(str((await request.post())["code"]))
        return web.Response()

    app = web.Application()
    app.router.add_post("/token", _token_exchange)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await sim_control.configure(token_exchange_url=f"http://127.0.0.1:{port}/token")
        link = await sim_control.call("POST", f"accounts/{account_id}/install")
    finally:
        await runner.cleanup()
    session = sim_control.session
    async with session.post(
        sim.token_url,
        data={
            "grant_type": "authorization_code",
            "code": codes[0],
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    ) as resp:
        assert resp.status == 200, await resp.text()
        token = await resp.json()
    # The simulator returns the nonce too; account_link_url is None when none is configured.
    nonce = link["nonce"]
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    url = f"{sim.base_url}/v1/accounts/me/app-integrations"
    async with session.post(url, json={"nonce": nonce}, headers=headers) as resp:
        assert resp.status == 200, await resp.text()
    linked_at = datetime.now(UTC)
    async with session.patch(
        url, json={"status": "completed"}, headers=headers
    ) as resp:
        assert resp.status == 200, await resp.text()
    token["expires_at"] = time.time() + token["expires_in"]
    return LinkedAccount(account_id=account_id, token=token, linked_at=linked_at)


@pytest.fixture
async def linked_account(sim_control: SimControl) -> LinkedAccount:
    """Return the default account, linked through the Appstore flow."""
    return await link_account(sim_control)


@pytest.fixture
async def setup_integration_yaml(hass: HomeAssistant, simulator: Simulator) -> None:
    """Point the integration and its application credentials at the simulator."""
    assert await async_setup_component(
        hass,
        DOMAIN,
        {
            DOMAIN: {
                CONF_API_BASE: simulator.base_url,
                CONF_OAUTH_TOKEN_URL: simulator.token_url,
                CONF_AUTHORIZE_URL: simulator.authorize_url,
                CONF_RTSP_BRIDGE_URL: simulator.rtsp_url,
                CONF_RTSP_CA_FILE: simulator.rtsp_ca_file,
            }
        },
    )
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


def entry_for(simulator: Simulator, account: LinkedAccount) -> MockConfigEntry:
    """Return a config entry for a linked account, bound to the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=account.account_id,
        title="Demo User",
        data={
            "auth_implementation": DOMAIN,
            "token": account.token,
            CONF_LINK_METHOD: LinkMethod.APPSTORE,
            CONF_HMAC_KEY: HMAC_KEY,
            CONF_ACCOUNT_ID: account.account_id,
            CONF_LINKED_AT: account.linked_at.isoformat(),
            CONF_ENDPOINTS: {
                "api_base": simulator.base_url,
                "token_url": simulator.token_url,
                "authorize_url": simulator.authorize_url,
            },
        },
    )


@pytest.fixture
def config_entry(
    simulator: Simulator, linked_account: LinkedAccount
) -> MockConfigEntry:
    """Return the config entry of the linked default account."""
    return entry_for(simulator, linked_account)


@pytest.fixture
def platforms() -> list[Platform]:
    """Return the platforms to set up; parametrize to load one (snapshot tests)."""
    return PLATFORMS


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    setup_integration_yaml: None,
    config_entry: MockConfigEntry,
    platforms: list[Platform],
) -> MockConfigEntry:
    """Set up the integration with the linked default account."""
    config_entry.add_to_hass(hass)
    with patch("custom_components.ring_partner.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    return config_entry


async def webhook_client(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim_control: SimControl,
) -> Any:
    """Return a client of HA's HTTP server and point the simulator's webhooks at it."""
    client = await hass_client_no_auth()
    await sim_control.configure(webhook_url=str(client.make_url(WEBHOOK_PATH)))
    return client


@pytest.fixture
async def client(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> Any:
    """Return an HTTP client of HA, with the simulator's webhooks pointed at it."""
    return await webhook_client(hass, hass_client_no_auth, sim_control)


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    """Return an entity's state, which must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state

"""Webhooks, Playground tokens and rate limits: the client against the simulator."""

import asyncio
from dataclasses import dataclass, replace

import aiohttp
from aiohttp import web
import pytest

from custom_components.ring_partner.client import (
    SIGNATURE_HEADER,
    MotionSubtype,
    RateLimiter,
    RingPartnerClient,
    WebhookEvent,
    WebhookEventType,
    parse_webhook,
    verify_signature,
)
from simulator import Simulator, SimulatorConfig
from simulator.scenario import DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID, PLAYGROUND_DEVICE_ID
from tests.conftest import HMAC_KEY, SimControl

from .conftest import FakeServer
from .sim_support import SimAuth, link_account, playground_client


@dataclass
class Delivery:
    """One webhook delivery as received by the partner."""

    body: bytes
    signature: str | None


@pytest.fixture
def simulator_config(
    simulator_config: SimulatorConfig, ring_server: FakeServer
) -> SimulatorConfig:
    """Add the Webhook URL on the fake partner server to the two linking URLs."""
    return replace(simulator_config, webhook_url=f"{ring_server.url}/ring/webhook")


@pytest.fixture(autouse=True)
def deliveries(ring_server: FakeServer) -> list[Delivery]:
    """Receive webhooks on the partner server, from before the account is linked."""
    received: list[Delivery] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(
            Delivery(await request.read(), request.headers.get(SIGNATURE_HEADER))
        )
        return web.Response()

    ring_server.route("POST", "/ring/webhook", receive)
    return received


async def _next_event(deliveries: list[Delivery], type_name: str) -> WebhookEvent:
    """Wait for a delivery of the given type; verify its signature and parse it."""
    for _ in range(500):
        for delivery in deliveries:
            assert verify_signature(delivery.body, delivery.signature, HMAC_KEY)
            event = parse_webhook(delivery.body)
            if event.type_name == type_name:
                deliveries.remove(delivery)
                return event
        await asyncio.sleep(0.01)
    pytest.fail(f"no {type_name} webhook delivered")


async def test_lifecycle_webhooks(
    linked: RingPartnerClient, sim_control: SimControl, deliveries: list[Delivery]
) -> None:
    """Every documented webhook type arrives signed and parses to its type."""
    added = await _next_event(deliveries, "app_integration_added")
    assert added.event_type is WebhookEventType.APP_INTEGRATION_ADDED
    assert added.account_id == DEFAULT_ACCOUNT_ID
    assert added.device_id is None

    await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/ding")
    ding = await _next_event(deliveries, "button_press")
    assert ding.event_type is WebhookEventType.BUTTON_PRESS
    assert ding.device_id == FRONT_DOOR_ID
    assert ding.timestamp is not None

    for placement, subtype in (
        ("data.subType", "human"),
        ("attributes.sub_type", "vehicle"),
        ("both", "other_motion"),
    ):
        await sim_control.configure(motion_subtype_placement=placement)
        await sim_control.call(
            "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": subtype}
        )
        motion = await _next_event(deliveries, "motion_detected")
        assert motion.motion_subtype is MotionSubtype(subtype)
        assert motion.device_id == FRONT_DOOR_ID

    for action, type_name in (
        ("offline", "device_offline"),
        ("online", "device_online"),
        ("remove", "device_removed"),
        ("add", "device_added"),
    ):
        await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/{action}")
        event = await _next_event(deliveries, type_name)
        assert event.event_type is WebhookEventType(type_name)
        assert event.device_id == FRONT_DOOR_ID

    for active, type_name in (
        (True, "subscription_activated"),
        (False, "subscription_deactivated"),
    ):
        await sim_control.call(
            "POST", f"accounts/{DEFAULT_ACCOUNT_ID}/subscription", {"active": active}
        )
        event = await _next_event(deliveries, type_name)
        assert event.event_type is WebhookEventType(type_name)
        assert event.device_ids
        assert event.subscription_id

    await sim_control.call("POST", f"accounts/{DEFAULT_ACCOUNT_ID}/uninstall")
    removed = await _next_event(deliveries, "app_integration_removed")
    assert removed.event_type is WebhookEventType.APP_INTEGRATION_REMOVED


async def test_playground_token(
    session: aiohttp.ClientSession, simulator: Simulator, sim_control: SimControl
) -> None:
    """A Playground token: no refresh token, one synthetic device, read-only scope."""
    client = await playground_client(
        session, simulator, sim_control, rate_limiter=RateLimiter()
    )
    assert isinstance(client.auth, SimAuth)
    assert client.auth.token.refresh_token is None
    (device,) = await client.get_devices()
    assert device.id == PLAYGROUND_DEVICE_ID
    assert device.name == "Playground Device"


async def test_client_limiter_prevents_429(
    session: aiohttp.ClientSession,
    simulator: Simulator,
    sim_control: SimControl,
    codes: list[str],
) -> None:
    """With Ring's budget at 20/s, a shared client limiter of 10/s sees no 429.

    The limiter counts request starts; the server counts arrivals, which connection
    setup and (here) a shared event loop bunch together, so the test keeps headroom.
    """
    await sim_control.configure(rate_limit=20)
    waits: list[float] = []

    async def _sleep(delay: float) -> None:
        waits.append(delay)
        await asyncio.sleep(delay)

    limiter = RateLimiter(10, 1.0, sleep=_sleep)
    client = await link_account(
        session,
        simulator,
        sim_control,
        codes,
        DEFAULT_ACCOUNT_ID,
        rate_limiter=limiter,
    )
    await asyncio.gather(*(client.get_device(FRONT_DOOR_ID) for _ in range(17)))
    # Linking made 3 requests through the same limiter; of the 20, the last 10 waited
    # for the second window.
    assert len(waits) == 10
    assert 429 not in [r["status"] for r in await sim_control.requests()]

"""Webhooks, Playground tokens and rate limits: the client against the simulator."""

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
import time

import aiohttp
from aiohttp import web
import pytest

from custom_components.ring_partner.client import (
    SIGNATURE_HEADER,
    MotionSubtype,
    RateLimiter,
    RingPartnerClient,
    RingPartnerResponseError,
    TokenResponse,
    WebhookEvent,
    WebhookEventType,
    parse_webhook,
    verify_signature,
)
from simulator import Simulator, SimulatorConfig, run_simulator
from simulator.scenario import DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID, PLAYGROUND_DEVICE_ID

from .conftest import FakeServer
from .sim_support import (
    HMAC_KEY,
    SimAuth,
    SimControl,
    link_account,
    token_exchange_receiver,
)


@dataclass
class Delivery:
    """One webhook delivery as received by the partner."""

    body: bytes
    signature: str | None


@pytest.fixture
async def sim(ring_server: FakeServer) -> AsyncGenerator[Simulator]:
    """Run the simulator with all three partner URLs on the fake partner server."""
    config = SimulatorConfig(
        port=0,
        media_port=0,
        token_exchange_url=f"{ring_server.url}/ring/token-exchange",
        account_link_url=f"{ring_server.url}/ring/link",
        webhook_url=f"{ring_server.url}/ring/webhook",
        time_scale=0.01,
    )
    async with run_simulator(config) as simulator:
        yield simulator


@pytest.fixture
def deliveries(ring_server: FakeServer) -> list[Delivery]:
    """Receive webhooks on the partner server."""
    received: list[Delivery] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(
            Delivery(await request.read(), request.headers.get(SIGNATURE_HEADER))
        )
        return web.Response()

    ring_server.route("POST", "/ring/webhook", receive)
    return received


@pytest.fixture
def control(session: aiohttp.ClientSession, sim: Simulator) -> SimControl:
    """Return the control API wrapper."""
    return SimControl(session, sim)


@pytest.fixture
async def linked(
    session: aiohttp.ClientSession,
    sim: Simulator,
    control: SimControl,
    ring_server: FakeServer,
    deliveries: list[Delivery],
) -> RingPartnerClient:
    """Link the default account and complete the integration."""
    codes = token_exchange_receiver(ring_server)
    return await link_account(session, sim, control, codes, DEFAULT_ACCOUNT_ID)


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
    linked: RingPartnerClient, control: SimControl, deliveries: list[Delivery]
) -> None:
    """Every documented webhook type arrives signed and parses to its type."""
    added = await _next_event(deliveries, "app_integration_added")
    assert added.event_type is WebhookEventType.APP_INTEGRATION_ADDED
    assert added.account_id == DEFAULT_ACCOUNT_ID
    assert added.device_id is None

    await control.call("POST", f"devices/{FRONT_DOOR_ID}/ding")
    ding = await _next_event(deliveries, "button_press")
    assert ding.event_type is WebhookEventType.BUTTON_PRESS
    assert ding.device_id == FRONT_DOOR_ID
    assert ding.timestamp is not None

    for placement, subtype in (
        ("data.subType", "human"),
        ("attributes.sub_type", "vehicle"),
        ("both", "other_motion"),
    ):
        await control.config(motion_subtype_placement=placement)
        await control.call(
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
        await control.call("POST", f"devices/{FRONT_DOOR_ID}/{action}")
        event = await _next_event(deliveries, type_name)
        assert event.event_type is WebhookEventType(type_name)
        assert event.device_id == FRONT_DOOR_ID

    for active, type_name in (
        (True, "subscription_activated"),
        (False, "subscription_deactivated"),
    ):
        await control.call(
            "POST", f"accounts/{DEFAULT_ACCOUNT_ID}/subscription", {"active": active}
        )
        event = await _next_event(deliveries, type_name)
        assert event.event_type is WebhookEventType(type_name)
        assert event.device_ids
        assert event.subscription_id

    await control.call("POST", f"accounts/{DEFAULT_ACCOUNT_ID}/uninstall")
    removed = await _next_event(deliveries, "app_integration_removed")
    assert removed.event_type is WebhookEventType.APP_INTEGRATION_REMOVED


async def test_playground_token(
    session: aiohttp.ClientSession, sim: Simulator, control: SimControl
) -> None:
    """A Playground token: no refresh token, one synthetic device, read-only scope."""
    raw = await control.call("POST", "playground/token")
    token = TokenResponse.from_json(raw)
    assert token.refresh_token is None
    client = RingPartnerClient(SimAuth(session, sim, token, rate_limiter=RateLimiter()))
    (device,) = await client.get_devices()
    assert device.id == PLAYGROUND_DEVICE_ID
    assert device.name == "Playground Device"


async def test_subscriptions(
    linked: RingPartnerClient,
    session: aiohttp.ClientSession,
    sim: Simulator,
    control: SimControl,
) -> None:
    """Subscriptions list for a linked account; Playground tokens get 422 (§7, 3P)."""
    await control.call(
        "POST", f"accounts/{DEFAULT_ACCOUNT_ID}/subscription", {"active": True}
    )
    (subscription,) = await linked.get_subscriptions()
    assert subscription.active
    token = TokenResponse.from_json(await control.call("POST", "playground/token"))
    playground = RingPartnerClient(SimAuth(session, sim, token))
    with pytest.raises(RingPartnerResponseError) as excinfo:
        await playground.get_subscriptions()
    assert excinfo.value.status == 422


async def test_client_limiter_prevents_429(
    session: aiohttp.ClientSession,
    sim: Simulator,
    control: SimControl,
    ring_server: FakeServer,
    deliveries: list[Delivery],
) -> None:
    """With Ring's budget at 20/s, a shared client limiter of 10/s sees no 429.

    The limiter counts request starts; the server counts arrivals, which connection
    setup and (here) a shared event loop bunch together, so the test keeps headroom.
    """
    await control.config(rate_limit=20)
    limiter = RateLimiter(10, 1.0)
    codes = token_exchange_receiver(ring_server)
    client = await link_account(
        session,
        sim,
        control,
        codes,
        DEFAULT_ACCOUNT_ID,
        auth_factory=lambda token: SimAuth(session, sim, token, rate_limiter=limiter),
    )
    started = time.monotonic()
    await asyncio.gather(*(client.get_device_status(FRONT_DOOR_ID) for _ in range(17)))
    assert time.monotonic() - started >= 0.9
    assert 429 not in [r["status"] for r in await control.requests()]

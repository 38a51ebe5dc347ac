"""Control API, configuration, scenarios, CLI and shutdown."""

import json
from pathlib import Path

import aiohttp
from aiohttp.test_utils import make_mocked_request
import pytest

from simulator import Simulator
from simulator.__main__ import build_parser, config_from_args
from simulator.config import CHOICES
from simulator.errors import JsonApiError
from simulator.scenario import (
    BACKYARD_ID,
    CHIME_ID,
    DEFAULT_ACCOUNT_ID,
    FRONT_DOOR_ID,
    GARAGE_ID,
    PLAYGROUND_ACCOUNT_ID,
    PLAYGROUND_DEVICE_ID,
    Scenario,
)

from .helpers import api, control, link_account
from .partner import Partner


async def test_state(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """`GET /_sim/state` lists accounts and devices of the default scenario."""
    state = await control(session, sim, "/state", method="GET")
    accounts = {a["id"]: a for a in state["accounts"]}
    assert set(accounts) == {DEFAULT_ACCOUNT_ID, PLAYGROUND_ACCOUNT_ID}
    assert accounts[DEFAULT_ACCOUNT_ID]["linked"] is False
    assert accounts[DEFAULT_ACCOUNT_ID]["link_time_ms"] is None
    assert accounts[PLAYGROUND_ACCOUNT_ID]["linked"] is True
    devices = {d["id"]: d for d in state["devices"]}
    assert devices[FRONT_DOOR_ID] == {
        "id": FRONT_DOOR_ID,
        "name": "Front Door",
        "kind": "doorbell",
        "online": True,
        "account_id": DEFAULT_ACCOUNT_ID,
        "battery": False,
        "removed": False,
    }
    assert devices[BACKYARD_ID]["battery"] is True
    assert devices[CHIME_ID]["kind"] == "chime"
    assert devices[GARAGE_ID]["online"] is False
    assert devices[PLAYGROUND_DEVICE_ID]["account_id"] == PLAYGROUND_ACCOUNT_ID


async def test_config_runtime(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Runtime settings can be read and changed; bad values are refused."""
    config = await control(session, sim, "/config", method="GET")
    assert config["webhook_delivery"] is True
    assert config["webhooks_before_completed"] is False
    assert config["motion_subtype_placement"] == "data.subType"
    assert config["require_ice_candidates"] is True
    assert "client_secret" not in config
    assert "hmac_key" not in config
    changed = await control(
        session,
        sim,
        "/config",
        {
            "webhook_url": "http://127.0.0.1:1/hook",
            "whep_cap_battery_s": 3,
            "time_scale": 0.5,
        },
    )
    assert changed["webhook_url"] == "http://127.0.0.1:1/hook"
    assert sim.config.whep_cap_battery_s == 3.0
    assert sim.config.time_scale == 0.5
    await control(session, sim, "/config", {"webhook_url": None})
    assert sim.config.webhook_url is None
    for bad in (
        {"client_secret": "x"},
        {"motion_subtype_placement": "elsewhere"},
        {"webhook_delivery": "yes"},
        {"time_scale": -1},
    ):
        await control(session, sim, "/config", bad, expect=400)
    async with session.post(f"{sim.base_url}/_sim/config", data=b"{") as response:
        assert response.status == 400


async def test_device_actions(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Actions answer event id, timestamp and request id; state follows."""
    await link_account(session, sim)
    result = await control(session, sim, f"/devices/{FRONT_DOOR_ID}/offline")
    assert set(result) == {"event_id", "timestamp", "request_id"}
    assert sim.state.devices[FRONT_DOOR_ID].online is False
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding", expect=409)
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/online")
    await control(
        session, sim, f"/devices/{FRONT_DOOR_ID}/motion", {"subtype": "a b"}, expect=400
    )
    await control(
        session, sim, f"/devices/{FRONT_DOOR_ID}/motion", {"subtype": 5}, expect=400
    )
    await control(
        session, sim, f"/devices/{CHIME_ID}/motion", {"subtype": "human"}, expect=409
    )
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/remove")
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding", expect=409)
    await control(session, sim, "/devices/unknown/ding", expect=404)
    await control(session, sim, "/accounts/unknown/install", expect=404)
    await control(
        session, sim, f"/accounts/{PLAYGROUND_ACCOUNT_ID}/install", expect=400
    )
    await control(
        session,
        sim,
        f"/accounts/{DEFAULT_ACCOUNT_ID}/devices",
        {"kind": "x"},
        expect=400,
    )
    created = await control(
        session,
        sim,
        "/accounts/default/devices",
        {"name": "Shed", "kind": "camera", "battery": True},
    )
    assert sim.state.devices[created["id"]].battery is True


async def test_listeners(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """The media package hears about offline devices, removals and unlinks."""
    heard: list[tuple[str, str | None]] = []
    sim.state.add_listener(
        lambda kind, device, _account: heard.append(
            (kind, device.id if device else None)
        )
    )
    await link_account(session, sim)
    await control(session, sim, f"/devices/{BACKYARD_ID}/offline")
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/remove")
    await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/uninstall")
    assert heard == [
        ("device_offline", BACKYARD_ID),
        ("device_removed", FRONT_DOOR_ID),
        ("account_unlinked", None),
    ]


async def test_control_page(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """The HTML page has buttons for the common actions."""
    async with session.get(f"{sim.base_url}/_sim") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    for label in (
        "Install app",
        "Ring doorbell",
        "Motion person",
        "Front Door",
        "Playground token",
    ):
        assert label in page


async def test_stop_cancels_pending_retries(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> None:
    """A delivery waiting for its next retry is cancelled by stop (no lingering task)."""
    await control(
        session, sim, "/config", {"time_scale": 1.0, "webhooks_before_completed": True}
    )
    partner.webhook_statuses = [500] * 5
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    sim.state.call_later(3600, lambda: None)
    await sim.stop()
    (delivery,) = sim.state.webhooks.deliveries
    assert delivery.pending is False
    assert delivery.delivered is False


def test_scenario_file(tmp_path: Path) -> None:
    """Scenario JSON files load; bad ones are refused."""
    path = tmp_path / "scenario.json"
    path.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "id": "ava1.ring.account.A",
                        "first_name": "Ann",
                        "devices": [
                            {"name": "Porch", "kind": "doorbell"},
                            {
                                "name": "Yard",
                                "kind": "camera",
                                "battery": True,
                                "past_events": [{"event_type": "motion", "ago_s": 60}],
                            },
                        ],
                    }
                ]
            }
        )
    )
    scenario = Scenario.load(path)
    (account,) = scenario.accounts
    assert account.first_name == "Ann"
    assert [d.kind for d in account.devices] == ["doorbell", "camera"]
    assert account.devices[0].id.startswith("ava1.ring.device.")
    assert account.devices[1].past_events[0].ago_s == 60
    with pytest.raises(ValueError, match="accounts"):
        Scenario.from_dict({})
    with pytest.raises(ValueError, match="kind"):
        Scenario.from_dict(
            {"accounts": [{"id": "x", "devices": [{"name": "a", "kind": "lamp"}]}]}
        )


def test_cli_flags(tmp_path: Path) -> None:
    """`python -m simulator --help` documents the flags; they map onto the config."""
    parser = build_parser()
    text = parser.format_help()
    for flag in (
        "--host",
        "--port",
        "--media-port",
        "--client-id",
        "--client-secret",
        "--hmac-key",
        "--token-exchange-url",
        "--account-link-url",
        "--webhook-url",
        "--scenario",
        "--time-scale",
        "--access-token-lifetime",
        "--rate-limit",
    ):
        assert flag in text
    args = parser.parse_args([])
    config = config_from_args(args)
    assert (config.host, config.port, config.media_port) == ("127.0.0.1", 8765, 8766)
    assert config.client_id == "sim-client-id"
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"accounts": [{"id": "a"}]}))
    config = config_from_args(
        parser.parse_args(
            [
                "--port",
                "0",
                "--scenario",
                str(path),
                "--motion-subtype-placement",
                "both",
                "--webhooks-before-completed",
            ]
        )
    )
    assert config.scenario is not None
    assert config.motion_subtype_placement == "both"
    assert config.webhooks_before_completed is True


async def test_subscriptions(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Subscriptions created by the control API are listed; Playground gets 422."""
    assert (await api(session, sim, "/v1/accounts/me/subscriptions", token))[
        "data"
    ] == []
    await control(session, sim, "/accounts/default/subscription", {"sub_type": "paid"})
    body = await api(session, sim, "/v1/accounts/me/subscriptions", token)
    (item,) = body["data"]
    assert item["type"] == "subscriptions"
    assert item["attributes"]["status"] == "active"
    assert item["attributes"]["sub_type"] == "paid"
    assert len(item["relationships"]["devices"]["data"]) == 4
    await control(
        session, sim, "/accounts/default/subscription", {"sub_type": "x"}, expect=400
    )
    playground = (await control(session, sim, "/playground/token"))["access_token"]
    await api(session, sim, "/v1/accounts/me/subscriptions", playground, expect=422)


async def test_media_helpers_errors(sim: Simulator) -> None:
    """The state API raises media-style errors for the media package."""
    request = make_mocked_request("GET", "/v1/devices/x/media", headers={})
    with pytest.raises(JsonApiError) as err:
        sim.state.authenticate(request, media=True)
    (error,) = err.value.body()["errors"]
    assert error["status"] == "401"
    assert error["code"] == "UNAUTHORIZED"
    assert set(error) == {"id", "status", "code", "detail", "meta"}
    account = sim.state.accounts[DEFAULT_ACCOUNT_ID]
    with pytest.raises(JsonApiError) as err:
        sim.state.device_for(account, "nope", media=True)
    assert err.value.body()["errors"][0]["code"] == "DEVICE_NOT_FOUND"
    assert sim.state.consent_time(account) is None


async def test_choice_switches(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Every reading switch is listed, defaults to its first value and refuses others."""
    config = await control(session, sim, "/config", method="GET")
    for key, values in CHOICES.items():
        assert config[key] == values[0]
        await control(session, sim, "/config", {key: values[-1]})
        await control(session, sim, "/config", {key: "nonsense"}, expect=400)
        await control(session, sim, "/config", {key: 1}, expect=400)
    assert config["chime_control_granted"] is True
    assert config["chime_playback_action"] == "chime.play"


def test_choice_flags() -> None:
    """Each switch has a CLI flag; `--no-chime-control` and the value flag map too."""
    parser = build_parser()
    text = parser.format_help()
    for key in CHOICES:
        assert f"--{key.replace('_', '-')}" in text
    config = config_from_args(
        parser.parse_args(
            [
                "--capability-shape",
                "nulls",
                "--whep-video-fault",
                "garbage",
                "--token-exchange-shape",
                "json",
                "--chime-playback-action",
                "playback",
                "--no-chime-control",
            ]
        )
    )
    assert config.capability_shape == "nulls"
    assert config.whep_video_fault == "garbage"
    assert config.token_exchange_shape == "json"
    assert config.chime_playback_action == "playback"
    assert config.chime_control_granted is False

"""Devices API: the recorded shape, includes, sub-resources, kinds and 404s."""

from typing import Any

import aiohttp
import pytest

from simulator import Simulator, SimulatorConfig, run_simulator
from simulator.ids import ManualClock
from simulator.scenario import (
    BACKYARD_ID,
    CHIME_ID,
    DEFAULT_ACCOUNT_ID,
    FRONT_DOOR_ID,
    GARAGE_ID,
    PLAYGROUND_DEVICE_ID,
    AccountSpec,
    DeviceSpec,
    Scenario,
)

from .helpers import api, control, link_account, load_fixture, shape

ALL = "?include=status,capabilities,location,configurations"


async def _playground_token(sim: Simulator, session: aiohttp.ClientSession) -> str:
    """Mint a Playground token."""
    return str((await control(session, sim, "/playground/token"))["access_token"])


async def test_playground_devices_match_recording(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Same keys and value types at every depth as the recorded response."""
    token = await _playground_token(sim, session)
    body = await api(session, sim, f"/v1/devices{ALL}", token)
    recorded = load_fixture("devices-include-all.json")
    assert shape(body) == shape(recorded)
    assert body["data"][0]["id"] == recorded["data"][0]["id"] == PLAYGROUND_DEVICE_ID
    assert body["data"][0]["attributes"] == recorded["data"][0]["attributes"]
    # Same ordering of keys as recorded, down to the capabilities.
    ours = {item["type"]: item for item in body["included"]}
    theirs = {item["type"]: item for item in recorded["included"]}
    for kind in theirs:
        assert list(ours[kind]["attributes"]) == list(theirs[kind]["attributes"])
        if kind != "device-status":
            assert ours[kind]["attributes"] == theirs[kind]["attributes"]


async def test_demo_doorbell_matches_recording(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """The linked account's doorbell has the recorded structure too."""
    body = await api(session, sim, f"/v1/devices/{FRONT_DOOR_ID}{ALL}", token)
    recorded = load_fixture("devices-include-all.json")
    assert shape(body["data"]) == shape(recorded["data"][0])
    assert shape(body["included"]) == shape(recorded["included"])
    assert shape(body["meta"]) == shape(recorded["meta"])
    assert body["data"]["attributes"]["image_url"].endswith("DoorbellPro/rvdp_3x.png")


async def test_device_list_and_kinds(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Four devices; chime without video; offline camera; camera image; opaque ids."""
    body = await api(session, sim, f"/v1/devices{ALL}", token)
    names = {d["id"]: d["attributes"]["name"] for d in body["data"]}
    assert names == {
        FRONT_DOOR_ID: "Front Door",
        BACKYARD_ID: "Backyard",
        CHIME_ID: "Hallway Chime",
        GARAGE_ID: "Garage",
    }
    included = {(i["type"], i["id"]): i["attributes"] for i in body["included"]}
    assert len(included) == 13  # 4 x 3 sub-resources + one shared location

    def sub(device_id: str, rel: str) -> Any:
        device = next(d for d in body["data"] if d["id"] == device_id)
        ref = device["relationships"][rel]["data"]
        assert device_id.removeprefix("ava1.ring.device.") not in ref["id"]
        return included[(ref["type"], ref["id"])]

    chime = sub(CHIME_ID, "capabilities")
    assert chime["video"] is None
    assert chime["motion_detection"] is None
    assert chime["audio"]["customizable_slots"] is not None
    assert sub(CHIME_ID, "configurations")["audio"]["customizable_slots"]
    assert sub(BACKYARD_ID, "capabilities")["video"]["codecs"] == ["AVC"]
    assert sub(GARAGE_ID, "status")["online"] is False
    assert sub(FRONT_DOOR_ID, "status")["online"] is True
    assert sub(FRONT_DOOR_ID, "configurations")["motion_detection"]["enabled"] == "on"
    assert sub(FRONT_DOOR_ID, "location") == {"state": "CA", "country": "US"}
    images = {d["id"]: d["attributes"]["image_url"] for d in body["data"]}
    assert "Doorbell" in images[FRONT_DOOR_ID]
    assert "StickUpCam" in images[BACKYARD_ID]
    assert "Doorbell" not in images[GARAGE_ID]


async def test_includes(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Only requested resources are included; relationships always carry data + links."""
    body = await api(session, sim, "/v1/devices", token)
    assert "included" not in body
    assert set(body["data"][0]["relationships"]) == {
        "status",
        "location",
        "capabilities",
        "configurations",
    }
    body = await api(session, sim, "/v1/devices?include=status", token)
    assert {i["type"] for i in body["included"]} == {"device-status"}
    body = await api(session, sim, "/v1/devices?include=bogus", token, expect=400)
    assert body["errors"][0]["status"] == "400"


@pytest.mark.parametrize(
    ("rel", "resource_type"),
    [
        ("status", "device-status"),
        ("capabilities", "device-capabilities"),
        ("location", "locations"),
        ("configurations", "device-configurations"),
    ],
)
async def test_sub_resources(
    sim: Simulator,
    session: aiohttp.ClientSession,
    rel: str,
    resource_type: str,
    token: str,
) -> None:
    """Each sub-resource endpoint answers its resource with meta.time."""
    device = await api(session, sim, f"/v1/devices/{FRONT_DOOR_ID}", token)
    body = await api(session, sim, f"/v1/devices/{FRONT_DOOR_ID}/{rel}", token)
    assert body["data"]["type"] == resource_type
    assert body["data"]["id"] == device["data"]["relationships"][rel]["data"]["id"]
    assert body["meta"]["time"].endswith("Z")


async def test_removed_and_foreign_devices_404(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Removed devices answer 404 everywhere; so do other accounts' devices."""
    await control(session, sim, f"/devices/{BACKYARD_ID}/remove")
    for path in ("", "/status", "/capabilities", "/location", "/configurations"):
        body = await api(
            session, sim, f"/v1/devices/{BACKYARD_ID}{path}", token, expect=404
        )
        assert body["errors"][0] == {
            "status": "404",
            "title": "Not Found",
            "detail": "The requested resource could not be found",
        }
    await api(
        session, sim, f"/v1/history/devices/{BACKYARD_ID}/events", token, expect=404
    )
    devices = await api(session, sim, "/v1/devices", token)
    assert BACKYARD_ID not in {d["id"] for d in devices["data"]}
    await api(session, sim, f"/v1/devices/{PLAYGROUND_DEVICE_ID}", token, expect=404)
    await control(session, sim, f"/devices/{BACKYARD_ID}/add")
    await api(session, sim, f"/v1/devices/{BACKYARD_ID}", token)


async def test_bad_bearer_is_401(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Missing, malformed or unknown bearer: 401 Invalid Client."""
    for headers in ({}, {"Authorization": "Token x"}, {"Authorization": "Bearer nope"}):
        async with session.get(
            f"{sim.base_url}/v1/devices", headers=headers
        ) as response:
            assert response.status == 401
            body = await response.json()
        assert body["errors"][0]["title"] == "Invalid Client"


async def test_sensor_and_added_device(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """A sensor added at runtime has sensor capabilities and no video."""
    created = await control(
        session,
        sim,
        f"/accounts/{DEFAULT_ACCOUNT_ID}/devices",
        {"name": "Door", "kind": "sensor"},
    )
    body = await api(
        session, sim, f"/v1/devices/{created['id']}?include=capabilities,status", token
    )
    attributes = {i["type"]: i["attributes"] for i in body["included"]}
    assert attributes["device-capabilities"]["video"] is None
    assert attributes["device-capabilities"]["contact_detection"] is not None
    assert attributes["device-status"]["contact_detection"] == {"faulted": False}
    locations = await api(session, sim, "/v1/locations", token)
    assert [loc["type"] for loc in locations["data"]] == ["locations"]


async def test_hundred_devices(
    session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """A scenario can hold many devices; one request lists them all (run_simulator)."""
    devices = [
        DeviceSpec(id=f"ava1.ring.device.N{n:03d}", name=f"Cam {n}", kind="camera")
        for n in range(100)
    ]
    scenario = Scenario(
        accounts=[AccountSpec(id="ava1.ring.account.BIG", devices=devices)]
    )
    config = SimulatorConfig(
        port=0, media_port=0, clock=clock, seed=1, scenario=scenario
    )
    async with run_simulator(config) as sim:
        token = (await link_account(session, sim, "ava1.ring.account.BIG"))[
            "access_token"
        ]
        body = await api(session, sim, f"/v1/devices{ALL}", token)
    assert len(body["data"]) == 100
    assert len(body["included"]) == 301

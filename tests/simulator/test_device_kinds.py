"""Device kinds: sensors, chimes, multi-lens cameras, the `everything` scenario and shapes."""

from typing import Any

import aiohttp
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.__main__ import build_parser, config_from_args
from simulator.ids import ManualClock
from simulator.scenario import (
    AIR_QUALITY_SENSOR_ID,
    BACKYARD_ID,
    CHIME_ID,
    CLIMATE_SENSOR_ID,
    CONTACT_SENSOR_ID,
    FLOOD_SENSOR_ID,
    FRONT_DOOR_ID,
    TWO_LENS_ID,
    Scenario,
)

from .helpers import api, control

ALL = "?include=status,capabilities,location,configurations"
NULL_VIDEO = {
    "configurations": None,
    "codecs": None,
    "ratio": None,
    "max_resolution": None,
    "supported_resolutions": None,
}


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Run the `everything` scenario."""
    return SimulatorConfig(
        port=0,
        media_port=0,
        clock=clock,
        seed=1,
        time_scale=0.001,
        scenario=Scenario.everything(),
    )


async def _included(
    session: aiohttp.ClientSession, sim: Simulator, token: str, device_id: str
) -> dict[str, Any]:
    """Return a device's sub-resources by type (all four includes)."""
    body = await api(session, sim, f"/v1/devices/{device_id}{ALL}", token)
    return {item["type"]: item["attributes"] for item in body["included"]}


async def test_everything_has_every_kind(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """The default four devices plus contact, flood/freeze, climate, air sensors, two lenses."""
    body = await api(session, sim, "/v1/devices", token)
    assert len(body["data"]) == 9
    state = await control(session, sim, "/state", method="GET")
    kinds = {d["id"]: d["kind"] for d in state["devices"]}
    assert kinds[CONTACT_SENSOR_ID] == "contact_sensor"
    assert kinds[FLOOD_SENSOR_ID] == "flood_freeze_sensor"
    assert kinds[CLIMATE_SENSOR_ID] == "temperature_humidity_sensor"
    assert kinds[AIR_QUALITY_SENSOR_ID] == "air_quality_sensor"
    assert kinds[TWO_LENS_ID] == "multi_camera"
    assert kinds[FRONT_DOOR_ID] == "doorbell"
    devices = {d["id"]: d for d in state["devices"]}
    assert devices[TWO_LENS_ID]["components"] == ["1", "2"]
    assert devices[CLIMATE_SENSOR_ID]["sensor"] == {
        "temperature_c": 21.5,
        "humidity_pct": 45.0,
        "battery_percentage": 90,
    }
    assert devices[AIR_QUALITY_SENSOR_ID]["sensor"] == {
        "temperature_c": 21.5,
        "humidity_pct": 45.0,
        "pm25_ugm3": 8.0,
        "battery_percentage": 90,
    }
    assert devices[CHIME_ID]["slots"][0]["disabled"] is False


async def test_sensor_resources(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Each sensor kind carries its own capability blocks and status fields, no video."""
    contact = await _included(session, sim, token, CONTACT_SENSOR_ID)
    caps = contact["device-capabilities"]
    assert caps["video"] is None
    assert caps["audio"] is None
    assert caps["contact_detection"] == {"supported": True}
    assert caps["tamper_detection"] == {"supported": True}
    assert caps["battery_status"] == {"supported": True}
    assert caps["flood_detection"] is None
    assert contact["device-status"]["contact_detection"] == {"faulted": False}
    assert contact["device-status"]["tamper_detection"] == {"detected": False}
    assert contact["device-status"]["battery_status"] == {"percentage": 90}
    assert contact["device-status"]["signal_strength"] == {"value": "good"}
    assert "flood_detection" not in contact["device-status"]

    flood = await _included(session, sim, token, FLOOD_SENSOR_ID)
    assert flood["device-capabilities"]["flood_detection"] == {"supported": True}
    assert flood["device-capabilities"]["freeze_detection"] == {"supported": True}
    assert flood["device-capabilities"]["contact_detection"] is None
    assert flood["device-status"]["flood_detection"] == {"faulted": False}
    assert flood["device-status"]["freeze_detection"] == {"faulted": False}
    assert "contact_detection" not in flood["device-status"]

    climate = await _included(session, sim, token, CLIMATE_SENSOR_ID)
    assert climate["device-capabilities"]["temperature"] == {"supported": True}
    assert climate["device-capabilities"]["humidity"] == {"supported": True}
    status = climate["device-status"]
    assert status["temperature"] == {"value": 21.5, "unit": "celsius"}
    assert status["humidity"] == {"value": 45.0, "unit": "percent"}
    assert "tamper_detection" not in status
    await control(session, sim, "/config", {"sensor_reading_shape": "number"})
    status = (await _included(session, sim, token, CLIMATE_SENSOR_ID))["device-status"]
    assert (status["temperature"], status["humidity"]) == (21.5, 45.0)
    await control(
        session, sim, "/config", {"sensor_reading_shape": "kelvin"}, expect=400
    )

    images = {
        d["id"]: d["attributes"]["image_url"]
        for d in (await api(session, sim, "/v1/devices", token))["data"]
    }
    assert "ContactSensor" in images[CONTACT_SENSOR_ID]
    assert "FloodFreeze" in images[FLOOD_SENSOR_ID]
    assert "AirQuality" in images[AIR_QUALITY_SENSOR_ID]


async def test_air_quality_sensor_resources(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """The air-quality sensor marks PM2.5 in its capabilities only: status has no reading."""
    air = await _included(session, sim, token, AIR_QUALITY_SENSOR_ID)
    caps = air["device-capabilities"]
    assert caps["pm25"] == {"supported": True}
    assert caps["temperature"] == {"supported": True}
    assert caps["humidity"] == {"supported": True}
    assert caps["video"] is None
    status = air["device-status"]
    assert "pm25" not in status
    assert status["temperature"] == {"value": 21.5, "unit": "celsius"}
    assert status["battery_status"] == {"percentage": 90}
    climate = await _included(session, sim, token, CLIMATE_SENSOR_ID)
    assert "pm25" not in climate["device-capabilities"]


async def test_chime_capability_and_slots(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Chimes report `chime.play` (switchable) and slot objects; video stays null."""
    chime = await _included(session, sim, token, CHIME_ID)
    audio = chime["device-capabilities"]["audio"]
    assert audio == {"customizable_slots": 2, "supported_actions": ["chime.play"]}
    assert chime["device-capabilities"]["video"] is None
    first, second = chime["device-configurations"]["audio"]["customizable_slots"]
    assert first["event"] == "ring-appstore-event-1"
    assert first["disabled"] is False
    assert first["audio_ref"]
    assert first["audio_name"] == "Simulator Tone"
    assert second == {
        "event": "ring-appstore-event-2",
        "disabled": True,
        "audio_ref": None,
        "audio_url": None,
        "audio_name": None,
    }
    await control(session, sim, "/config", {"chime_playback_action": "playback"})
    chime = await _included(session, sim, token, CHIME_ID)
    assert chime["device-capabilities"]["audio"]["supported_actions"] == ["playback"]
    await control(session, sim, "/config", {"chime_playback_action": ""}, expect=400)


async def test_multi_lens_capabilities(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Two lenses in `components.items`; `?component_id=` selects, unknown ones are 400."""
    caps = (await _included(session, sim, token, TWO_LENS_ID))["device-capabilities"]
    items = caps["components"]["items"]
    assert [item["component_id"] for item in items] == ["1", "2"]
    assert items[1]["video"]["codecs"] == ["AVC"]
    assert items[1]["video"]["component_id"] == "2"
    path = f"/v1/devices/{TWO_LENS_ID}/capabilities"
    body = await api(session, sim, f"{path}?component_id=2", token)
    assert body["data"]["attributes"]["video"]["component_id"] == "2"
    body = await api(session, sim, f"{path}?component_id=9", token, expect=400)
    assert "Unknown component_id" in body["errors"][0]["detail"]
    await api(session, sim, f"/v1/devices/{TWO_LENS_ID}/status?component_id=1", token)
    # Single-lens devices ignore the selector.
    body = await api(
        session, sim, f"/v1/devices/{FRONT_DOOR_ID}/capabilities?component_id=3", token
    )
    assert "component_id" not in body["data"]["attributes"]["video"]
    assert "components" not in body["data"]["attributes"]
    await control(session, sim, "/config", {"component_id_type": "integer"})
    caps = (await _included(session, sim, token, TWO_LENS_ID))["device-capabilities"]
    assert [item["component_id"] for item in caps["components"]["items"]] == [1, 2]


@pytest.mark.parametrize(
    ("shape", "video"),
    [
        ("recorded", None),
        ("null", None),
        ("nulls", NULL_VIDEO),
        (
            "empty",
            {
                "configurations": [],
                "codecs": [],
                "ratio": None,
                "max_resolution": None,
                "supported_resolutions": [],
            },
        ),
    ],
)
async def test_capability_shapes_global(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    shape: str,
    video: Any,
) -> None:
    """Inapplicable blocks follow `capability_shape`; applicable ones keep their content."""
    await control(session, sim, "/config", {"capability_shape": shape})
    chime = (await _included(session, sim, token, CHIME_ID))["device-capabilities"]
    assert chime["video"] == video
    assert chime["audio"]["supported_actions"] == ["chime.play"]
    sensor = (await _included(session, sim, token, CONTACT_SENSOR_ID))[
        "device-capabilities"
    ]
    assert sensor["video"] == video
    assert sensor["contact_detection"] == {"supported": True}
    camera = (await _included(session, sim, token, BACKYARD_ID))["device-capabilities"]
    assert camera["video"]["codecs"] == ["AVC"]
    expected_audio = {
        "recorded": {"customizable_slots": None, "supported_actions": None},
        "null": None,
        "nulls": {"customizable_slots": None, "supported_actions": None},
        "empty": {"customizable_slots": 0, "supported_actions": []},
    }[shape]
    assert camera["audio"] == expected_audio
    if shape == "nulls":
        assert sensor["motion_detection"] == {"configurations": None}


async def test_capability_shape_per_device(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """A device override (optionally for some blocks) wins over the global shape."""
    path = f"/devices/{CHIME_ID}/capability_shape"
    answer = await control(session, sim, path, {"shape": "nulls", "blocks": ["video"]})
    assert answer == {"shape": "nulls", "blocks": ["video"]}
    chime = (await _included(session, sim, token, CHIME_ID))["device-capabilities"]
    assert chime["video"] == NULL_VIDEO
    assert chime["motion_detection"] is None
    other = (await _included(session, sim, token, CONTACT_SENSOR_ID))[
        "device-capabilities"
    ]
    assert other["video"] is None
    await control(session, sim, path, {"shape": "absent"})
    chime = (await _included(session, sim, token, CHIME_ID))["device-capabilities"]
    assert "video" not in chime
    assert "motion_detection" not in chime
    assert chime["audio"]["customizable_slots"] == 2
    await control(session, sim, path, {"shape": None})
    await control(session, sim, "/config", {"capability_shape": "absent"})
    chime = (await _included(session, sim, token, CHIME_ID))["device-capabilities"]
    assert "video" not in chime
    for bad in (
        {"shape": "round"},
        {"shape": "null", "blocks": []},
        {"shape": "null", "blocks": ["lens"]},
        {"shape": "null", "blocks": "video"},
    ):
        await control(session, sim, path, bad, expect=400)
    await control(session, sim, "/devices/nope/capability_shape", {}, expect=404)


async def test_sensors_have_no_history_or_media(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """History is empty, images and clips find nothing, live view is refused."""
    clock.advance(120)
    body = await api(
        session, sim, f"/v1/history/devices/{CONTACT_SENSOR_ID}/events", token
    )
    assert body == {"data": []}
    now = sim.state.now_ms()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{sim.base_url}/v1/devices/{CONTACT_SENSOR_ID}/media"
    async with session.post(
        f"{base}/image/download",
        json={"type": "latest_in_range", "start_timestamp": now - 60_000},
        headers=headers,
        allow_redirects=False,
    ) as response:
        assert response.status == 416
        assert (await response.json())["errors"][0]["code"] == "MEDIA_NOT_FOUND"
    async with session.post(
        f"{base}/video/download",
        json={"timestamp": now - 60_000, "duration": 5000},
        headers=headers,
    ) as response:
        assert response.status == 416
    async with session.post(
        f"{base}/streaming/whep/sessions",
        data=b"v=0\r\n",
        headers=headers | {"Content-Type": "application/sdp"},
    ) as response:
        assert response.status == 400
    await control(session, sim, f"/devices/{CONTACT_SENSOR_ID}/motion", expect=409)


@pytest.mark.parametrize(
    ("kind", "feature"),
    [
        ("sensor", "contact_detection"),
        ("contact_sensor", "contact_detection"),
        ("flood_freeze_sensor", "freeze_detection"),
        ("temperature_humidity_sensor", "temperature"),
        ("multi_camera", "components"),
        ("chime", "audio"),
    ],
)
async def test_add_each_kind(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    kind: str,
    feature: str,
) -> None:
    """`POST /_sim/accounts/{id}/devices` creates every kind on demand."""
    created = await control(
        session, sim, "/accounts/default/devices", {"name": "New", "kind": kind}
    )
    caps = (await _included(session, sim, token, created["id"]))["device-capabilities"]
    assert caps[feature]


async def test_add_device_components(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """A multi-camera may name its lenses; others may not; bad lists are refused."""
    created = await control(
        session,
        sim,
        "/accounts/default/devices",
        {"name": "Tri", "kind": "multi_camera", "components": ["a", "b", "c"]},
    )
    caps = (await _included(session, sim, token, created["id"]))["device-capabilities"]
    assert [i["component_id"] for i in caps["components"]["items"]] == ["a", "b", "c"]
    for bad in (
        {"name": "X", "kind": "camera", "components": ["1"]},
        {"name": "X", "kind": "multi_camera", "components": "1"},
        {"name": "X", "kind": "multi_camera", "components": [""]},
        {"name": "X", "kind": "lamp"},
    ):
        await control(session, sim, "/accounts/default/devices", bad, expect=400)


def test_scenario_names_and_json_components() -> None:
    """`--scenario everything` is built in; JSON scenarios take kinds and components."""
    parser = build_parser()
    config = config_from_args(parser.parse_args(["--scenario", "everything"]))
    assert config.scenario is not None
    assert len(config.scenario.accounts[0].devices) == 9
    assert len(Scenario.named("default").accounts[0].devices) == 4
    with pytest.raises(ValueError, match="scenario must be one of"):
        Scenario.named("nothing")
    scenario = Scenario.from_dict(
        {
            "accounts": [
                {
                    "id": "a",
                    "devices": [
                        {"name": "Cam", "kind": "multi_camera", "components": ["7"]},
                        {"name": "Leak", "kind": "flood_freeze_sensor"},
                        {"name": "Door", "kind": "sensor"},
                    ],
                }
            ]
        }
    )
    cam, leak, door = scenario.accounts[0].devices
    assert cam.components == ("7",)
    assert leak.kind == "flood_freeze_sensor"
    assert door.kind == "contact_sensor"
    for bad in (
        {"name": "C", "kind": "camera", "components": ["1"]},
        {"name": "C", "kind": "multi_camera", "components": [1]},
    ):
        with pytest.raises(ValueError, match="components"):
            Scenario.from_dict({"accounts": [{"id": "a", "devices": [bad]}]})


async def test_control_page_sensor_buttons(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """The control page offers each sensor's events."""
    async with session.get(f"{sim.base_url}/_sim/") as response:
        page = await response.text()
    for label in ("flood detected", "contact sensor faulted", "temperature exceeded"):
        assert label in page

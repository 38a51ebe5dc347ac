"""Devices API in the exact shape of the recorded `GET /v1/devices` (ring-partner-api.md §3).

Compound documents: every device carries all four relationships (`data` + `links.related`);
`include=` adds the requested resources to `included`. Capability keys that do not apply are
present with `null`; toggles are `"on"`/`"off"` strings; GET responses carry `meta.time`.

Per kind (§3.7, §11.8 to §11.10 choices): doorbells and cameras have `video`, motion detection
and image enhancements; chimes have no video, `audio.customizable_slots` (2 in capabilities,
the slot objects in configurations) and `supported_actions: ["playback"]`; sensors (contact
sensor) have `contact_detection`, `tamper_detection` and `battery_status` capabilities and
`contact_detection.faulted`, `tamper_detection.detected`, `battery_status.percentage` in
status (the 3P emulator's guesses). The power source is not exposed (§11.10):
`battery_status` is null on battery cameras too. `image_url` names a product image per kind.
"""

from typing import Any

from aiohttp import web

from simulator.errors import bad_request
from simulator.ids import iso_seconds
from simulator.models import Device
from simulator.state import SimState, get_state

# Relationship order and `included` order as in the recorded response.
INCLUDES = ("status", "location", "capabilities", "configurations")
INCLUDED_ORDER = ("location", "status", "capabilities", "configurations")
RESOURCE_TYPES = {
    "status": "device-status",
    "capabilities": "device-capabilities",
    "location": "locations",
    "configurations": "device-configurations",
}
_IMAGES = "https://app-content.ring.com/shared/images/devices/square_device_images"
IMAGE_URLS = {
    "doorbell": f"{_IMAGES}/DoorbellPro/rvdp_3x.png",
    "camera": f"{_IMAGES}/StickUpCam/stickup_cam_3x.png",
    "chime": f"{_IMAGES}/ChimePro/chime_pro_3x.png",
    "sensor": f"{_IMAGES}/ContactSensor/contact_sensor_3x.png",
}
_SENSOR_KEYS = (
    "flood_detection",
    "tamper_detection",
    "glass_break_detection",
    "smoke_detection",
    "freeze_detection",
    "co_detection_listener",
    "battery_status",
    "contact_detection",
)


def _ref(device: Device, rel: str) -> dict[str, str]:
    """Return the resource identifier of one sub-resource."""
    ids = {
        "status": device.status_id,
        "capabilities": device.capabilities_id,
        "location": device.location_id,
        "configurations": device.configurations_id,
    }
    return {"type": RESOURCE_TYPES[rel], "id": ids[rel]}


def device_resource(device: Device) -> dict[str, Any]:
    """Return the `devices` resource object."""
    return {
        "type": "devices",
        "id": device.id,
        "attributes": {"image_url": IMAGE_URLS[device.kind], "name": device.name},
        "relationships": {
            rel: {
                "data": _ref(device, rel),
                "links": {"related": f"/v1/devices/{device.id}/{rel}"},
            }
            for rel in INCLUDES
        },
    }


def status_attributes(state: SimState, device: Device) -> dict[str, Any]:
    """Return `device-status` attributes."""
    attributes: dict[str, Any] = {
        "audio": {"snooze": {"active": None, "until": None}},
        "online": device.online,
        "reported_at": iso_seconds(device.reported_at_ms),
        "state": None,
    }
    if device.kind == "sensor":
        attributes["contact_detection"] = {"faulted": False}
        attributes["tamper_detection"] = {"detected": False}
        attributes["battery_status"] = {"percentage": 90}
    return attributes


def capability_attributes(device: Device) -> dict[str, Any]:
    """Return `device-capabilities` attributes (absent capability = null key)."""
    attributes: dict[str, Any] = {
        "video": None,
        "audio": {"customizable_slots": None, "supported_actions": None},
        "image_enhancements": None,
        **dict.fromkeys(_SENSOR_KEYS[:3]),
        "motion_detection": None,
        **dict.fromkeys(_SENSOR_KEYS[3:]),
    }
    if device.has_video:
        attributes["video"] = {
            "configurations": ["resolution_mode"],
            "codecs": ["AVC"],
            "ratio": "16:9",
            "max_resolution": 1080,
            "supported_resolutions": [1080],
        }
        attributes["image_enhancements"] = {
            "configurations": ["color_night_vision", "privacy_zones", "snapshot"]
        }
        attributes["motion_detection"] = {"configurations": ["enabled", "motion_zones"]}
    elif device.kind == "chime":
        attributes["audio"] = {
            "customizable_slots": 2,
            "supported_actions": ["playback"],
        }
    else:
        attributes["audio"] = None
        for key in ("contact_detection", "tamper_detection", "battery_status"):
            attributes[key] = {"configurations": []}
    return attributes


def configuration_attributes(device: Device) -> dict[str, Any]:
    """Return `device-configurations` attributes (toggles are "on"/"off")."""
    if device.kind == "chime":
        slots = [
            {
                "event": f"ring-appstore-event-{n}",
                "disabled": True,
                "audio_ref": None,
                "audio_url": None,
                "audio_name": None,
            }
            for n in (1, 2)
        ]
        return {
            "motion_detection": None,
            "audio": {"customizable_slots": slots, "volume": 5},
            "image_enhancements": None,
        }
    if device.kind == "sensor":
        return {"motion_detection": None, "audio": None, "image_enhancements": None}
    return {
        "motion_detection": {
            "enabled": "on",
            "motion_zones": [
                {
                    "id": device.motion_zone_id,
                    "vertices": [
                        {"x": 0, "y": 0},
                        {"x": 0.5, "y": 0},
                        {"x": 1, "y": 0},
                        {"x": 1, "y": 0.6},
                        {"x": 1, "y": 1},
                        {"x": 0.5, "y": 1},
                        {"x": 0, "y": 1},
                        {"x": 0, "y": 0.6},
                    ],
                }
            ],
        },
        "audio": {"customizable_slots": None, "volume": 11},
        "image_enhancements": {
            "color_night_vision": "off",
            "hdr": "off",
            "ir_led_night_vision": "off",
            "auto_zoom_track": "off",
            "privacy_zones": [],
        },
    }


def location_attributes(device: Device) -> dict[str, Any]:
    """Return `locations` attributes (country, optional state)."""
    attributes: dict[str, Any] = {}
    if device.state:
        attributes["state"] = device.state
    attributes["country"] = device.country
    return attributes


def sub_resource(state: SimState, device: Device, rel: str) -> dict[str, Any]:
    """Return one sub-resource object (for `included` or the sub-resource endpoints)."""
    if rel == "status":
        attributes = status_attributes(state, device)
    elif rel == "capabilities":
        attributes = capability_attributes(device)
    elif rel == "location":
        attributes = location_attributes(device)
    else:
        attributes = configuration_attributes(device)
    return {**_ref(device, rel), "attributes": attributes}


def parse_include(request: web.Request) -> list[str]:
    """Return the requested includes in canonical order; 400 for unknown names."""
    raw = request.query.get("include", "")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if unknown := [name for name in names if name not in INCLUDES]:
        raise bad_request(f"Unsupported include: {', '.join(unknown)}")
    return [name for name in INCLUDED_ORDER if name in names]


def _included(state: SimState, devices: list[Device], includes: list[str]) -> list[Any]:
    """Return the de-duplicated `included` array."""
    seen: set[tuple[str, str]] = set()
    result = []
    for device in devices:
        for rel in includes:
            ref = _ref(device, rel)
            if (ref["type"], ref["id"]) not in seen:
                seen.add((ref["type"], ref["id"]))
                result.append(sub_resource(state, device, rel))
    return result


async def list_devices(request: web.Request) -> web.Response:
    """`GET /v1/devices[?include=...]`."""
    state = get_state(request)
    account = state.authenticate(request)
    includes = parse_include(request)
    devices = state.shared_devices(account)
    body: dict[str, Any] = {"data": [device_resource(d) for d in devices]}
    if includes:
        body["included"] = _included(state, devices, includes)
    body["meta"] = state.meta()
    return web.json_response(body)


async def get_device(request: web.Request) -> web.Response:
    """`GET /v1/devices/{device_id}[?include=...]`."""
    state = get_state(request)
    account = state.authenticate(request)
    includes = parse_include(request)
    device = state.device_for(account, request.match_info["device_id"])
    body: dict[str, Any] = {"data": device_resource(device)}
    if includes:
        body["included"] = _included(state, [device], includes)
    body["meta"] = state.meta()
    return web.json_response(body)


async def get_sub_resource(request: web.Request) -> web.Response:
    """`GET /v1/devices/{device_id}/{status|capabilities|location|configurations}`."""
    state = get_state(request)
    account = state.authenticate(request)
    device = state.device_for(account, request.match_info["device_id"])
    rel = request.match_info["rel"]
    data = sub_resource(state, device, rel)
    if rel == "capabilities":
        data["relationships"] = {
            "configurations": {
                "links": {"related": f"/v1/devices/{device.id}/configurations"}
            }
        }
    return web.json_response({"meta": state.meta(), "data": data})


async def list_locations(request: web.Request) -> web.Response:
    """`GET /v1/locations` (observed in the Playground, not documented; §3.1)."""
    state = get_state(request)
    account = state.authenticate(request)
    devices = state.shared_devices(account)
    return web.json_response(
        {"data": _included(state, devices, ["location"]), "meta": state.meta()}
    )


def setup(app: web.Application) -> None:
    """Register the device routes."""
    app.router.add_get("/v1/devices", list_devices)
    app.router.add_get("/v1/devices/{device_id}", get_device)
    app.router.add_get(
        "/v1/devices/{device_id}/{rel:status|capabilities|location|configurations}",
        get_sub_resource,
    )
    app.router.add_get("/v1/locations", list_locations)

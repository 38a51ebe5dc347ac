"""Devices API in the exact shape of the recorded `GET /v1/devices` (docs/ring-api.md#devices).

Compound documents: every device carries all four relationships (`data` + `links.related`);
`include=` adds the requested resources to `included`. Capability keys that do not apply are
present with `null`; toggles are `"on"`/`"off"` strings; GET responses carry `meta.time`.

Per kind (docs/ring-api.md#device-kinds, docs/ambiguities.md#device-kinds to docs/ambiguities.md#power-source-and-live-view-cap choices):
- Doorbells and cameras have `video`, motion detection and image enhancements; their `audio`
  is the recorded object of nulls. A `multi_camera` adds `components.items` (one entry per
  lens, with its `video`; the shape one independent emulator serves).
- Chimes have no video, `audio.customizable_slots` (the slot count in capabilities, the slot
  objects in configurations) and `audio.supported_actions: ["chime.play"]`, the action all
  three independent client libraries look for (`chime_playback_action` switches it; the
  docs name none).
- Sensors (Early Access) have a capability block per thing they report, with the content
  `{"supported": true}` (the shape one emulator uses for `battery_status`; no source shows
  more): contact sensor `contact_detection`, `tamper_detection`, `battery_status`;
  flood/freeze sensor `flood_detection`, `freeze_detection`, `tamper_detection`,
  `battery_status`; temperature/humidity sensor `temperature`, `humidity` (keys no recorded
  device has) and `battery_status`. Status: `flood_detection.faulted` and
  `freeze_detection.faulted` as the docs quote; `contact_detection.faulted`,
  `tamper_detection.detected`, `battery_status.percentage` and `signal_strength.value` as
  both libraries that model sensors read them; `temperature` / `humidity` as
  `{"value", "unit"}` objects (one emulator) or bare numbers (one client), by
  `sensor_reading_shape`. The air-quality sensor reports temperature, humidity and battery
  like the temperature sensor (as one emulator's air monitor does) and adds a `pm25`
  capability block (named like the threshold webhooks' reading; no source shows how Ring marks
  air quality); no source shows a PM2.5 reading in status, so status has none.
- The power source is not exposed (docs/ambiguities.md#power-source-and-live-view-cap): `battery_status` is null on battery cameras too.
  `image_url` names a product image per kind.

Capability shapes (`capability_shape`, globally or per device through the control API): the
blocks that do not apply to a device are rendered `recorded` (null keys, the camera `audio`
object of nulls; the default), `null`, `absent` (key left out), `nulls` (an object whose
fields are all null, as one emulator sends `video` for chimes and sensors) or `empty` (empty
lists, zero slots). Blocks that apply always carry their content. `?component_id=` on the
sub-resources is accepted; on a multi-camera it must name a lens (400 otherwise), and the
capabilities' `video` then carries that `component_id`.
"""

from typing import Any

from aiohttp import web

from simulator.components import (
    UnknownComponentError,
    render_component_id,
    select_component,
)
from simulator.config import SimulatorConfig
from simulator.errors import bad_request
from simulator.ids import iso_seconds
from simulator.models import CAPABILITY_ONLY_FEATURES, Device
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
    "multi_camera": f"{_IMAGES}/SpotlightCamPro/spotlight_cam_pro_3x.png",
    "chime": f"{_IMAGES}/ChimePro/chime_pro_3x.png",
    "contact_sensor": f"{_IMAGES}/ContactSensor/contact_sensor_3x.png",
    "flood_freeze_sensor": f"{_IMAGES}/FloodFreezeSensor/flood_freeze_sensor_3x.png",
    "temperature_humidity_sensor": f"{_IMAGES}/TempSensor/temp_sensor_3x.png",
    "air_quality_sensor": f"{_IMAGES}/AirQualitySensor/air_quality_sensor_3x.png",
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
# Every key of the recorded capabilities, in the recorded order.
RECORDED_CAPABILITY_KEYS = (
    "video",
    "audio",
    "image_enhancements",
    *_SENSOR_KEYS[:3],
    "motion_detection",
    *_SENSOR_KEYS[3:],
)
# Capability keys of the sensors that no recorded device has, in the order they are rendered.
EXTRA_SENSOR_KEYS = ("temperature", "humidity", "pm25")
CAPABILITY_BLOCKS = (*RECORDED_CAPABILITY_KEYS, *EXTRA_SENSOR_KEYS)
_NULL_VIDEO = dict.fromkeys(
    ("configurations", "codecs", "ratio", "max_resolution", "supported_resolutions")
)
_NULL_AUDIO = {"customizable_slots": None, "supported_actions": None}
_READING_UNITS = {"temperature": "celsius", "humidity": "percent"}


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


def _reading(config: SimulatorConfig, key: str, value: float) -> Any:
    """Return a temperature or humidity reading in the configured shape."""
    if config.sensor_reading_shape == "number":
        return value
    return {"value": value, "unit": _READING_UNITS[key]}


def status_attributes(state: SimState, device: Device) -> dict[str, Any]:
    """Return `device-status` attributes."""
    attributes: dict[str, Any] = {
        "audio": {"snooze": {"active": None, "until": None}},
        "online": device.online,
        "reported_at": iso_seconds(device.reported_at_ms),
        "state": None,
    }
    if not device.is_sensor:
        return attributes
    sensor = device.sensor
    values: dict[str, Any] = {
        "contact_detection": {"faulted": sensor.contact_faulted},
        "flood_detection": {"faulted": sensor.flood_faulted},
        "freeze_detection": {"faulted": sensor.freeze_faulted},
        "tamper_detection": {"detected": sensor.tamper_detected},
        "temperature": _reading(state.config, "temperature", sensor.temperature_c),
        "humidity": _reading(state.config, "humidity", sensor.humidity_pct),
        "battery_status": {"percentage": sensor.battery_percentage},
    }
    for key in device.sensor_features():
        if key not in CAPABILITY_ONLY_FEATURES:
            attributes[key] = values[key]
    attributes["signal_strength"] = {"value": "good"}
    return attributes


def _applicable(state: SimState, device: Device) -> dict[str, Any]:
    """Return the capability blocks that apply to the device, with their content."""
    if device.has_video:
        return {
            "video": {
                "configurations": ["resolution_mode"],
                "codecs": ["AVC"],
                "ratio": "16:9",
                "max_resolution": 1080,
                "supported_resolutions": [1080],
            },
            "image_enhancements": {
                "configurations": ["color_night_vision", "privacy_zones", "snapshot"]
            },
            "motion_detection": {"configurations": ["enabled", "motion_zones"]},
        }
    if device.is_chime:
        return {
            "audio": {
                "customizable_slots": len(device.slots),
                "supported_actions": [state.config.chime_playback_action],
            }
        }
    return {key: {"supported": True} for key in device.sensor_features()}


def _inapplicable(device: Device, key: str, shape: str) -> Any:
    """Return an inapplicable block in a shape (`absent` is handled by the caller)."""
    if shape == "recorded":
        return dict(_NULL_AUDIO) if key == "audio" and device.has_video else None
    if shape == "nulls":
        template = {"video": _NULL_VIDEO, "audio": _NULL_AUDIO}
        return dict(template.get(key, {"configurations": None}))
    if shape == "empty":
        if key == "video":
            return {
                "configurations": [],
                "codecs": [],
                "ratio": None,
                "max_resolution": None,
                "supported_resolutions": [],
            }
        if key == "audio":
            return {"customizable_slots": 0, "supported_actions": []}
        return {"configurations": []}
    return None


def capability_attributes(
    state: SimState, device: Device, component: str | None = None
) -> dict[str, Any]:
    """Return `device-capabilities` attributes (inapplicable blocks per `capability_shape`)."""
    applicable = _applicable(state, device)
    device_shape = device.capability_shape
    attributes: dict[str, Any] = {}
    for key in RECORDED_CAPABILITY_KEYS:
        if key in applicable:
            attributes[key] = applicable[key]
            continue
        shape = state.config.capability_shape
        if device_shape is not None and (
            device.capability_shape_blocks is None
            or key in device.capability_shape_blocks
        ):
            shape = device_shape
        if shape != "absent":
            attributes[key] = _inapplicable(device, key, shape)
    for key in EXTRA_SENSOR_KEYS:
        if key in applicable:
            attributes[key] = applicable[key]
    if device.components:
        video = applicable["video"]
        attributes["components"] = {
            "items": [
                {
                    "component_id": render_component_id(state.config, lens),
                    "video": {
                        **video,
                        "component_id": render_component_id(state.config, lens),
                    },
                }
                for lens in device.components
            ]
        }
        if component is not None:
            attributes["video"] = {
                **video,
                "component_id": render_component_id(state.config, component),
            }
    return attributes


def configuration_attributes(device: Device) -> dict[str, Any]:
    """Return `device-configurations` attributes (toggles are "on"/"off")."""
    if device.is_chime:
        return {
            "motion_detection": None,
            "audio": {
                "customizable_slots": [slot.as_dict() for slot in device.slots],
                "volume": 5,
            },
            "image_enhancements": None,
        }
    if device.is_sensor:
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


def sub_resource(
    state: SimState, device: Device, rel: str, component: str | None = None
) -> dict[str, Any]:
    """Return one sub-resource object (for `included` or the sub-resource endpoints)."""
    if rel == "status":
        attributes = status_attributes(state, device)
    elif rel == "capabilities":
        attributes = capability_attributes(state, device, component)
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
    try:
        component = select_component(device, request.query.get("component_id"))
    except UnknownComponentError as err:
        raise bad_request(str(err)) from err
    data = sub_resource(state, device, rel, component)
    if rel == "capabilities":
        data["relationships"] = {
            "configurations": {
                "links": {"related": f"/v1/devices/{device.id}/configurations"}
            }
        }
    return web.json_response({"meta": state.meta(), "data": data})


async def list_locations(request: web.Request) -> web.Response:
    """`GET /v1/locations` (observed in the Playground, not documented; docs/ring-api.md#device-endpoints)."""
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

"""Device kinds from evidence: every capability shape seen in the docs, the recordings and the libraries.

A capability counts only with content (docs/ambiguities.md#device-kinds): null, absent, an
object whose fields are all null, empty lists and zero slots are no evidence.
"""

from typing import Any

import pytest

from custom_components.ring_partner.client import (
    Device,
    DeviceCapabilities,
    DeviceKind,
    DeviceStatus,
    RingPartnerClient,
    SensorType,
    derive_kind,
)
from custom_components.ring_partner.client.models import has_content, index_included
from simulator import SimulatorConfig
from simulator.scenario import (
    BACKYARD_ID,
    CHIME_ID,
    CLIMATE_SENSOR_ID,
    CONTACT_SENSOR_ID,
    FLOOD_SENSOR_ID,
    FRONT_DOOR_ID,
    GARAGE_ID,
    TWO_LENS_ID,
    Scenario,
)
from tests.conftest import SimControl, make_sim_config

from .conftest import FakeServer, load_json

pytestmark = pytest.mark.usefixtures("socket_enabled")

# The video block an emulator sends for chimes and sensors (one of the libraries).
NULL_VIDEO = dict.fromkeys(
    ("configurations", "codecs", "ratio", "max_resolution", "supported_resolutions")
)
EMPTY_VIDEO: dict[str, Any] = {
    "configurations": [],
    "codecs": [],
    "ratio": None,
    "max_resolution": None,
    "supported_resolutions": [],
}
CAMERA_VIDEO = {
    "configurations": ["resolution_mode"],
    "codecs": ["AVC"],
    "ratio": "16:9",
    "max_resolution": 1080,
    "supported_resolutions": [1080],
}
CHIME_AUDIO = {"customizable_slots": 2, "supported_actions": ["chime.play"]}


def _caps(attributes: dict[str, Any]) -> DeviceCapabilities:
    """Parse a `device-capabilities` resource with these attributes."""
    return DeviceCapabilities.from_resource({"id": "caps", "attributes": attributes})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ({}, False),
        ({"configurations": None}, False),
        ({"configurations": []}, False),
        (NULL_VIDEO, False),
        (EMPTY_VIDEO, False),
        ({"supported": False}, False),
        ({"customizable_slots": 0, "supported_actions": []}, False),
        ("", False),
        ({"supported": True}, True),
        ({"configurations": ["enabled"]}, True),
        ({"percentage": 80}, True),
        (CAMERA_VIDEO, True),
    ],
)
def test_has_content(value: object, *, expected: bool) -> None:
    """Only true flags, non-zero numbers, non-empty strings and containers of them count."""
    assert has_content(value) is expected


@pytest.mark.parametrize(
    ("attributes", "kind"),
    [
        # The documented 4K camera.
        (
            {
                "video": {**CAMERA_VIDEO, "codecs": ["HEVC"], "max_resolution": 2160},
                "motion_detection": {"configurations": ["enabled", "motion_zones"]},
            },
            DeviceKind.CAMERA,
        ),
        # A camera whose only video fact is its resolution still streams.
        ({"video": {"supported_resolutions": [1080]}}, DeviceKind.CAMERA),
        # Chimes: recorded shape, an emulator's object of nulls, empty lists, absent keys.
        ({"video": None, "audio": CHIME_AUDIO}, DeviceKind.CHIME),
        (
            {
                "video": NULL_VIDEO,
                "motion_detection": {"configurations": None},
                "image_enhancements": {"configurations": None},
                "audio": CHIME_AUDIO,
            },
            DeviceKind.CHIME,
        ),
        ({"video": EMPTY_VIDEO, "audio": CHIME_AUDIO}, DeviceKind.CHIME),
        ({"audio": {"supported_actions": ["chime.play"]}}, DeviceKind.CHIME),
        ({"audio": {"customizable_slots": [{}, {}]}}, DeviceKind.CHIME),
        # Sensors: the emulator's blocks, with video and motion as objects of nulls.
        (
            {
                "video": NULL_VIDEO,
                "motion_detection": {"configurations": None},
                "image_enhancements": {"configurations": None},
                "battery_status": {"supported": True},
                "contact_detection": {"supported": True},
            },
            DeviceKind.SENSOR,
        ),
        ({"temperature": {"supported": True}}, DeviceKind.SENSOR),
        ({"pm25": {"supported": True}}, DeviceKind.SENSOR),
        ({"video": NULL_VIDEO, "pm25": {"configurations": None}}, DeviceKind.UNKNOWN),
        # No evidence at all: unknown, whatever the shape.
        ({}, DeviceKind.UNKNOWN),
        ({"video": NULL_VIDEO, "audio": NULL_VIDEO}, DeviceKind.UNKNOWN),
        (
            {
                "video": EMPTY_VIDEO,
                "audio": {"customizable_slots": 0, "supported_actions": []},
                "flood_detection": {"configurations": []},
            },
            DeviceKind.UNKNOWN,
        ),
        (
            {
                "video": None,
                "audio": {"customizable_slots": None, "supported_actions": None},
                "flood_detection": None,
                "contact_detection": {"configurations": None},
            },
            DeviceKind.UNKNOWN,
        ),
    ],
)
def test_kind_from_capability_shapes(
    attributes: dict[str, Any], kind: DeviceKind
) -> None:
    """Each shape names the right kind; objects of nulls and empty lists are no evidence."""
    caps = _caps(attributes)
    assert derive_kind(caps, None) is kind
    assert caps.has_video is (kind is DeviceKind.CAMERA)


def test_chime_with_null_video_gets_no_video_or_motion() -> None:
    """A chime whose `video` is an object of nulls streams nothing and detects no motion."""
    caps = _caps(
        {
            "video": NULL_VIDEO,
            "motion_detection": {"configurations": None},
            "audio": CHIME_AUDIO,
            "battery_status": {"configurations": None},
        }
    )
    assert not caps.has_video
    assert not caps.motion_detection
    assert not caps.battery_status
    assert caps.sensor_types == ()
    assert caps.is_chime


def test_recorded_doorbell_stays_a_camera_with_no_sensors() -> None:
    """The recorded Playground doorbell: video, motion, all sensor keys null."""
    document = load_json("client_devices_include_all.json")
    (device,) = [
        Device.from_resource(item, index_included(document))
        for item in document["data"]
    ]
    assert device.kind is DeviceKind.DOORBELL
    assert device.sensor_types == ()
    assert device.components == ()
    assert device.chime_slots == ()
    assert device.capabilities is not None
    assert device.capabilities.sensor_types == ()


def test_status_alone_is_sensor_evidence() -> None:
    """Sensor readings in status make a sensor even when capabilities show nothing."""
    status = DeviceStatus.from_resource(
        {"id": "s", "attributes": {"flood_detection": {"faulted": False}}}
    )
    assert derive_kind(_caps({}), None, status) is DeviceKind.SENSOR
    assert derive_kind(None, None, status) is DeviceKind.SENSOR
    assert derive_kind(None, None) is DeviceKind.UNKNOWN


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        # One emulator: objects with units.
        (
            {
                "temperature": {"value": 21.5, "unit": "celsius"},
                "humidity": {"value": 45, "unit": "percent"},
                "battery_status": {"percentage": 90},
            },
            {"temperature": 21.5, "humidity": 45.0, "battery_percentage": 90},
        ),
        # One client: bare numbers.
        (
            {"temperature": 19, "humidity": 50.5},
            {"temperature": 19.0, "humidity": 50.5, "battery_percentage": None},
        ),
        # Fahrenheit is converted; 255 means mains power; nonsense is dropped.
        (
            {
                "temperature": {"value": 68, "unit": "fahrenheit"},
                "humidity": {"value": 140, "unit": "percent"},
                "battery_status": {"percentage": 255},
            },
            {"temperature": 20.0, "humidity": None, "battery_percentage": None},
        ),
        (
            {
                "temperature": {"value": float("nan")},
                "humidity": "wet",
                "battery_status": {"percentage": -3},
            },
            {"temperature": None, "humidity": None, "battery_percentage": None},
        ),
        (
            {"temperature": {"value": 5, "unit": "kelvin"}, "battery_status": None},
            {"temperature": None, "humidity": None, "battery_percentage": None},
        ),
    ],
)
def test_sensor_readings(attributes: dict[str, Any], expected: dict[str, Any]) -> None:
    """Readings in either shape; impossible values become None."""
    status = DeviceStatus.from_resource({"id": "s", "attributes": attributes})
    assert {key: getattr(status, key) for key in expected} == expected


def test_sensor_states_and_types() -> None:
    """Contact, tamper, flood and freeze as both sensor libraries read them."""
    status = DeviceStatus.from_resource(
        {
            "id": "s",
            "attributes": {
                "online": True,
                "contact_detection": {"faulted": True},
                "tamper_detection": {"detected": False},
                "flood_detection": None,
                "freeze_detection": {"faulted": None},
                "signal_strength": {"value": "good"},
            },
        }
    )
    assert status.contact_faulted is True
    assert status.tamper_detected is False
    assert status.flood_faulted is None
    assert status.freeze_faulted is None
    assert status.signal_strength == "good"
    assert status.sensor_types == (SensorType.CONTACT, SensorType.TAMPER)


def test_chime_slots_and_components() -> None:
    """Slots sorted by event, no audio means disabled; lens ids as strings."""
    device = Device.from_resource(
        {
            "type": "devices",
            "id": "chime",
            "relationships": {
                "capabilities": {"data": {"type": "device-capabilities", "id": "c"}},
                "configurations": {
                    "data": {"type": "device-configurations", "id": "g"}
                },
            },
        },
        {
            ("device-capabilities", "c"): {
                "id": "c",
                "attributes": {"audio": CHIME_AUDIO},
            },
            ("device-configurations", "g"): {
                "id": "g",
                "attributes": {
                    "audio": {
                        "customizable_slots": [
                            {"event": "ring-appstore-event-2", "audio_ref": None},
                            {
                                "event": "ring-appstore-event-1",
                                "disabled": False,
                                "audio_ref": "ref-1",
                                "audio_name": "Tone",
                                "audio_url": "https://example.invalid/a.mp3",
                            },
                            "not a slot",
                        ]
                    }
                },
            },
        },
    )
    assert device.kind is DeviceKind.CHIME
    first, second = device.chime_slots
    assert (first.event, first.audio_ref, first.playable) == (
        "ring-appstore-event-1",
        "ref-1",
        True,
    )
    assert (second.event, second.disabled, second.playable) == (
        "ring-appstore-event-2",
        True,
        False,
    )
    assert "example.invalid" not in repr(first)
    caps = _caps(
        {
            "video": CAMERA_VIDEO,
            "components": {
                "items": [
                    {"component_id": 1},
                    {"component_id": "2"},
                    {"component_id": True},
                    {"component_id": "2"},
                    {},
                ]
            },
        }
    )
    assert caps.components == ("1", "2")


@pytest.fixture
def simulator_config(ring_server: FakeServer) -> SimulatorConfig:
    """Run the `everything` scenario: a device of every kind."""
    return make_sim_config(
        token_exchange_url=f"{ring_server.url}/ring/token-exchange",
        account_link_url=f"{ring_server.url}/ring/link",
        time_scale=0.01,
        scenario=Scenario.everything(),
    )


EXPECTED_KINDS = {
    FRONT_DOOR_ID: DeviceKind.DOORBELL,
    BACKYARD_ID: DeviceKind.CAMERA,
    GARAGE_ID: DeviceKind.CAMERA,
    TWO_LENS_ID: DeviceKind.CAMERA,
    CHIME_ID: DeviceKind.CHIME,
    CONTACT_SENSOR_ID: DeviceKind.SENSOR,
    FLOOD_SENSOR_ID: DeviceKind.SENSOR,
    CLIMATE_SENSOR_ID: DeviceKind.SENSOR,
}


@pytest.mark.parametrize("shape", ["recorded", "null", "absent", "nulls", "empty"])
@pytest.mark.parametrize("reading_shape", ["object", "number"])
async def test_every_kind_in_every_shape(
    linked: RingPartnerClient, sim_control: SimControl, shape: str, reading_shape: str
) -> None:
    """Over real HTTP: each capability shape and reading shape gives every device its kind."""
    await sim_control.configure(
        capability_shape=shape, sensor_reading_shape=reading_shape
    )
    devices = {device.id: device for device in await linked.get_devices()}
    assert {device_id: devices[device_id].kind for device_id in EXPECTED_KINDS} == (
        EXPECTED_KINDS
    )
    assert devices[CONTACT_SENSOR_ID].sensor_types == (
        SensorType.CONTACT,
        SensorType.TAMPER,
    )
    assert devices[FLOOD_SENSOR_ID].sensor_types == (
        SensorType.FLOOD,
        SensorType.FREEZE,
        SensorType.TAMPER,
    )
    climate = devices[CLIMATE_SENSOR_ID]
    assert climate.sensor_types == (SensorType.TEMPERATURE, SensorType.HUMIDITY)
    assert climate.status is not None
    assert (climate.status.temperature, climate.status.humidity) == (21.5, 45.0)
    assert climate.status.battery_percentage == 90
    assert devices[TWO_LENS_ID].components == ("1", "2")
    assert devices[BACKYARD_ID].components == ()
    chime = devices[CHIME_ID]
    assert [slot.event for slot in chime.chime_slots] == [
        "ring-appstore-event-1",
        "ring-appstore-event-2",
    ]
    assert [slot.playable for slot in chime.chime_slots] == [True, False]
    for device_id in (CHIME_ID, CONTACT_SENSOR_ID, FLOOD_SENSOR_ID, CLIMATE_SENSOR_ID):
        caps = devices[device_id].capabilities
        assert caps is not None
        assert not caps.has_video, (device_id, shape)
        assert not caps.motion_detection, (device_id, shape)


@pytest.mark.parametrize("shape", ["recorded", "nulls", "empty"])
async def test_integer_lens_ids(
    linked: RingPartnerClient, sim_control: SimControl, shape: str
) -> None:
    """Lens ids sent as integers are read as the same strings."""
    await sim_control.configure(component_id_type="integer", capability_shape=shape)
    device = await linked.get_device(TWO_LENS_ID)
    assert device.components == ("1", "2")


async def test_chime_marked_by_playback_action_only(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """The other action name one reading uses (`playback`) marks a chime too."""
    await sim_control.configure(chime_playback_action="playback")
    assert (await linked.get_device(CHIME_ID)).kind is DeviceKind.CHIME

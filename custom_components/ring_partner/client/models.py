"""Typed models for Ring devices and their sub-resources (docs/ring-api.md#devices).

The other models live in `account`, `events` and `media` and are re-exported here, so
callers import every model from `client.models`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from ._json import (
    JsonObject,
    as_list,
    as_object,
    iso_to_datetime,
    ms_to_datetime,
    opt_bool,
    opt_float,
    opt_int,
    opt_str,
    relationship_ref,
    require_str,
    str_tuple,
)
from .account import AppIntegration, TokenResponse, User
from .const import (
    CHIME_PLAY_ACTIONS,
    DOORBELL_PRODUCT_MARKERS,
    SENSOR_CAPABILITIES,
    DeviceKind,
)
from .events import HistoryEvent, WebhookEvent
from .media import MediaClip, MediaImage, WhepSession

__all__ = [
    "AppIntegration",
    "AudioCapability",
    "Device",
    "DeviceCapabilities",
    "DeviceConfigurations",
    "DeviceStatus",
    "HistoryEvent",
    "Location",
    "MediaClip",
    "MediaImage",
    "TokenResponse",
    "User",
    "Vertex",
    "VideoCapability",
    "WebhookEvent",
    "WhepSession",
    "Zone",
]


def _time_value(value: object) -> datetime | None:
    """Parse a timestamp that Ring may send as ISO 8601 or epoch milliseconds."""
    return iso_to_datetime(value) or ms_to_datetime(value)


def derive_kind(
    capabilities: DeviceCapabilities | None, image_url: str | None
) -> DeviceKind:
    """Name what a device is from the capabilities it reports (and its product image).

    Video means a camera, a doorbell when Ring's product image names one; chime audio
    without video a chime; detection blocks a sensor (docs/ring-api.md#device-kinds).
    """
    if capabilities is None:
        return DeviceKind.UNKNOWN
    if capabilities.has_video:
        product = (image_url or "").lower()
        if any(marker in product for marker in DOORBELL_PRODUCT_MARKERS):
            return DeviceKind.DOORBELL
        return DeviceKind.CAMERA
    if capabilities.is_chime:
        return DeviceKind.CHIME
    if capabilities.sensors:
        return DeviceKind.SENSOR
    return DeviceKind.UNKNOWN


@dataclass(frozen=True, kw_only=True, slots=True)
class DeviceStatus:
    """Device status (`device-status`, docs/ring-api.md#device-status)."""

    id: str
    online: bool | None = None
    reported_at: datetime | None = None
    state: str | None = None
    snooze_active: bool | None = None
    snooze_until: datetime | None = None
    # Sensors (Early Access; unverified, docs/ambiguities.md#sensor-schemas): independent
    # booleans, None when not a sensor.
    flood_faulted: bool | None = None
    freeze_faulted: bool | None = None

    @classmethod
    def from_resource(cls, resource: JsonObject) -> Self:
        """Build from a `device-status` resource object."""
        attributes = as_object(resource.get("attributes"))
        snooze = as_object(as_object(attributes.get("audio")).get("snooze"))
        return cls(
            id=require_str(resource, "id", "device status"),
            online=opt_bool(attributes.get("online")),
            reported_at=_time_value(attributes.get("reported_at")),
            state=opt_str(attributes.get("state")),
            snooze_active=opt_bool(snooze.get("active")),
            snooze_until=_time_value(snooze.get("until")),
            flood_faulted=opt_bool(
                as_object(attributes.get("flood_detection")).get("faulted")
            ),
            freeze_faulted=opt_bool(
                as_object(attributes.get("freeze_detection")).get("faulted")
            ),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class VideoCapability:
    """The `video` capability block (docs/ring-api.md#device-capabilities)."""

    codecs: tuple[str, ...] = ()
    ratio: str | None = None
    max_resolution: int | None = None
    supported_resolutions: tuple[int, ...] = ()
    configurations: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, video: JsonObject) -> Self:
        """Build from the `video` attribute object."""
        return cls(
            codecs=str_tuple(video.get("codecs")),
            ratio=opt_str(video.get("ratio")),
            max_resolution=opt_int(video.get("max_resolution")),
            supported_resolutions=tuple(
                number
                for item in as_list(video.get("supported_resolutions"))
                if (number := opt_int(item)) is not None
            ),
            configurations=str_tuple(video.get("configurations")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class AudioCapability:
    """The `audio` capability block: chime slots, playback actions (docs/media.md#chime-playback)."""

    customizable_slots: int | None = None
    supported_actions: tuple[str, ...] | None = None

    @property
    def can_play_chime(self) -> bool:
        """Return True when the block carries chime slots or a chime playback action."""
        return self.customizable_slots is not None or bool(
            CHIME_PLAY_ACTIONS.intersection(self.supported_actions or ())
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class DeviceCapabilities:
    """Device capabilities (`device-capabilities`); null keys become None/False.

    See docs/ring-api.md#device-capabilities.
    """

    id: str
    video: VideoCapability | None = None
    audio: AudioCapability | None = None
    motion_detection: bool = False
    motion_detection_configurations: tuple[str, ...] = ()
    image_enhancements: tuple[str, ...] = ()
    battery_status: bool = False
    # Sensor capability keys present, in Ring's key order (a tuple keeps diagnostics JSON).
    sensors: tuple[str, ...] = ()

    @property
    def has_video(self) -> bool:
        """Return True when the device streams video (cameras and doorbells)."""
        return self.video is not None

    @property
    def is_chime(self) -> bool:
        """Return True for chimes: chime audio and no video (docs/ring-api.md#device-kinds)."""
        return (
            self.audio is not None and self.audio.can_play_chime and not self.has_video
        )

    @property
    def supports_snapshot(self) -> bool:
        """Return True when the device can store snapshots (`image_enhancements`)."""
        return "snapshot" in self.image_enhancements

    @classmethod
    def from_resource(cls, resource: JsonObject) -> Self:
        """Build from a `device-capabilities` resource object."""
        attributes = as_object(resource.get("attributes"))
        video = attributes.get("video")
        audio = attributes.get("audio")
        motion = attributes.get("motion_detection")
        audio_obj = as_object(audio)
        slots = audio_obj.get("customizable_slots")
        actions = audio_obj.get("supported_actions")
        return cls(
            id=require_str(resource, "id", "device capabilities"),
            video=VideoCapability.from_json(video) if isinstance(video, dict) else None,
            audio=(
                AudioCapability(
                    customizable_slots=(
                        len(slots) if isinstance(slots, list) else opt_int(slots)
                    ),
                    supported_actions=(
                        str_tuple(actions) if isinstance(actions, list) else None
                    ),
                )
                if isinstance(audio, dict)
                else None
            ),
            motion_detection=isinstance(motion, dict),
            motion_detection_configurations=str_tuple(
                as_object(motion).get("configurations")
            ),
            image_enhancements=str_tuple(
                as_object(attributes.get("image_enhancements")).get("configurations")
            ),
            battery_status=attributes.get("battery_status") is not None,
            sensors=tuple(
                key for key in SENSOR_CAPABILITIES if attributes.get(key) is not None
            ),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Location:
    """Coarse device location: country and optional state only (docs/ring-api.md#device-location)."""

    id: str
    country: str | None = None
    state: str | None = None

    @classmethod
    def from_resource(cls, resource: JsonObject) -> Self:
        """Build from a `locations` resource object."""
        attributes = as_object(resource.get("attributes"))
        return cls(
            id=require_str(resource, "id", "location"),
            country=opt_str(attributes.get("country")),
            state=opt_str(attributes.get("state")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Vertex:
    """A zone vertex, normalised 0.0-1.0 from the top-left corner."""

    x: float
    y: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Zone:
    """A motion or privacy zone: an id and an ordered polygon.

    See docs/ring-api.md#device-configurations.
    """

    id: str | None
    vertices: tuple[Vertex, ...]

    @classmethod
    def from_json(cls, zone: object) -> Self:
        """Build from a zone object; numbers may arrive as integers."""
        zone_obj = as_object(zone)
        vertices: list[Vertex] = []
        for item in as_list(zone_obj.get("vertices")):
            point = as_object(item)
            x, y = opt_float(point.get("x")), opt_float(point.get("y"))
            if x is not None and y is not None:
                vertices.append(Vertex(x=x, y=y))
        return cls(id=opt_str(zone_obj.get("id")), vertices=tuple(vertices))


@dataclass(frozen=True, kw_only=True, slots=True)
class DeviceConfigurations:
    """Read-only device settings (`device-configurations`); "on"/"off" as bool.

    See docs/ring-api.md#device-configurations.
    """

    id: str
    motion_detection_enabled: bool | None = None
    motion_zones: tuple[Zone, ...] = ()
    color_night_vision: bool | None = None
    hdr: bool | None = None
    ir_led_night_vision: bool | None = None
    auto_zoom_track: bool | None = None
    privacy_zones: tuple[Zone, ...] = ()
    volume: int | None = None

    @classmethod
    def from_resource(cls, resource: JsonObject) -> Self:
        """Build from a `device-configurations` resource object."""
        attributes = as_object(resource.get("attributes"))
        motion = as_object(attributes.get("motion_detection"))
        image = as_object(attributes.get("image_enhancements"))
        return cls(
            id=require_str(resource, "id", "device configurations"),
            motion_detection_enabled=opt_bool(motion.get("enabled")),
            motion_zones=tuple(
                Zone.from_json(zone) for zone in as_list(motion.get("motion_zones"))
            ),
            color_night_vision=opt_bool(image.get("color_night_vision")),
            hdr=opt_bool(image.get("hdr")),
            ir_led_night_vision=opt_bool(image.get("ir_led_night_vision")),
            auto_zoom_track=opt_bool(image.get("auto_zoom_track")),
            privacy_zones=tuple(
                Zone.from_json(zone) for zone in as_list(image.get("privacy_zones"))
            ),
            volume=opt_int(as_object(attributes.get("audio")).get("volume")),
        )


# JSON:API resource type of each relationship's target (docs/ring-api.md#includes); matching
# uses the (type, id) pair found in `relationships.<rel>.data`, never a derived id.
_RELATIONSHIPS = ("status", "capabilities", "location", "configurations")


@dataclass(frozen=True, kw_only=True, slots=True)
class Device:
    """A Ring device shared with the app, with whatever sub-resources were included."""

    id: str
    name: str
    image_url: str | None = None
    location_id: str | None = None
    status: DeviceStatus | None = None
    capabilities: DeviceCapabilities | None = None
    location: Location | None = None
    configurations: DeviceConfigurations | None = None
    kind: DeviceKind = DeviceKind.UNKNOWN

    @property
    def has_video(self) -> bool:
        """Return True for cameras and doorbells."""
        return self.kind.has_video

    @classmethod
    def from_resource(
        cls,
        resource: JsonObject,
        included: Mapping[tuple[str, str], JsonObject] | None = None,
    ) -> Self:
        """Build from a `devices` resource, resolving relationships from `included`."""
        attributes = as_object(resource.get("attributes"))
        device_id = require_str(resource, "id", "device")
        related: dict[str, JsonObject] = {}
        for rel in _RELATIONSHIPS:
            ref = relationship_ref(resource, rel)
            if ref is not None and included and ref in included:
                related[rel] = included[ref]
        location_ref = relationship_ref(resource, "location")
        capabilities = (
            DeviceCapabilities.from_resource(related["capabilities"])
            if "capabilities" in related
            else None
        )
        image_url = opt_str(attributes.get("image_url"))
        return cls(
            id=device_id,
            name=opt_str(attributes.get("name")) or device_id,
            image_url=image_url,
            location_id=location_ref[1] if location_ref else None,
            status=(
                DeviceStatus.from_resource(related["status"])
                if "status" in related
                else None
            ),
            capabilities=capabilities,
            location=(
                Location.from_resource(related["location"])
                if "location" in related
                else None
            ),
            configurations=(
                DeviceConfigurations.from_resource(related["configurations"])
                if "configurations" in related
                else None
            ),
            kind=derive_kind(capabilities, image_url),
        )


def index_included(document: JsonObject) -> dict[tuple[str, str], JsonObject]:
    """Index a compound document's `included` array by (type, id)."""
    index: dict[tuple[str, str], JsonObject] = {}
    for item in as_list(document.get("included")):
        resource = as_object(item)
        res_type, res_id = opt_str(resource.get("type")), opt_str(resource.get("id"))
        if res_type is not None and res_id is not None:
            index[res_type, res_id] = resource
    return index

"""Typed models for Ring devices and their sub-resources (docs/ring-api.md#devices).

The other models live in `account`, `events` and `media` and are re-exported here, so
callers import every model from `client.models`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
import math
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
    BATTERY_ON_MAINS,
    CHIME_PLAY_ACTIONS,
    DOORBELL_PRODUCT_MARKERS,
    SENSOR_CAPABILITIES,
    SENSOR_CAPABILITY_TYPES,
    SENSOR_STATE_EVENTS,
    DeviceKind,
    SensorType,
)
from .events import HistoryEvent, WebhookEvent
from .media import MediaClip, MediaImage, WhepSession

__all__ = [
    "AppIntegration",
    "AudioCapability",
    "ChimeSlot",
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


def has_content(value: object) -> bool:
    """Return True when a capability value carries real content.

    Ring marks a capability a device lacks with null, but other servers send an object whose
    fields are all null, empty lists or zero slots (docs/ambiguities.md#device-kinds): only
    true booleans, non-zero numbers, non-empty strings and containers holding such count.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, dict):
        return any(has_content(item) for item in value.values())
    if isinstance(value, list):
        return any(has_content(item) for item in value)
    return False


def derive_kind(
    capabilities: DeviceCapabilities | None,
    image_url: str | None,
    status: DeviceStatus | None = None,
) -> DeviceKind:
    """Name what a device is from the evidence it carries (and its product image).

    Video with content means a camera, a doorbell when Ring's product image names one;
    chime audio without video a chime; sensor blocks with content, or sensor readings in
    status, a sensor (docs/ring-api.md#device-kinds, docs/ambiguities.md#device-kinds).
    """
    if capabilities is not None:
        if capabilities.has_video:
            product = (image_url or "").lower()
            if any(marker in product for marker in DOORBELL_PRODUCT_MARKERS):
                return DeviceKind.DOORBELL
            return DeviceKind.CAMERA
        if capabilities.is_chime:
            return DeviceKind.CHIME
        if capabilities.sensor_types:
            return DeviceKind.SENSOR
    if status is not None and status.sensor_types:
        return DeviceKind.SENSOR
    return DeviceKind.UNKNOWN


def _finite(value: float | None) -> float | None:
    """Return a finite number, else None (Python's JSON decoder accepts NaN)."""
    return value if value is not None and math.isfinite(value) else None


def _reading(value: object) -> tuple[float | None, str | None]:
    """Read a measurement sent as a bare number or as `{"value", "unit"}`."""
    if isinstance(value, dict):
        reading = as_object(value)
        unit = opt_str(reading.get("unit"))
        return _finite(opt_float(reading.get("value"))), unit.lower() if unit else None
    return _finite(opt_float(value)), None


def _celsius(value: object) -> float | None:
    """Return a temperature in degrees Celsius; the one emulator that names a unit says `celsius`."""
    reading, unit = _reading(value)
    if reading is None:
        return None
    if unit in {"fahrenheit", "f", "°f"}:
        return round((reading - 32) * 5 / 9, 2)
    if unit not in {None, "celsius", "c", "°c"}:
        return None
    return reading


def _percentage(value: object) -> float | None:
    """Return a percentage reading from 0 to 100, else None."""
    reading, unit = _reading(value)
    if reading is None or unit not in {None, "percent", "%"}:
        return None
    return reading if 0 <= reading <= 100 else None


def _battery(value: object) -> int | None:
    """Return a battery level from 0 to 100; 255 (mains power) and other values are None."""
    level = opt_int(as_object(value).get("percentage"))
    if level is None or level == BATTERY_ON_MAINS or not 0 <= level <= 100:
        return None
    return level


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
    # booleans and readings, None when the device does not report them.
    flood_faulted: bool | None = None
    freeze_faulted: bool | None = None
    contact_faulted: bool | None = None
    tamper_detected: bool | None = None
    temperature: float | None = None
    humidity: float | None = None
    battery_percentage: int | None = None
    signal_strength: str | None = None

    @property
    def sensor_types(self) -> tuple[SensorType, ...]:
        """Return what the status reports as a sensor, in `SensorType` order."""
        values = {
            SensorType.CONTACT: self.contact_faulted,
            SensorType.FLOOD: self.flood_faulted,
            SensorType.FREEZE: self.freeze_faulted,
            SensorType.TAMPER: self.tamper_detected,
            SensorType.TEMPERATURE: self.temperature,
            SensorType.HUMIDITY: self.humidity,
        }
        return tuple(kind for kind in SensorType if values.get(kind) is not None)

    def with_event(self, event: WebhookEvent) -> Self:
        """Return the status a sensor webhook implies, until the next poll says otherwise.

        Ring calls `/status` the source of truth and its events the news between polls
        (docs/webhooks.md#sensor-events); other events change nothing.
        """
        if (change := SENSOR_STATE_EVENTS.get(event.event_type)) is not None:
            match change:
                case (SensorType.CONTACT, value):
                    return replace(self, contact_faulted=value)
                case (SensorType.FLOOD, value):
                    return replace(self, flood_faulted=value)
                case (SensorType.FREEZE, value):
                    return replace(self, freeze_faulted=value)
                case (SensorType.TAMPER, value):
                    return replace(self, tamper_detected=value)
        if (temperature := event.reading_of("temperature")) is not None:
            return replace(self, temperature=temperature)
        if (humidity := event.reading_of("humidity")) is not None:
            return replace(self, humidity=humidity)
        # PM2.5 and CO are in no status Ring shows: their entities keep the webhook's reading.
        return self

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
            contact_faulted=opt_bool(
                as_object(attributes.get("contact_detection")).get("faulted")
            ),
            tamper_detected=opt_bool(
                as_object(attributes.get("tamper_detection")).get("detected")
            ),
            temperature=_celsius(attributes.get("temperature")),
            humidity=_percentage(attributes.get("humidity")),
            battery_percentage=_battery(attributes.get("battery_status")),
            signal_strength=opt_str(
                as_object(attributes.get("signal_strength")).get("value")
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

    @property
    def has_content(self) -> bool:
        """Return True when the block names a codec or a resolution (not an object of nulls)."""
        return bool(self.codecs or self.supported_resolutions or self.max_resolution)

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
        """Return True when the block carries chime slots or a chime playback action.

        Zero slots and an empty action list are no evidence (docs/ambiguities.md#device-kinds).
        """
        return bool(self.customizable_slots) or bool(
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
    # Sensor capability keys present (not null), in Ring's key order (a tuple keeps
    # diagnostics JSON); `sensor_types` names those that carry content.
    sensors: tuple[str, ...] = ()
    sensor_types: tuple[SensorType, ...] = ()
    # Lens ids of a multi-camera device, as strings (docs/media.md#multi-lens-devices).
    components: tuple[str, ...] = ()

    @property
    def has_video(self) -> bool:
        """Return True when the device streams video: a `video` block with content."""
        return self.video is not None and self.video.has_content

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
            motion_detection=has_content(motion),
            motion_detection_configurations=str_tuple(
                as_object(motion).get("configurations")
            ),
            image_enhancements=str_tuple(
                as_object(attributes.get("image_enhancements")).get("configurations")
            ),
            battery_status=has_content(attributes.get("battery_status")),
            sensors=tuple(
                key for key in SENSOR_CAPABILITIES if attributes.get(key) is not None
            ),
            sensor_types=tuple(
                kind
                for key, kind in SENSOR_CAPABILITY_TYPES.items()
                if has_content(attributes.get(key))
            ),
            components=_component_ids(attributes.get("components")),
        )


def _component_ids(components: object) -> tuple[str, ...]:
    """Return the lens ids of `components.items[].component_id` (strings or integers)."""
    ids: list[str] = []
    for item in as_list(as_object(components).get("items")):
        raw = as_object(item).get("component_id")
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            continue
        if (value := str(raw)) and value not in ids:
            ids.append(value)
    return tuple(ids)


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
class ChimeSlot:
    """One of the app's chime slots (`audio.customizable_slots[]`, docs/media.md#chime-playback).

    Audio is put into a slot outside the API; a slot without audio is disabled.
    """

    event: str | None
    audio_ref: str | None = None
    audio_name: str | None = None
    # Where the sound file lives: not needed to play it, kept out of repr.
    audio_url: str | None = field(default=None, repr=False)
    disabled: bool = False

    @property
    def playable(self) -> bool:
        """Return True when the slot holds audio that playback can name."""
        return not self.disabled and bool(self.audio_ref or self.event)

    @classmethod
    def from_json(cls, slot: object) -> Self:
        """Build from a slot object; no audio_ref and no disabled flag means disabled."""
        slot_obj = as_object(slot)
        audio_ref = opt_str(slot_obj.get("audio_ref")) or None
        disabled = opt_bool(slot_obj.get("disabled"))
        return cls(
            event=opt_str(slot_obj.get("event")) or None,
            audio_ref=audio_ref,
            audio_name=opt_str(slot_obj.get("audio_name")),
            audio_url=opt_str(slot_obj.get("audio_url")),
            disabled=disabled if disabled is not None else audio_ref is None,
        )


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
    # Chime slots in event order: Ring does not return them sorted (one library sorts too).
    chime_slots: tuple[ChimeSlot, ...] = ()

    @classmethod
    def from_resource(cls, resource: JsonObject) -> Self:
        """Build from a `device-configurations` resource object."""
        attributes = as_object(resource.get("attributes"))
        motion = as_object(attributes.get("motion_detection"))
        image = as_object(attributes.get("image_enhancements"))
        audio = as_object(attributes.get("audio"))
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
            volume=opt_int(audio.get("volume")),
            chime_slots=tuple(
                sorted(
                    (
                        ChimeSlot.from_json(slot)
                        for slot in as_list(audio.get("customizable_slots"))
                        if isinstance(slot, dict)
                    ),
                    key=lambda slot: slot.event or "",
                )
            ),
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

    @property
    def sensor_types(self) -> tuple[SensorType, ...]:
        """Return what a sensor reports, from its capabilities and its status."""
        if self.kind is not DeviceKind.SENSOR:
            return ()
        found = set(self.capabilities.sensor_types if self.capabilities else ())
        found.update(self.status.sensor_types if self.status else ())
        return tuple(kind for kind in SensorType if kind in found)

    @property
    def components(self) -> tuple[str, ...]:
        """Return the lens ids of a multi-camera device (empty for one lens)."""
        if not self.has_video or self.capabilities is None:
            return ()
        return self.capabilities.components

    @property
    def chime_slots(self) -> tuple[ChimeSlot, ...]:
        """Return a chime's slots (empty for other kinds)."""
        if self.kind is not DeviceKind.CHIME or self.configurations is None:
            return ()
        return self.configurations.chime_slots

    def with_event(self, event: WebhookEvent) -> Self:
        """Return the device as a sensor webhook leaves it (status is the truth at polls)."""
        if self.status is None:
            return self
        status = self.status.with_event(event)
        return self if status is self.status else replace(self, status=status)

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
        status = (
            DeviceStatus.from_resource(related["status"])
            if "status" in related
            else None
        )
        return cls(
            id=device_id,
            name=opt_str(attributes.get("name")) or device_id,
            image_url=image_url,
            location_id=location_ref[1] if location_ref else None,
            status=status,
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
            kind=derive_kind(capabilities, image_url, status),
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

"""The simulator's world: accounts, devices, history events and recordings."""

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from simulator.ids import stable_uuid

# Integration status of an account (docs/linking.md#appstore-linking, docs/ring-api.md#set-the-integration-status). "none" = app not
# installed; "pending" = code delivered, Account Link step not done ("PENDING" in Ring's
# forum answer); "awaiting" after the nonce POST (or Allow on the partner-initiated page);
# "completed" after the partner's PATCH.
STATUS_NONE = "none"
STATUS_PENDING = "pending"
STATUS_AWAITING = "awaiting"
STATUS_COMPLETED = "completed"

EVENT_TYPES = ("motion", "ding", "on_demand")
MOTION_SUBTYPES = ("motion", "human", "vehicle", "animal", "other_motion")

# Device kinds (Ring shares cameras and doorbells, chimes, Early Access sensors and
# multi-camera devices). The API itself has no kind field; these name what the simulator
# renders. "sensor" is kept as an alias of "contact_sensor" (the kind's old name).
VIDEO_KINDS = ("doorbell", "camera", "multi_camera")
SENSOR_KINDS = (
    "contact_sensor",
    "flood_freeze_sensor",
    "temperature_humidity_sensor",
    "air_quality_sensor",
)
DEVICE_KINDS = (*VIDEO_KINDS, "chime", *SENSOR_KINDS)
KIND_ALIASES = {"sensor": "contact_sensor"}
# What each sensor kind reports: capability keys with content and status fields.
SENSOR_FEATURES: dict[str, tuple[str, ...]] = {
    "contact_sensor": ("contact_detection", "tamper_detection", "battery_status"),
    "flood_freeze_sensor": (
        "flood_detection",
        "freeze_detection",
        "tamper_detection",
        "battery_status",
    ),
    "temperature_humidity_sensor": ("temperature", "humidity", "battery_status"),
    # Ring's air-quality sensor (docs/ring-api.md#device-kinds): one emulator gives its air
    # monitor the temperature/humidity status; `pm25` is a capability key only, as no source
    # shows a PM2.5 reading in status (sensors.py: the threshold webhooks carry it).
    "air_quality_sensor": ("temperature", "humidity", "pm25", "battery_status"),
}
# Features that are capability keys only: nothing in `device-status` reports them.
CAPABILITY_ONLY_FEATURES = ("pm25",)
# The lenses of a multi-camera device unless the scenario names others.
DEFAULT_COMPONENTS = ("1", "2")
CHIME_SLOT_EVENTS = ("ring-appstore-event-1", "ring-appstore-event-2")


def canonical_kind(kind: str) -> str:
    """Return the kind an alias stands for (`sensor` -> `contact_sensor`)."""
    return KIND_ALIASES.get(kind, kind)


@dataclass(kw_only=True)
class ChimeSlot:
    """One of the app's customizable chime slots; unassigned slots are disabled."""

    event: str
    audio_ref: str | None = None
    audio_url: str | None = None
    audio_name: str | None = None

    @property
    def disabled(self) -> bool:
        """Return True while no audio is assigned to the slot."""
        return self.audio_ref is None

    def assign(self, device_id: str, audio_name: str | None) -> None:
        """Assign named audio (a stable `audio_ref` per device, slot and name), or clear it."""
        if audio_name is None:
            self.audio_ref = self.audio_url = self.audio_name = None
            return
        self.audio_ref = stable_uuid("chime-audio", device_id, self.event, audio_name)
        self.audio_url = (
            f"https://app-content.ring.com/appstore/audio/{self.audio_ref}.mp3"
        )
        self.audio_name = audio_name

    def as_dict(self) -> dict[str, Any]:
        """Return the slot object of `device-configurations` (`audio.customizable_slots`)."""
        return {
            "event": self.event,
            "disabled": self.disabled,
            "audio_ref": self.audio_ref,
            "audio_url": self.audio_url,
            "audio_name": self.audio_name,
        }


@dataclass(kw_only=True)
class SensorState:
    """What a sensor's `device-status` reports (only the fields of its kind are rendered)."""

    contact_faulted: bool = False
    flood_faulted: bool = False
    freeze_faulted: bool = False
    tamper_detected: bool = False
    temperature_c: float = 21.5
    humidity_pct: float = 45.0
    # An air-quality sensor's last PM2.5 reading (µg/m³): sent in `pm25_*` webhooks only.
    pm25_ugm3: float = 8.0
    battery_percentage: int = 90


@dataclass(kw_only=True)
class Subscription:
    """A partner-app subscription sold through the Ring Appstore (docs/ring-api.md#subscriptions)."""

    id: str
    sub_type: str
    status: str
    plan_id: str | None
    created_ms: int
    expires_ms: int
    device_ids: list[str]


@dataclass(kw_only=True)
class Account:
    """A Ring user account and the state of its integration with the partner app."""

    id: str
    first_name: str
    last_name: str
    email: str
    phone_number: str | None
    playground: bool = False
    integration_status: str = STATUS_NONE
    link_method: str | None = None
    link_time_ms: int | None = None
    account_identifier: str | None = None
    updated_at_ms: int | None = None
    nonce: str | None = field(default=None, repr=False)
    nonce_time_ms: int | None = None
    subscriptions: list[Subscription] = field(default_factory=list)

    @property
    def linked(self) -> bool:
        """Return True once consent was given (awaiting or completed, or Playground)."""
        return self.playground or self.integration_status in (
            STATUS_AWAITING,
            STATUS_COMPLETED,
        )


@dataclass(kw_only=True)
class Device:
    """A shared Ring device; sub-resource ids are opaque and unrelated to `id`."""

    id: str
    account_id: str
    name: str
    kind: str
    battery: bool
    online: bool
    status_id: str
    capabilities_id: str
    configurations_id: str
    location_id: str
    country: str = "US"
    state: str | None = "CA"
    removed: bool = False
    reported_at_ms: int = 0
    motion_zone_id: str = "bac09fbb-7a79-4eca-80d8-4e05a4ea8d07"
    components: tuple[str, ...] = ()
    slots: list[ChimeSlot] = field(default_factory=list)
    sensor: SensorState = field(default_factory=SensorState)
    # Per-device override of `capability_shape` and the blocks it applies to (None = all).
    capability_shape: str | None = None
    capability_shape_blocks: tuple[str, ...] | None = None

    @property
    def has_video(self) -> bool:
        """Return True for doorbells and cameras (multi-lens ones too)."""
        return self.kind in VIDEO_KINDS

    @property
    def is_sensor(self) -> bool:
        """Return True for the Early Access sensors."""
        return self.kind in SENSOR_KINDS

    @property
    def is_chime(self) -> bool:
        """Return True for chimes (the only devices with audio playback)."""
        return self.kind == "chime"

    def sensor_features(self) -> tuple[str, ...]:
        """Return the capability keys / status fields the device's sensor kind reports."""
        return SENSOR_FEATURES.get(self.kind, ())

    @property
    def is_doorbell(self) -> bool:
        """Return True for doorbells (button_press, ding)."""
        return self.kind == "doorbell"


@dataclass(kw_only=True)
class HistoryEvent:
    """One event-history entry (docs/ring-api.md#event-history); `subtype` is only used for filtering."""

    id: str
    device_id: str
    event_type: str
    start_ms: int
    end_ms: int | None
    subtype: str | None = None
    reviewed: bool = False


class Recording(NamedTuple):
    """A recorded time range of a device (motion, ding or live view)."""

    start_ms: int
    end_ms: int
    event_id: str | None

"""Constants and enumerations for the Ring Partner API client."""

from datetime import timedelta
from enum import StrEnum
from typing import Final, Self, override
from urllib.parse import quote

# Production hosts (docs/ring-api.md#hosts). Host strings live only in this module.
API_BASE_URL: Final = "https://api.amazonvision.com"
OAUTH_TOKEN_URL: Final = "https://oauth.ring.com/oauth/token"
# Partner-initiated OAuth (PKCE) authorize page; known only from third-party code (observed,
# unverified: docs/linking.md#partner-initiated-oauth).
OAUTH_AUTHORIZE_URL: Final = (
    "https://account.ring.com/account/integrations/partner-link/authorize"
)
AUTHORIZE_URL: Final = OAUTH_AUTHORIZE_URL
# Scope used by partner-initiated OAuth and Playground tokens (docs/ring-api.md#scopes).
DEFAULT_SCOPE: Final = "ava.v1:read"

USERS_ME_PATH: Final = "/v1/users/me"
APP_INTEGRATIONS_PATH: Final = "/v1/accounts/me/app-integrations"
DEVICES_PATH: Final = "/v1/devices"
HISTORY_PATH: Final = "/v1/history/devices/{device_id}/events"
# Ring's RTSP bridge: RTSP over TLS on its own host and port (docs/media.md#rtsp-bridge).
RTSP_BRIDGE_ORIGIN: Final = "rtsps://video.rtsp.amazonvision.com:322"
RTSP_STREAM_PATH: Final = "/v1/devices/{device_id}/stream"


def device_path(device_id: str, suffix: str = "") -> str:
    """Return `/v1/devices/{id}{suffix}` with the opaque id percent-encoded."""
    return f"{DEVICES_PATH}/{quote(device_id, safe='')}{suffix}"


DEFAULT_REQUEST_TIMEOUT: Final = 10.0
# Clips can be up to 15 minutes of MP4, so their download gets a longer budget
# (docs/media.md#clip-limits).
DEFAULT_CLIP_TIMEOUT: Final = 120.0
DEFAULT_IMAGE_MAX_BYTES: Final = 10 * 1024 * 1024
DEFAULT_CLIP_MAX_BYTES: Final = 200 * 1024 * 1024
# Cap for ordinary JSON:API responses, so a broken server cannot exhaust memory.
DEFAULT_JSON_MAX_BYTES: Final = 20 * 1024 * 1024
MAX_CLIP_DURATION: Final = timedelta(minutes=15)
# image_options.resolution limits (docs/media.md#image-download).
MAX_IMAGE_WIDTH: Final = 1920
MAX_IMAGE_HEIGHT: Final = 1080
# Ring answers 425 RECORDING_NOT_READY while an event's recording is still being processed
# and gives no number for how long that takes (docs/ambiguities.md#recording-latency): an event's
# frame is retried with backoff for about 30 s in total.
RECORDING_NOT_READY_DELAYS: Final[tuple[float, ...]] = (1.0, 2.0, 4.0, 8.0, 15.0)

# Ring allows 100 requests/second per client id across all users of an app
# (docs/ring-api.md#rate-limits).
DEFAULT_RATE_LIMIT: Final = 100
DEFAULT_RATE_PERIOD: Final = 1.0

# Retries (docs/ring-api.md#retries): "honour Retry-After, exponential backoff starting at 1 s".
RETRY_BACKOFF_BASE: Final = 1.0
RETRY_BACKOFF_MAX: Final = 8.0
RETRY_JITTER: Final = 0.25
DEFAULT_MAX_RETRIES: Final = 3
# A single Retry-After longer than this is not waited out inside a request: the caller
# gets RingPartnerRateLimitError(retry_after=...) and reschedules instead.
DEFAULT_MAX_RETRY_WAIT: Final = 20.0

# Account-link freshness: at most 600 s old; a little clock skew allowed
# (docs/linking.md#link-freshness).
LINK_MAX_AGE: Final = timedelta(seconds=600)
LINK_MAX_FUTURE: Final = timedelta(seconds=5)

SIGNATURE_HEADER: Final = "X-Signature"
SIGNATURE_PREFIX: Final = "sha256="


class _UnknownFallbackEnum(StrEnum):
    """A StrEnum whose unknown wire values map to UNKNOWN instead of raising."""

    @classmethod
    @override
    def _missing_(cls, value: object) -> Self:
        """Return UNKNOWN for values this version does not know."""
        return cls("unknown")


class WebhookEventType(_UnknownFallbackEnum):
    """Webhook `data.type` values (docs/webhooks.md#event-types)."""

    MOTION_DETECTED = "motion_detected"
    BUTTON_PRESS = "button_press"
    DEVICE_ADDED = "device_added"
    DEVICE_REMOVED = "device_removed"
    DEVICE_ONLINE = "device_online"
    DEVICE_OFFLINE = "device_offline"
    APP_INTEGRATION_ADDED = "app_integration_added"
    APP_INTEGRATION_REMOVED = "app_integration_removed"
    SUBSCRIPTION_ACTIVATED = "subscription_activated"
    SUBSCRIPTION_DEACTIVATED = "subscription_deactivated"
    # Early Access sensor events; names unverified (docs/webhooks.md#sensor-events).
    CONTACT_SENSOR_FAULTED = "contact_sensor_faulted"
    CONTACT_SENSOR_CLEARED = "contact_sensor_cleared"
    TAMPER_DETECTED = "tamper_detected"
    TAMPER_CLEARED = "tamper_cleared"
    FLOOD_DETECTED = "flood_detected"
    FLOOD_CLEARED = "flood_cleared"
    FREEZE_DETECTED = "freeze_detected"
    FREEZE_CLEARED = "freeze_cleared"
    TEMPERATURE_EXCEEDED = "temperature_exceeded"
    TEMPERATURE_CLEARED = "temperature_cleared"
    HUMIDITY_EXCEEDED = "humidity_exceeded"
    HUMIDITY_CLEARED = "humidity_cleared"
    PM25_EXCEEDED = "pm25_exceeded"
    PM25_CLEARED = "pm25_cleared"
    CO_EXCEEDED = "co_exceeded"
    CO_CLEARED = "co_cleared"
    UNKNOWN = "unknown"


class MotionSubtype(_UnknownFallbackEnum):
    """Motion detection subtypes (webhooks and dotted history filters)."""

    MOTION = "motion"
    HUMAN = "human"
    VEHICLE = "vehicle"
    ANIMAL = "animal"
    OTHER_MOTION = "other_motion"
    UNKNOWN = "unknown"


class HistoryEventType(_UnknownFallbackEnum):
    """Event history `event_type` values (docs/ring-api.md#history-request)."""

    MOTION = "motion"
    DING = "ding"
    ON_DEMAND = "on_demand"
    UNKNOWN = "unknown"


class IntegrationStatus(_UnknownFallbackEnum):
    """App integration status (docs/ring-api.md#integration-status)."""

    AWAITING = "awaiting"
    COMPLETED = "completed"
    UNKNOWN = "unknown"


class MediaOrigin(_UnknownFallbackEnum):
    """Where a downloaded image came from (`X-Media-Origin`, docs/media.md#image-headers)."""

    RECORDING = "recording"
    SNAPSHOT = "snapshot"
    UNKNOWN = "unknown"


class SubscriptionType(_UnknownFallbackEnum):
    """Partner subscription `sub_type` (docs/ring-api.md#subscriptions)."""

    PAID = "paid"
    TRIAL = "trial"
    UNKNOWN = "unknown"


class DeviceKind(StrEnum):
    """What a device is, derived from evidence: Ring has no type field (docs/ring-api.md#device-kinds)."""

    DOORBELL = "doorbell"
    CAMERA = "camera"
    CHIME = "chime"
    SENSOR = "sensor"
    UNKNOWN = "unknown"

    @property
    def has_video(self) -> bool:
        """Return True for kinds that stream and record video."""
        return self in (DeviceKind.DOORBELL, DeviceKind.CAMERA)


class ImageFormat(StrEnum):
    """Requested image format (`image_options.format`, docs/media.md#image-request)."""

    JPEG = "jpeg"
    PNG = "png"


class VideoCodec(StrEnum):
    """Requested clip codec (`video_options.codec`, docs/media.md#clip-request)."""

    AVC = "avc"
    HEVC = "hevc"


class DeviceInclude(StrEnum):
    """Related resources that `GET /v1/devices?include=` can embed (docs/ring-api.md#includes)."""

    STATUS = "status"
    CAPABILITIES = "capabilities"
    LOCATION = "location"
    CONFIGURATIONS = "configurations"


ALL_INCLUDES: Final[tuple[DeviceInclude, ...]] = tuple(DeviceInclude)

# Audio actions that mark chime playback; readings differ (docs/ambiguities.md#chime-playback-body).
CHIME_PLAY_ACTIONS: Final = frozenset({"chime.play", "playback"})
# Product image folders Ring uses for doorbells: Ring advises keeping an own mapping of device
# kinds, and the product image is the only per-model hint it returns (docs/ring-api.md#device-kinds).
DOORBELL_PRODUCT_MARKERS: Final = ("doorbell", "peephole")


class SensorType(StrEnum):
    """What an Early Access sensor reports (docs/ambiguities.md#sensor-schemas)."""

    CONTACT = "contact"
    FLOOD = "flood"
    FREEZE = "freeze"
    TAMPER = "tamper"
    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    GLASS_BREAK = "glass_break"
    SMOKE = "smoke"
    CO = "co"
    # Air quality: fine particles (PM2.5), known only from threshold webhooks.
    PM25 = "pm25"


# Capability keys that mark a sensor when they carry content (Early Access, unverified),
# and what each one reports. `temperature` and `humidity` are keys only one emulator uses;
# `pm25` (the name the threshold webhooks give the reading) is the simulator's choice, as no
# source shows how an air-quality sensor marks itself (docs/ambiguities.md#sensor-schemas).
SENSOR_CAPABILITY_TYPES: Final[dict[str, SensorType]] = {
    "flood_detection": SensorType.FLOOD,
    "freeze_detection": SensorType.FREEZE,
    "contact_detection": SensorType.CONTACT,
    "tamper_detection": SensorType.TAMPER,
    "glass_break_detection": SensorType.GLASS_BREAK,
    "smoke_detection": SensorType.SMOKE,
    "co_detection_listener": SensorType.CO,
    "temperature": SensorType.TEMPERATURE,
    "humidity": SensorType.HUMIDITY,
    "pm25": SensorType.PM25,
}
SENSOR_CAPABILITIES: Final = tuple(SENSOR_CAPABILITY_TYPES)

# Sensor webhooks that set a status field, as (field, value) (docs/webhooks.md#sensor-events).
SENSOR_STATE_EVENTS: Final[dict[WebhookEventType, tuple[SensorType, bool]]] = {
    WebhookEventType.CONTACT_SENSOR_FAULTED: (SensorType.CONTACT, True),
    WebhookEventType.CONTACT_SENSOR_CLEARED: (SensorType.CONTACT, False),
    WebhookEventType.TAMPER_DETECTED: (SensorType.TAMPER, True),
    WebhookEventType.TAMPER_CLEARED: (SensorType.TAMPER, False),
    WebhookEventType.FLOOD_DETECTED: (SensorType.FLOOD, True),
    WebhookEventType.FLOOD_CLEARED: (SensorType.FLOOD, False),
    WebhookEventType.FREEZE_DETECTED: (SensorType.FREEZE, True),
    WebhookEventType.FREEZE_CLEARED: (SensorType.FREEZE, False),
}
# Threshold webhooks carry the reading under the measurement's name (one library reads them
# so): which attribute holds it.
SENSOR_THRESHOLD_EVENTS: Final[dict[WebhookEventType, str]] = {
    WebhookEventType.TEMPERATURE_EXCEEDED: "temperature",
    WebhookEventType.TEMPERATURE_CLEARED: "temperature",
    WebhookEventType.HUMIDITY_EXCEEDED: "humidity",
    WebhookEventType.HUMIDITY_CLEARED: "humidity",
    WebhookEventType.PM25_EXCEEDED: "pm25",
    WebhookEventType.PM25_CLEARED: "pm25",
    WebhookEventType.CO_EXCEEDED: "co",
    WebhookEventType.CO_CLEARED: "co",
}
# Readings outside these bounds are no readings: humidity is a percentage; PM2.5 in µg/m³
# and CO in ppm, where consumer sensors stop at 1000 (docs/webhooks.md#sensor-events).
SENSOR_READING_LIMITS: Final[dict[str, tuple[float, float]]] = {
    "humidity": (0.0, 100.0),
    "pm25": (0.0, 1000.0),
    "co": (0.0, 1000.0),
}
SENSOR_EVENT_TYPES: Final = frozenset(SENSOR_STATE_EVENTS) | frozenset(
    SENSOR_THRESHOLD_EVENTS
)
# The battery percentage one emulator reports on mains power instead of a level.
BATTERY_ON_MAINS: Final = 255

"""Simulator configuration: credentials, partner URLs, lifetimes, switches and time scale.

Every field can be given to `SimulatorConfig(...)` in-process or as a `python -m simulator`
flag; the keys in `RUNTIME_KEYS` can also be changed while running (`POST /_sim/config`).
Durations are in seconds of simulated time. `time_scale` multiplies the slow waits the
simulator performs in real time (webhook retry schedule, 425 windows, WHEP caps, the RTSP
bridge's idle end): 0.01 turns the 1 s ... 1 h retry schedule into 10 ms ... 36 s.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.scenario import Scenario

MOTION_SUBTYPE_PLACEMENTS = ("data.subType", "attributes.sub_type", "both")
WEBHOOK_RETRY_DELAYS = (1.0, 5.0, 30.0, 120.0, 600.0, 3600.0)
DEFAULT_RTSP_PORT = 8322

# Switches between readings of the docs (and of the independent client libraries) that
# disagree; the first value of each is the default. Each module that reads one says why.
CHOICES: dict[str, tuple[str, ...]] = {
    "motion_subtype_placement": MOTION_SUBTYPE_PLACEMENTS,
    # Inapplicable capability blocks: as recorded (null keys), null, absent, objects of
    # nulls, or empty lists (devices.py).
    "capability_shape": ("recorded", "null", "absent", "nulls", "empty"),
    # Which chime playback body is "right" (chime.py); the other answers 400.
    "chime_playback_body": ("either", "audio_ref", "event"),
    # Chime playback success: 204 (one emulator) or 200 with a JSON:API status (one client).
    "chime_playback_response": ("no_content", "json"),
    # Type of the ids in webhook `component_ids` (all three libraries send strings).
    "component_id_type": ("string", "integer"),
    # Sensor readings in status: {"value", "unit"} objects or bare numbers.
    "sensor_reading_shape": ("object", "number"),
    # How Ring delivers the code to the Token Exchange URL (linking.py).
    "token_exchange_shape": ("form", "json", "query"),
    # POST/PATCH app-integrations answers: flat (documented) or JSON:API-wrapped.
    "app_integration_answer": ("flat", "jsonapi"),
    # WHEP H.264 profile-level-id of answer and stream; auto = what aiortc negotiates.
    "whep_h264_profile": ("auto", "42001f", "42e01f", "64001f"),
    # WHEP video that no decoder can turn into a frame (media/stream.py).
    "whep_video_fault": ("none", "no_keyframe", "garbage"),
}


@dataclass(kw_only=True)
class SimulatorConfig:
    """Everything that shapes one simulator instance."""

    host: str = "127.0.0.1"
    port: int = 8765
    media_port: int = 8766
    client_id: str = "sim-client-id"
    client_secret: str = field(default="sim-client-secret", repr=False)
    hmac_key: str = field(default="sim-hmac-key", repr=False)
    token_exchange_url: str | None = None
    account_link_url: str | None = None
    webhook_url: str | None = None
    # Registered redirect URIs for partner-initiated OAuth; empty accepts any.
    redirect_uris: tuple[str, ...] = ()
    scenario: Scenario | None = None
    time_scale: float = 1.0
    access_token_lifetime: int = 14400
    refresh_token_lifetime: int = 30 * 86400
    appstore_code_lifetime: int = 60
    partner_code_lifetime: int = 600
    playground_token_lifetime: int = 1800
    nonce_window_s: int = 600
    # Requests per second per client id; 0 disables rate limiting.
    rate_limit: int = 100
    history_page_size: int = 10
    recording_segment_s: float = 20.0
    webhook_delivery: bool = True
    webhooks_before_completed: bool = False
    motion_subtype_placement: str = "data.subType"
    capability_shape: str = "recorded"
    component_id_type: str = "string"
    sensor_reading_shape: str = "object"
    # Chimes (chime.py): the action name in `audio.supported_actions`, which body reading is
    # accepted, the success answer, and whether the app holds the Chime Controls scope.
    chime_playback_action: str = "chime.play"
    chime_playback_body: str = "either"
    chime_playback_response: str = "no_content"
    chime_control_granted: bool = True
    token_exchange_shape: str = "form"
    app_integration_answer: str = "flat"
    webhook_timeout_s: float = 5.0
    webhook_retry_delays: tuple[float, ...] = WEBHOOK_RETRY_DELAYS
    webhook_duplicate_rate: float = 0.0
    webhook_max_delay_ms: int = 0
    webhook_reorder: bool = False
    token_exchange_timeout_s: float = 10.0
    # Read by the media package (simulator/media).
    require_ice_candidates: bool = True
    whep_h264_profile: str = "auto"
    whep_video_fault: str = "none"
    whep_cap_battery_s: float = 30.0
    whep_cap_wired_s: float = 60.0
    recording_not_ready_s: float = 2.0
    media_url_lifetime_s: int = 300
    # Read by the RTSP bridge (simulator/rtsp). Its own TLS port: None = 8322, or a free
    # port when `port` is 0 (so in-process simulators never collide); 0 = a free port.
    rtsp_port: int | None = None
    rtsp_idle_timeout_s: float = 120.0
    rtsp_tcp_interleaved: bool = False
    rtsp_accept_avp: bool = False
    rtsp_whep_caps: bool = False
    rtsp_basic_challenge: bool = True
    # Determinism: seed for ids and tokens (None = random), wall clock in epoch seconds.
    seed: int | None = None
    clock: Callable[[], float] | None = field(default=None, repr=False, compare=False)

    def rtsp_listen_port(self) -> int:
        """Return the port the RTSP bridge binds (see `rtsp_port`)."""
        if self.rtsp_port is not None:
            return self.rtsp_port
        return 0 if self.port == 0 else DEFAULT_RTSP_PORT

    def scaled(self, seconds: float) -> float:
        """Return a real-time delay for a simulated duration."""
        return max(0.0, seconds * self.time_scale)

    def public_dict(self) -> dict[str, Any]:
        """Return the runtime-visible settings (no secrets), as for `GET /_sim/config`."""
        return {key: getattr(self, key) for key in sorted(RUNTIME_KEYS)}

    def update(self, changes: dict[str, Any]) -> None:
        """Apply runtime changes after validating names and types; raise ValueError."""
        for key, value in changes.items():
            if key not in RUNTIME_KEYS:
                raise ValueError(f"{key} cannot be changed at runtime")
            setattr(self, key, _coerce(key, value, RUNTIME_KEYS[key]))


def _coerce(key: str, value: Any, kind: type) -> Any:
    """Validate one runtime value against its declared kind."""
    if value is None and key in _NULLABLE:
        return None
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be a boolean")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string")
        if key in CHOICES and value not in CHOICES[key]:
            raise ValueError(f"{key} must be one of {', '.join(CHOICES[key])}")
        if not value and key not in _NULLABLE:
            raise ValueError(f"{key} must not be empty")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} must be a non-negative number")
    return kind(value)


_NULLABLE = {"token_exchange_url", "account_link_url", "webhook_url"}

RUNTIME_KEYS: dict[str, type] = {
    "token_exchange_url": str,
    "account_link_url": str,
    "webhook_url": str,
    "webhook_delivery": bool,
    "webhooks_before_completed": bool,
    "motion_subtype_placement": str,
    "capability_shape": str,
    "component_id_type": str,
    "sensor_reading_shape": str,
    "chime_playback_action": str,
    "chime_playback_body": str,
    "chime_playback_response": str,
    "chime_control_granted": bool,
    "token_exchange_shape": str,
    "app_integration_answer": str,
    "require_ice_candidates": bool,
    "whep_h264_profile": str,
    "whep_video_fault": str,
    "whep_cap_battery_s": float,
    "whep_cap_wired_s": float,
    "recording_not_ready_s": float,
    "time_scale": float,
    "rate_limit": int,
    "history_page_size": int,
    "access_token_lifetime": int,
    "webhook_timeout_s": float,
    "webhook_duplicate_rate": float,
    "webhook_max_delay_ms": int,
    "webhook_reorder": bool,
    "media_url_lifetime_s": int,
    "rtsp_idle_timeout_s": float,
    "rtsp_tcp_interleaved": bool,
    "rtsp_accept_avp": bool,
    "rtsp_whep_caps": bool,
    "rtsp_basic_challenge": bool,
}

"""Support for Ring Partner cameras: WebRTC live view over WHEP and still images.

Ring's WHEP endpoint takes one complete offer and no trickle ICE (docs/media.md#whep-live-view),
while Home Assistant's frontend sends its offer first and trickles candidates afterwards. Each
live view therefore gathers trickled candidates for a short window (`CandidateCollector`),
merges them into the offer (the client's `merge_candidates`) and only then POSTs it.

Ring ends a live view at its cap without telling the viewer, and the frontend's player keeps
showing the last picture. So at the cap (or when the device goes offline) the view is ended
here with a translated WebRTC error, the one message the frontend shows; it cannot restart a
session by itself, so the message says how to resume (docs/media.md#live-view-end).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
import time
from typing import Any, Final, override

from webrtc_models import RTCIceCandidateInit

from homeassistant.components.camera import (
    Camera,
    CameraEntityDescription,
    CameraEntityFeature,
    WebRTCAnswer,
    WebRTCError,
    WebRTCSendMessage,
)
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .client import (
    Device,
    IceCandidate,
    RingPartnerError,
    RingPartnerUnavailableError,
    WhepSession,
    candidate_line,
    count_candidates,
    merge_candidates,
    offer_is_complete,
)
from .const import DOMAIN, LOGGER
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .entity import (
    RingPartnerEntityDescription,
    RingPartnerSnapshotEntity,
    async_add_entities_for,
    ring_errors,
)
from .errors import is_device_offline
from .placeholder import async_placeholder, translated
from .stream import async_stream_source

PARALLEL_UPDATES = 0

# Gathering window for trickled candidates. Browsers report host candidates within
# milliseconds and STUN candidates within a few hundred; 300 ms without a new one means
# gathering is as good as over. The cap bounds what a slow STUN or TURN server can add to
# the time to first frame.
CANDIDATE_QUIET_GAP: Final = 0.3
CANDIDATE_GATHER_CAP: Final = 2.0
# Ring ends live views after 30 s on battery and 60 s on line power, but exposes no power
# source (docs/ambiguities.md#power-source-and-live-view-cap): a `battery_status`
# capability is the only hint, and absent it the longer cap is assumed. The timer only
# closes bookkeeping Ring has ended anyway, so guessing long never cuts a view short.
WHEP_CAP_BATTERY: Final = timedelta(seconds=30)
WHEP_CAP_LINE_POWER: Final = timedelta(seconds=60)

ATTR_IMAGE_CAPTURED_AT: Final = "image_captured_at"
ATTR_IMAGE_ORIGIN: Final = "image_origin"
# The origin shown while the camera serves the generated placeholder (placeholder.py).
ORIGIN_PLACEHOLDER: Final = "placeholder"
# WebRTC error codes of a live view ended by Ring; the messages are translated.
LIVE_VIEW_ENDED: Final = "live_view_ended"
LIVE_VIEW_OFFLINE: Final = "live_view_offline"
# The code Home Assistant itself uses for a failed offer.
OFFER_FAILED: Final = "webrtc_offer_failed"

type Wait = Callable[[asyncio.Event, float], Awaitable[bool]]


@dataclass(frozen=True, kw_only=True)
class RingPartnerCameraEntityDescription(
    CameraEntityDescription, RingPartnerEntityDescription
):
    """Describe a Ring Partner camera; `lens` picks an extra lens of a multi-camera device."""

    lens: int | None = None


CAMERA = RingPartnerCameraEntityDescription(
    key="camera",
    translation_key="camera",
    name=None,
    exists_fn=lambda device: device.has_video,
)
# The main camera shows a multi-camera device's default lens; each further lens gets its own
# camera (docs/media.md#multi-lens-devices). Ring Elite setups are known with a few modules.
MAX_LENSES: Final = 4


def _has_lens(lens: int) -> Callable[[Device], bool]:
    """Return the existence rule of the camera for lens `lens` (from 0)."""
    return lambda device: len(device.components) > lens


LENS_CAMERAS: Final = tuple(
    RingPartnerCameraEntityDescription(
        key=f"camera_lens_{lens + 1}",
        translation_key="lens",
        translation_placeholders={"lens": str(lens + 1)},
        lens=lens,
        exists_fn=_has_lens(lens),
    )
    for lens in range(1, MAX_LENSES)
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a camera for every device with video, now and as devices appear."""
    async_add_entities_for(
        entry, async_add_entities, (CAMERA, *LENS_CAMERAS), RingPartnerCamera
    )


def live_view_cap(device: Device) -> timedelta:
    """Return how long Ring keeps this device's live view open."""
    if device.capabilities is not None and device.capabilities.battery_status:
        return WHEP_CAP_BATTERY
    return WHEP_CAP_LINE_POWER


async def _wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds` for `event`; return True if it was set."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True


class _DeviceOfflineError(Exception):
    """Ring answered the offer with 503 Device Unavailable."""


class CandidateCollector:
    """Collect one live view's trickled candidates until a quiet gap or a hard cap.

    Before the first candidate, an offer without any candidates waits up to the cap: such
    an offer can never connect, and the first candidate needs a round trip (offer, session
    id back to the browser, candidate to Home Assistant). After that, a quiet gap with no
    new candidate ends the window. The clock and the wait are injectable for tests.
    """

    def __init__(
        self,
        *,
        quiet: float,
        cap: float,
        have_candidates: bool,
        clock: Callable[[], float] = time.monotonic,
        wait: Wait = _wait_event,
    ) -> None:
        """Initialize with the quiet gap and hard cap in seconds."""
        self._quiet = quiet
        self._cap = cap
        self._have_candidates = have_candidates
        self._clock = clock
        self._wait = wait
        self._candidates: list[IceCandidate] = []
        self._changed = asyncio.Event()
        self._open = True
        self.aborted = False

    @property
    def is_open(self) -> bool:
        """Return True while candidates are still accepted."""
        return self._open

    def add(self, candidate: IceCandidate) -> bool:
        """Accept a candidate while the window is open; return False when it is too late."""
        if not self._open:
            return False
        if candidate_line(candidate) is not None:
            self._candidates.append(candidate)
            self._have_candidates = True
            self._changed.set()
        return True

    def abort(self) -> None:
        """Stop collecting now: the session was closed before the offer went out."""
        self.aborted = True
        self._open = False
        self._changed.set()

    async def collect(self) -> list[IceCandidate]:
        """Wait for the window to close and return the candidates received in it."""
        deadline = self._clock() + self._cap
        try:
            while self._open:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    break
                timeout = (
                    min(self._quiet, remaining) if self._have_candidates else remaining
                )
                self._changed.clear()
                if not await self._wait(self._changed, timeout):
                    break
        finally:
            self._open = False
        return list(self._candidates)


@dataclass(slots=True)
class LiveView:
    """One browser's live view: gathering, then an open WHEP session."""

    send_message: WebRTCSendMessage
    collector: CandidateCollector | None = None
    whep: WhepSession | None = None
    cancel_cap: CALLBACK_TYPE | None = None

    def end(self) -> WhepSession | None:
        """Stop gathering and the cap timer; return the WHEP session if one was open."""
        if self.collector is not None and self.collector.is_open:
            self.collector.abort()
        if self.cancel_cap is not None:
            self.cancel_cap()
        return self.whep


def _ice_candidate(candidate: RTCIceCandidateInit) -> IceCandidate:
    """Convert the frontend's candidate into the client's."""
    return IceCandidate(
        candidate.candidate,
        sdp_mid=candidate.sdp_mid,
        sdp_m_line_index=candidate.sdp_m_line_index,
    )


class RingPartnerCamera(RingPartnerSnapshotEntity, Camera):
    """A Ring camera or doorbell with native WebRTC live view."""

    entity_description: RingPartnerCameraEntityDescription
    _attr_brand = "Ring"
    _attr_supported_features = CameraEntityFeature.STREAM

    def __init__(
        self,
        *,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerCameraEntityDescription,
    ) -> None:
        """Initialize the camera of a device, or of one of its extra lenses."""
        lens = description.lens
        components = coordinator.data[device_id].components
        self._component = (
            components[lens] if lens is not None and lens < len(components) else None
        )
        super().__init__(
            coordinator=coordinator,
            device_id=device_id,
            description=description,
            component=self._component,
        )
        # CoordinatorEntity does not chain __init__, so Camera's state needs its own call.
        Camera.__init__(self)
        self._live_views: dict[str, LiveView] = {}
        self._image_attributes = self._current_image_attributes()
        self._was_online = self._online

    @property
    def _online(self) -> bool:
        """Return False only while Ring reports the device offline."""
        device = self.coordinator.data.get(self.device_id)
        status = device.status if device else None
        return not (status is not None and status.online is False)

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """End the live views of a device that went offline, telling each viewer."""
        online = self._online
        if self._was_online and not online:
            for session_id in list(self._live_views):
                self._end_live_view(session_id, LIVE_VIEW_OFFLINE)
        self._was_online = online
        super()._handle_coordinator_update()

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Say when the still was captured and how, so nobody takes it for live."""
        return self._image_attributes

    @callback
    @override
    def _handle_new_image(self) -> None:
        """Write state when the still's capture time or origin changed."""
        attributes = self._current_image_attributes()
        if attributes != self._image_attributes:
            self._image_attributes = attributes
            self.async_write_ha_state()

    def _current_image_attributes(self) -> dict[str, Any]:
        """Return capture time and origin of the cached still."""
        image = self._snapshots.image
        captured: datetime | None = image.captured_at if image else None
        origin = self._snapshots.origin
        return {
            ATTR_IMAGE_CAPTURED_AT: captured.isoformat() if captured else None,
            ATTR_IMAGE_ORIGIN: str(origin) if origin else ORIGIN_PLACEHOLDER,
        }

    @property
    @override
    def motion_detection_enabled(self) -> bool:
        """Mirror the device's motion detection setting (read-only at Ring)."""
        device = self.coordinator.data.get(self.device_id)
        configurations = device.configurations if device else None
        return bool(configurations and configurations.motion_detection_enabled)

    @override
    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Return the latest frame Ring allows, or a placeholder that says there is none.

        Never None: the camera proxy would answer 500 and dashboards show a broken tile.
        """
        image = await self._snapshots.async_image(width, height)
        if image is None:
            reason = (
                "placeholder_no_recording"
                if self._snapshots.nothing_recorded
                else "placeholder_no_picture"
            )
            self.content_type = "image/jpeg"
            return await async_placeholder(self.hass, self.device.name, reason)
        self.content_type = image.content_type
        return image.content

    @override
    async def stream_source(self) -> str:
        """Return the loopback relay's URL for Ring's RTSP bridge (docs/streaming.md)."""
        return await async_stream_source(self)

    @override
    async def async_handle_async_webrtc_offer(
        self, offer_sdp: str, session_id: str, send_message: WebRTCSendMessage
    ) -> None:
        """Complete the browser's offer, POST it to Ring's WHEP endpoint, relay the answer.

        An offline device is told to the viewer as a WebRTC error without an exception, so
        an expected condition logs no ERROR.
        """
        if not self._online:
            LOGGER.debug("Live view of %s: the device is offline", self.device_id)
            send_message(WebRTCError(OFFER_FAILED, translated("device_offline")))
            return
        view = LiveView(send_message=send_message)
        # Registered before the first await: the browser learns the session id from the
        # same websocket and may trickle candidates from then on.
        self._live_views[session_id] = view
        try:
            offer = await self._async_gather(offer_sdp, view)
            whep = None if offer is None else await self._async_create_session(offer)
        except _DeviceOfflineError:
            if self._live_views.get(session_id) is view:
                self._live_views.pop(session_id)
            LOGGER.debug("Live view of %s: Ring says it is offline", self.device_id)
            send_message(WebRTCError(OFFER_FAILED, translated("device_offline")))
            return
        except BaseException:
            if self._live_views.get(session_id) is view:
                self._live_views.pop(session_id)
            raise
        if whep is None:
            return
        if self._live_views.get(session_id) is not view:
            # Closed while Ring was answering: end the session Ring just opened.
            await self._async_delete(whep)
            return
        view.whep = whep
        view.cancel_cap = async_call_later(
            self.hass,
            live_view_cap(self.device),
            HassJob(
                partial(self._async_cap_reached, session_id), cancel_on_shutdown=True
            ),
        )
        self._set_streaming()
        send_message(WebRTCAnswer(whep.answer_sdp))

    async def _async_gather(self, offer: str, view: LiveView) -> str | None:
        """Gather trickled candidates unless the offer is complete; None if closed meanwhile."""
        if offer_is_complete(offer):
            return offer
        view.collector = CandidateCollector(
            quiet=CANDIDATE_QUIET_GAP,
            cap=CANDIDATE_GATHER_CAP,
            have_candidates=count_candidates(offer) > 0,
        )
        candidates = await view.collector.collect()
        if view.collector.aborted:
            return None
        LOGGER.debug(
            "Live view of %s: %d trickled candidates merged into the offer",
            self.device_id,
            len(candidates),
        )
        return merge_candidates(offer, candidates)

    @ring_errors
    async def _async_create_session(self, offer: str) -> WhepSession:
        """POST the complete offer to Ring's WHEP endpoint."""
        try:
            return await self.coordinator.client.create_whep_session(
                self.device_id, offer, component_id=self._component
            )
        except RingPartnerUnavailableError as err:
            if is_device_offline(err):
                raise _DeviceOfflineError from err
            raise

    @override
    async def async_on_webrtc_candidate(
        self, session_id: str, candidate: RTCIceCandidateInit
    ) -> None:
        """Collect a trickled candidate while its offer is still being gathered."""
        view = self._live_views.get(session_id)
        if (
            view is None
            or view.collector is None
            or not view.collector.add(_ice_candidate(candidate))
        ):
            LOGGER.debug(
                "Dropping an ICE candidate for %s: its offer already went to Ring,"
                " which takes no trickle ICE",
                self.device_id,
            )

    @callback
    @override
    def close_webrtc_session(self, session_id: str) -> None:
        """Close a live view: stop gathering, cancel its timer, DELETE it at Ring."""
        if (whep := self._pop_live_view(session_id)) is not None:
            self.hass.async_create_task(
                self._async_delete(whep), f"{DOMAIN} close live view"
            )
        super().close_webrtc_session(session_id)

    @callback
    def _async_cap_reached(self, session_id: str, _now: datetime) -> None:
        """Tell the viewer Ring ended the live view at its cap; DELETE it to be sure."""
        self._end_live_view(session_id, LIVE_VIEW_ENDED)

    @callback
    def _end_live_view(self, session_id: str, code: str) -> None:
        """End a live view from our side: the viewer gets a message, Ring a DELETE."""
        view = self._live_views.get(session_id)
        if view is None:
            return
        seconds = int(live_view_cap(self.device).total_seconds())
        view.send_message(WebRTCError(code, translated(code, seconds=str(seconds))))
        self.close_webrtc_session(session_id)

    def _pop_live_view(
        self, session_id: str, *, write_state: bool = True
    ) -> WhepSession | None:
        """Drop a live view's bookkeeping; return its WHEP session if one was open."""
        view = self._live_views.pop(session_id, None)
        if view is None:
            return None
        whep = view.end()
        if write_state:
            self._set_streaming()
        return whep

    @callback
    def _set_streaming(self) -> None:
        """Show the camera as streaming while any live view is open."""
        streaming = any(view.whep for view in self._live_views.values())
        if streaming != self._attr_is_streaming:
            self._attr_is_streaming = streaming
            self.async_write_ha_state()

    async def _async_delete(self, whep: WhepSession) -> None:
        """DELETE a WHEP session; failures only mean Ring ends it at the cap instead."""
        try:
            await self.coordinator.client.delete_whep_session(whep)
        except RingPartnerError as err:
            LOGGER.debug("Could not close a live view of %s: %s", self.device_id, err)

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Close every live view when the entity goes (unload, removal)."""
        await super().async_will_remove_from_hass()
        sessions = [
            whep
            for session_id in list(self._live_views)
            if (whep := self._pop_live_view(session_id, write_state=False)) is not None
        ]
        for whep in sessions:
            await self._async_delete(whep)

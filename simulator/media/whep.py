"""WHEP live view: `POST .../media/streaming/whep/sessions` and `DELETE .../sessions/{id}` (docs/media.md#whep-live-view).

A session answers 201 with an SDP answer and an absolute `Location`, sends synthetic video
(and Opus silence when audio was offered), and is closed by the server at the cap: 30 s on
battery, 60 s on line power (`whep_cap_battery_s` / `whep_cap_wired_s`, scaled by
`time_scale`). It creates an `on_demand` history entry and, when it ends, a recording of its
time span; while it runs, that span already counts as footage. Device offline or removed and
app uninstall end sessions too. Choices for docs/ambiguities.md#whep-session-details: DELETE answers 204, and 404 for an
unknown, deleted or already ended session; any number of concurrent sessions is allowed; the
cap is per session. `?component_id=N` must name a lens of a multi-camera (400 otherwise) and
selects whose frames are sent; other cameras accept any non-negative integer and ignore it.
`whep_h264_profile` and `whep_video_fault` shape the stream (peer.py, stream.py).
"""

import asyncio
from dataclasses import dataclass, field
import logging
from typing import Any, Final

from aiohttp import web

from simulator.components import UnknownComponentError, select_component
from simulator.errors import JsonApiError, bad_request, not_found
from simulator.models import Account, Device

from .context import MediaContext
from .peer import LivePeer, answer_offer
from .sdp import OfferError, validate_offer
from .search import Footage

_LOGGER = logging.getLogger(__name__)

SESSIONS_PATH: Final = "/v1/devices/{device_id}/media/streaming/whep/sessions"
SESSION_PATH: Final = SESSIONS_PATH + "/{session_id}"
SDP_CONTENT_TYPE: Final = "application/sdp"
_ENDING_DEVICE_CHANGES: Final = frozenset({"device_offline", "device_removed"})


@dataclass(kw_only=True)
class WhepSession:
    """One live-view session and its bookkeeping (shown by `GET /_sim/whep/sessions`)."""

    id: str
    device_id: str
    account_id: str
    component_id: int | str | None
    offer_sdp: str = field(repr=False)
    answer_sdp: str = field(repr=False)
    created_ms: int
    event_id: str
    peer: LivePeer | None = field(default=None, repr=False)
    cap: asyncio.TimerHandle | None = field(default=None, repr=False)
    closed: bool = False
    deleted: bool = False
    closed_ms: int | None = None
    close_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the control-API view of the session."""
        return {
            "id": self.id,
            "device_id": self.device_id,
            "component_id": self.component_id,
            "offer_sdp": self.offer_sdp,
            "answer_sdp": self.answer_sdp,
            "created_ms": self.created_ms,
            "closed": self.closed,
            "closed_ms": self.closed_ms,
            "close_reason": self.close_reason,
            "deleted": self.deleted,
        }


def _component_id(
    request: web.Request, device: Device
) -> tuple[int | str | None, str | None]:
    """Return the `component_id` query parameter and the lens it selects."""
    raw = request.query.get("component_id")
    if raw is None:
        return None, None
    if device.components:
        try:
            lens = select_component(device, raw)
        except UnknownComponentError as err:
            raise bad_request(str(err)) from None
        return (int(raw) if raw.isdigit() else raw), lens
    if not raw.isdigit():
        raise bad_request("component_id must be a non-negative integer")
    return int(raw), None


class WhepSessions:
    """Create, track, cap and end live-view sessions."""

    def __init__(self, ctx: MediaContext) -> None:
        """Initialize with no sessions."""
        self._ctx = ctx
        self._state = ctx.state
        self._sessions: dict[str, WhepSession] = {}

    def live_footage(self, device: Device) -> list[Footage]:
        """Return the spans live sessions of a device have recorded so far."""
        now = self._state.now_ms()
        return [
            Footage(session.created_ms, now, session.event_id)
            for session in self._sessions.values()
            if session.device_id == device.id and not session.closed
        ]

    async def create(self, request: web.Request) -> web.StreamResponse:
        """Answer an SDP offer: 201, `application/sdp`, absolute `Location`."""
        state = self._state
        account = state.authenticate(request)
        device = state.device_for(account, request.match_info["device_id"])
        if request.content_type != SDP_CONTENT_TYPE:
            raise bad_request(f"Content-Type must be {SDP_CONTENT_TYPE}")
        component_id, lens = _component_id(request, device)
        if not device.has_video:
            raise bad_request("Device does not support live video")
        if not device.online:
            raise JsonApiError(503, "Device Unavailable", "Device is currently offline")
        offer_sdp = await request.text()
        try:
            offer = validate_offer(
                offer_sdp, require_candidates=state.config.require_ice_candidates
            )
            peer = await answer_offer(
                offer_sdp,
                offer,
                self._ctx.source(device, lens),
                now_ms=state.now_ms,
                profile=state.config.whep_h264_profile,
                fault=state.config.whep_video_fault,
            )
        except (OfferError, ValueError) as err:
            raise bad_request(str(err) or "Invalid SDP offer") from None
        now = state.now_ms()
        event = state.add_history_event(device, "on_demand", now, None)
        session = WhepSession(
            id=state.ids.token(18),
            device_id=device.id,
            account_id=account.id,
            component_id=component_id,
            offer_sdp=offer_sdp,
            answer_sdp=peer.answer_sdp,
            created_ms=now,
            event_id=event.id,
            peer=peer,
        )
        self._sessions[session.id] = session
        cap_s = (
            state.config.whep_cap_battery_s
            if device.battery
            else state.config.whep_cap_wired_s
        )
        session.cap = state.call_later(
            state.config.scaled(cap_s), lambda: self._end_soon(session, "cap")
        )

        def _on_state() -> None:
            """End the session when ICE/DTLS fails."""
            if peer.pc.connectionState == "failed":
                self._end_soon(session, "failed")

        peer.pc.add_listener("connectionstatechange", _on_state)

        path = SESSION_PATH.format(device_id=device.id, session_id=session.id)
        return web.Response(
            status=201,
            body=peer.answer_sdp.encode(),
            content_type=SDP_CONTENT_TYPE,
            headers={"Location": f"{state.base_url}{path}"},
        )

    async def delete(self, request: web.Request) -> web.StreamResponse:
        """End a session on the partner's request: 204, then 404."""
        account = self._state.authenticate(request)
        device = self._state.device_for(account, request.match_info["device_id"])
        session = self._sessions.get(request.match_info["session_id"])
        if (
            session is None
            or session.device_id != device.id
            or session.closed
            or session.deleted
        ):
            raise not_found("Unknown or expired WHEP session")
        session.deleted = True
        await self.end(session, "deleted")
        return web.Response(status=204)

    async def list_sessions(self, _request: web.Request) -> web.StreamResponse:
        """Return every session, for tests (`GET /_sim/whep/sessions`)."""
        return web.json_response(
            [session.as_dict() for session in self._sessions.values()]
        )

    def _end_soon(self, session: WhepSession, reason: str) -> None:
        """End a session from a callback (cap timer, listener, connection state)."""
        if not session.closed:
            self._state.spawn(self.end(session, reason), name=f"whep-end-{reason}")

    async def end(self, session: WhepSession, reason: str) -> None:
        """Close a session's peer connection; finish its history entry and recording."""
        if session.closed:
            return
        state = self._state
        now = state.now_ms()
        session.closed, session.closed_ms, session.close_reason = True, now, reason
        if session.cap is not None:
            session.cap.cancel()
        if (event := state.event(session.event_id)) is not None:
            event.end_ms = now
        if (device := state.devices.get(session.device_id)) is not None:
            state.add_recording(device, session.created_ms, now, session.event_id)
        peer, session.peer = session.peer, None
        if peer is not None:
            await peer.close()
        _LOGGER.debug("WHEP session on %s ended: %s", session.device_id, reason)

    def on_state_change(
        self, kind: str, device: Device | None, account: Account
    ) -> None:
        """End sessions when their device goes offline or away, or the app is removed."""
        for session in list(self._sessions.values()):
            if (
                device is not None
                and kind in _ENDING_DEVICE_CHANGES
                and session.device_id == device.id
            ) or (
                device is None
                and kind == "account_unlinked"
                and session.account_id == account.id
            ):
                self._end_soon(session, kind)

    async def close(self) -> None:
        """End every open session (simulator shutdown)."""
        open_sessions = [
            session for session in self._sessions.values() if not session.closed
        ]
        await asyncio.gather(
            *(self.end(session, "shutdown") for session in open_sessions)
        )

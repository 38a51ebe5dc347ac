"""The RTSP bridge server: TLS listener, sessions, liveness, and the simulator's events.

Liveness follows Ring's description: no keep-alives are needed, a session lives while packets
flow and is ended after `rtsp_idle_timeout_s` (2 minutes, scaled by `time_scale`) without
one; the clock starts at DESCRIBE. Packets stop when the device goes offline, or, with the
switch `rtsp_whep_caps` (off by default: the docs say bridge sessions persist), when the WHEP
cap of the upstream live session is reached (30 s battery, 60 s line power). A closed
connection ends its session at once; so do device removal and app uninstall. PLAY, like a
WHEP live view, adds an `on_demand` history entry and, when the session ends, a recording.
The media is what Ring's WHEP side would send, so `whep_h264_profile` (fixed at DESCRIBE, as
the SDP announces it) and `whep_video_fault` shape it too.
"""

import asyncio
import contextlib
import logging
import ssl
from typing import Final

from aiohttp import web

from simulator.media.frames import FrameSource
from simulator.media.search import Footage
from simulator.media.stream import SyntheticVideoTrack
from simulator.models import Account, Device
from simulator.state import SimState

from .certificate import BridgeCertificate
from .connection import Connection
from .media import PacketSink, UdpPorts, VideoSender
from .messages import MAX_HEAD
from .session import BridgeSession

_LOGGER = logging.getLogger(__name__)

STREAM_PATH: Final = "/v1/devices/{device_id}/stream"
_ENDING_CHANGES: Final = frozenset({"device_removed", "account_unlinked"})
_HANDSHAKE_S: Final = 10.0


class RtspBridge:
    """Ring's RTSP bridge on its own TLS port (`rtsps://HOST:PORT/v1/devices/<id>/stream`)."""

    def __init__(self, state: SimState) -> None:
        """Prepare; nothing listens until `start()`."""
        self.state = state
        self.sessions: dict[str, BridgeSession] = {}
        self.port = 0
        self.certificate: BridgeCertificate | None = None
        self._server: asyncio.Server | None = None
        self._tls: ssl.SSLContext | None = None
        self._connections: set[Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Return the bridge origin, e.g. `rtsps://127.0.0.1:8322`."""
        return f"rtsps://{self.state.config.host}:{self.port}"

    def stream_url(self, device_id: str) -> str:
        """Return a device's stream URL."""
        return self.url + STREAM_PATH.format(device_id=device_id)

    async def start(self) -> None:
        """Generate the certificate and listen (`config.rtsp_listen_port()`).

        The TLS handshake runs inside the connection task (`start_tls`), so a client that
        speaks plain TCP or rejects the certificate is a closed connection, not an error
        report on the event loop.
        """
        config = self.state.config
        self.certificate = BridgeCertificate.create(config.host)
        self._tls = self.certificate.server_context()
        self._server = await asyncio.start_server(
            self._accept, config.host, config.rtsp_listen_port(), limit=MAX_HEAD
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """End every session, drop every connection and stop listening."""
        await asyncio.gather(
            *(self.end(s, "shutdown") for s in list(self.sessions.values()))
        )
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for connection in list(self._connections):
            connection.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            server.close_clients()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await server.wait_closed()
        if self.certificate is not None:
            self.certificate.remove()
            self.certificate = None

    async def _accept(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Shake hands, then serve one client connection until it closes."""
        task = asyncio.current_task()
        assert task is not None
        assert self._tls is not None
        self._tasks.add(task)
        try:
            try:
                await writer.start_tls(self._tls, ssl_handshake_timeout=_HANDSHAKE_S)
            except (OSError, TimeoutError) as err:  # ssl.SSLError is an OSError
                _LOGGER.debug("RTSP TLS handshake failed: %s", err)
                writer.transport.abort()
                return
            connection = Connection(self, reader, writer)
            self._connections.add(connection)
            try:
                await connection.serve()
            finally:
                self._connections.discard(connection)
        finally:
            self._tasks.discard(task)

    # -- sessions -----------------------------------------------------------------------
    def add_session(self, session: BridgeSession) -> None:
        """Register a new session and start its idle clock."""
        self.sessions[session.id] = session
        self.touch(session)
        self._arm_idle(session, self._idle_timeout())

    def touch(self, session: BridgeSession) -> None:
        """Note activity (a packet sent) for the idle rule."""
        session.last_activity = asyncio.get_running_loop().time()

    def _idle_timeout(self) -> float:
        """Return the real-time idle limit."""
        return self.state.config.scaled(self.state.config.rtsp_idle_timeout_s)

    def _arm_idle(self, session: BridgeSession, delay: float) -> None:
        """Check the session for idleness after `delay` seconds."""
        session.timers.append(
            self.state.call_later(delay, lambda: self._check_idle(session))
        )

    def _check_idle(self, session: BridgeSession) -> None:
        """End the session if no packet flowed for the idle timeout; else look again."""
        if session.ended:
            return
        idle = asyncio.get_running_loop().time() - session.last_activity
        remaining = self._idle_timeout() - idle
        if remaining <= 0:
            self.end_soon(session, "idle")
        else:
            self._arm_idle(session, remaining)

    async def open_udp(self) -> UdpPorts:
        """Bind a server RTP/RTCP port pair on the bridge's address."""
        return await UdpPorts.open(self.state.config.host)

    def start_media(
        self, session: BridgeSession, device: Device, sink: PacketSink
    ) -> None:
        """Open the upstream live session: history entry, cap timer, packets."""
        state = self.state
        now = state.now_ms()
        session.state = "playing"
        session.playing_ms = now
        session.event_id = state.add_history_event(device, "on_demand", now, None).id
        if state.config.rtsp_whep_caps:
            cap = (
                state.config.whep_cap_battery_s
                if device.battery
                else state.config.whep_cap_wired_s
            )
            session.timers.append(
                state.call_later(
                    state.config.scaled(cap), lambda: self.stop_media(session, "cap")
                )
            )
        track = SyntheticVideoTrack(
            FrameSource(device_id=device.id, device_name=device.name),
            "H264",
            now_ms=state.now_ms,
            profile=session.h264_profile,
            fault=state.config.whep_video_fault,
        )

        def on_packet(size: int) -> None:
            session.packets_sent += 1
            session.bytes_sent += size
            self.touch(session)

        session.sender = VideoSender(
            track=track,
            key=session.key,
            ssrc=session.ssrc,
            sink=sink,
            on_packet=on_packet,
        )
        session.sender.start(state.spawn)

    def stop_media(self, session: BridgeSession, reason: str) -> None:
        """Stop the packets of a playing session; the idle rule ends it later."""
        if session.ended or session.media_stopped is not None:
            return
        session.media_stopped = reason
        sender, session.sender = session.sender, None
        if sender is not None:
            self.state.spawn(sender.stop(), name="rtsp-media-stop")
        _LOGGER.debug("RTSP session media stopped: %s", reason)

    def end_soon(self, session: BridgeSession, reason: str) -> None:
        """End a session from a callback."""
        if not session.ended:
            self.state.spawn(self.end(session, reason), name=f"rtsp-end-{reason}")

    async def end(
        self, session: BridgeSession, reason: str, *, hangup: bool = True
    ) -> None:
        """End a session: stop packets, free ports, finish history; close the connection."""
        if session.ended:
            return
        state = self.state
        now = state.now_ms()
        was_playing = session.playing_ms is not None
        session.state, session.ended_ms, session.end_reason = "ended", now, reason
        for timer in session.timers:
            timer.cancel()
        session.timers.clear()
        sender, session.sender = session.sender, None
        if sender is not None:
            await sender.stop()
        udp, session.udp = session.udp, None
        if udp is not None:
            udp.close()
        if was_playing and session.event_id is not None:
            if (event := state.event(session.event_id)) is not None:
                event.end_ms = now
            if (device := state.devices.get(session.device_id)) is not None:
                assert session.playing_ms is not None
                state.add_recording(device, session.playing_ms, now, session.event_id)
        if hangup and session.hangup is not None:
            session.hangup()
        _LOGGER.debug("RTSP session on %s ended: %s", session.device_id, reason)

    # -- the rest of the simulator ----------------------------------------------------
    def live_footage(self, device: Device) -> list[Footage]:
        """Return the spans that playing sessions of a device have recorded so far."""
        now = self.state.now_ms()
        return [
            Footage(s.playing_ms, now, s.event_id)
            for s in self.sessions.values()
            if s.device_id == device.id
            and not s.ended
            and s.playing_ms is not None
            and s.event_id is not None
        ]

    def on_state_change(
        self, kind: str, device: Device | None, account: Account
    ) -> None:
        """Stop packets when a device goes offline; end sessions on removal or uninstall."""
        for session in list(self.sessions.values()):
            if session.ended:
                continue
            ours = (device is not None and session.device_id == device.id) or (
                device is None and session.account_id == account.id
            )
            if not ours:
                continue
            if kind == "device_offline" and session.state == "playing":
                self.stop_media(session, "device_offline")
            elif kind in _ENDING_CHANGES:
                self.end_soon(session, kind)

    async def list_sessions(self, request: web.Request) -> web.StreamResponse:
        """`GET /_sim/rtsp/sessions` (oldest first); `DELETE` forgets ended ones."""
        if request.method == "DELETE":
            self.sessions = {k: s for k, s in self.sessions.items() if not s.ended}
        return web.json_response([s.as_dict() for s in self.sessions.values()])

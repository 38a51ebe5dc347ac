"""One camera's upstream feed: a single bridge session shared by every local viewer.

The session opens when the first viewer asks for the stream and closes when the last one
leaves (docs/streaming.md#on-demand), so a battery camera streams only while something
reads. A refusal that retrying cannot fix is kept as a verdict and answered locally, so the
stream worker's endless restarts never reach Ring (docs/streaming.md#bridge-errors).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import secrets
from typing import Final, Protocol

from ..client import (
    RingPartnerAuthenticationError,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerNotFoundError,
    RingPartnerUnavailableError,
    RingPartnerUnsupportedTransportError,
)
from ..client.rtsp import BridgeDescription, BridgeSession

_LOGGER = logging.getLogger(__name__)

# How long a 503 is answered locally when no device_online arrives to clear it earlier.
UNAVAILABLE_HOLD: Final = 60.0
# Refusals kept until the relay is rebuilt (entry reload, re-link): retrying cannot help.
_TERMINAL: Final = (
    RingPartnerAuthenticationError,
    RingPartnerForbiddenError,
    RingPartnerNotFoundError,
    RingPartnerUnsupportedTransportError,
)


def shift_timestamp(packet: bytes, offset: int) -> bytes:
    """Return the RTP packet with `offset` added to its timestamp (modulo 2**32).

    Ring's bridge starts RTP timestamps at 0 (`RTP-Info: rtptime=0`), and FFmpeg's RTP
    demuxer takes a 0 timestamp for "no base yet": the first frame then gets no timestamp
    and the second gets 0, so HA's segmenter starts a frame below zero and its recorder
    writes a broken MP4. A random start, as RFC 3550 asks for, avoids it.
    """
    if len(packet) < 12:
        return packet
    timestamp = (int.from_bytes(packet[4:8]) + offset) % 2**32
    return packet[:4] + timestamp.to_bytes(4) + packet[8:]


type SessionFactory = Callable[
    [str, Callable[[bytes], None], Callable[[], None]], BridgeSession
]
"""Build a bridge session for (device id, on_packet, on_end)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    """A refusal answered locally; `until` is a monotonic deadline, None for good."""

    error: RingPartnerError
    until: float | None

    def active(self, now: float) -> bool:
        """Return True while the verdict still stands."""
        return self.until is None or now < self.until


def verdict_for(err: RingPartnerError, now: float) -> Verdict | None:
    """Return the verdict a refusal earns, or None when retrying may work (500, 502)."""
    if isinstance(err, _TERMINAL):
        return Verdict(error=err, until=None)
    if isinstance(err, RingPartnerUnavailableError):
        return Verdict(error=err, until=now + UNAVAILABLE_HOLD)
    return None


class Viewer(Protocol):
    """A local player connection as the feed sees it."""

    def send(self, packet: bytes) -> None:
        """Deliver one RTP packet (if the viewer is playing)."""

    def hangup(self) -> None:
        """Close the connection: the upstream stream is gone."""


class CameraFeed:
    """The bridge session of one device and the viewers that share it."""

    def __init__(
        self,
        device_id: str,
        *,
        open_session: SessionFactory,
        clock: Callable[[], float],
        on_verdict: Callable[[str, Verdict], None],
    ) -> None:
        """Prepare; nothing connects until a viewer joins."""
        self.device_id = device_id
        self._open_session = open_session
        self._clock = clock
        self._on_verdict = on_verdict
        self._lock = asyncio.Lock()
        self._session: BridgeSession | None = None
        self._description: BridgeDescription | None = None
        self._viewers: set[Viewer] = set()
        self.verdict: Verdict | None = None
        self.sessions_opened = 0
        self._timestamp_offset = 1 + secrets.randbelow(2**31)

    @property
    def is_streaming(self) -> bool:
        """Return True while a bridge session is open."""
        return self._session is not None

    def current_verdict(self) -> Verdict | None:
        """Return the verdict if it still stands."""
        if self.verdict is not None and not self.verdict.active(self._clock()):
            self.verdict = None
        return self.verdict

    def clear_verdict(self, kind: type[RingPartnerError]) -> None:
        """Forget a verdict of this kind (e.g. a 503 once the device is back online)."""
        if self.verdict is not None and isinstance(self.verdict.error, kind):
            self.verdict = None

    async def join(self, viewer: Viewer) -> BridgeDescription:
        """Add a viewer, opening the bridge session if none is open; raise on refusal."""
        async with self._lock:
            if (verdict := self.current_verdict()) is not None:
                raise verdict.error
            if self._session is None:
                await self._open()
            assert self._description is not None
            self._viewers.add(viewer)
            return self._description

    async def _open(self) -> None:
        """Open the bridge session; keep a verdict when it is refused for good."""
        session = self._open_session(self.device_id, self._fan_out, self._ended)
        self.sessions_opened += 1
        try:
            description = await session.start()
        except RingPartnerError as err:
            if (verdict := verdict_for(err, self._clock())) is not None:
                self.verdict = verdict
                self._on_verdict(self.device_id, verdict)
            raise
        self._session, self._description = session, description

    async def leave(self, viewer: Viewer) -> None:
        """Remove a viewer; close the bridge session when it was the last."""
        async with self._lock:
            self._viewers.discard(viewer)
            if self._viewers or self._session is None:
                return
            session, self._session = self._session, None
            self._description = None
            await session.close()
            _LOGGER.debug("No viewer left: stream of %s closed", self.device_id)

    def _fan_out(self, packet: bytes) -> None:
        """Give a decrypted RTP packet to every viewer."""
        packet = shift_timestamp(packet, self._timestamp_offset)
        for viewer in tuple(self._viewers):
            viewer.send(packet)

    def _ended(self) -> None:
        """Hang up on every viewer: the bridge ended the session (their players restart)."""
        self._session = None
        self._description = None
        viewers, self._viewers = self._viewers, set()
        for viewer in viewers:
            viewer.hangup()

    async def close(self) -> None:
        """Close the session and every viewer (the relay is shutting down)."""
        async with self._lock:
            session, self._session = self._session, None
            self._description = None
            viewers, self._viewers = self._viewers, set()
            for viewer in viewers:
                viewer.hangup()
            if session is not None:
                await session.close()

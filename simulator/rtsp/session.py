"""One bridge session: its state machine, bookkeeping and the resources it holds.

States: `described` (after DESCRIBE: authenticated, `Session:` issued), `ready` (after SETUP),
`playing` (after PLAY), `ended`. `media_stopped` says why packets stopped flowing while the
session still exists (`device_offline`, `cap`); the idle rule then ends it. End reasons:
`teardown`, `disconnected`, `idle`, `device_removed`, `account_unlinked`, `shutdown`.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .media import SrtpKey, UdpPorts, VideoSender
from .transport import TransportRequest

type SessionState = Literal["described", "ready", "playing", "ended"]
type AuthForm = Literal["x-auth-token", "basic"]


@dataclass(kw_only=True)
class BridgeSession:
    """A DESCRIBE-to-end session of one client connection (`GET /_sim/rtsp/sessions`)."""

    id: str
    device_id: str
    account_id: str
    client: tuple[str, int]
    auth: AuthForm
    stream_path: str
    key: SrtpKey = field(repr=False)
    ssrc: int
    h264_profile: str
    started_ms: int
    state: SessionState = "described"
    transport: TransportRequest | None = None
    server_ports: tuple[int, int] | None = None
    playing_ms: int | None = None
    ended_ms: int | None = None
    end_reason: str | None = None
    media_stopped: str | None = None
    packets_sent: int = 0
    bytes_sent: int = 0
    event_id: str | None = None
    last_activity: float = 0.0
    udp: UdpPorts | None = field(default=None, repr=False)
    sender: VideoSender | None = field(default=None, repr=False)
    timers: list[asyncio.TimerHandle] = field(default_factory=list, repr=False)
    hangup: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def ended(self) -> bool:
        """Return True once the session is over."""
        return self.state == "ended"

    def as_dict(self) -> dict[str, Any]:
        """Return the control-API view (no key material, no token)."""
        transport = self.transport
        return {
            "id": self.id,
            "device_id": self.device_id,
            "account_id": self.account_id,
            "client": f"{self.client[0]}:{self.client[1]}",
            "auth": self.auth,
            "state": self.state,
            "transport": transport.lower if transport else None,
            "requested_profile": transport.profile if transport else None,
            "client_port": list(transport.client_ports)
            if transport and transport.client_ports
            else None,
            "server_port": list(self.server_ports) if self.server_ports else None,
            "interleaved": list(transport.interleaved)
            if transport and transport.interleaved
            else None,
            "ssrc": self.ssrc,
            "packets_sent": self.packets_sent,
            "bytes_sent": self.bytes_sent,
            "started_ms": self.started_ms,
            "playing_ms": self.playing_ms,
            "ended_ms": self.ended_ms,
            "end_reason": self.end_reason,
            "media_stopped": self.media_stopped,
            "event_id": self.event_id,
        }

"""The `Transport` header of SETUP: what a client asks for and what the bridge accepts.

Ring documents SRTP over UDP unicast: `RTP/SAVP;unicast;client_port=5004-5005`, where a
`destination=` parameter, if present, must be the client's own IP address. Multicast and a
foreign destination are refused with 461. The docs are silent on the rest, so two switches
decide it: `rtsp_tcp_interleaved` accepts `RTP/SAVP/TCP;interleaved=0-1` (SRTP framed on the
RTSP connection), and `rtsp_accept_avp` accepts the plain `RTP/AVP` profile that most RTSP
clients (FFmpeg among them) ask for, still answering `RTP/SAVP` and still sending SRTP keyed
by the SDP's `a=crypto` line. A header may list alternatives separated by commas; the first
acceptable one wins, and if none is, the reason for the first one is reported.
"""

from dataclasses import dataclass
from typing import Final, Literal

from .messages import RtspError

type LowerTransport = Literal["udp", "tcp"]

_PROFILES: Final = ("RTP/SAVP", "RTP/AVP")


@dataclass(frozen=True, kw_only=True, slots=True)
class TransportRequest:
    """One acceptable transport the client asked for."""

    profile: str
    lower: LowerTransport
    client_ports: tuple[int, int] | None = None
    interleaved: tuple[int, int] | None = None

    @property
    def answer_profile(self) -> str:
        """Return the transport spec of the reply (always SRTP)."""
        return "RTP/SAVP" if self.lower == "udp" else "RTP/SAVP/TCP"


def _pair(value: str, name: str) -> tuple[int, int]:
    """Parse `a-b` (or `a`, meaning `a-(a+1)`) as two ports or channels."""
    first, _, second = value.partition("-")
    try:
        low = int(first)
        high = int(second) if second else low + 1
    except ValueError:
        raise RtspError(461, f"{name} is not a number pair") from None
    limit = 65535 if name == "client_port" else 255
    if not 0 <= low <= limit or not 0 <= high <= limit:
        raise RtspError(461, f"{name} out of range")
    return low, high


def _one(
    spec: str, *, client_ip: str, allow_tcp: bool, allow_avp: bool
) -> TransportRequest:
    """Validate one transport alternative; raise RtspError(461)."""
    fields = [field.strip() for field in spec.split(";") if field.strip()]
    if not fields:
        raise RtspError(461, "empty transport")
    protocol = fields[0].upper()
    profile, _, lower_name = protocol.rpartition("/")
    if profile not in _PROFILES:
        profile, lower_name = protocol, "UDP"
    if profile not in _PROFILES or lower_name not in ("UDP", "TCP"):
        raise RtspError(461, f"transport {fields[0]} is not supported")
    if profile == "RTP/AVP" and not allow_avp:
        raise RtspError(461, "only RTP/SAVP (SRTP) is offered")
    params: dict[str, str] = {}
    for field in fields[1:]:
        name, _, value = field.partition("=")
        params[name.strip().lower()] = value.strip()
    if "multicast" in params:
        raise RtspError(461, "multicast is not supported")
    destination = params.get("destination")
    if destination is not None and destination != client_ip:
        raise RtspError(461, "destination must be the client's own address")
    if lower_name == "TCP":
        if not allow_tcp:
            raise RtspError(461, "TCP-interleaved transport is not supported")
        interleaved = _pair(params.get("interleaved", "0-1"), "interleaved")
        return TransportRequest(profile=profile, lower="tcp", interleaved=interleaved)
    if "client_port" not in params:
        raise RtspError(461, "client_port is required for UDP")
    ports = _pair(params["client_port"], "client_port")
    if ports[0] == 0:
        raise RtspError(461, "client_port must not be 0")
    return TransportRequest(profile=profile, lower="udp", client_ports=ports)


def choose_transport(
    header: str | None, *, client_ip: str, allow_tcp: bool, allow_avp: bool
) -> TransportRequest:
    """Return the first acceptable alternative of a Transport header; raise 461."""
    if not header or not header.strip():
        raise RtspError(461, "Transport header is required")
    first_error: RtspError | None = None
    for spec in header.split(","):
        try:
            return _one(
                spec, client_ip=client_ip, allow_tcp=allow_tcp, allow_avp=allow_avp
            )
        except RtspError as err:
            first_error = first_error or err
    assert first_error is not None
    raise first_error

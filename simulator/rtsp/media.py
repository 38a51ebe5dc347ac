"""The bridge's media path: the device's H.264 as SRTP packets, over UDP or interleaved TCP.

Frames come from the same synthetic camera as WHEP live view (`SyntheticVideoTrack`: rendered
and encoded in a worker thread, paced at 15 fps); aiortc's H.264 packetizer cuts them into
RTP payloads (single NAL units, STAP-A, FU-A), and libsrtp (pylibsrtp) protects each packet
with the SDES key announced in the SDP (`AES_CM_128_HMAC_SHA1_80`). Sequence numbers and
RTP timestamps start at 0, as the `RTP-Info` of PLAY says.
"""

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass, field
import logging
from typing import Final, override

from aiortc.codecs.h264 import H264Encoder
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket
import pylibsrtp

from simulator.media.stream import SyntheticVideoTrack

_LOGGER = logging.getLogger(__name__)

PAYLOAD_TYPE: Final = 96
CLOCK_RATE: Final = 90_000
CRYPTO_SUITE: Final = "AES_CM_128_HMAC_SHA1_80"
KEY_LENGTH: Final = 30  # 16-byte master key + 14-byte master salt


@dataclass(frozen=True, slots=True)
class SrtpKey:
    """An SDES master key and salt for one session."""

    material: bytes = field(repr=False)

    @property
    def crypto_attribute(self) -> str:
        """Return the SDP `a=crypto` value (RFC 4568) that announces the key."""
        encoded = base64.b64encode(self.material).decode("ascii")
        return f"1 {CRYPTO_SUITE} inline:{encoded}"

    def protector(self) -> pylibsrtp.Session:
        """Return an outbound SRTP context for any SSRC."""
        policy = pylibsrtp.Policy(
            key=self.material, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND
        )
        return pylibsrtp.Session(policy=policy)


type PacketSink = Callable[[bytes], bool]
"""Send one packet; return False when it was dropped (closed or congested connection)."""


class _DiscardProtocol(asyncio.DatagramProtocol):
    """Receive and drop whatever a client sends to the server ports (its RTCP reports)."""

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        """Ignore the datagram."""


@dataclass(kw_only=True)
class UdpPorts:
    """The bridge's RTP/RTCP socket pair of one session."""

    rtp: asyncio.DatagramTransport
    rtcp: asyncio.DatagramTransport
    ports: tuple[int, int]

    @classmethod
    async def open(cls, host: str, attempts: int = 20) -> UdpPorts:
        """Bind an even RTP port and the odd RTCP port above it."""
        loop = asyncio.get_running_loop()
        for _ in range(attempts):
            rtp, _ = await loop.create_datagram_endpoint(
                _DiscardProtocol, local_addr=(host, 0)
            )
            port = int(rtp.get_extra_info("sockname")[1])
            if port % 2 == 0 and port < 65535:
                try:
                    rtcp, _ = await loop.create_datagram_endpoint(
                        _DiscardProtocol, local_addr=(host, port + 1)
                    )
                except OSError:
                    pass
                else:
                    return cls(rtp=rtp, rtcp=rtcp, ports=(port, port + 1))
            rtp.close()
        raise OSError("no free even/odd UDP port pair")

    def sink(self, address: tuple[str, int]) -> PacketSink:
        """Return a function that sends one packet to the client's RTP port."""

        def send(packet: bytes) -> bool:
            if self.rtp.is_closing():
                return False
            self.rtp.sendto(packet, address)
            return True

        return send

    def close(self) -> None:
        """Close both sockets."""
        self.rtp.close()
        self.rtcp.close()


@dataclass(kw_only=True)
class VideoSender:
    """Stream one track as SRTP to a sink; `on_packet` is called for every packet sent."""

    track: SyntheticVideoTrack
    key: SrtpKey
    ssrc: int
    sink: PacketSink
    on_packet: Callable[[int], None]
    _task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    def start(self, spawn: Callable[..., asyncio.Task[None]]) -> None:
        """Start sending in a task made by `spawn` (the simulator's registry)."""
        self._task = spawn(self._run(), name="rtsp-media")

    async def _run(self) -> None:
        """Send until the track ends; a failure ends the media, never the simulator."""
        try:
            await self._send_frames()
        except Exception:
            _LOGGER.exception("RTSP media sender failed")

    async def _send_frames(self) -> None:
        """Packetize, protect and send frames until the track ends."""
        protector = self.key.protector()
        packetizer = H264Encoder()
        sequence = 0
        while True:
            try:
                frame = await self.track.recv()
            except MediaStreamError:
                return
            payloads, timestamp = packetizer.pack(frame)
            for index, payload in enumerate(payloads):
                packet = RtpPacket(
                    payload_type=PAYLOAD_TYPE,
                    marker=int(index == len(payloads) - 1),
                    sequence_number=sequence,
                    timestamp=timestamp % 2**32,
                    ssrc=self.ssrc,
                    payload=payload,
                )
                sequence = (sequence + 1) % 2**16
                protected = protector.protect(packet.serialize())
                if self.sink(protected):
                    self.on_packet(len(protected))

    async def stop(self) -> None:
        """Stop the track and wait for the sending task to finish."""
        self.track.stop()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise

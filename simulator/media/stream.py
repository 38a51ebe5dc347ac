"""The synthetic live camera: a track that sends ready-encoded H.264 (or VP8) packets.

aiortc would encode raw frames itself, with x264's default preset; on a small shared machine
that costs most of a core at 640x360 and 15 fps. The track therefore renders and encodes each
frame in a worker thread with the `ultrafast` preset and hands aiortc finished packets, which
it only packetizes. A keyframe every second replaces keyframes on request (PLI).

H.264 profile (`whep_h264_profile`): Constrained Baseline by default and for `42001f` /
`42e01f` (x264's baseline bitstream is `42c01f`, decodable under either); High (`64001f`, the
profile browsers negotiated with Ring) turns on CABAC and the 8x8 transform, which x264's
ultrafast preset leaves off. Undecodable video (`whep_video_fault`): `no_keyframe` drops
every keyframe (and with it SPS/PPS), `garbage` replaces each frame by random bytes (a
non-IDR H.264 NAL unit, or random VP8 data); RTP still flows, no decoder yields a frame.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from fractions import Fraction
import random
import time
from typing import Final, Literal, override

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
import av
from av import Packet
from av.stream import Stream
from av.video.codeccontext import VideoCodecContext

from .frames import FrameSource, render_frame
from .mp4 import video_frame

type VideoCodec = Literal["H264", "VP8"]

LIVE_WIDTH: Final = 640
LIVE_HEIGHT: Final = 360
LIVE_FPS: Final = 15
LIVE_BITRATE: Final = 600_000


HIGH_PROFILE: Final = "64001f"


def _encoder(
    codec: VideoCodec, width: int, height: int, fps: int, profile: str = "auto"
) -> VideoCodecContext:
    """Open a low-latency encoder whose output aiortc can packetize as is."""
    if codec == "H264":
        # Level 3.1; Constrained Baseline is what aiortc's answers advertise (42e01f / 42001f).
        context = av.codec.Codec("libx264", "w").create("video")
        options = {"preset": "ultrafast", "tune": "zerolatency", "level": "31"}
        if profile == HIGH_PROFILE:
            options["x264-params"] = "cabac=1:8x8dct=1"
        context.options = options
        context.profile = "High" if profile == HIGH_PROFILE else "Baseline"
    else:
        context = av.codec.Codec("libvpx", "w").create("video")
        context.options = {
            "deadline": "realtime",
            "cpu-used": "8",
            "lag-in-frames": "0",
        }
    context.width = width
    context.height = height
    context.pix_fmt = "yuv420p"
    context.framerate = Fraction(fps, 1)
    context.time_base = Fraction(1, fps)
    context.bit_rate = LIVE_BITRATE
    context.gop_size = fps
    context.max_b_frames = 0
    return context


class SyntheticVideoTrack(MediaStreamTrack):
    """Send a moving pattern with the device name and a running clock."""

    kind = "video"

    def __init__(
        self,
        source: FrameSource,
        codec: VideoCodec,
        *,
        now_ms: Callable[[], int],
        width: int = LIVE_WIDTH,
        height: int = LIVE_HEIGHT,
        fps: int = LIVE_FPS,
        profile: str = "auto",
        fault: str = "none",
    ) -> None:
        """Initialize the track for one device; the encoder opens on the first frame."""
        super().__init__()
        self._source = source
        self._codec = codec
        self._profile = profile
        self._fault = fault
        self._now_ms = now_ms
        self._width = width
        self._height = height
        self._fps = fps
        self._context: VideoCodecContext | None = None
        self._pending: deque[Packet[Stream]] = deque()
        self._started: float | None = None
        self._started_ms = 0
        self._index = 0

    def _produce(self, index: int) -> list[Packet[Stream]]:
        """Render and encode frame `index` (runs in a worker thread)."""
        if self._context is None:
            self._context = _encoder(
                self._codec, self._width, self._height, self._fps, self._profile
            )
        image = render_frame(
            self._source,
            at_ms=self._started_ms + index * 1000 // self._fps,
            width=self._width,
            height=self._height,
            label="live",
        )
        frame = video_frame(image)
        frame.pts = index
        frame.time_base = Fraction(1, self._fps)
        packets = self._spoil(index, self._context.encode(frame))
        for packet in packets:
            packet.time_base = Fraction(1, self._fps)
        return packets

    def _spoil(self, index: int, packets: list[Packet[Stream]]) -> list[Packet[Stream]]:
        """Apply `whep_video_fault`: drop keyframes or replace frames by random bytes."""
        if self._fault == "no_keyframe":
            return [packet for packet in packets if not packet.is_keyframe]
        if self._fault != "garbage":
            return packets
        spoiled: list[Packet[Stream]] = []
        for packet in packets:
            noise = random.Random(index).randbytes(max(packet.size, 64))
            noise = noise.replace(b"\x00", b"\x5a")
            if self._codec == "H264":
                noise = b"\x00\x00\x00\x01\x41" + noise
            replacement: Packet[Stream] = Packet(noise)
            replacement.pts = replacement.dts = packet.pts
            spoiled.append(replacement)
        return spoiled

    @override
    async def recv(self) -> Packet[Stream]:
        """Return the next encoded frame, paced at the track's frame rate."""
        while not self._pending:
            if self.readyState != "live":
                raise MediaStreamError
            if self._started is None:
                self._started = time.monotonic()
                self._started_ms = self._now_ms()
            else:
                self._index += 1
                delay = self._started + self._index / self._fps - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            self._pending.extend(await asyncio.to_thread(self._produce, self._index))
        return self._pending.popleft()

"""MP4 (H.264) clips of synthetic frames, cached so repeated downloads stay cheap."""

from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
import io
import threading
from typing import Final

import av
from av import VideoFrame
import numpy as np
from PIL import Image

from .frames import FrameSource, render_frame

DEFAULT_CLIP_FPS: Final = 4
DEFAULT_CLIP_WIDTH: Final = 640
DEFAULT_CLIP_HEIGHT: Final = 360
_CACHE_SIZE: Final = 32


@dataclass(frozen=True, kw_only=True, slots=True)
class ClipSpec:
    """Describe one clip: whose frames, which window, what size and rate."""

    source: FrameSource
    start_ms: int
    length_ms: int
    width: int = DEFAULT_CLIP_WIDTH
    height: int = DEFAULT_CLIP_HEIGHT
    fps: int = DEFAULT_CLIP_FPS


def _even(value: int) -> int:
    """Round a dimension down to an even number (yuv420p needs even sizes), at least 2."""
    return max(value - value % 2, 2)


def video_frame(image: Image.Image) -> VideoFrame:
    """Convert a rendered RGB image into a video frame for an encoder."""
    return VideoFrame.from_ndarray(np.asarray(image), format="rgb24")


def encode_clip(spec: ClipSpec) -> bytes:
    """Encode an H.264 MP4 whose frames show the device name and capture time."""
    width, height = _even(spec.width), _even(spec.height)
    frame_count = max(1, round(spec.length_ms * spec.fps / 1000))
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream(
            "libx264", rate=spec.fps, options={"preset": "ultrafast", "crf": "32"}
        )
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, spec.fps)
        for index in range(frame_count):
            at_ms = spec.start_ms + index * 1000 // spec.fps
            image = render_frame(
                spec.source, at_ms=at_ms, width=width, height=height, label="recording"
            )
            frame = video_frame(image)
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


class ClipCache:
    """Keep the most recently generated clips (thread-safe: encoding runs in a worker)."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        """Initialize an empty cache holding at most `size` clips."""
        self._size = size
        self._clips: OrderedDict[ClipSpec, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, spec: ClipSpec) -> bytes:
        """Return the clip for a spec, encoding it on a miss."""
        with self._lock:
            if (cached := self._clips.get(spec)) is not None:
                self._clips.move_to_end(spec)
                return cached
        clip = encode_clip(spec)
        with self._lock:
            self._clips[spec] = clip
            while len(self._clips) > self._size:
                self._clips.popitem(last=False)
        return clip

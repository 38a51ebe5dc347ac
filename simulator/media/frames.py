"""Synthetic camera frames for the simulator's images, clips and live video.

Every frame shows a moving pattern, the device name and the capture time, plus the
watermark Ring burns into all partner media since 2026-06-08 (docs/media.md):
a Ring logo top-left and the device id, app name and timestamp top-right. Frames of a lens of
a multi-camera also carry a solid marker square in the bottom-right corner whose colour
names the lens (`LENS_COLOURS`, by lens position), so tests can tell lenses apart.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
import io
import math
from typing import Final, Literal

from PIL import Image, ImageDraw, ImageFont

type ImageFormat = Literal["jpeg", "png"]

DEFAULT_WIDTH: Final = 1280
DEFAULT_HEIGHT: Final = 720
# image_options.resolution: width 1-1920, height 1-1080 (docs/media.md#image-request)
MAX_WIDTH: Final = 1920
MAX_HEIGHT: Final = 1080
DEFAULT_APP_NAME: Final = "Ring Partner Simulator"

_PATTERN_PERIOD_MS: Final = 4000
_RING_BLUE: Final = (21, 138, 224)
_WHITE: Final = (255, 255, 255)
_BLACK: Final = (0, 0, 0)
# Marker colours of lens 0, 1, 2, 3 (repeating): red, green, blue, yellow.
LENS_COLOURS: Final = ((230, 30, 30), (30, 200, 30), (30, 30, 230), (230, 230, 30))


def lens_marker_box(width: int, height: int) -> tuple[int, int, int, int]:
    """Return the marker square (left, top, right, bottom) for a frame size."""
    side = max(min(width, height) // 6, 1)
    return (width - side, height - side, width - 1, height - 1)


@dataclass(frozen=True, kw_only=True, slots=True)
class FrameSource:
    """Describe the camera whose frames are drawn."""

    device_id: str
    device_name: str
    app_name: str = DEFAULT_APP_NAME
    lens: int | None = None


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return the bundled font at a pixel size (cached: loading is the slow part)."""
    return ImageFont.load_default(size=max(size, 6))


def format_capture_time(at_ms: int) -> str:
    """Format an epoch-ms instant as the UTC clock printed on frames."""
    moment = datetime.fromtimestamp(at_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{at_ms % 1000:03d} UTC"


def _background(width: int, height: int, at_ms: int) -> Image.Image:
    """Draw the moving pattern: a hue-shifting backdrop, stripes and a sweeping box."""
    phase = (at_ms % _PATTERN_PERIOD_MS) / _PATTERN_PERIOD_MS
    angle = phase * 2 * math.pi
    base = (
        int(70 + 50 * math.sin(angle)),
        int(90 + 50 * math.sin(angle + 2.1)),
        int(110 + 50 * math.sin(angle + 4.2)),
    )
    image = Image.new("RGB", (width, height), base)
    draw = ImageDraw.Draw(image)
    stripe = max(width // 16, 2)
    offset = int(phase * 2 * stripe)
    for x in range(-2 * stripe + offset, width, 2 * stripe):
        draw.rectangle((x, height * 3 // 4, x + stripe - 1, height - 1), fill=_BLACK)
    box = max(min(width, height) // 5, 2)
    left = int(phase * max(width - box, 1))
    top = int((height - box) / 2 * (1 + 0.6 * math.sin(angle)))
    draw.rectangle((left, top, left + box - 1, top + box - 1), fill=_RING_BLUE)
    return image


def _text(
    draw: ImageDraw.ImageDraw,
    position: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    """Draw white text on a black box (a box is far cheaper than a text stroke)."""
    left, top, right, bottom = draw.textbbox(position, text, font=font)
    draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=_BLACK)
    draw.text(position, text, font=font, fill=_WHITE)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Positions and font sizes for one frame size."""

    width: int
    height: int

    @property
    def scale(self) -> int:
        """Return the base text size in pixels."""
        return max(self.height // 36, 4)

    @property
    def margin(self) -> int:
        """Return the watermark margin in pixels."""
        return max(self.scale // 2, 1)

    @property
    def middle(self) -> int:
        """Return the top of the device name."""
        return self.height // 2 - self.scale * 3

    def watermark_line(self, row: int) -> int:
        """Return the top of a watermark line (top-right block)."""
        return self.margin + row * (self.scale + self.margin)


@lru_cache(maxsize=16)
def _overlay(source: FrameSource, layout: _Layout, label: str | None) -> Image.Image:
    """Draw the parts that never change (logo, device id, app name, name, label) once."""
    image = Image.new("RGBA", (layout.width, layout.height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    scale, margin = layout.scale, layout.margin
    draw.rounded_rectangle(
        (margin, margin, margin + scale * 5, margin + scale * 3),
        radius=margin,
        fill=_RING_BLUE,
    )
    draw.text((margin * 2, margin * 2), "ring", font=_font(scale * 2), fill=_WHITE)
    small = _font(scale)
    for row, line in enumerate((source.device_id, source.app_name)):
        right = layout.width - margin - draw.textlength(line, font=small)
        _text(draw, (right, layout.watermark_line(row)), line, small)
    _text(draw, (scale, layout.middle), source.device_name, _font(scale * 3))
    if label:
        _text(draw, (scale, layout.middle + scale * 7), label, small)
    return image


def render_frame(
    source: FrameSource,
    *,
    at_ms: int,
    width: int,
    height: int,
    label: str | None = None,
) -> Image.Image:
    """Render the RGB frame a camera would have captured at an epoch-ms instant."""
    layout = _Layout(width, height)
    image = _background(width, height, at_ms)
    overlay = _overlay(source, layout, label)
    image.paste(overlay, (0, 0), overlay)
    draw = ImageDraw.Draw(image)
    small = _font(layout.scale)
    stamp = datetime.fromtimestamp(at_ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    right = width - layout.margin - draw.textlength(stamp, font=small)
    _text(draw, (right, layout.watermark_line(2)), stamp, small)
    clock_top = layout.middle + layout.scale * 4
    _text(
        draw,
        (layout.scale, clock_top),
        format_capture_time(at_ms),
        _font(layout.scale * 2),
    )
    if source.lens is not None:
        colour = LENS_COLOURS[source.lens % len(LENS_COLOURS)]
        draw.rectangle(lens_marker_box(width, height), fill=colour)
    return image


def encode_image(image: Image.Image, image_format: ImageFormat) -> bytes:
    """Encode a frame as JPEG or PNG bytes."""
    buffer = io.BytesIO()
    if image_format == "png":
        image.save(buffer, format="PNG", compress_level=1)
    else:
        image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def render_image(
    source: FrameSource,
    *,
    at_ms: int,
    width: int,
    height: int,
    image_format: ImageFormat,
    label: str | None = None,
) -> bytes:
    """Render and encode one still image."""
    return encode_image(
        render_frame(source, at_ms=at_ms, width=width, height=height, label=label),
        image_format,
    )

"""The picture a camera shows before Ring has one (docs/media.md#placeholder-still).

Ring's image download only returns frames of recordings made since the account was linked,
so a camera that has not recorded since then has nothing to show. Rather than a broken tile
(the camera proxy answering 500), the camera serves this generated JPEG: the device name and
a line saying why there is no picture, and deliberately no time, so it is never mistaken
for a real frame.
"""

from functools import lru_cache
import io
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN

WIDTH: Final = 640
HEIGHT: Final = 360
_BACKGROUND: Final = (38, 50, 56)
_TEXT: Final = (236, 239, 241)
_MUTED: Final = (176, 190, 197)


@lru_cache(maxsize=16)
def render_placeholder(name: str, reason: str) -> bytes:
    """Return a JPEG with the device name and the reason there is no picture yet."""
    image = Image.new("RGB", (WIDTH, HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    title = ImageFont.load_default(size=34)
    body = ImageFont.load_default(size=22)
    draw.text((WIDTH / 2, HEIGHT / 2 - 28), name, font=title, fill=_TEXT, anchor="mm")
    draw.text((WIDTH / 2, HEIGHT / 2 + 24), reason, font=body, fill=_MUTED, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def translated(key: str, **placeholders: str) -> str:
    """Return a message of translations/*.json, as Home Assistant renders its errors."""
    return str(
        HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders or None,
        )
    )


async def async_placeholder(hass: HomeAssistant, name: str, reason_key: str) -> bytes:
    """Render the placeholder of a device in a worker thread, the reason translated."""
    return await hass.async_add_executor_job(
        render_placeholder, name, translated(reason_key)
    )

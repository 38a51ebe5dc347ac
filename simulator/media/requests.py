"""Validation of media download bodies, shared by image and clip requests (docs/media.md#clip-download, docs/media.md#image-download).

Choices where the docs are silent or contradictory (docs/ambiguities.md):
- A missing or empty body (also `{}`) is 403 `REQUEST_FORBIDDEN` "Cannot authorize: empty
  request body", as observed by third parties; every other bad field is 400
  `INVALID_PAYLOAD` with `source.pointer` naming the field in dotted form.
- A resolution with only one side given keeps 16:9 for the other side.
"""

import json
from typing import Any, Final

from aiohttp import web

from .frames import MAX_HEIGHT, MAX_WIDTH

# Within the last 180 days, and end_timestamp - start_timestamp <= 24 h (docs/media.md#image-request)
MAX_AGE_MS: Final = 180 * 86_400_000
MAX_WINDOW_MS: Final = 86_400_000


class MediaProblem(Exception):
    """A media request refused with a media-style JSON:API error."""

    def __init__(
        self, status: int, code: str, detail: str, pointer: str | None = None
    ) -> None:
        """Describe the refusal."""
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.pointer = pointer


def invalid(detail: str, pointer: str | None = None) -> MediaProblem:
    """Return a 400 `INVALID_PAYLOAD` problem."""
    return MediaProblem(400, "INVALID_PAYLOAD", detail, pointer)


async def read_body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object body; empty bodies are 403, malformed ones 400."""
    raw = await request.read()
    if not raw.strip():
        raise MediaProblem(
            403, "REQUEST_FORBIDDEN", "Cannot authorize: empty request body"
        )
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid("request body must be a JSON object")
    if not body:
        raise MediaProblem(
            403, "REQUEST_FORBIDDEN", "Cannot authorize: empty request body"
        )
    return body


def optional_object(body: dict[str, Any], key: str, pointer: str) -> dict[str, Any]:
    """Return a nested object (empty when absent); 400 when it is not an object."""
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(f"{pointer} must be an object", pointer)
    return value


def integer(body: dict[str, Any], key: str, pointer: str) -> int | None:
    """Return an optional integer field; 400 when present but not an integer."""
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise invalid(f"{pointer} must be an integer", pointer)
    return value


def required_integer(body: dict[str, Any], key: str, pointer: str) -> int:
    """Return a required integer field; 400 when missing or not an integer."""
    if (value := integer(body, key, pointer)) is None:
        raise invalid(f"{pointer} is required", pointer)
    return value


def check_instant(value: int, pointer: str, now_ms: int) -> None:
    """Reject instants in the future or older than 180 days."""
    if value > now_ms:
        raise invalid(f"{pointer} must not be in the future", pointer)
    if value < now_ms - MAX_AGE_MS:
        raise invalid(f"{pointer} must be within the last 180 days", pointer)


def resolution(
    options: dict[str, Any], prefix: str, default: tuple[int, int]
) -> tuple[int, int]:
    """Return (width, height) from `<options>.resolution`, within 1-1920 x 1-1080."""
    size = optional_object(options, "resolution", f"{prefix}.resolution")
    width = integer(size, "width", f"{prefix}.resolution.width")
    height = integer(size, "height", f"{prefix}.resolution.height")
    if width is not None and not 1 <= width <= MAX_WIDTH:
        raise invalid(
            f"{prefix}.resolution.width must be between 1 and {MAX_WIDTH}",
            f"{prefix}.resolution.width",
        )
    if height is not None and not 1 <= height <= MAX_HEIGHT:
        raise invalid(
            f"{prefix}.resolution.height must be between 1 and {MAX_HEIGHT}",
            f"{prefix}.resolution.height",
        )
    if width is None:
        if height is None:
            return default
        width = min(max(round(height * 16 / 9), 1), MAX_WIDTH)
    elif height is None:
        height = min(max(round(width * 9 / 16), 1), MAX_HEIGHT)
    return width, height

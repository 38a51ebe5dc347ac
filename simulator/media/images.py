"""Image download, step 1: `POST /v1/devices/{device_id}/media/image/download` (docs/media.md#image-download).

Success is a 303 to a presigned URL on the media host (another origin); the still itself is
served by `downloads.py`. Checks run in this order: bearer (401), device (404), body
(403 empty, 400 invalid), consent (403 `TIME_RANGE_NOT_AUTHORIZED`), footage (416, 425),
corrupt recording (422 `CORRUPT_RECORDING`). The frame comes from a recording
(`X-Media-Origin: recording`) or from a still stored with `POST /_sim/devices/{id}/snapshot`
(`snapshot`), whichever is nearer (at_timestamp) or newer (latest_in_range). A multi-camera's
lens is chosen by `?component_id=` or a one-entry `components` list (context.py).
"""

import asyncio
from typing import Any, Final

from aiohttp import web

from .context import check_consent, media_component, media_context
from .frames import DEFAULT_HEIGHT, DEFAULT_WIDTH, ImageFormat, render_image
from .plans import ImagePlan
from .requests import (
    MAX_WINDOW_MS,
    MediaProblem,
    check_instant,
    integer,
    invalid,
    optional_object,
    read_body,
    required_integer,
    resolution,
)
from .search import Frame, frame_at, latest_frame

IMAGE_PATH: Final = "/v1/devices/{device_id}/media/image/download"
IMAGE_TYPES: Final = ("at_timestamp", "latest_in_range")
IMAGE_FORMATS: Final = ("jpeg", "png")


def _image_type(body: dict[str, Any]) -> str:
    """Return the request type; 400 when missing or unsupported."""
    kind = body.get("type")
    if kind is None:
        raise invalid("type is required", "type")
    if kind not in IMAGE_TYPES:
        raise invalid(
            f"type not supported, valid values: {', '.join(IMAGE_TYPES)}", "type"
        )
    return str(kind)


def _image_options(body: dict[str, Any]) -> tuple[ImageFormat, int, int]:
    """Return (format, width, height) from `image_options`."""
    options = optional_object(body, "image_options", "image_options")
    image_format = options.get("format", "jpeg")
    if image_format not in IMAGE_FORMATS:
        raise invalid(
            f"image_options.format not supported, valid values: {', '.join(IMAGE_FORMATS)}",
            "image_options.format",
        )
    width, height = resolution(
        options, "image_options", (DEFAULT_WIDTH, DEFAULT_HEIGHT)
    )
    return ("png" if image_format == "png" else "jpeg"), width, height


def _window(body: dict[str, Any], now_ms: int) -> tuple[int, int]:
    """Return the validated (start, end) of a `latest_in_range` request."""
    start = required_integer(body, "start_timestamp", "start_timestamp")
    check_instant(start, "start_timestamp", now_ms)
    end = integer(body, "end_timestamp", "end_timestamp")
    if end is None:
        end = now_ms
    elif end < start:
        raise invalid("end_timestamp must not precede start_timestamp", "end_timestamp")
    if end - start > MAX_WINDOW_MS:
        raise invalid("time range must not exceed 24 hours", "end_timestamp")
    return start, end


async def post_image_download(request: web.Request) -> web.StreamResponse:
    """Validate an image request and redirect to a presigned URL for the frame."""
    ctx = media_context(request)
    request_id = ctx.state.ids.uuid()
    account, device = ctx.authorize(request, request_id)
    nothing = MediaProblem(
        416, "MEDIA_NOT_FOUND", "No media found in the requested time range"
    )
    with ctx.refusals(request_id, nothing):
        body = await read_body(request)
        kind = _image_type(body)
        component = media_component(request, body, device)
        now = ctx.state.now_ms()
        limits = ctx.availability(account)
        footage = ctx.still_footage(device)
        frame: Frame
        if kind == "at_timestamp":
            target = required_integer(body, "timestamp", "timestamp")
            check_instant(target, "timestamp", now)
            image_format, width, height = _image_options(body)
            check_consent(limits, target, "timestamp")
            frame = frame_at(footage, target, limits)
        else:
            start, end = _window(body, now)
            image_format, width, height = _image_options(body)
            check_consent(limits, start, "start_timestamp")
            frame = latest_frame(footage, start, end, limits)
        if frame.origin == "recording":
            ctx.check_intact(device, frame.at_ms, frame.at_ms)
    plan = ImagePlan(
        at_ms=frame.at_ms,
        width=width,
        height=height,
        image_format=image_format,
        component=component,
        origin=frame.origin,
    )
    event_ids = (frame.event_id,) if frame.event_id else ()
    location = ctx.presign(device, plan, request_id=request_id, event_ids=event_ids)
    return web.Response(
        status=303, headers={"Location": location, "X-Request-ID": request_id}
    )


async def image_response(
    request: web.Request, plan: ImagePlan, request_id: str, device_id: str
) -> web.Response:
    """Render the still of a presigned image download."""
    ctx = media_context(request)
    device = ctx.state.devices[device_id]
    content = await asyncio.to_thread(
        render_image,
        ctx.source(device, plan.component),
        at_ms=plan.at_ms,
        width=plan.width,
        height=plan.height,
        image_format=plan.image_format,
        label=plan.origin,
    )
    return web.Response(
        body=content,
        content_type=f"image/{plan.image_format}",
        headers={
            "X-Request-ID": request_id,
            "X-Media-Timestamp": str(plan.at_ms),
            "X-Media-Origin": plan.origin,
        },
    )

"""Clip download: `POST /v1/devices/{device_id}/media/video/download` (docs/media.md#clip-download).

200 with the whole window, 206 with `X-Media-Length` (or `X-Media-Duration`, or both: the
doc names both, docs/ambiguities.md#clip-length-header) when footage covers only part of it, 416 `TIMESTAMP_NOT_FOUND`
when nothing was recorded, 403 `TIME_RANGE_NOT_AUTHORIZED` before consent. The clip is the
first contiguous stretch of footage in the window. Choices for gaps: 425 `RECORDING_NOT_READY`
as for images while footage is still processed (docs/ambiguities.md#recording-latency); `codec: "hevc"` is accepted but
the simulator always encodes H.264; `audio_enabled` is accepted, clips carry no audio.
A multi-camera's lens is chosen as for images (`?component_id=` or `components`); footage
that overlaps a corrupt recording answers 422 `CORRUPT_RECORDING`.
In redirect mode (`clip_redirect`) the answer is the 301 that "may occur", to the media host.
"""

import asyncio
from typing import Any, Final

from aiohttp import web

from .context import check_consent, media_component, media_context
from .mp4 import DEFAULT_CLIP_FPS, DEFAULT_CLIP_HEIGHT, DEFAULT_CLIP_WIDTH, ClipSpec
from .plans import ClipPlan
from .requests import (
    MediaProblem,
    check_instant,
    integer,
    invalid,
    optional_object,
    read_body,
    required_integer,
    resolution,
)
from .search import clip_coverage

CLIP_PATH: Final = "/v1/devices/{device_id}/media/video/download"
MAX_DURATION_MS: Final = 900_000  # docs/media.md#clip-download: duration <= 15 min
MAX_FRAME_RATE: Final = 25  # docs/media.md#clip-download: frame_rate <= 25
CLIP_CODECS: Final = ("avc", "hevc")


def _video_options(body: dict[str, Any]) -> tuple[int, int, int]:
    """Return (width, height, fps) from `video_options`; check codec and audio options."""
    options = optional_object(body, "video_options", "video_options")
    codec = options.get("codec")
    if codec is not None and codec not in CLIP_CODECS:
        raise invalid(
            f"video_options.codec not supported, valid values: {', '.join(CLIP_CODECS)}",
            "video_options.codec",
        )
    fps = integer(options, "frame_rate", "video_options.frame_rate")
    if fps is not None and not 1 <= fps <= MAX_FRAME_RATE:
        raise invalid(
            f"video_options.frame_rate must be between 1 and {MAX_FRAME_RATE}",
            "video_options.frame_rate",
        )
    width, height = resolution(
        options, "video_options", (DEFAULT_CLIP_WIDTH, DEFAULT_CLIP_HEIGHT)
    )
    audio = optional_object(body, "audio_options", "audio_options")
    if not isinstance(audio.get("audio_enabled", False), bool):
        raise invalid(
            "audio_options.audio_enabled must be a boolean",
            "audio_options.audio_enabled",
        )
    return width, height, fps or DEFAULT_CLIP_FPS


def _window(body: dict[str, Any], now_ms: int) -> tuple[int, int]:
    """Return the validated (timestamp, duration) of a clip request."""
    start = required_integer(body, "timestamp", "timestamp")
    check_instant(start, "timestamp", now_ms)
    duration = required_integer(body, "duration", "duration")
    if duration <= 0:
        raise invalid("duration must be positive", "duration")
    if duration > MAX_DURATION_MS:
        raise invalid(f"duration must not exceed {MAX_DURATION_MS} ms", "duration")
    return start, duration


async def post_clip_download(request: web.Request) -> web.StreamResponse:
    """Answer a clip request with the MP4 (200/206), or a 301 in redirect mode."""
    ctx = media_context(request)
    state = ctx.state
    request_id = state.ids.uuid()
    account, device = ctx.authorize(request, request_id)
    nothing = MediaProblem(
        416,
        "TIMESTAMP_NOT_FOUND",
        "No recording found at the requested timestamp",
        "timestamp",
    )
    with ctx.refusals(request_id, nothing):
        body = await read_body(request)
        start, duration = _window(body, state.now_ms())
        width, height, fps = _video_options(body)
        component = media_component(request, body, device)
        limits = ctx.availability(account)
        check_consent(limits, start, "timestamp")
        coverage = clip_coverage(ctx.footage(device), start, duration, limits)
        ctx.check_intact(device, coverage.start_ms, coverage.end_ms)
    spec = ClipSpec(
        source=ctx.source(device, component),
        start_ms=coverage.start_ms,
        length_ms=coverage.length_ms,
        width=width,
        height=height,
        fps=fps,
    )
    plan = ClipPlan(spec=spec, requested_start_ms=start, requested_duration_ms=duration)
    if ctx.options.clip_redirect:
        location = ctx.presign(
            device, plan, request_id=request_id, event_ids=coverage.event_ids
        )
        return web.Response(
            status=301, headers={"Location": location, "X-Request-ID": request_id}
        )
    for event_id in coverage.event_ids:
        state.mark_reviewed(event_id)
    return await clip_response(request, plan, request_id)


async def clip_response(
    request: web.Request, plan: ClipPlan, request_id: str
) -> web.Response:
    """Encode (or fetch from cache) the MP4 of a clip plan and answer 200 or 206."""
    ctx = media_context(request)
    content = await asyncio.to_thread(ctx.clips.get, plan.spec)
    headers = {"X-Request-ID": request_id, "X-Media-Timestamp": str(plan.spec.start_ms)}
    if plan.partial:
        length = str(plan.spec.length_ms)
        if ctx.options.clip_length_header in ("X-Media-Length", "both"):
            headers["X-Media-Length"] = length
        if ctx.options.clip_length_header in ("X-Media-Duration", "both"):
            headers["X-Media-Duration"] = length
    return web.Response(
        status=206 if plan.partial else 200,
        body=content,
        content_type="video/mp4",
        headers=headers,
    )

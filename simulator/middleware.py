"""Middlewares shared by the API and media apps: request log, faults and rate limit.

Order (outermost first): request log, faults, rate limit, JSON:API errors (errors.py).
The request log records every request except the control API (`/_sim/`), with whether an
`Authorization` header and a bearer were sent and which host and port it reached; image and
clip downloads add the lens they selected (`component_id`, null for the main one).
"""

import asyncio
import math
from typing import Any, Final

from aiohttp import web

from simulator.errors import Handler, JsonApiError, media_error
from simulator.ids import iso_seconds
from simulator.state import get_state

MAX_LOG = 10_000
RATE_HEADERS_KEY = "simulator_rate_limit_headers"
# Media downloads answer faults in their own error shape (docs/media.md#image-download).
MEDIA_FAULT_CODES = {500: "INTERNAL_ERROR", 503: "SERVER_BUSY"}
MEDIA_DOWNLOAD_SUFFIXES = (
    "/media/image/download",
    "/media/video/download",
    "/v1/download",
)


# The request's log entry, so handlers can add what they read from the body (`log_component`).
LOG_ENTRY: Final = "sim_request_log_entry"


def log_component(request: web.Request, component: str | None) -> None:
    """Record in the request log the lens a media download selected (None: the main one)."""
    if (entry := request.get(LOG_ENTRY)) is not None:
        entry["component_id"] = component


@web.middleware
async def request_log_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Log method, path, query, status, auth presence and host of each non-control request."""
    if request.path.startswith("/_sim"):
        return await handler(request)
    state = get_state(request)
    authorization = request.headers.get("Authorization")
    sockname = (
        request.transport.get_extra_info("sockname") if request.transport else None
    )
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
        "status": None,
        "bearer": bool(authorization and authorization.lower().startswith("bearer ")),
        "authorization": authorization is not None,
        "host": request.host,
        "port": sockname[1] if sockname else None,
        "time": state.now_ms(),
    }
    state.request_log.append(entry)
    del state.request_log[:-MAX_LOG]
    request[LOG_ENTRY] = entry
    try:
        response = await handler(request)
    except web.HTTPException as err:
        entry["status"] = err.status
        raise
    entry["status"] = response.status
    return response


@web.middleware
async def fault_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Apply an injected fault (latency, dropped connection or error status)."""
    if request.path.startswith("/_sim"):
        return await handler(request)
    fault = get_state(request).faults.take(request.method, request.path)
    if fault is None:
        return await handler(request)
    if fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
    if fault.drop:
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError
    if fault.status is None:
        return await handler(request)
    headers = (
        {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    )
    code = fault.code or MEDIA_FAULT_CODES.get(fault.status)
    if code is not None and request.path.endswith(MEDIA_DOWNLOAD_SUFFIXES):
        state = get_state(request)
        request_id = state.ids.uuid()
        return media_error(
            fault.status,
            code,
            fault.detail or "Injected fault",
            request_id=request_id,
            timestamp=iso_seconds(state.now_ms()),
            headers=headers | {"X-Request-ID": request_id},
        ).response()
    return JsonApiError(
        fault.status,
        fault.title,
        fault.detail or "Injected fault",
        code=fault.code,
        headers=headers,
    ).response()


@web.middleware
async def rate_limit_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Apply the per-client-id limit to `/v1/` requests with a valid bearer (ratelimit.py)."""
    state = get_state(request)
    limit = state.config.rate_limit
    grant = state.bearer_grant(request) if request.path.startswith("/v1/") else None
    if limit <= 0 or grant is None or grant.playground:
        return await handler(request)
    allowed, remaining, retry_after = state.rate_limiter.hit(grant.client_id, limit)
    headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
    if not allowed:
        seconds = max(1, math.ceil(retry_after))
        headers["Retry-After"] = str(seconds)
        return JsonApiError(
            429,
            "Rate Limit Exceeded",
            f"Too many requests. Please retry after {seconds} seconds.",
            headers=headers,
        ).response()
    request[RATE_HEADERS_KEY] = headers
    return await handler(request)


async def add_rate_limit_headers(
    request: web.BaseRequest, response: web.StreamResponse
) -> None:
    """Add the rate-limit headers when a response is prepared (also streamed ones)."""
    if isinstance(request, web.Request) and RATE_HEADERS_KEY in request:
        response.headers.update(request[RATE_HEADERS_KEY])


def install(app: web.Application) -> None:
    """Add the shared middlewares' response hook to an app."""
    app.on_response_prepare.append(add_rate_limit_headers)

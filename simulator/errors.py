"""JSON:API error bodies (docs/ring-api.md#error-body) and the middleware that renders them.

Plain errors: `{"errors": [{"status": "404", "title": "Not Found", "detail": "..."}]}` with
`status` as a string. Media errors (docs/media.md#image-download) add `id` (request id), `code`, `source.pointer` and
`meta.timestamp`. Handlers raise `JsonApiError`; the middleware turns it, aiohttp's own
404/405 and unexpected exceptions into JSON:API responses.
"""

from collections.abc import Awaitable, Callable, Mapping
import logging
from typing import Any

from aiohttp import web

_LOGGER = logging.getLogger(__name__)

TITLES = {
    400: "Bad Request",
    401: "Invalid Client",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    422: "Unprocessable Entity",
    425: "Too Early",
    429: "Rate Limit Exceeded",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class JsonApiError(Exception):
    """An error answered as a JSON:API error document."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        code: str | None = None,
        error_id: str | None = None,
        pointer: str | None = None,
        timestamp: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Describe the error; `title` defaults from the status."""
        super().__init__(f"{status} {title or TITLES.get(status, 'Error')}")
        self.status = status
        self.title = title if title is not None else TITLES.get(status, "Error")
        self.detail = detail
        self.code = code
        self.error_id = error_id
        self.pointer = pointer
        self.timestamp = timestamp
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """Return the JSON:API error document."""
        error: dict[str, Any] = {}
        if self.error_id is not None:
            error["id"] = self.error_id
        error["status"] = str(self.status)
        if self.code is not None:
            error["code"] = self.code
        else:
            error["title"] = self.title
        if self.detail is not None:
            error["detail"] = self.detail
        if self.pointer is not None:
            error["source"] = {"pointer": self.pointer}
        if self.timestamp is not None:
            error["meta"] = {"timestamp": self.timestamp}
        return {"errors": [error]}

    def response(self) -> web.Response:
        """Render as an aiohttp response."""
        return web.json_response(self.body(), status=self.status, headers=self.headers)


def invalid_client(detail: str = "Invalid or expired access token") -> JsonApiError:
    """Return the documented 401 for a missing, malformed, expired or revoked bearer."""
    return JsonApiError(401, "Invalid Client", detail)


def not_found(
    detail: str = "The requested resource could not be found",
) -> JsonApiError:
    """Return the documented 404."""
    return JsonApiError(404, "Not Found", detail)


def bad_request(detail: str, title: str = "Bad Request") -> JsonApiError:
    """Return a 400 with a title from docs/ring-api.md#error-body."""
    return JsonApiError(400, title, detail)


async def json_object_body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object body ({} when empty); 400 on malformed JSON or a non-object."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as err:
        raise bad_request("Malformed JSON body") from err
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object")
    return body


def media_error(
    status: int,
    code: str,
    detail: str,
    *,
    request_id: str,
    timestamp: str,
    pointer: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonApiError:
    """Return a media-style error (docs/media.md#image-download): id, status, code, detail, source, meta."""
    return JsonApiError(
        status,
        None,
        detail,
        code=code,
        error_id=request_id,
        pointer=pointer,
        timestamp=timestamp,
        headers=headers,
    )


@web.middleware
async def error_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Render `JsonApiError`, router 404/405 and crashes as JSON:API documents."""
    try:
        return await handler(request)
    except JsonApiError as err:
        return err.response()
    except web.HTTPException as err:
        if err.status < 400:
            raise
        headers = {"Allow": err.headers["Allow"]} if "Allow" in err.headers else None
        if err.status == 404:
            return not_found().response()
        return JsonApiError(err.status, detail=err.reason, headers=headers).response()
    except Exception:
        _LOGGER.exception(
            "Unexpected simulator error on %s %s", request.method, request.path
        )
        return JsonApiError(500, detail="Unexpected simulator error").response()

"""The media host: `GET /v1/download?security_token=...` serves presigned stills and clips.

It sits on its own port (another origin, as Ring's `download-<region>` hosts, docs/media.md#image-download) and
needs no bearer token; the request-log middleware records whether one was sent anyway.
A URL works until `X-Amz-Expires` seconds after `X-Amz-Date` (presigned URL lifetime is
undocumented, docs/ambiguities.md#image-timing-and-presigned-urls: `media_url_lifetime_s`); after that, or with any query value
altered, the answer is 403. Serving media of a history event flips its
`is_third_party_reviewed` (docs/ring-api.md#event-history).
"""

from aiohttp import web

from .clips import clip_response
from .context import media_context
from .images import image_response
from .plans import ImagePlan
from .requests import MediaProblem


async def get_download(request: web.Request) -> web.StreamResponse:
    """Serve the still or clip a presigned URL stands for."""
    ctx = media_context(request)
    state = ctx.state
    query = request.query
    download = ctx.downloads.get(query.get("security_token", ""))
    request_id = download.req_id if download else state.ids.uuid()
    if download is None or (
        query.get("req_type"),
        query.get("req_id"),
        query.get("X-Amz-Date"),
        query.get("X-Amz-Expires"),
    ) != (
        download.req_type,
        download.req_id,
        download.amz_date,
        str(download.expires_s),
    ):
        raise ctx.error(
            MediaProblem(403, "REQUEST_FORBIDDEN", "Invalid security token"), request_id
        )
    if state.now_ms() >= download.expires_ms:
        raise ctx.error(
            MediaProblem(403, "REQUEST_FORBIDDEN", "Request has expired"), request_id
        )
    for event_id in download.event_ids:
        state.mark_reviewed(event_id)
    if isinstance(download.plan, ImagePlan):
        return await image_response(
            request, download.plan, request_id, download.device_id
        )
    return await clip_response(request, download.plan, request_id)

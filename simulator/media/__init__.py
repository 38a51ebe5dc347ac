"""Ring media for the simulator: image and clip downloads, the media host, WHEP live view.

`setup_media_routes` adds the `/v1/devices/{device_id}/media/...` routes and
`/_sim/whep/sessions` and `/_sim/media/config` to the API application, and the presigned
download route to the media application (another port, as Ring's download hosts).
"""

from aiohttp import web

from simulator.state import SimState

from .clips import CLIP_PATH, post_clip_download
from .context import DOWNLOAD_PATH, MEDIA_CONTEXT, MediaContext, media_context
from .downloads import get_download
from .images import IMAGE_PATH, post_image_download
from .whep import SESSION_PATH, SESSIONS_PATH, WhepSessions

__all__ = ["setup_media_routes"]


async def _get_media_config(request: web.Request) -> web.StreamResponse:
    """Return the media switches."""
    return web.json_response(media_context(request).options.as_dict())


async def _post_media_config(request: web.Request) -> web.StreamResponse:
    """Change media switches (`clip_length_header`, `clip_redirect`)."""
    options = media_context(request).options
    changes = await request.json()
    try:
        if not isinstance(changes, dict):
            raise TypeError("body must be a JSON object")  # noqa: TRY301 - same 400 as a bad value
        options.update(changes)
    except (TypeError, ValueError) as err:
        return web.json_response(
            {"errors": [{"status": "400", "title": "Bad Request", "detail": str(err)}]},
            status=400,
        )
    return web.json_response(options.as_dict())


def setup_media_routes(
    api_app: web.Application, media_app: web.Application, state: SimState
) -> None:
    """Add the media routes to both applications; sessions close when the simulator stops."""
    ctx = MediaContext(state=state)
    sessions = WhepSessions(ctx)
    ctx.live_footage = sessions.live_footage
    api_app[MEDIA_CONTEXT] = ctx
    media_app[MEDIA_CONTEXT] = ctx
    api_app.router.add_post(IMAGE_PATH, post_image_download)
    api_app.router.add_post(CLIP_PATH, post_clip_download)
    api_app.router.add_post(SESSIONS_PATH, sessions.create)
    api_app.router.add_delete(SESSION_PATH, sessions.delete)
    api_app.router.add_get("/_sim/whep/sessions", sessions.list_sessions)
    api_app.router.add_get("/_sim/media/config", _get_media_config)
    api_app.router.add_post("/_sim/media/config", _post_media_config)
    media_app.router.add_get(DOWNLOAD_PATH, get_download)
    state.add_listener(sessions.on_state_change)
    state.on_stop(sessions.close)

"""Ring's RTSP bridge: live video as RTSP over TLS with SRTP media, on its own port.

`rtsps://HOST:PORT/v1/devices/<device_id>/stream`; OPTIONS, DESCRIBE (token in
`X-Auth-Token` or Basic with an empty user), SETUP, PLAY, TEARDOWN. The modules: `messages`
(wire format), `auth` (credentials, gateway verdict), `transport` (SETUP's Transport rules),
`sdp`, `media` (H.264 to SRTP over UDP or interleaved TCP), `session`, `connection` (the
methods and their errors), `bridge` (listener, liveness, simulator events), `certificate`.
`NOTES.md` next to this file records what FFmpeg can and cannot do with the bridge.
"""

from aiohttp import web

from simulator.media.context import MEDIA_CONTEXT
from simulator.state import SimState

from .bridge import STREAM_PATH, RtspBridge

__all__ = ["STREAM_PATH", "RtspBridge", "setup_rtsp"]


def setup_rtsp(api_app: web.Application, state: SimState) -> RtspBridge:
    """Create the bridge, add `/_sim/rtsp/sessions`, and hook it into media and events.

    Call after `setup_media_routes`: live bridge sessions count as footage, as WHEP ones do.
    The caller starts the bridge (`await bridge.start()`); the simulator's stop closes it.
    """
    bridge = RtspBridge(state)
    api_app.router.add_get("/_sim/rtsp/sessions", bridge.list_sessions)
    api_app.router.add_delete("/_sim/rtsp/sessions", bridge.list_sessions)
    context = api_app[MEDIA_CONTEXT]
    whep_footage = context.live_footage
    context.live_footage = lambda device: [
        *whep_footage(device),
        *bridge.live_footage(device),
    ]
    state.add_listener(bridge.on_state_change)
    state.on_stop(bridge.close)
    return bridge

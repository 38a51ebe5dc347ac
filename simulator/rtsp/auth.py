"""DESCRIBE credentials and the gateway's verdict on them.

Ring takes the access token on DESCRIBE only, preferably as `X-Auth-Token: <token>`, else as
`Authorization: Basic base64(":" + token)` (empty user name); it forwards the token to its API
gateway as a bearer, and later requests ride on the authenticated TLS connection. Choices
where the docs are silent:

- 401 when no usable credentials were sent (missing, another scheme, a non-empty Basic user,
  undecodable Basic) or the token is unknown, expired or revoked. The 401 carries
  `WWW-Authenticate: Basic realm="Ring RTSP Bridge"` (switch `rtsp_basic_challenge`), because
  RTSP clients such as FFmpeg and VLC send URL credentials only after such a challenge.
- 403 ("gateway rejected token") when the token is valid but gives no access to the device:
  the device belongs to another account, or the account has not given consent yet.
- 404 when no account has that device shared, or it is not a camera.
"""

import base64
import binascii

from simulator.models import Account, Device
from simulator.state import SimState

from .messages import RtspError, RtspRequest
from .session import AuthForm

REALM = "Ring RTSP Bridge"


def _unauthorized(state: SimState, detail: str) -> RtspError:
    """Return a 401, with a Basic challenge unless switched off."""
    headers = (
        {"WWW-Authenticate": f'Basic realm="{REALM}"'}
        if state.config.rtsp_basic_challenge
        else {}
    )
    return RtspError(401, detail, headers=headers)


def credentials(state: SimState, request: RtspRequest) -> tuple[str, AuthForm]:
    """Return the token and the form it came in; raise 401 when there is none."""
    if token := (request.header("X-Auth-Token") or "").strip():
        return token, "x-auth-token"
    header = request.header("Authorization")
    if header is None:
        raise _unauthorized(state, "no credentials")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise _unauthorized(state, "unsupported authorization scheme")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except binascii.Error, UnicodeDecodeError:
        raise _unauthorized(state, "undecodable Basic credentials") from None
    user, sep, token = decoded.partition(":")
    if not sep or user or not token:
        raise _unauthorized(
            state, "Basic credentials must be an empty user and the token"
        )
    return token, "basic"


def authorize(
    state: SimState, request: RtspRequest, device_id: str
) -> tuple[Account, Device, AuthForm]:
    """Check DESCRIBE's token against the gateway; return the account, device and form."""
    token, form = credentials(state, request)
    grant = state.tokens.access_token(token)
    if grant is None or grant.account_id not in state.accounts:
        raise _unauthorized(state, "invalid, expired or revoked token")
    account = state.accounts[grant.account_id]
    device = state.devices.get(device_id)
    if device is None or device.removed or not device.has_video:
        raise RtspError(404, "unknown device")
    if device.account_id != account.id or not account.linked:
        raise RtspError(403, "gateway rejected the token for this device")
    return account, device, form

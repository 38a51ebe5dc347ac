"""Appstore linking over HTTP: the Token Exchange and the Account Link handlers.

Both run as `webhook` handlers (one id per Ring app, `partner_urls.py`), possibly relayed
by Home Assistant Cloud, and at the fixed paths installs registered before. Every input is
outside input: bodies are capped and decoded strictly, and anything malformed answers 400.
"""

from email.parser import BytesParser
from email.policy import HTTP
import json
import re
import time
from typing import Final
from urllib.parse import parse_qsl

from aiohttp import hdrs, web

from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.core import HomeAssistant, callback

from ..client import RingPartnerLinkError, check_link_time
from ..const import ACCOUNT_LINK_PATH, LOGGER, TOKEN_EXCHANGE_PATH
from . import DATA_LINKING, LinkingRegistry
from .page import async_render

# Ring's code is a short token and the link form three short fields; nothing needs more.
MAX_BODY_BYTES: Final = 8 * 1024
_READ_CHUNK: Final = 4 * 1024
_CODE_RE = re.compile(r"[\x21-\x7e]{1,2048}")  # printable ASCII, no spaces
# Ring sends a 43-character URL-safe base64 nonce and a 13-digit epoch-ms time; the ranges
# allow for change (docs/ambiguities.md#nonce-and-time-format).
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_TIME_RE = re.compile(r"[0-9]{10,16}")
# Eight digits, perhaps grouped; anything longer is no attempt at typing one.
MAX_PAIRING_CODE_CHARS: Final = 32
# Field names of an unrecognised Token Exchange request, as logged: names only, shortened.
_FIELD_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class BadInputError(Exception):
    """A request no handler can read; the message is the 400 answer."""


async def _async_read_text(request: web.Request) -> str:
    """Return the body as text: at most MAX_BODY_BYTES of strict UTF-8.

    Uses only `headers` and `content.read`, which Home Assistant Cloud's relayed requests
    have too. Raises BadInputError.
    """
    declared = request.headers.get(hdrs.CONTENT_LENGTH, "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadInputError("Request body too large")
    body = bytearray()
    content = request.content  # a relayed request makes a new reader on each access
    while chunk := await content.read(_READ_CHUNK):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BadInputError("Request body too large")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInputError("Request body is not UTF-8") from None


def _form(text: str) -> dict[str, str]:
    """Parse a form-encoded body; percent-escapes that are no UTF-8 become U+FFFD."""
    return dict(parse_qsl(text, keep_blank_values=True))


def _multipart(content_type: str, text: str) -> dict[str, str]:
    """Parse a multipart/form-data body's text fields; anything unreadable is no field."""
    try:
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n{text}".encode()
        )
        fields: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_content()
            if isinstance(name, str) and isinstance(content, str):
                fields.setdefault(name, content.strip("\r\n"))
    except ValueError, TypeError, LookupError, AttributeError:
        return {}
    return fields


def _body_fields(request: web.Request, text: str) -> dict[str, object] | None:
    """Return the fields of a JSON object, multipart or form body; None for broken JSON."""
    content_type = request.headers.get(hdrs.CONTENT_TYPE, "")
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None
    if content_type.lower().startswith("multipart/form-data"):
        return dict(_multipart(content_type, text))
    return dict(_form(text))


def _find_code(request: web.Request, text: str) -> object:
    """Return the `code` from the query, a JSON body or a form body, whichever has one.

    Ring's exact request is undocumented (docs/ambiguities.md#token-exchange-request).
    """
    if (code := request.query.get("code")) is not None:
        return code
    fields = _body_fields(request, text)
    return None if fields is None else fields.get("code")


def _describe_shape(request: web.Request, text: str) -> str:
    """Describe a request without its values: content type, size, field names."""
    names: list[str] = list(request.query)
    names += [str(name) for name in _body_fields(request, text) or {}]
    shown = sorted({n if _FIELD_NAME_RE.fullmatch(n) else "?" for n in names})
    return (
        f"content type {request.headers.get(hdrs.CONTENT_TYPE, 'none')[:64]!r}, "
        f"{len(text)} characters, fields {shown}"
    )


async def async_handle_token_exchange(
    hass: HomeAssistant, request: web.Request, *, client_id: str | None = None
) -> web.Response:
    """Accept Ring's one-time code (docs/linking.md#token-exchange-url).

    Anyone can call this URL: the code is exchanged in the background and the exchange is
    the check. 404 when no flow of the app waits, so stray codes die here.
    """
    registry = hass.data[DATA_LINKING]
    try:
        text = await _async_read_text(request)
    except BadInputError as err:
        return web.Response(status=400, text=str(err))
    code = _find_code(request, text)
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        if code is None and not registry.unknown_shape_logged:
            registry.unknown_shape_logged = True
            LOGGER.warning(
                "The Token Exchange URL received a request without a code (%s); "
                "please report this shape",
                _describe_shape(request, text),
            )
        return web.Response(status=400, text="Missing or malformed code")
    if not registry.waiting(client_id):
        return web.Response(status=404, text="No account link in progress")
    if registry.exchange.busy:
        return web.Response(status=503, text="Busy", headers={"Retry-After": "5"})
    registry.async_receive_code(code, client_id)
    return web.Response(status=200, text="OK")


def _parse_link(nonce: object, link_time: object) -> tuple[str, str] | str:
    """Return (nonce, time), or the page outcome for a malformed, stale or future link."""
    if not (
        isinstance(nonce, str)
        and isinstance(link_time, str)
        and _NONCE_RE.fullmatch(nonce)
        and _TIME_RE.fullmatch(link_time)
    ):
        return "malformed"
    try:
        check_link_time(link_time)
    except RingPartnerLinkError:
        return "future" if int(link_time) > time.time() * 1000 else "expired"
    return nonce, link_time


async def async_handle_account_link(
    hass: HomeAssistant, request: web.Request, *, client_id: str | None = None
) -> web.Response:
    """Serve the partner sign-in page Ring sends the browser to (docs/linking.md#account-link-url).

    GET asks for the pairing code only the admin who started the flow can see; the form
    POSTs back to the same URL, which checks it and claims the token the nonce matches.
    """
    registry = hass.data[DATA_LINKING]
    if request.method == hdrs.METH_GET:
        fields: dict[str, str] = dict(request.query)
    else:
        try:
            fields = _form(await _async_read_text(request))
        except BadInputError:
            return await async_render(hass, request, "malformed")
    link = _parse_link(fields.get("nonce"), fields.get("time"))
    if isinstance(link, str):
        return await async_render(hass, request, link)
    # Only the form's POST submits a code; a GET never claims anything.
    code = None if request.method == hdrs.METH_GET else fields.get("pairing_code", "")
    if code is not None and not 0 < len(code) <= MAX_PAIRING_CODE_CHARS:
        return await async_render(hass, request, "malformed")
    if not registry.waiting(client_id):
        return await async_render(hass, request, "no_flow")
    if code is None:
        return await async_render(hass, request, "prompt", form=link)
    async with registry.lock:
        outcome = await registry.async_claim(
            *link, code, client_id=client_id, remote=request.remote
        )
    form = link if registry.waiting(client_id) else None
    return await async_render(
        hass, request, outcome.reason, form=form, tries_left=outcome.tries_left
    )


class RingPartnerTokenExchangeView(HomeAssistantView):
    """The Token Exchange URL at its fixed path, for installs that registered it."""

    url = TOKEN_EXCHANGE_PATH
    name = "api:ring_partner:link:token"
    requires_auth = False

    async def post(self, request: web.Request) -> web.Response:
        """Accept a code for any waiting flow."""
        return await async_handle_token_exchange(request.app[KEY_HASS], request)


class RingPartnerAccountLinkView(HomeAssistantView):
    """The Account Link URL at its fixed path, for installs that registered it."""

    url = ACCOUNT_LINK_PATH
    name = "api:ring_partner:link:account"
    requires_auth = False

    async def get(self, request: web.Request) -> web.Response:
        """Show the pairing code form."""
        return await async_handle_account_link(request.app[KEY_HASS], request)

    async def post(self, request: web.Request) -> web.Response:
        """Check the pairing code."""
        return await async_handle_account_link(request.app[KEY_HASS], request)


@callback
def async_setup_linking(hass: HomeAssistant) -> LinkingRegistry:
    """Create the registry and register the fixed-path views, once per Home Assistant run."""
    if (registry := hass.data.get(DATA_LINKING)) is None:
        registry = hass.data[DATA_LINKING] = LinkingRegistry(hass)
        hass.http.register_view(RingPartnerTokenExchangeView())
        hass.http.register_view(RingPartnerAccountLinkView())
    return registry

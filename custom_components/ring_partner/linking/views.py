"""Appstore linking over HTTP: the Token Exchange and Account Link views and the link page."""

from dataclasses import dataclass, replace
import html
import re
import time

from aiohttp import web

from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.core import HomeAssistant, callback

from ..client import RingPartnerLinkError, check_link_time
from ..const import ACCOUNT_LINK_PATH, TOKEN_EXCHANGE_PATH
from . import DATA_LINKING, LinkingRegistry

_CODE_RE = re.compile(r"[\x21-\x7e]{1,2048}")  # printable ASCII, no spaces
# Ring sends a 43-character URL-safe base64 nonce and a 13-digit epoch-ms time; the ranges
# allow for change (docs/ambiguities.md#nonce-and-time-format).
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_TIME_RE = re.compile(r"\d{10,16}")


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What the Account Link page tells the browser."""

    status: int
    title: str
    message: str
    retry: bool = False


def _outcome(status: int, title: str, message: str, *, retry: bool = False) -> Outcome:
    """Build an outcome (keeps the table below short)."""
    return Outcome(status=status, title=title, message=message, retry=retry)


OUTCOMES: dict[str, Outcome] = {
    "linked": _outcome(
        200,
        "Ring account linked",
        "Your Ring account is now linked to Home Assistant. You can close this page.",
    ),
    "linked_awaiting": _outcome(
        200,
        "Ring account linked",
        "Your Ring account is linked, but Ring did not accept the final confirmation. "
        "Home Assistant retries it when the integration loads. You can close this page.",
    ),
    "malformed": _outcome(
        400,
        "Incomplete link",
        "This page must be opened from the Ring app; the link is incomplete.",
    ),
    "expired": _outcome(
        400,
        "Link expired",
        "This link from Ring is more than 10 minutes old. "
        "Sign in again from the app in the Ring Appstore.",
    ),
    "future": _outcome(
        400,
        "Clock mismatch",
        "This link from Ring is dated in the future. "
        "Check the clock of Home Assistant's host, then sign in again from the Ring app.",
    ),
    "no_flow": _outcome(
        404,
        "Nothing to link",
        "Home Assistant is not waiting for a Ring account. Start adding the Ring "
        "Partner API integration in Home Assistant first, then sign in from the Ring app.",
    ),
    "wrong_code": _outcome(
        403,
        "Wrong pairing code",
        "That is not the pairing code Home Assistant shows.",
        retry=True,
    ),
    "too_many_attempts": _outcome(
        403,
        "Too many wrong codes",
        "Linking was cancelled after too many wrong pairing codes. "
        "Start again in Home Assistant.",
    ),
    "no_unclaimed_token": _outcome(
        409,
        "No code from Ring",
        "Ring did not deliver a code to Home Assistant's Token Exchange URL. Check the "
        "URLs in the Ring developer console, then start again in Home Assistant.",
    ),
    "code_exchange_failed": _outcome(
        502,
        "Code exchange failed",
        "Ring's code could not be exchanged for a token. Check the client ID and "
        "secret of your Ring app, then start again in Home Assistant.",
    ),
    "nonce_mismatch": _outcome(
        409,
        "Link does not match",
        "This link does not belong to the Ring account Home Assistant received. "
        "Check the HMAC signature key, then start again in Home Assistant.",
    ),
    "invalid_nonce": _outcome(
        409,
        "Ring refused the link",
        "Ring answered Invalid Nonce. Start again in Home Assistant and sign in "
        "from the Ring app within 10 minutes.",
    ),
    "already_configured": _outcome(
        409,
        "Already linked",
        "This Ring account is already set up in Home Assistant.",
    ),
    "wrong_account": _outcome(
        409,
        "Different Ring account",
        "You signed in with a different Ring account than the one Home Assistant "
        "asked to reauthenticate.",
    ),
    "ring_unavailable": _outcome(
        503,
        "Ring is unavailable",
        "Ring could not confirm the link right now. Enter the pairing code again "
        "to retry.",
        retry=True,
    ),
}


PROMPT = _outcome(
    200,
    "Link your Ring account",
    "Enter the pairing code that Home Assistant shows in the setup dialog.",
)


def _page(outcome: Outcome, form: tuple[str, str] | None = None) -> web.Response:
    """Render a small self-contained HTML page; the URL carries a nonce, so no referrer."""
    body = f"<p>{html.escape(outcome.message)}</p>"
    if form is not None:
        nonce, link_time = (html.escape(value, quote=True) for value in form)
        body += (
            '<form method="post">'
            f'<input type="hidden" name="nonce" value="{nonce}">'
            f'<input type="hidden" name="time" value="{link_time}">'
            '<label>Pairing code <input name="pairing_code" inputmode="numeric" '
            'autocomplete="one-time-code" required autofocus></label> '
            '<button type="submit">Link</button></form>'
        )
    title = html.escape(outcome.title)
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )
    return web.Response(
        status=outcome.status,
        text=document,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        },
    )


def _parse_link(nonce: object, link_time: object) -> tuple[str, str] | Outcome:
    """Return (nonce, time), or the outcome for a malformed, stale or future link."""
    if not (
        isinstance(nonce, str)
        and isinstance(link_time, str)
        and _NONCE_RE.fullmatch(nonce)
        and _TIME_RE.fullmatch(link_time)
    ):
        return OUTCOMES["malformed"]
    try:
        check_link_time(link_time)
    except RingPartnerLinkError:
        late = int(link_time) > time.time() * 1000
        return OUTCOMES["future" if late else "expired"]
    return nonce, link_time


class RingPartnerTokenExchangeView(HomeAssistantView):
    """Receive Ring's one-time code; anyone can call it, Ring included.

    See docs/linking.md#token-exchange-url.
    """

    url = TOKEN_EXCHANGE_PATH
    name = "api:ring_partner:link:token"
    requires_auth = False

    async def post(self, request: web.Request) -> web.Response:
        """Accept the form `code`; 404 when no flow waits, so stray codes die here."""
        hass = request.app[KEY_HASS]
        form = await request.post()
        code = form.get("code")
        if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
            return web.Response(status=400, text="Missing or malformed code")
        registry = hass.data[DATA_LINKING]
        if not registry.pending:
            return web.Response(status=404, text="No account link in progress")
        if registry.exchange.busy:
            return web.Response(status=503, text="Busy", headers={"Retry-After": "5"})
        registry.async_receive_code(code)
        return web.Response(status=200, text="OK")


class RingPartnerAccountLinkView(HomeAssistantView):
    """The partner sign-in page Ring sends the browser to (docs/linking.md#account-link-url)."""

    url = ACCOUNT_LINK_PATH
    name = "api:ring_partner:link:account"
    requires_auth = False

    async def get(self, request: web.Request) -> web.Response:
        """Ask for the pairing code only the admin who started the flow can see."""
        link = _parse_link(request.query.get("nonce"), request.query.get("time"))
        if isinstance(link, Outcome):
            return _page(link)
        if not request.app[KEY_HASS].data[DATA_LINKING].pending:
            return _page(OUTCOMES["no_flow"])
        return _page(PROMPT, form=link)

    async def post(self, request: web.Request) -> web.Response:
        """Check the pairing code, then claim the token whose nonce matches."""
        form = await request.post()
        link = _parse_link(form.get("nonce"), form.get("time"))
        if isinstance(link, Outcome):
            return _page(link)
        if not isinstance(code := form.get("pairing_code"), str):
            return _page(OUTCOMES["malformed"])
        registry = request.app[KEY_HASS].data[DATA_LINKING]
        if not registry.pending:
            return _page(OUTCOMES["no_flow"])
        async with registry.lock:
            reason = await registry.async_claim(*link, code)
            outcome = OUTCOMES[reason]
            if reason == "wrong_code":
                tries = f"Tries left: {registry.tries_left}."
                outcome = replace(outcome, message=f"{outcome.message} {tries}")
        return _page(outcome, form=link if outcome.retry and registry.pending else None)


@callback
def async_setup_linking(hass: HomeAssistant) -> LinkingRegistry:
    """Create the registry and register both views, once per Home Assistant run."""
    if (registry := hass.data.get(DATA_LINKING)) is None:
        registry = hass.data[DATA_LINKING] = LinkingRegistry(hass)
        hass.http.register_view(RingPartnerTokenExchangeView())
        hass.http.register_view(RingPartnerAccountLinkView())
    return registry

"""The Account Link page: Home Assistant's look, the integration's logo, the browser's language.

Ring sends the user's browser here from the Ring app (docs/linking.md#account-link-url), so
the page must be recognisable as Home Assistant's and say which Home Assistant it belongs to.
It is self-contained (inline style, the logo as a data URI, no scripts, fonts or other
requests), since it may be relayed by Home Assistant Cloud and its URL carries a nonce that
no third party may see as a referrer. Texts live under `common` in `translations/*.json`.
"""

import base64
from dataclasses import dataclass
from functools import cache
import html
from pathlib import Path
from typing import Final

from aiohttp import web

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from ..const import DOMAIN

# The languages with a translations file; a test checks this against the directory.
LANGUAGES: Final = ("en", "de", "es", "fr", "it", "nl")
# Accept-Language is outside input: only the start of a long header is read.
_MAX_ACCEPT_LANGUAGE: Final = 256
_LOGO: Final = Path(__file__).parent.parent / "brand" / "icon.png"


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """How one of the page's states answers: its status, and whether the form stays."""

    status: int
    retry: bool = False


# Keys are the texts' names in `common` (link_page_<key>_title / _message).
OUTCOMES: Final[dict[str, Outcome]] = {
    "prompt": Outcome(status=200, retry=True),
    "linked": Outcome(status=200),
    "linked_awaiting": Outcome(status=200),
    "malformed": Outcome(status=400),
    "expired": Outcome(status=400),
    "future": Outcome(status=400),
    "no_flow": Outcome(status=404),
    "wrong_code": Outcome(status=403, retry=True),
    "too_many_attempts": Outcome(status=403),
    "no_unclaimed_token": Outcome(status=409),
    "code_exchange_failed": Outcome(status=502),
    "nonce_mismatch": Outcome(status=409),
    "invalid_nonce": Outcome(status=409),
    "already_configured": Outcome(status=409),
    "wrong_account": Outcome(status=409),
    "ring_unavailable": Outcome(status=503, retry=True),
}


def negotiate_language(accept_language: str | None, default: str) -> str:
    """Return the best of LANGUAGES for an Accept-Language header, else the default."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(
        (accept_language or "")[:_MAX_ACCEPT_LANGUAGE].split(",")
    ):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().partition("-")[0]
        if language not in LANGUAGES:
            continue
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
            if not 0 < quality <= 1:
                continue
        candidate = (quality, -index, language)
        if best is None or candidate > best:
            best = candidate
    if best is not None:
        return best[2]
    language = default.lower().partition("-")[0]
    return language if language in LANGUAGES else "en"


@cache
def _logo_data_uri() -> str:
    """Return the integration's icon as a data URI (read once, in the executor)."""
    return "data:image/png;base64," + base64.b64encode(_LOGO.read_bytes()).decode()


async def _async_texts(hass: HomeAssistant, language: str) -> dict[str, str]:
    """Return the page's texts in a language, English where a text is missing."""
    prefix = f"component.{DOMAIN}.common."
    texts: dict[str, str] = {}
    for lang in dict.fromkeys(("en", language)):
        strings = await async_get_translations(hass, lang, "common", [DOMAIN])
        texts.update(
            {
                k.removeprefix(prefix): v
                for k, v in strings.items()
                if k.startswith(prefix)
            }
        )
    return texts


_STYLE: Final = """
:root{color-scheme:light dark;--primary:#03a9f4;--bg:#fafafa;--card:#fff;--text:#212121;
--secondary:#727272;--divider:#e0e0e0;--error:#db4437;--ok:#43a047}
@media (prefers-color-scheme:dark){:root{--bg:#111;--card:#1c1c1c;--text:#e1e1e1;
--secondary:#9b9b9b;--divider:#3a3a3a}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:var(--bg);color:var(--text);padding:16px;
font:400 16px/1.5 Roboto,"Noto Sans",-apple-system,BlinkMacSystemFont,"Segoe UI",Arial,sans-serif}
main{width:100%;max-width:400px;background:var(--card);border-radius:12px;padding:32px 24px;
box-shadow:0 2px 2px rgba(0,0,0,.14),0 1px 5px rgba(0,0,0,.12),0 3px 1px -2px rgba(0,0,0,.2)}
header{text-align:center;margin-bottom:16px}
header img{width:72px;height:72px}
.location{color:var(--secondary);font-size:14px;margin:8px 0 0}
h1{font-size:24px;font-weight:400;margin:0 0 8px;text-align:center}
p{margin:0 0 16px}
.error .message{color:var(--error)}
.done h1{color:var(--ok)}
.tries{color:var(--secondary);font-size:14px}
label{display:block;font-size:14px;color:var(--secondary);margin-bottom:4px}
input[name=pairing_code]{width:100%;font:inherit;font-size:24px;letter-spacing:4px;
text-align:center;padding:12px;border:1px solid var(--divider);border-radius:8px;
background:transparent;color:var(--text)}
input[name=pairing_code]:focus{outline:2px solid var(--primary);border-color:transparent}
button{margin-top:16px;width:100%;font:inherit;font-weight:500;text-transform:uppercase;
letter-spacing:1px;padding:12px;border:0;border-radius:8px;background:var(--primary);
color:#fff;cursor:pointer}
@media (max-width:480px){body{padding:0;align-items:stretch}main{border-radius:0;
box-shadow:none;padding:24px 16px}}
"""


def _tone(key: str, outcome: Outcome) -> str:
    """Return the page's tone: done (linked), error (any 4xx/5xx) or plain (the prompt)."""
    if key.startswith("linked"):
        return "done"
    return "error" if outcome.status >= 400 else "plain"


_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}


async def async_render(
    hass: HomeAssistant,
    request: web.Request,
    key: str,
    *,
    form: tuple[str, str] | None = None,
    tries_left: int | None = None,
) -> web.Response:
    """Render the page for an outcome, in the browser's language.

    `form` (nonce, time) adds the pairing code form when the outcome allows a retry.
    """
    outcome = OUTCOMES[key]
    language = negotiate_language(
        request.headers.get("Accept-Language"), hass.config.language
    )
    texts = await _async_texts(hass, language)
    logo = await hass.async_add_executor_job(_logo_data_uri)

    def text(name: str, **placeholders: object) -> str:
        value = texts.get(name, name)
        for placeholder, replacement in placeholders.items():
            value = value.replace(f"{{{placeholder}}}", str(replacement))
        return html.escape(value)

    title = text(f"link_page_{key}_title")
    body = f'<p class="message">{text(f"link_page_{key}_message")}</p>'
    if tries_left is not None:
        body += f'<p class="tries">{text("link_page_tries_left", tries=tries_left)}</p>'
    if form is not None and outcome.retry:
        nonce, link_time = (html.escape(value, quote=True) for value in form)
        body += (
            '<form method="post">'
            f'<input type="hidden" name="nonce" value="{nonce}">'
            f'<input type="hidden" name="time" value="{link_time}">'
            f'<label for="pairing_code">{text("link_page_pairing_code")}</label>'
            '<input id="pairing_code" name="pairing_code" inputmode="numeric" '
            'autocomplete="one-time-code" maxlength="32" required autofocus>'
            f'<button type="submit">{text("link_page_submit")}</button></form>'
        )
    location = text("link_page_location", location=hass.config.location_name)
    document = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{title}</title><style>{_STYLE}</style></head>"
        f'<body class="{_tone(key, outcome)}"><main><header>'
        f'<img src="{logo}" alt="Ring Partner API">'
        f'<p class="location">{location}</p></header>'
        f"<h1>{title}</h1>{body}</main></body></html>"
    )
    return web.Response(
        status=outcome.status,
        text=document,
        content_type="text/html",
        headers=_HEADERS,
    )

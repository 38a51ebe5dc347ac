"""Appstore account linking: the Token Exchange and Account Link views (§1.5)."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import hmac
import html
import re
import secrets
import time
from typing import Any

from aiohttp import web

from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import RingPartnerStaticTokenAuth
from .client import (
    IntegrationStatus,
    RingPartnerClient,
    RingPartnerError,
    RingPartnerInvalidNonceError,
    RingPartnerLinkError,
    User,
    check_link_time,
    exchange_code,
    find_nonce_account,
)
from .const import ACCOUNT_LINK_PATH, DOMAIN, LOGGER, TOKEN_EXCHANGE_PATH

# Ring's code must be exchanged within 60 s (§1.2); keep a margin for users/me.
EXCHANGE_TIMEOUT = 30.0
# An unclaimed token waits as long as the flow's progress step: the user installs the
# app, then Ring redirects the browser within seconds; nothing stays in memory longer.
UNCLAIMED_TOKEN_LIFETIME = timedelta(minutes=15)
# Eight digits and six tries give an attacker a 6e-8 chance; the flow aborts after that.
MAX_PAIRING_FAILURES = 5
PAIRING_CODE_DIGITS = 8
# Anyone can POST codes while a flow waits; each costs a call to Ring's token endpoint.
# Ring sends one code per install, so a few in flight at once is plenty.
MAX_EXCHANGES_IN_FLIGHT = 3
# After a link completes, its HMAC key keeps verifying webhooks until the flow has created
# the entry; a few minutes is ample, since that happens on the user's next click or sooner.
RECENT_KEY_LIFE = timedelta(minutes=15)

_CODE_RE = re.compile(r"[\x21-\x7e]{1,2048}")  # printable ASCII, no spaces
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,128}")  # §1.5: 43-char URL-safe base64
_TIME_RE = re.compile(r"\d{10,16}")  # §1.5: epoch milliseconds

DATA_LINKING: HassKey[LinkingRegistry] = HassKey(f"{DOMAIN}_linking")


class LinkFailedError(Exception):
    """A pending link ended without a token; reason is the flow's abort reason."""

    def __init__(self, reason: str) -> None:
        """Initialize with the abort reason."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class LinkCredentials:
    """The Ring app and endpoints a waiting flow exchanges codes with."""

    client_id: str
    client_secret: str = field(repr=False)
    token_url: str
    api_base: str


@dataclass(frozen=True, kw_only=True)
class LinkResult:
    """What a successful Appstore link hands back to the config flow."""

    token: dict[str, Any] = field(repr=False)
    user: User
    linked_at: datetime
    completed: bool


@dataclass(kw_only=True, eq=False)
class PendingLink:
    """A config flow waiting for Ring's code and the user's browser."""

    flow_id: str
    credentials: LinkCredentials
    hmac_key: str = field(repr=False)
    pairing_code: str = field(repr=False)
    # Returns an abort reason when the account may not be linked by this flow.
    check_account: Callable[[str], str | None]
    result: asyncio.Future[LinkResult]
    failures: int = 0
    exchange_failed: bool = False


@dataclass(kw_only=True, eq=False)
class UnclaimedToken:
    """Tokens from a code exchange, waiting for the browser to bring the nonce."""

    credentials: LinkCredentials
    token: dict[str, Any] = field(repr=False)
    user: User
    expires: datetime


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What the Account Link page tells the browser."""

    status: int
    title: str
    message: str
    retry: bool = False


def new_pairing_code() -> str:
    """Return a random one-time pairing code."""
    return f"{secrets.randbelow(10**PAIRING_CODE_DIGITS):0{PAIRING_CODE_DIGITS}d}"


def mask_email(email: str | None) -> str | None:
    """Return d***r@example.com for dinner@example.com: enough to recognize, no more."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.partition("@")
    masked = f"{local[0]}***{local[-1]}" if len(local) > 1 else "***"
    return f"{masked}@{domain}"


class LinkingRegistry:
    """Waiting flows and unclaimed tokens; memory only, never persisted."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize the registry."""
        self.hass = hass
        self.pending: dict[str, PendingLink] = {}
        self.unclaimed: list[UnclaimedToken] = []
        # Keys of links that just completed: Ring sends app_integration_added after the
        # PATCH (§1.5 step 11), possibly before the flow has created the entry.
        self._recent_keys: dict[str, datetime] = {}
        self.lock = asyncio.Lock()
        self._exchanges: set[asyncio.Task[None]] = set()

    @callback
    def async_register(self, pending: PendingLink) -> None:
        """Start accepting codes and pairing codes for a flow."""
        self.pending[pending.flow_id] = pending

    @callback
    def async_unregister(self, flow_id: str) -> None:
        """Forget a flow, and the tokens no other waiting flow could claim."""
        if (pending := self.pending.pop(flow_id, None)) is None:
            return
        if not pending.result.done():
            pending.result.cancel()
        self._drop_tokens(pending.credentials)

    @callback
    def _fail(self, pending: PendingLink, reason: str) -> None:
        """End a flow's wait with an abort reason and drop what it could have claimed."""
        self.pending.pop(pending.flow_id, None)
        if not pending.result.done():
            pending.result.set_exception(LinkFailedError(reason))
        self._drop_tokens(pending.credentials)

    @callback
    def _drop_tokens(self, credentials: LinkCredentials) -> None:
        """Drop unclaimed tokens of an app no waiting flow uses any more."""
        if any(p.credentials == credentials for p in self.pending.values()):
            return
        self.unclaimed = [t for t in self.unclaimed if t.credentials != credentials]

    @callback
    def _prune(self) -> None:
        """Drop unclaimed tokens past their life."""
        now = dt_util.utcnow()
        self.unclaimed = [t for t in self.unclaimed if t.expires > now]

    @callback
    def async_hmac_keys(self) -> set[str]:
        """Return the HMAC keys of waiting and just-completed links, for the webhook view."""
        now = dt_util.utcnow()
        self._recent_keys = {k: t for k, t in self._recent_keys.items() if t > now}
        return {p.hmac_key for p in self.pending.values()} | set(self._recent_keys)

    @property
    def busy(self) -> bool:
        """Return True when enough code exchanges are already running."""
        return len(self._exchanges) >= MAX_EXCHANGES_IN_FLIGHT

    @callback
    def async_receive_code(self, code: str) -> None:
        """Exchange a code from Ring in the background, so Ring gets its 200 at once."""
        task = self.hass.async_create_task(
            self._async_exchange(code), "ring_partner code exchange"
        )
        self._exchanges.add(task)
        task.add_done_callback(self._exchanges.discard)

    async def _async_exchange(self, code: str) -> None:
        """Try each waiting app's credentials until one exchanges the code.

        The Token Exchange URL is unauthenticated (§11.1): the exchange is the check.
        Several flows of one app share one attempt, since a code is single-use.
        """
        waiting = list(reversed(self.pending.values()))
        candidates = list(dict.fromkeys(p.credentials for p in waiting))
        session = async_get_clientsession(self.hass)
        for credentials in candidates:
            try:
                async with asyncio.timeout(EXCHANGE_TIMEOUT):
                    response = await exchange_code(
                        session,
                        token_url=credentials.token_url,
                        client_id=credentials.client_id,
                        client_secret=credentials.client_secret,
                        code=code,
                    )
                    token: dict[str, Any] = {
                        **response.as_dict(),
                        "expires_at": time.time() + response.expires_in,
                    }
                    user = await RingPartnerClient(
                        RingPartnerStaticTokenAuth(session, credentials.api_base, token)
                    ).get_user()
            except (RingPartnerError, TimeoutError) as err:
                LOGGER.debug(
                    "Code exchange with one app failed: %s", type(err).__name__
                )
                continue
            self.unclaimed.append(
                UnclaimedToken(
                    credentials=credentials,
                    token=token,
                    user=user,
                    expires=dt_util.utcnow() + UNCLAIMED_TOKEN_LIFETIME,
                )
            )
            LOGGER.debug("Ring's code was exchanged; the token waits for its nonce")
            return
        LOGGER.warning(
            "Home Assistant received a code from Ring but could not exchange it; "
            "check the client id and secret of the Ring app"
        )
        for pending in waiting:
            pending.exchange_failed = True

    async def async_claim(self, nonce: str, link_time: str, code: str) -> Outcome:
        """Check the pairing code, match the nonce, confirm and complete the link."""
        code = re.sub(r"[\s-]", "", code)
        matched: PendingLink | None = None
        for pending in self.pending.values():  # no early exit: constant time
            if hmac.compare_digest(pending.pairing_code.encode(), code.encode()):
                matched = pending
        if matched is None:
            return self._wrong_code()
        if self._exchanges:
            await asyncio.wait(self._exchanges, timeout=EXCHANGE_TIMEOUT)
        self._prune()
        tokens = {
            t.user.id: t for t in self.unclaimed if t.credentials == matched.credentials
        }
        if not tokens:
            reason = (
                "code_exchange_failed"
                if matched.exchange_failed
                else "no_unclaimed_token"
            )
            self._fail(matched, reason)
            return OUTCOMES[reason]
        account_id = find_nonce_account(matched.hmac_key, link_time, nonce, tokens)
        if account_id is None:
            self._fail(matched, "nonce_mismatch")
            return OUTCOMES["nonce_mismatch"]
        unclaimed = tokens[account_id]
        if refused := matched.check_account(account_id):
            self.unclaimed.remove(unclaimed)
            self._fail(matched, refused)
            return OUTCOMES[refused]
        return await self._async_confirm(matched, unclaimed, nonce)

    def _wrong_code(self) -> Outcome:
        """Count a wrong pairing code against every waiting flow; abort past the limit."""
        left = MAX_PAIRING_FAILURES + 1
        for pending in list(self.pending.values()):
            pending.failures += 1
            if pending.failures > MAX_PAIRING_FAILURES:
                self._fail(pending, "too_many_attempts")
            else:
                left = min(left, MAX_PAIRING_FAILURES + 1 - pending.failures)
        if not self.pending:
            return OUTCOMES["too_many_attempts"]
        outcome = OUTCOMES["wrong_code"]
        return replace(outcome, message=f"{outcome.message} Tries left: {left}.")

    async def _async_confirm(
        self, pending: PendingLink, unclaimed: UnclaimedToken, nonce: str
    ) -> Outcome:
        """POST the nonce, PATCH completed (§2.2, §2.3) and hand the result to the flow."""
        session = async_get_clientsession(self.hass)
        client = RingPartnerClient(
            RingPartnerStaticTokenAuth(
                session, unclaimed.credentials.api_base, unclaimed.token
            )
        )
        try:
            await client.confirm_app_integration(
                nonce, account_identifier=mask_email(unclaimed.user.email)
            )
        except RingPartnerInvalidNonceError:
            self.unclaimed.remove(unclaimed)
            self._fail(pending, "invalid_nonce")
            return OUTCOMES["invalid_nonce"]
        except RingPartnerError as err:
            # Transient: the token stays unclaimed and the flow keeps waiting for a retry.
            LOGGER.warning("Ring did not confirm the link: %s", type(err).__name__)
            return OUTCOMES["ring_unavailable"]
        linked_at = dt_util.utcnow()
        self.unclaimed.remove(unclaimed)
        try:
            await client.update_app_integration(status=IntegrationStatus.COMPLETED)
        except RingPartnerError as err:
            # The link exists (status awaiting); setup retries the PATCH (repairs.py).
            LOGGER.warning("Ring left the link awaiting: %s", type(err).__name__)
            completed = False
        else:
            completed = True
        self.pending.pop(pending.flow_id, None)
        self._recent_keys[pending.hmac_key] = dt_util.utcnow() + RECENT_KEY_LIFE
        pending.result.set_result(
            LinkResult(
                token=unclaimed.token,
                user=unclaimed.user,
                linked_at=linked_at,
                completed=completed,
            )
        )
        return OUTCOMES["linked" if completed else "linked_awaiting"]


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
    """Receive Ring's one-time code (§1.5 step 2); anyone can call it, Ring included."""

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
        if registry.busy:
            return web.Response(status=503, text="Busy", headers={"Retry-After": "5"})
        registry.async_receive_code(code)
        return web.Response(status=200, text="OK")


class RingPartnerAccountLinkView(HomeAssistantView):
    """The partner sign-in page Ring sends the browser to (§1.5 steps 5-10)."""

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
            outcome = await registry.async_claim(*link, code)
        return _page(outcome, form=link if outcome.retry and registry.pending else None)


@callback
def async_setup_linking(hass: HomeAssistant) -> LinkingRegistry:
    """Create the registry and register both views, once per Home Assistant run."""
    if (registry := hass.data.get(DATA_LINKING)) is None:
        registry = hass.data[DATA_LINKING] = LinkingRegistry(hass)
        hass.http.register_view(RingPartnerTokenExchangeView())
        hass.http.register_view(RingPartnerAccountLinkView())
    return registry

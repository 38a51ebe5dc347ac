"""Receive Ring's signed webhooks: cap the body, verify the signature, parse, route.

Ring's portal holds one Webhook URL per app (docs/webhooks.md#endpoint-rules), shared by every
account of that app, so one receiver serves all entries and routes by `meta.account_id` to
the account's `RingPartnerPush`.
"""

import asyncio
from collections import Counter, deque
from http import HTTPStatus
import logging
import re
import time
from typing import Final

from aiohttp import hdrs, web

from homeassistant.components.http import HomeAssistantView
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from ..client import (
    SIGNATURE_HEADER,
    RingPartnerParseError,
    WebhookEvent,
    parse_webhook,
    verify_signature,
)
from ..const import CONF_HMAC_KEY, DOMAIN, WEBHOOK_PATH
from ..linking import DATA_LINKING
from ..repairs import (
    async_create_signature_failures_issue,
    async_delete_signature_failures_issue,
)
from .hub import DATA_SEEN, RateLimitedLog, RingPartnerPush, WebhookSeenStore

# Ring's envelopes are well under 2 KiB (docs/webhooks.md#envelope); a body far larger than
# that is not Ring's. HA 2026.10 views have no max_body_size, so the view caps it itself.
MAX_BODY_BYTES: Final = 64 * 1024
# Ring counts an answer after 5 s as failed (docs/webhooks.md#endpoint-rules); a body still
# trickling in after this long is not Ring either.
READ_TIMEOUT: Final = 5.0
_READ_CHUNK: Final = 16 * 1024
# Several well-formed but wrong signatures within an hour point at a wrong HMAC key.
SIGNATURE_FAILURE_WINDOW: Final = 3600.0
SIGNATURE_FAILURE_THRESHOLD: Final = 5
# A header that looks like Ring's; anything else is a scanner, not a misconfigured key.
_RING_SIGNATURE = re.compile(r"\s*sha256=[0-9a-fA-F]{64}\s*")

DATA_RECEIVER: HassKey[RingPartnerWebhookReceiver] = HassKey(f"{DOMAIN}_webhook")

_log = RateLimitedLog()


class RingPartnerWebhookReceiver:
    """Check and route webhooks; all synchronous, so Ring gets its answer fast."""

    def __init__(self, hass: HomeAssistant, seen: WebhookSeenStore) -> None:
        """Initialize the receiver."""
        self.hass = hass
        self.seen = seen
        self.stats: Counter[str] = Counter()
        self._accounts: dict[str, RingPartnerPush] = {}
        self._failures: deque[float] = deque()

    @callback
    def async_register(self, push: RingPartnerPush) -> CALLBACK_TYPE:
        """Route webhooks to a loaded entry's hub; return the function that stops it."""
        entry_id = push.entry.entry_id
        self._accounts[entry_id] = push

        @callback
        def _unregister() -> None:
            if self._accounts.get(entry_id) is push:
                del self._accounts[entry_id]

        return _unregister

    def _keys(self) -> set[str]:
        """Return the HMAC keys of configured entries and of links in progress.

        Ring signs device_added and app_integration_added while linking
        (docs/linking.md#appstore-linking-steps), before the entry exists.
        """
        keys = {
            key
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if isinstance(key := entry.data.get(CONF_HMAC_KEY), str) and key
        }
        if (linking := self.hass.data.get(DATA_LINKING)) is not None:
            keys.update(linking.async_hmac_keys())
        return keys

    @callback
    def async_handle(self, body: bytes, signature: str | None) -> HTTPStatus:
        """Handle one raw delivery and return the status to answer."""
        keys = self._keys()
        # Verify before parsing: an unsigned body is never decoded
        # (docs/webhooks.md#signature).
        matched = {key for key in keys if verify_signature(body, signature, key)}
        if not matched:
            self._async_signature_failure(signature, configured=bool(keys))
            return HTTPStatus.UNAUTHORIZED
        try:
            event = parse_webhook(body)
        except RingPartnerParseError:
            self.stats["malformed"] += 1
            _log(
                logging.WARNING,
                "malformed",
                "Ignoring a signed Ring webhook that is not a valid envelope",
            )
            return HTTPStatus.BAD_REQUEST
        self._async_signature_ok()
        if event.account_id:
            self.seen.async_mark_seen(event.account_id)
        push = self._route(event, matched)
        if push is None:
            self.stats["unknown_account"] += 1
            _log(
                logging.INFO,
                "account",
                "Ignoring a Ring webhook for an account that is not set up here",
            )
            return HTTPStatus.OK
        push.async_handle_webhook(event)
        return HTTPStatus.OK

    def _route(self, event: WebhookEvent, matched: set[str]) -> RingPartnerPush | None:
        """Return the loaded hub of the event's account, if its own key signed it."""
        pushes = [push for push in self._accounts.values() if push.hmac_key in matched]
        if event.account_id is None:
            # Envelope v1.0 has no account id (docs/webhooks.md#envelope): only
            # unambiguous with one candidate.
            return pushes[0] if len(pushes) == 1 else None
        return next(
            (push for push in pushes if push.account_id == event.account_id), None
        )

    @callback
    def _async_signature_failure(
        self, signature: str | None, *, configured: bool
    ) -> None:
        """Count a rejected delivery; raise a repair issue when Ring's look keep failing."""
        if not signature or not _RING_SIGNATURE.fullmatch(signature) or not configured:
            self.stats["unauthenticated"] += 1
            _log(logging.DEBUG, "unsigned", "Rejected an unsigned webhook request")
            return
        self.stats["signature_failures"] += 1
        for push in self._accounts.values():
            # The body is not trusted, so it cannot say which account it was meant for.
            push.health.signature_failures += 1
        _log(
            logging.WARNING,
            "signature",
            "Rejected a Ring webhook with a wrong signature; check the HMAC Signature Key",
        )
        now = time.monotonic()
        self._failures.append(now)
        self._prune_failures(now)
        if len(self._failures) >= SIGNATURE_FAILURE_THRESHOLD:
            async_create_signature_failures_issue(self.hass)

    @callback
    def _async_signature_ok(self) -> None:
        """Clear the repair issue once an hour has passed without failures."""
        if not self._failures:
            return
        self._prune_failures(time.monotonic())
        if not self._failures:
            async_delete_signature_failures_issue(self.hass)

    def _prune_failures(self, now: float) -> None:
        """Forget failures older than the window."""
        while self._failures and self._failures[0] < now - SIGNATURE_FAILURE_WINDOW:
            self._failures.popleft()


async def _read_body(request: web.Request) -> bytes | None:
    """Read the raw body, or return None when it is larger than the cap.

    Only `headers` and `content.read` are used, so Home Assistant Cloud's relayed requests
    (webhook.async_handle_webhook's MockRequest) are read the same way.
    """
    declared = request.headers.get(hdrs.CONTENT_LENGTH, "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    content = request.content  # a relayed request makes a new reader on each access
    async with asyncio.timeout(READ_TIMEOUT):
        while chunk := await content.read(_READ_CHUNK):
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return None
    return bytes(body)


async def async_answer(
    receiver: RingPartnerWebhookReceiver, request: web.Request
) -> web.Response:
    """Answer one delivery to the Webhook URL, through the view or a webhook handler."""
    # Answer with responses, not HTTPUnauthorized: HA's ban middleware must not ban
    # Ring's addresses because of a wrong key.
    try:
        body = await _read_body(request)
    except TimeoutError:
        return web.Response(status=HTTPStatus.REQUEST_TIMEOUT)
    if body is None:
        receiver.stats["oversized"] += 1
        return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    status = receiver.async_handle(body, request.headers.get(SIGNATURE_HEADER))
    return web.Response(status=status)


class RingPartnerWebhookView(HomeAssistantView):
    """Ring's Webhook URL at its fixed path: authenticated by signature, not by HA."""

    url = WEBHOOK_PATH
    name = "api:ring_partner:webhook"
    requires_auth = False

    def __init__(self, receiver: RingPartnerWebhookReceiver) -> None:
        """Initialize the view."""
        self._receiver = receiver

    async def post(self, request: web.Request) -> web.Response:
        """Answer Ring within milliseconds; API work runs after the answer."""
        return await async_answer(self._receiver, request)


async def async_setup_receiver(hass: HomeAssistant) -> RingPartnerWebhookReceiver:
    """Register the webhook view once per run; views cannot be unregistered.

    Called from async_setup and from the linking flow: Ring sends device_added and
    app_integration_added while the first account is being linked, before any entry exists.
    """
    if (receiver := hass.data.get(DATA_RECEIVER)) is not None:
        return receiver
    # Registered before the first await, so concurrent callers never register twice.
    seen = hass.data[DATA_SEEN] = WebhookSeenStore(hass)
    receiver = hass.data[DATA_RECEIVER] = RingPartnerWebhookReceiver(hass, seen)
    hass.http.register_view(RingPartnerWebhookView(receiver))
    await seen.async_load()
    return receiver

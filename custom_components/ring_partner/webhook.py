"""Receive Ring's signed webhooks: verify, deduplicate and route them to their account."""

import asyncio
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
import logging
import re
import time
from typing import Final

from aiohttp import web

from homeassistant.components.http import HomeAssistantView
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey

from .client import (
    SIGNATURE_HEADER,
    RingPartnerParseError,
    WebhookEvent,
    parse_webhook,
    verify_signature,
)
from .const import CONF_HMAC_KEY, DOMAIN, WEBHOOK_PATH
from .health import DATA_SEEN, RateLimitedLog, WebhookSeenStore, async_webhook_url
from .linking import DATA_LINKING
from .push import DATA_PUSH, RingPartnerPush

# Ring's envelopes are well under 2 KiB (§6.4); a body far larger than that is not Ring's.
# HA 2026.10 views have no max_body_size, so the view enforces the cap itself.
MAX_BODY_BYTES: Final = 64 * 1024
# Ring counts an answer after 5 s as failed (§6.1); a body still trickling in after this
# long is not Ring either.
READ_TIMEOUT: Final = 5.0
# Ring retries for about 73 minutes and may replay its dead-letter queue (§6.3); a day of
# ids covers both. The size cap bounds memory (two ids per event, ~10 000 events a day).
DEDUPE_TTL: Final = timedelta(hours=24).total_seconds()
DEDUPE_MAX_IDS: Final = 20_000
# Several well-formed but wrong signatures within an hour point at a wrong HMAC key.
SIGNATURE_FAILURE_WINDOW: Final = timedelta(hours=1).total_seconds()
SIGNATURE_FAILURE_THRESHOLD: Final = 5
ISSUE_SIGNATURE_FAILURES: Final = "webhook_signature_failures"
# A header that looks like Ring's; anything else is a scanner, not a misconfigured key.
_RING_SIGNATURE = re.compile(r"\s*sha256=[0-9a-fA-F]{64}\s*")

DATA_WEBHOOK: HassKey[RingPartnerWebhookReceiver] = HassKey(f"{DOMAIN}_webhook")

_log = RateLimitedLog()


class SeenIds:
    """Remember ids for a while, in bounded memory (oldest first out)."""

    def __init__(
        self,
        ttl: float = DEDUPE_TTL,
        max_size: int = DEDUPE_MAX_IDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Initialize an empty set."""
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        self._ids: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        """Return how many ids are remembered."""
        return len(self._ids)

    def check_and_add(self, *ids: str) -> bool:
        """Return True if any id was seen before; remember them all."""
        now = self._clock()
        expired = now - self._ttl
        while self._ids and next(iter(self._ids.values())) < expired:
            self._ids.popitem(last=False)
        seen = any(item in self._ids for item in ids)
        for item in ids:
            self._ids[item] = now
            self._ids.move_to_end(item)
        while len(self._ids) > self._max_size:
            self._ids.popitem(last=False)
        return seen


class RingPartnerWebhookReceiver:
    """Check, deduplicate and route webhooks; all synchronous, so Ring gets its 200 fast."""

    def __init__(self, hass: HomeAssistant, seen: WebhookSeenStore) -> None:
        """Initialize the receiver."""
        self.hass = hass
        self.seen = seen
        self.ids = SeenIds()
        self.stats: Counter[str] = Counter()
        self._failures: deque[float] = deque()

    def _keys(self) -> set[str]:
        """Return the HMAC keys of configured entries and of links in progress.

        Ring signs device_added and app_integration_added while linking (§1.5), before the
        config flow has created the entry.
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
        # Verify before parsing: an unsigned body is never decoded (§6.2).
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
        ids = [f"r:{event.request_id}"]
        if event.event_id:
            ids.append(f"e:{event.account_id}:{event.event_id}")
        if self.ids.check_and_add(*ids):
            self.stats["duplicates"] += 1
            if push is not None:
                push.health.duplicates += 1
            return HTTPStatus.OK
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
        """Return the loaded entry of the event's account, if its own key signed it."""
        pushes = [
            push
            for push in self.hass.data.get(DATA_PUSH, {}).values()
            if push.hmac_key in matched
        ]
        if event.account_id is None:
            # Envelope v1.0 has no account id (§6.4): only unambiguous with one candidate.
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
        for push in self.hass.data.get(DATA_PUSH, {}).values():
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
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_SIGNATURE_FAILURES,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_SIGNATURE_FAILURES,
                translation_placeholders={"webhook_url": async_webhook_url(self.hass)},
            )

    @callback
    def _async_signature_ok(self) -> None:
        """Clear the repair issue once an hour has passed without failures."""
        if not self._failures:
            return
        self._prune_failures(time.monotonic())
        if not self._failures:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_SIGNATURE_FAILURES)

    def _prune_failures(self, now: float) -> None:
        """Forget failures older than the window."""
        while self._failures and self._failures[0] < now - SIGNATURE_FAILURE_WINDOW:
            self._failures.popleft()


async def _read_body(request: web.Request) -> bytes | None:
    """Read the raw body, or return None when it is larger than the cap."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async with asyncio.timeout(READ_TIMEOUT):
        while chunk := await request.content.readany():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return None
    return bytes(body)


class RingPartnerWebhookView(HomeAssistantView):
    """Ring's Webhook URL: authenticated by signature, not by Home Assistant."""

    url = WEBHOOK_PATH
    name = "api:ring_partner:webhook"
    requires_auth = False

    def __init__(self, receiver: RingPartnerWebhookReceiver) -> None:
        """Initialize the view."""
        self._receiver = receiver

    async def post(self, request: web.Request) -> web.Response:
        """Answer Ring within milliseconds; API work runs after the answer."""
        # Answer with responses, not HTTPUnauthorized: HA's ban middleware must not ban
        # Ring's addresses because of a wrong key.
        try:
            body = await _read_body(request)
        except TimeoutError:
            return web.Response(status=HTTPStatus.REQUEST_TIMEOUT)
        if body is None:
            self._receiver.stats["oversized"] += 1
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        status = self._receiver.async_handle(
            body, request.headers.get(SIGNATURE_HEADER)
        )
        return web.Response(status=status)


async def async_setup_webhook(hass: HomeAssistant) -> None:
    """Register the webhook view once per run; views cannot be unregistered.

    Called from async_setup and from the linking flow: Ring sends device_added and
    app_integration_added while the first account is being linked, before any entry exists.
    """
    if DATA_WEBHOOK in hass.data:
        return
    seen = WebhookSeenStore(hass)
    await seen.async_load()
    hass.data[DATA_SEEN] = seen
    receiver = hass.data[DATA_WEBHOOK] = RingPartnerWebhookReceiver(hass, seen)
    hass.http.register_view(RingPartnerWebhookView(receiver))

"""Receive Ring's signed webhooks: cap the body, verify the signature, parse, route.

Ring's portal holds one Webhook URL per app (docs/webhooks.md#endpoint-rules), shared by every
account of that app, so one receiver serves all entries and routes by `meta.account_id` to
the account's `RingPartnerPush`.
"""

import asyncio
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
import logging
import re
import time
from typing import Final

from aiohttp import hdrs, web

from homeassistant.components.http import HomeAssistantView
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant, callback
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
# that is not Ring's. The adapter caps its own read: HA 2026.11's view `max_body_size` only
# limits `request.read()`/`post()`, the webhook component's view is shared by every
# integration, and Home Assistant Cloud's relayed requests bypass both (docs/webhooks.md#endpoint-rules).
MAX_BODY_BYTES: Final = 64 * 1024
# Ring counts an answer after 5 s as failed (docs/webhooks.md#endpoint-rules); a body still
# trickling in after this long is not Ring either.
READ_TIMEOUT: Final = 5.0
_READ_CHUNK: Final = 16 * 1024
# Several well-formed but wrong signatures within an hour point at a wrong HMAC key (one is
# enough before any webhook ever verified, see `_failure_threshold`).
SIGNATURE_FAILURE_WINDOW: Final = 3600.0
SIGNATURE_FAILURE_THRESHOLD: Final = 5
# A header that looks like Ring's; anything else is a scanner, not a misconfigured key.
_RING_SIGNATURE = re.compile(r"\s*sha256=[0-9a-fA-F]{64}\s*")

DATA_RECEIVER: HassKey[RingPartnerWebhookReceiver] = HassKey(f"{DOMAIN}_webhook")

_log = RateLimitedLog()


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What to answer Ring: a status and a short plain-text reason (never a secret)."""

    status: HTTPStatus
    text: str = ""


class RingPartnerWebhookReceiver:
    """Check and route webhooks; all synchronous, so Ring gets its answer fast.

    `async_handle` holds every rule and knows nothing of the transport: the view (or any other
    registration of the Webhook URL) passes the method, headers and raw body and sends back
    the answer (docs/webhooks.md#how-the-receiver-answers).
    """

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

    def _linking_keys(self) -> set[str]:
        """Return the HMAC keys of links in progress or just completed.

        Ring signs device_added and app_integration_added while linking
        (docs/linking.md#appstore-linking-steps), before the entry exists.
        """
        if (linking := self.hass.data.get(DATA_LINKING)) is None:
            return set()
        return linking.async_hmac_keys()

    @callback
    def async_handle(
        self, method: str, headers: Mapping[str, str], body: bytes
    ) -> WebhookAnswer:
        """Handle one raw delivery and return the answer."""
        if method.upper() != "POST":
            return WebhookAnswer(HTTPStatus.METHOD_NOT_ALLOWED, "POST only")
        if len(body) > MAX_BODY_BYTES:
            self.stats["oversized"] += 1
            return WebhookAnswer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        signature = _header(headers, SIGNATURE_HEADER)
        entries = [
            entry
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if isinstance(entry.data.get(CONF_HMAC_KEY), str)
            and entry.data[CONF_HMAC_KEY]
        ]
        linking_keys = self._linking_keys()
        keys = {entry.data[CONF_HMAC_KEY] for entry in entries} | linking_keys
        # Verify before parsing and before remembering anything: an unsigned body is never
        # decoded (docs/webhooks.md#signature).
        matched = {key for key in keys if verify_signature(body, signature, key)}
        if not matched:
            self._async_signature_failure(signature, configured=bool(keys))
            return WebhookAnswer(HTTPStatus.UNAUTHORIZED, "invalid signature")
        try:
            event = parse_webhook(body)
        except RingPartnerParseError:
            self.stats["malformed"] += 1
            _log(
                logging.WARNING,
                "malformed",
                "Ignoring a signed Ring webhook that is not a valid envelope",
            )
            return WebhookAnswer(HTTPStatus.BAD_REQUEST, "not a webhook envelope")
        self._async_signature_ok()
        if event.account_id:
            self.seen.async_mark_seen(event.account_id)
        candidates = _candidates(event, entries, matched)
        if len(candidates) == 1 and (
            push := self._accounts.get(candidates[0].entry_id)
        ):
            push.async_handle_webhook(event)
            return WebhookAnswer(HTTPStatus.OK, "ok")
        if (matched & linking_keys) and (
            wrong := self._wrong_key_entries(event, entries, matched)
        ):
            # Authentic (a linking key verified it), but the account's entry holds another
            # key: that entry's key is wrong. Retry once the user has corrected it.
            for entry in wrong:
                if (push := self._accounts.get(entry.entry_id)) is not None:
                    push.health.signature_failures += 1
            self.stats["signature_failures"] += 1
            async_create_signature_failures_issue(self.hass)
            return WebhookAnswer(HTTPStatus.SERVICE_UNAVAILABLE, "wrong key, retry")
        if any(self._loading(entry) for entry in candidates) or (
            not candidates and matched & linking_keys and event.account_id
        ):
            # Its entry is being set up (or its link is being completed): answering 200
            # would drop the event, so Ring is asked to retry (docs/webhooks.md#startup).
            self.stats["not_ready"] += 1
            return WebhookAnswer(HTTPStatus.SERVICE_UNAVAILABLE, "not ready, retry")
        self.stats["unknown_account"] += 1
        _log(
            logging.INFO,
            "account",
            "Ignoring a Ring webhook for an account that is not set up here",
        )
        return WebhookAnswer(HTTPStatus.OK, "account not set up here")

    def _loading(self, entry: ConfigEntry) -> bool:
        """Return True while an entry is on its way to loaded (so a retry will reach it)."""
        if entry.disabled_by is not None:
            return False
        if entry.state in _ON_THE_WAY:
            return True
        # Before Home Assistant has started, every enabled entry is about to be set up; once
        # it runs, an entry that is not loaded was unloaded on purpose.
        return (
            entry.state is ConfigEntryState.NOT_LOADED
            and self.hass.state is not CoreState.running
        )

    def _wrong_key_entries(
        self, event: WebhookEvent, entries: list[ConfigEntry], matched: set[str]
    ) -> list[ConfigEntry]:
        """Return the entries of the event's account whose own key did not verify it."""
        if event.account_id is None:
            return []
        return [
            entry
            for entry in entries
            if entry.unique_id == event.account_id
            and entry.data[CONF_HMAC_KEY] not in matched
        ]

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
            push.store.async_schedule_save()
        _log(
            logging.WARNING,
            "signature",
            "Rejected a Ring webhook with a wrong signature; check the HMAC Signature Key",
        )
        now = time.monotonic()
        self._failures.append(now)
        self._prune_failures(now)
        if len(self._failures) >= self._failure_threshold():
            async_create_signature_failures_issue(self.hass)

    def _failure_threshold(self) -> int:
        """Return how many failures within the window raise the repair.

        Ring never retries a 401 (docs/webhooks.md#responses-and-retries), so right after
        linking only a few deliveries come. While no configured account has ever had a
        verified webhook, the first Ring-shaped failure is the wrong key.
        """
        accounts = [
            entry.unique_id
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if entry.unique_id
        ]
        if accounts and not any(self.seen.has_seen(account) for account in accounts):
            return 1
        return SIGNATURE_FAILURE_THRESHOLD

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


# Entry states on the way to loaded: a delivery for them is answered 503 so Ring retries.
_ON_THE_WAY: Final = frozenset(
    {
        ConfigEntryState.SETUP_IN_PROGRESS,
        ConfigEntryState.SETUP_RETRY,
        ConfigEntryState.UNLOAD_IN_PROGRESS,
        ConfigEntryState.LOADED,
    }
)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Return a header case-insensitively, whatever mapping the transport hands over."""
    if (value := headers.get(name)) is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _candidates(
    event: WebhookEvent, entries: list[ConfigEntry], matched: set[str]
) -> list[ConfigEntry]:
    """Return the entries the event belongs to: its account's, signed with that entry's key."""
    signed = [entry for entry in entries if entry.data[CONF_HMAC_KEY] in matched]
    if event.account_id is None:
        # Envelope v1.0 has no account id (docs/webhooks.md#envelope-versions): only
        # unambiguous with one candidate.
        return signed if len(signed) == 1 else []
    return [entry for entry in signed if entry.unique_id == event.account_id]


async def _read_body(request: web.Request) -> bytes:
    """Read the raw body, stopping one byte past the cap (the receiver refuses it).

    Only `headers` and `content.read` are used, so Home Assistant Cloud's relayed requests
    (webhook.async_handle_webhook's MockRequest) are read the same way.
    """
    declared = request.headers.get(hdrs.CONTENT_LENGTH, "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _OVERSIZED
    body = bytearray()
    content = request.content  # a relayed request makes a new reader on each access
    async with asyncio.timeout(READ_TIMEOUT):
        while chunk := await content.read(_READ_CHUNK):
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return _OVERSIZED
    return bytes(body)


# What the adapter hands over for a body it stopped reading: just over the cap.
_OVERSIZED: Final = b"\0" * (MAX_BODY_BYTES + 1)


async def async_answer(
    receiver: RingPartnerWebhookReceiver, request: web.Request
) -> web.Response:
    """Answer one delivery to the Webhook URL, through the view or a webhook handler.

    A thin adapter: it reads the body under the cap and the read timeout and hands it to
    `RingPartnerWebhookReceiver.async_handle`.
    """
    # Answer with responses, not HTTPUnauthorized: HA's ban middleware must not ban
    # Ring's addresses because of a wrong key.
    try:
        body = await _read_body(request)
    except TimeoutError:
        return web.Response(status=HTTPStatus.REQUEST_TIMEOUT)
    answer = receiver.async_handle(request.method, request.headers, body)
    return web.Response(status=answer.status, text=answer.text)


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

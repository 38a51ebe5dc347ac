"""Appstore account linking: waiting flows, pairing codes and nonce matching.

Ring's one-way linking (docs/linking.md#appstore-linking-steps) reaches Home Assistant
twice: Ring's servers POST a code (`token_exchange`), then the user's browser arrives with a
nonce (`views`). The registry here ties both to the config flow that waits for them.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
import hmac
import re
import secrets
import time
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..client import (
    IntegrationStatus,
    RingPartnerClient,
    RingPartnerError,
    RingPartnerInvalidNonceError,
    StaticTokenAuth,
    User,
    find_nonce_account,
)
from ..const import DOMAIN, LOGGER
from .token_exchange import LinkCredentials, TokenExchange, UnclaimedToken

# Eight digits and six tries give an attacker a 6e-8 chance; the flow aborts after that.
# Only guesses that come with the flow's own nonce count (docs/linking.md#pairing-code).
MAX_PAIRING_FAILURES = 5
# Attempts whose nonce belongs to no waiting flow: per client address, this many per window.
# Through Home Assistant Cloud there is no client address; such attempts share one budget.
STRANGER_ATTEMPTS = 10
STRANGER_WINDOW = 600.0
# Addresses remembered at most; the oldest is forgotten first.
STRANGER_ADDRESSES = 1024
PAIRING_CODE_DIGITS = 8
# After a link completes, its HMAC key keeps verifying webhooks until the flow has created
# the entry; a few minutes is ample, since that happens on the user's next click or sooner.
RECENT_KEY_LIFE = timedelta(minutes=15)
# Ring shows the key once as an opaque printable string; reject blanks, spaces and stubs.
_HMAC_KEY_RE = re.compile(r"[\x21-\x7e]{8,512}")

DATA_LINKING: HassKey[LinkingRegistry] = HassKey(f"{DOMAIN}_linking")


class LinkFailedError(Exception):
    """A pending link ended without a token; reason is the flow's abort reason."""

    def __init__(self, reason: str) -> None:
        """Initialize with the abort reason."""
        super().__init__(reason)
        self.reason = reason


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


@dataclass(frozen=True)
class ClaimOutcome:
    """How a pairing code attempt ended (a key of the link page's outcomes)."""

    reason: str
    tries_left: int | None = None


class StrangerLimit:
    """A sliding window of attempts per client address (monotonic clock, injectable)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Initialize with no attempts."""
        self._clock = clock
        self._attempts: dict[str, deque[float]] = {}

    def async_allow(self, remote: str | None) -> bool:
        """Record an attempt; return False once the address is over its budget."""
        now = self._clock()
        key = remote or "relayed"
        attempts = self._attempts.pop(key, None) or deque()
        while attempts and attempts[0] <= now - STRANGER_WINDOW:
            attempts.popleft()
        attempts.append(now)
        self._attempts[key] = attempts  # re-inserted: the dict stays oldest-first
        while len(self._attempts) > STRANGER_ADDRESSES:
            del self._attempts[next(iter(self._attempts))]
        return len(attempts) <= STRANGER_ATTEMPTS


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


def hmac_key_error(key: str, credentials: tuple[str, ...] = ()) -> str | None:
    """Return the error for an implausible HMAC signature key, else None.

    Pasting the client secret (shown next to it in Ring's console) is the likely slip.
    """
    if not _HMAC_KEY_RE.fullmatch(key):
        return "invalid_hmac_key"
    if key in credentials:
        return "hmac_key_is_credential"
    return None


async def async_mark_completed(client: RingPartnerClient) -> bool:
    """PATCH the link to completed; return False when Ring leaves it awaiting.

    See docs/ring-api.md#set-the-integration-status.

    The link exists either way; setup retries the PATCH while an issue says so (repairs.py).
    """
    try:
        await client.update_app_integration(status=IntegrationStatus.COMPLETED)
    except RingPartnerError as err:
        LOGGER.warning("Ring left the link awaiting: %s", type(err).__name__)
        return False
    return True


class LinkingRegistry:
    """Waiting flows and unclaimed tokens; memory only, never persisted."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize the registry."""
        self.hass = hass
        self.pending: dict[str, PendingLink] = {}
        self.exchange = TokenExchange(hass)
        # Keys of links that just completed: Ring sends app_integration_added after the
        # PATCH, possibly before the flow has created the entry
        # (docs/webhooks.md#integration-events).
        self._recent_keys: dict[str, datetime] = {}
        self.lock = asyncio.Lock()
        self.strangers = StrangerLimit()
        # The first request whose code was nowhere to be found is logged (redacted), once.
        self.unknown_shape_logged = False

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
        if not any(p.credentials == credentials for p in self.pending.values()):
            self.exchange.async_drop(credentials)

    @callback
    def async_hmac_keys(self) -> set[str]:
        """Return the HMAC keys of waiting and just-completed links, for the webhook view."""
        now = dt_util.utcnow()
        self._recent_keys = {k: t for k, t in self._recent_keys.items() if t > now}
        return {p.hmac_key for p in self.pending.values()} | set(self._recent_keys)

    def waiting(self, client_id: str | None = None) -> list[PendingLink]:
        """Return the waiting flows, of one Ring app when its own URL was called."""
        return [
            p
            for p in self.pending.values()
            if client_id is None or p.credentials.client_id == client_id
        ]

    @callback
    def async_receive_code(self, code: str, client_id: str | None = None) -> None:
        """Exchange a code from Ring with the apps of the waiting flows, newest first.

        A code posted to one app's Token Exchange URL is tried with that app only. Several
        flows of one app share one attempt, since a code is single-use.
        """
        waiting = list(reversed(self.waiting(client_id)))
        self.exchange.async_receive_code(
            code,
            list(dict.fromkeys(p.credentials for p in waiting)),
            partial(self._exchange_failed, waiting),
        )

    @callback
    def _exchange_failed(self, waiting: list[PendingLink]) -> None:
        """Tell the flows that waited for a code that it could not be exchanged."""
        for pending in waiting:
            pending.exchange_failed = True

    async def async_claim(
        self,
        nonce: str,
        link_time: str,
        code: str,
        *,
        client_id: str | None = None,
        remote: str | None = None,
    ) -> ClaimOutcome:
        """Check the pairing code, match the nonce, confirm and complete the link.

        A wrong code counts only against the flows whose unclaimed token the nonce matches:
        guesses that count need a real redirect from Ring. Other attempts are rate limited
        per client address and get the same answer whatever the code.
        """
        waiting = self.waiting(client_id)
        if not waiting:
            return ClaimOutcome("no_flow")
        owners = [
            pending
            for pending in waiting
            if await self._async_nonce_account(pending, nonce, link_time) is not None
        ]
        if not owners and not self.strangers.async_allow(remote):
            return ClaimOutcome("wrong_code")
        code = re.sub(r"[\s-]", "", code)
        matched: PendingLink | None = None
        for pending in waiting:  # no early exit: constant time
            if hmac.compare_digest(pending.pairing_code.encode(), code.encode()):
                matched = pending
        if matched is None:
            return self._wrong_code(owners)
        tokens = await self.exchange.async_claimable(matched.credentials)
        if not tokens:
            reason = (
                "code_exchange_failed"
                if matched.exchange_failed
                else "no_unclaimed_token"
            )
            self._fail(matched, reason)
            return ClaimOutcome(reason)
        account_id = find_nonce_account(matched.hmac_key, link_time, nonce, tokens)
        if account_id is None:
            self._fail(matched, "nonce_mismatch")
            return ClaimOutcome("nonce_mismatch")
        unclaimed = tokens[account_id]
        if refused := matched.check_account(account_id):
            self.exchange.unclaimed.remove(unclaimed)
            self._fail(matched, refused)
            return ClaimOutcome(refused)
        return ClaimOutcome(await self._async_confirm(matched, unclaimed, nonce))

    async def _async_nonce_account(
        self, pending: PendingLink, nonce: str, link_time: str
    ) -> str | None:
        """Return the account of the flow's unclaimed token the nonce belongs to."""
        tokens = await self.exchange.async_claimable(pending.credentials)
        return find_nonce_account(pending.hmac_key, link_time, nonce, tokens)

    def _wrong_code(self, owners: list[PendingLink]) -> ClaimOutcome:
        """Count a wrong code against the flows the nonce belongs to; abort past the limit."""
        if not owners:
            return ClaimOutcome("wrong_code")
        for pending in owners:
            pending.failures += 1
            if pending.failures > MAX_PAIRING_FAILURES:
                self._fail(pending, "too_many_attempts")
        alive = [p for p in owners if p.flow_id in self.pending]
        if not alive:
            return ClaimOutcome("too_many_attempts")
        return ClaimOutcome(
            "wrong_code",
            tries_left=min(MAX_PAIRING_FAILURES + 1 - p.failures for p in alive),
        )

    async def _async_confirm(
        self, pending: PendingLink, unclaimed: UnclaimedToken, nonce: str
    ) -> str:
        """POST the nonce, PATCH completed and hand the result to the flow.

        See docs/linking.md#appstore-linking-steps, steps 9 and 10.
        """
        session = async_get_clientsession(self.hass)
        client = RingPartnerClient(
            StaticTokenAuth(
                session, unclaimed.credentials.api_base, token=unclaimed.token
            )
        )
        try:
            await client.confirm_app_integration(
                nonce, account_identifier=mask_email(unclaimed.user.email)
            )
        except RingPartnerInvalidNonceError:
            self.exchange.unclaimed.remove(unclaimed)
            self._fail(pending, "invalid_nonce")
            return "invalid_nonce"
        except RingPartnerError as err:
            # Transient: the token stays unclaimed and the flow keeps waiting for a retry.
            LOGGER.warning("Ring did not confirm the link: %s", type(err).__name__)
            return "ring_unavailable"
        linked_at = dt_util.utcnow()
        self.exchange.unclaimed.remove(unclaimed)
        completed = await async_mark_completed(client)
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
        return "linked" if completed else "linked_awaiting"

"""Webhook signature verification and parsing (docs/webhooks.md#signature)."""

import hashlib
import hmac
import json

from .const import SIGNATURE_PREFIX
from .events import WebhookEvent
from .exceptions import RingPartnerWebhookError


def compute_signature(body: bytes, hmac_key: str) -> str:
    """Return `sha256=<lowercase hex HMAC-SHA256(key, raw body)>`."""
    digest = hmac.new(hmac_key.encode(), body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


def verify_signature(body: bytes, signature: str | None, hmac_key: str) -> bool:
    """Return True when `X-Signature` matches the raw body; constant-time compare.

    Ring documents lowercase hex; the prefix and hex digits are matched
    case-insensitively so an upper-case variant is not rejected.
    """
    if not signature:
        return False
    signature = signature.strip()
    if signature[: len(SIGNATURE_PREFIX)].lower() != SIGNATURE_PREFIX:
        return False
    received = signature[len(SIGNATURE_PREFIX) :].strip().lower()
    if not received.isascii():
        return False
    expected = compute_signature(body, hmac_key)[len(SIGNATURE_PREFIX) :]
    return hmac.compare_digest(expected.encode("ascii"), received.encode("ascii"))


def _reject_constant(name: str) -> object:
    """Refuse `NaN`, `Infinity` and `-Infinity`: Python accepts them, JSON does not."""
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def parse_webhook(body: bytes) -> WebhookEvent:
    """Decode a (verified) webhook body into a WebhookEvent.

    Unknown event types are kept with `event_type` UNKNOWN and their raw `type_name`. Every
    failure is a RingPartnerWebhookError (docs/webhooks.md#untrusted-input): numbers too large
    for a float (`1e400`) decode to infinity and are treated as absent by the field readers;
    nesting deeper than the decoder's recursion limit is malformed.
    """
    try:
        payload: object = json.loads(body, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        msg = "Webhook body is not valid JSON"
        raise RingPartnerWebhookError(msg) from err
    return WebhookEvent.from_json(payload)

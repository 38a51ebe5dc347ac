"""Track whether Ring's webhooks reach this Home Assistant."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from homeassistant.util import dt as dt_util

from .const import WEBHOOK_SILENCE


@dataclass(kw_only=True)
class WebhookHealth:
    """Remember when webhooks last arrived and what they were."""

    linked_at: datetime | None = None
    last_received: datetime | None = None
    counts: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    signature_failures: int = 0

    def record(self, event_type: str, when: datetime | None = None) -> None:
        """Count one accepted webhook."""
        self.last_received = when or dt_util.utcnow()
        self.counts[event_type] += 1

    def is_receiving(self, now: datetime | None = None) -> bool:
        """Return True when a webhook arrived within the silence window."""
        if self.last_received is None:
            return False
        return (now or dt_util.utcnow()) - self.last_received < WEBHOOK_SILENCE

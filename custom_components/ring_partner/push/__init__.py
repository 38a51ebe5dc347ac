"""Ring's push path: webhooks (and history catch-up) to the entities of each account.

`receiver` is the HTTP edge shared by all accounts, `hub` applies one account's events and
is what entities subscribe to, `history` recovers events whose webhook never came.
"""

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from ..coordinator import RingPartnerConfigEntry
from .history import RingPartnerHistoryFallback
from .hub import EventCallback, RingPartnerPush, WebhookHealth
from .receiver import DATA_RECEIVER, async_setup_receiver

__all__ = [
    "EventCallback",
    "RingPartnerPush",
    "WebhookHealth",
    "async_setup_receiver",
    "async_start_push",
]


@callback
def async_start_push(
    hass: HomeAssistant, entry: RingPartnerConfigEntry
) -> CALLBACK_TYPE:
    """Route webhooks to a loaded entry and start its history fallback; return the stop."""
    push = entry.runtime_data.push
    unsubs = [
        hass.data[DATA_RECEIVER].async_register(push),
        push.async_start(),
        RingPartnerHistoryFallback(hass, entry, push).async_start(),
    ]

    @callback
    def _stop() -> None:
        for unsub in unsubs:
            unsub()

    return _stop

"""Ring's push path: webhooks (and history reconciliation) to the entities of each account.

`receiver` is the HTTP edge shared by all accounts, `hub` applies one account's events and
is what entities subscribe to, `ledger` remembers what was processed across restarts,
`health` counts how deliveries went, and `reconciliation` recovers events whose webhook never
came.
"""

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from ..coordinator import RingPartnerConfigEntry
from .health import WebhookHealth
from .hub import EventCallback, RingPartnerPush
from .ledger import PushStore
from .receiver import DATA_RECEIVER, async_setup_receiver
from .reconciliation import RingPartnerHistoryReconciler

__all__ = [
    "EventCallback",
    "PushStore",
    "RingPartnerPush",
    "WebhookHealth",
    "async_setup_receiver",
    "async_start_push",
]


@callback
def async_start_push(
    hass: HomeAssistant, entry: RingPartnerConfigEntry
) -> CALLBACK_TYPE:
    """Route webhooks to a loaded entry and start its reconciliation; return the stop.

    Called once the platforms are set up, so every event routed from now on has entities to
    reach; until then the receiver answers the entry's webhooks with "retry".
    """
    push = entry.runtime_data.push
    reconciler = RingPartnerHistoryReconciler(hass, entry, push)
    push.reconciler = reconciler
    unsubs = [
        hass.data[DATA_RECEIVER].async_register(push),
        push.async_start(),
        reconciler.async_start(),
    ]

    @callback
    def _stop() -> None:
        for unsub in unsubs:
            unsub()

    return _stop

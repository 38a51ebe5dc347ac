"""Apply Ring's webhooks to one account: entity events, device lifecycle, health, fallback."""

from datetime import datetime, timedelta
from functools import partial
import logging
from typing import Final

from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .client import Device, WebhookEvent, WebhookEventType
from .const import (
    CONF_HMAC_KEY,
    CONF_LINK_METHOD,
    DOMAIN,
    LOGGER,
    LinkMethod,
    signal_device_event,
)
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .entity import device_model
from .fallback import RecentEvents, RingPartnerHistoryFallback
from .health import DATA_SEEN, RateLimitedLog, WebhookHealth, async_webhook_url

# Ring sends lifecycle webhooks while an account is linked (§6.5); a day without any
# webhook after linking means a wrong Webhook URL or an unreachable Home Assistant.
NO_WEBHOOK_GRACE: Final = timedelta(hours=24)
ISSUE_NO_WEBHOOK: Final = "no_webhook_received"

DATA_PUSH: HassKey[dict[str, RingPartnerPush]] = HassKey(f"{DOMAIN}_push")

_log = RateLimitedLog()


def signal_doorbell_found(entry_id: str) -> str:
    """Return the signal sent when a device without doorbell entities presses its button."""
    return f"{DOMAIN}_doorbell_found_{entry_id}"


@callback
def async_is_doorbell(
    hass: HomeAssistant, entry: RingPartnerConfigEntry, device: Device
) -> bool:
    """Return True for devices with a button: Ring has no device type (§11.8).

    A device counts as a doorbell when its product image says so, or once it has sent a
    button_press (remembered through the entities that press created).
    """
    if device_model(device) == "Doorbell":
        return True
    push = hass.data.get(DATA_PUSH, {}).get(entry.entry_id)
    if push is not None and device.id in push.pressed:
        return True
    registry = er.async_get(hass)
    return any(
        registry.async_get_entity_id(platform, DOMAIN, f"{device.id}_{key}")
        for platform, key in (
            (Platform.EVENT, "doorbell"),
            (Platform.BINARY_SENSOR, "ding"),
        )
    )


class RingPartnerPush:
    """Apply routed webhooks (and history fallback events) to one Ring account."""

    def __init__(self, hass: HomeAssistant, entry: RingPartnerConfigEntry) -> None:
        """Initialize the handler for a loaded entry."""
        self.hass = hass
        self.entry = entry
        self.account_id = entry.unique_id
        self.hmac_key: str | None = entry.data.get(CONF_HMAC_KEY)
        self.pressed: set[str] = set()
        self.recent = RecentEvents()
        self.fallback = RingPartnerHistoryFallback(
            hass, entry, partial(self.async_device_event, from_history=True)
        )
        self._issue = False

    @property
    def health(self) -> WebhookHealth:
        """Return the entry's webhook health."""
        return self.entry.runtime_data.health

    @property
    def coordinator(self) -> RingPartnerDataUpdateCoordinator:
        """Return the entry's coordinator."""
        return self.entry.runtime_data.coordinator

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Start routing, the fallback and the silence check; return the stop function."""
        pushes = self.hass.data.setdefault(DATA_PUSH, {})
        pushes[self.entry.entry_id] = self
        unsubs = [self.fallback.async_start()]
        if (due := self._silence_check_due()) is not None:
            if due <= (now := dt_util.utcnow()):
                self._async_check_silence(now)
            else:
                unsubs.append(
                    async_track_point_in_utc_time(
                        self.hass, self._async_check_silence, due
                    )
                )

        @callback
        def _stop() -> None:
            for unsub in unsubs:
                unsub()
            if pushes.get(self.entry.entry_id) is self:
                del pushes[self.entry.entry_id]
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)

        return _stop

    @property
    def _issue_id(self) -> str:
        """Return the id of this entry's "no webhook received" repair issue."""
        return f"{ISSUE_NO_WEBHOOK}_{self.entry.entry_id}"

    def _silence_check_due(self) -> datetime | None:
        """Return when to check for a first webhook, or None when there is nothing to check."""
        seen = self.hass.data.get(DATA_SEEN)
        linked_at = self.health.linked_at
        if (
            self.hmac_key is None
            or self.entry.data.get(CONF_LINK_METHOD) == LinkMethod.PLAYGROUND
            or linked_at is None
            or self.account_id is None
            or (seen is not None and seen.has_seen(self.account_id))
        ):
            return None
        return linked_at + NO_WEBHOOK_GRACE

    @callback
    def _async_check_silence(self, _now: datetime) -> None:
        """Raise the repair issue when no webhook arrived within a day of linking."""
        seen = self.hass.data.get(DATA_SEEN)
        if self.health.last_received is not None or (
            seen is not None and self.account_id and seen.has_seen(self.account_id)
        ):
            return
        self._issue = True
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_NO_WEBHOOK,
            translation_placeholders={
                "account": self.entry.title,
                "webhook_url": async_webhook_url(self.hass),
            },
        )

    @callback
    def async_handle_webhook(self, event: WebhookEvent) -> None:
        """Apply one verified, deduplicated webhook; never touches the network directly."""
        self.health.record(event.type_name)
        if self._issue:
            self._issue = False
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        if self.health.revoked:
            return
        match event.event_type:
            case WebhookEventType.MOTION_DETECTED | WebhookEventType.BUTTON_PRESS:
                self.async_device_event(event)
            case WebhookEventType.DEVICE_ONLINE | WebhookEventType.DEVICE_OFFLINE:
                self._async_online(event)
            case WebhookEventType.DEVICE_ADDED | WebhookEventType.DEVICE_REMOVED:
                if event.device_id is not None:
                    async_dispatcher_send(
                        self.hass, signal_device_event(event.device_id), event
                    )
                self._async_refresh(event.type_name)
            case WebhookEventType.APP_INTEGRATION_ADDED:
                self.health.integration_added_at = dt_util.utcnow()
            case WebhookEventType.APP_INTEGRATION_REMOVED:
                self._async_revoke()
            case (
                WebhookEventType.SUBSCRIPTION_ACTIVATED
                | WebhookEventType.SUBSCRIPTION_DEACTIVATED
            ):
                # Partner-app plans (§6.6); nothing in Home Assistant depends on them.
                self.health.last_subscription_event = event.type_name
            case _:
                self.health.unknown_types += 1
                _log(
                    logging.DEBUG,
                    f"type:{event.type_name}",
                    "Ignoring Ring webhook of unknown type %s",
                    event.type_name,
                )

    @callback
    def async_device_event(
        self, event: WebhookEvent, *, from_history: bool = False
    ) -> bool:
        """Fire a motion or ding event for its device, at most once; return True if fired."""
        data = self.coordinator.data or {}
        if event.device_id is None or (device := data.get(event.device_id)) is None:
            self.health.unknown_devices += 1
            _log(
                logging.INFO,
                f"device:{self.entry.entry_id}",
                "Ring sent an event for a device this account does not share yet; refreshing",
            )
            self._async_refresh("unknown device")
            return False
        kind = "ding" if event.event_type is WebhookEventType.BUTTON_PRESS else "motion"
        when = event.timestamp or dt_util.utcnow()
        if self.recent.matches(device.id, kind, when, from_history=from_history):
            self.health.duplicates += 1
            return False
        self.recent.add(device.id, kind, when, from_history=from_history)
        if kind == "ding" and not async_is_doorbell(self.hass, self.entry, device):
            self.pressed.add(device.id)
            LOGGER.info("%s pressed its button: adding doorbell entities", device.name)
            async_dispatcher_send(
                self.hass, signal_doorbell_found(self.entry.entry_id), device.id, event
            )
        async_dispatcher_send(self.hass, signal_device_event(device.id), event)
        return True

    @callback
    def _async_online(self, event: WebhookEvent) -> None:
        """Apply device_online/device_offline at once, without polling."""
        if event.device_id is None:
            return
        self.coordinator.async_set_device_online(
            event.device_id, online=event.event_type is WebhookEventType.DEVICE_ONLINE
        )
        async_dispatcher_send(self.hass, signal_device_event(event.device_id), event)

    @callback
    def _async_refresh(self, reason: str) -> None:
        """Refresh devices after answering Ring (the coordinator debounces and adds/removes)."""
        self.entry.async_create_background_task(
            self.hass,
            self.coordinator.async_request_refresh(),
            f"{DOMAIN} refresh after {reason}",
        )

    @callback
    def _async_revoke(self) -> None:
        """Tokens are revoked (§6.5): mark entities unavailable and ask the user to re-link."""
        self.health.integration_removed_at = dt_util.utcnow()
        LOGGER.warning(
            "The Ring app integration of %s was removed; link it again",
            self.entry.title,
        )
        self.coordinator.async_set_update_error(
            ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_error"
            )
        )
        self.entry.async_start_reauth(self.hass)


@callback
def async_setup_push(
    hass: HomeAssistant, entry: RingPartnerConfigEntry
) -> CALLBACK_TYPE:
    """Route webhooks to a loaded entry; return the function that stops it (for unload)."""
    return RingPartnerPush(hass, entry).async_start()

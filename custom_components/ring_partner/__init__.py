"""The Ring Partner API integration."""

import voluptuous as vol

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from .api import DATA_RATE_LIMITERS, RingPartnerConfigEntryAuth
from .client import AbstractAuth, RateLimiters, RingPartnerClient, StaticTokenAuth
from .const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_AUTHORIZE_URL,
    CONF_LINK_METHOD,
    CONF_LINKED_AT,
    CONF_OAUTH_TOKEN_URL,
    CONF_PARTNER_APP,
    CONF_RTSP_BRIDGE_URL,
    CONF_RTSP_CA_FILE,
    DOMAIN,
    LinkMethod,
)
from .coordinator import (
    RingPartnerConfigEntry,
    RingPartnerDataUpdateCoordinator,
    RingPartnerRuntimeData,
)
from .endpoints import DATA_ENDPOINTS, async_get_endpoints, endpoints_from_yaml
from .linking.views import async_setup_linking
from .media_source import async_register_media_views
from .partner_urls import DATA_PARTNER_URLS, async_setup_partner_urls
from .push import (
    PushStore,
    RingPartnerPush,
    WebhookHealth,
    async_setup_receiver,
    async_start_push,
)
from .repairs import async_complete_if_awaiting
from .stream import DATA_RTSP_BRIDGE, BridgeEndpoint

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.SENSOR,
]

# YAML exists only to point the integration at the simulator during development and tests.
CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                vol.Optional(CONF_API_BASE): cv.url,
                vol.Optional(CONF_OAUTH_TOKEN_URL): cv.url,
                vol.Optional(CONF_AUTHORIZE_URL): cv.url,
                vol.Inclusive(CONF_RTSP_BRIDGE_URL, "rtsp_bridge"): vol.All(
                    cv.string, vol.Match(r"^rtsps://[^/\s]+$")
                ),
                vol.Inclusive(CONF_RTSP_CA_FILE, "rtsp_bridge"): cv.string,
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register Ring's URLs and the media views once (Ring's console holds the URLs)."""
    if DOMAIN in config:
        hass.data[DATA_ENDPOINTS] = endpoints_from_yaml(config[DOMAIN])
        if CONF_RTSP_BRIDGE_URL in config[DOMAIN]:
            hass.data[DATA_RTSP_BRIDGE] = BridgeEndpoint(
                origin=config[DOMAIN][CONF_RTSP_BRIDGE_URL],
                ca_file=hass.config.path(config[DOMAIN][CONF_RTSP_CA_FILE]),
            )
    await async_setup_receiver(hass)
    async_setup_linking(hass)
    await async_setup_partner_urls(hass)
    async_register_media_views(hass)
    return True


async def _async_build_auth(
    hass: HomeAssistant, entry: RingPartnerConfigEntry
) -> AbstractAuth:
    """Return the auth for an entry: OAuth2 session, or the stored Playground token."""
    endpoints = async_get_endpoints(hass, dict(entry.data))
    websession = async_get_clientsession(hass)
    if entry.data[CONF_LINK_METHOD] == LinkMethod.PLAYGROUND:
        return StaticTokenAuth(
            websession, endpoints.api_base, token=entry.data["token"]
        )
    implementation = await async_get_config_entry_implementation(hass, entry)
    client_id: str = getattr(
        implementation, "client_id", entry.data["auth_implementation"]
    )
    return RingPartnerConfigEntryAuth(
        websession,
        endpoints.api_base,
        OAuth2Session(hass, entry, implementation),
        rate_limiter=hass.data.setdefault(DATA_RATE_LIMITERS, RateLimiters()).get(
            client_id
        ),
    )


async def async_setup_entry(hass: HomeAssistant, entry: RingPartnerConfigEntry) -> bool:
    """Set up a Ring account from a config entry."""
    auth = await _async_build_auth(hass, entry)
    client = RingPartnerClient(auth)
    # What earlier runs processed and how webhooks fared: read before the coordinator, whose
    # polling pace depends on the last webhook (docs/webhooks.md#exactly-once).
    store = PushStore(
        hass,
        entry.entry_id,
        WebhookHealth(
            linked_at=dt_util.parse_datetime(entry.data.get(CONF_LINKED_AT, ""))
        ),
    )
    await store.async_load()
    coordinator = RingPartnerDataUpdateCoordinator(hass, entry, client, store.health)
    await coordinator.async_config_entry_first_refresh()
    await async_complete_if_awaiting(hass, entry.data[CONF_ACCOUNT_ID], client)
    entry.runtime_data = RingPartnerRuntimeData(
        client=client,
        coordinator=coordinator,
        push=RingPartnerPush(hass, entry, coordinator, store),
    )
    # Runs last on unload: the next setup starts from everything this one processed.
    entry.async_on_unload(store.async_flush)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Only now are webhooks routed here (until now they were answered "retry"), and the
    # history catch-up starts.
    entry.async_on_unload(async_start_push(hass, entry))
    hass.data[DATA_PARTNER_URLS].async_check()
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: RingPartnerConfigEntry
) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(
    hass: HomeAssistant, entry: RingPartnerConfigEntry
) -> None:
    """Delete the entry's stored push state, and its app's cloudhooks once no entry uses them."""
    await PushStore(hass, entry.entry_id, WebhookHealth()).async_remove()
    if (client_id := entry.data.get(CONF_PARTNER_APP)) is None:
        return
    if any(
        other.data.get(CONF_PARTNER_APP) == client_id
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.entry_id != entry.entry_id
    ):
        return
    await (await async_setup_partner_urls(hass)).async_release(client_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: RingPartnerConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Allow removing a device only once Ring no longer shares it."""
    data = entry.runtime_data.coordinator.data
    return not any(
        domain == DOMAIN and identifier in data
        for domain, identifier in device_entry.identifiers
    )

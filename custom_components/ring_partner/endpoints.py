"""Ring endpoints: production defaults, overridable from YAML for development and tests."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
import re
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util.hass_dict import HassKey

from .client import API_BASE_URL, AUTHORIZE_URL, OAUTH_TOKEN_URL
from .const import (
    ACCOUNT_LINK_PATH,
    CONF_API_BASE,
    CONF_AUTHORIZE_URL,
    CONF_ENDPOINTS,
    CONF_OAUTH_TOKEN_URL,
    TOKEN_EXCHANGE_PATH,
    WEBHOOK_PATH,
)


@dataclass(frozen=True, kw_only=True)
class Endpoints:
    """Where the Ring API, token endpoint and authorize page live."""

    api_base: str = API_BASE_URL
    token_url: str = OAUTH_TOKEN_URL
    authorize_url: str = AUTHORIZE_URL

    @property
    def is_development(self) -> bool:
        """Return True when any endpoint differs from Ring's production hosts."""
        return self != Endpoints()

    def as_entry_data(self) -> dict[str, str]:
        """Return the form stored in a config entry created against overridden endpoints."""
        return asdict(self)


DATA_ENDPOINTS: HassKey[Endpoints] = HassKey("ring_partner_endpoints")

# The fields of a development entry's reconfigure form, named as Endpoints' attributes.
ENDPOINT_FIELDS: Final = ("api_base", "token_url", "authorize_url")
_URL_RE: Final = re.compile(r"https?://\S+")


def endpoints_from_yaml(conf: dict[str, Any]) -> Endpoints:
    """Build endpoints from the integration's YAML block (development only)."""
    defaults = Endpoints()
    return Endpoints(
        api_base=conf.get(CONF_API_BASE, defaults.api_base).rstrip("/"),
        token_url=conf.get(CONF_OAUTH_TOKEN_URL, defaults.token_url),
        authorize_url=conf.get(CONF_AUTHORIZE_URL, defaults.authorize_url),
    )


def endpoints_from_form(
    user_input: Mapping[str, str],
) -> tuple[Endpoints, dict[str, str]]:
    """Return the endpoints a form entered, and an error for each field that is no URL."""
    errors = {
        key: "invalid_url"
        for key in ENDPOINT_FIELDS
        if not _URL_RE.fullmatch(user_input[key])
    }
    endpoints = Endpoints(
        **{key: user_input[key].rstrip("/") for key in ENDPOINT_FIELDS}
    )
    return endpoints, errors


def async_get_endpoints(
    hass: HomeAssistant, entry_data: dict[str, Any] | None = None
) -> Endpoints:
    """Return an entry's endpoints, else the configured ones, else production."""
    if entry_data is not None and (stored := entry_data.get(CONF_ENDPOINTS)):
        return Endpoints(**stored)
    return hass.data.get(DATA_ENDPOINTS, Endpoints())


@callback
def async_partner_urls(hass: HomeAssistant) -> dict[str, str]:
    """Return the four URLs to register in Ring's developer console (docs/linking.md#portal-urls).

    Ring calls them from the internet, so they need the external HTTPS address; plain http
    and IP addresses are accepted only while the endpoints point at a development server.
    Raises NoURLAvailableError when there is no such address.
    """
    development = async_get_endpoints(hass).is_development
    base_url = get_url(
        hass,
        allow_internal=False,
        allow_ip=development,
        require_ssl=not development,
        prefer_external=True,
    )
    return {
        "token_exchange_url": f"{base_url}{TOKEN_EXCHANGE_PATH}",
        "account_link_url": f"{base_url}{ACCOUNT_LINK_PATH}",
        "webhook_url": f"{base_url}{WEBHOOK_PATH}",
        "homepage_url": f"{base_url}/",
    }


@callback
def async_webhook_url(hass: HomeAssistant) -> str:
    """Return the URL to register as Ring's Webhook URL: the one the linked app registered.

    Without a linked app (or with several apps of different URLs) the fixed path on the
    external address, which every install serves.
    """
    # Imported here: partner_urls builds on this module.
    from .partner_urls import async_registered_webhook_url  # noqa: PLC0415

    if (registered := async_registered_webhook_url(hass)) is not None:
        return registered
    try:
        return async_partner_urls(hass)["webhook_url"]
    except NoURLAvailableError:
        return f"https://<your Home Assistant address>{WEBHOOK_PATH}"

"""Application credentials: the client id and secret of the user's own Ring app."""

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2Implementation,
    LocalOAuth2ImplementationWithPkce,
)

from .endpoints import async_get_endpoints


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> AbstractOAuth2Implementation:
    """Return Ring's token endpoint with PKCE for partner-initiated linking.

    See docs/linking.md#partner-initiated-oauth.

    The same implementation refreshes tokens obtained by Appstore linking: Ring's token
    endpoint takes the client id and secret in the form body either way
    (docs/ring-api.md#token-endpoint).
    """
    endpoints = async_get_endpoints(hass)
    return LocalOAuth2ImplementationWithPkce(
        hass,
        auth_domain,
        credential.client_id,
        authorize_url=endpoints.authorize_url,
        token_url=endpoints.token_url,
        client_secret=credential.client_secret,
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Return the placeholders for the credentials dialog."""
    return {
        "console_url": "https://developer.amazon.com/ring/console/apps",
    }

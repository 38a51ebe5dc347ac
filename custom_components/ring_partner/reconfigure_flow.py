"""Config flow step that reconfigures an entry: its HMAC key and development endpoints."""

from typing import Any

import probatio

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .appstore_flow import PASSWORD_SELECTOR
from .const import CONF_ENDPOINTS, CONF_HMAC_KEY, CONF_LINK_METHOD, LinkMethod
from .endpoints import ENDPOINT_FIELDS, async_get_endpoints, endpoints_from_form
from .linking import hmac_key_error

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


class RingPartnerReconfigureFlow(ConfigFlow):
    """The reconfigure step of the config flow."""

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the HMAC key, and the endpoints of a development entry."""
        entry = self._get_reconfigure_entry()
        method = LinkMethod(entry.data[CONF_LINK_METHOD])
        endpoints = async_get_endpoints(self.hass, dict(entry.data))
        fields: dict[probatio.Marker, Any] = {}
        if method is LinkMethod.APPSTORE:
            fields[probatio.Required(CONF_HMAC_KEY)] = PASSWORD_SELECTOR
        elif method is LinkMethod.OAUTH:
            # Invited apps need the key only to verify webhooks.
            fields[probatio.Optional(CONF_HMAC_KEY)] = PASSWORD_SELECTOR
        if endpoints.is_development:
            fields.update({probatio.Required(key): _URL for key in ENDPOINT_FIELDS})
        if not fields:
            return self.async_abort(reason="reconfigure_not_supported")
        errors: dict[str, str] = {}
        if user_input is not None:
            updates: dict[str, Any] = {}
            if method is not LinkMethod.PLAYGROUND:
                key = user_input.get(CONF_HMAC_KEY, "").strip()
                if (key or method is LinkMethod.APPSTORE) and (
                    error := hmac_key_error(key)
                ):
                    errors[CONF_HMAC_KEY] = error
                updates[CONF_HMAC_KEY] = key or None
            if endpoints.is_development:
                entered, url_errors = endpoints_from_form(user_input)
                errors.update(url_errors)
                updates[CONF_ENDPOINTS] = entered.as_entry_data()
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=updates)
        suggested = user_input or endpoints.as_entry_data()
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(fields), suggested
            ),
            errors=errors,
        )

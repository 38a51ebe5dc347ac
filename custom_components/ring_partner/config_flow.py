"""Config flow for the Ring Partner integration."""

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .const import DOMAIN


class RingPartnerFlowHandler(ConfigFlow, domain=DOMAIN):
    """Link a Ring account."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain that linking is not available yet."""
        return self.async_abort(reason="not_implemented")

"""Config flow for the Ring Partner integration."""

from collections.abc import Mapping
from datetime import datetime
import logging
from typing import Any, override

import probatio

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util

from .api import RingPartnerStaticTokenAuth, playground_token
from .appstore_flow import PASSWORD_SELECTOR, RingPartnerAppstoreFlow
from .client import (
    DEFAULT_SCOPE,
    RingPartnerAuthenticationError,
    RingPartnerClient,
    RingPartnerError,
    User,
)
from .const import (
    CONF_ACCOUNT_ID,
    CONF_ENDPOINTS,
    CONF_HMAC_KEY,
    CONF_LINK_METHOD,
    CONF_LINKED_AT,
    DOMAIN,
    LOGGER,
    LinkMethod,
)
from .endpoints import Endpoints, async_get_endpoints
from .linking import async_mark_completed, mask_email
from .options import OPTIONS_DEFAULTS, OPTIONS_SCHEMA
from .reconfigure_flow import RingPartnerReconfigureFlow
from .repairs import async_create_awaiting_issue


class RingPartnerFlowHandler(
    RingPartnerAppstoreFlow, RingPartnerReconfigureFlow, domain=DOMAIN
):
    """Link a Ring account: from the Ring app, by OAuth (invited apps) or a Playground token."""

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Initialize the flow."""
        super().__init__()
        self._link_method = LinkMethod.APPSTORE

    @property
    @override
    def logger(self) -> logging.Logger:
        """Return the logger of the OAuth2 steps."""
        return LOGGER

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for the scope partner-initiated linking uses (§1.3)."""
        return {"scope": DEFAULT_SCOPE}

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> RingPartnerOptionsFlow:
        """Return the options flow."""
        return RingPartnerOptionsFlow()

    @property
    @override
    def _endpoints(self) -> Endpoints:
        """Return the endpoints: the reauthenticated entry's, else the configured ones."""
        if self.source == SOURCE_REAUTH:
            return async_get_endpoints(self.hass, dict(self._get_reauth_entry().data))
        return async_get_endpoints(self.hass)

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the three ways in."""
        return self.async_show_menu(
            step_id="user",
            menu_options=[LinkMethod.APPSTORE, LinkMethod.OAUTH, LinkMethod.PLAYGROUND],
        )

    async def async_step_oauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in with Ring: partner-initiated OAuth with PKCE, for invited apps."""
        self._link_method = LinkMethod.OAUTH
        return await self._async_pick_implementation()

    @override
    async def _async_pick_implementation(self) -> ConfigFlowResult:
        """Pick the application credentials; reauth keeps the entry's own."""
        if self.source == SOURCE_REAUTH:
            implementation = self._get_reauth_entry().data["auth_implementation"]
            return await self.async_step_pick_implementation(
                {"implementation": implementation}
            )
        return await self.async_step_pick_implementation()

    @override
    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Identify the account, then PATCH completed (required without a nonce, §1.3)."""
        linked_at = dt_util.utcnow()
        client = self._client(data["token"])
        try:
            user = await client.get_user()
        except RingPartnerError as err:
            LOGGER.warning("Ring did not return the account: %s", type(err).__name__)
            return self.async_abort(reason="cannot_connect")
        await self._async_set_account(user.id)
        completed = await async_mark_completed(client)
        return self._async_finish(user, data, linked_at=linked_at, completed=completed)

    async def async_step_playground(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Use a Developer Playground token: 30 minutes, one synthetic device."""
        return await self._async_playground_step("playground", user_input)

    async def async_step_reauth_playground(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new Playground token once the old one has expired."""
        return await self._async_playground_step("reauth_playground", user_input)

    async def _async_playground_step(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Validate a pasted Playground token with users/me."""
        self._link_method = LinkMethod.PLAYGROUND
        errors: dict[str, str] = {}
        if user_input is not None:
            token = playground_token(user_input[CONF_ACCESS_TOKEN])
            try:
                user = await self._client(token).get_user()
            except RingPartnerAuthenticationError:
                errors["base"] = "invalid_auth"
            except RingPartnerError:
                errors["base"] = "cannot_connect"
            except Exception:  # noqa: BLE001
                LOGGER.exception("Unexpected exception")
                errors["base"] = "unknown"
            else:
                await self._async_set_account(user.id)
                return self._async_finish(
                    user, {"token": token}, linked_at=dt_util.utcnow()
                )
        return self.async_show_form(
            step_id=step_id,
            data_schema=probatio.Schema(
                {probatio.Required(CONF_ACCESS_TOKEN): PASSWORD_SELECTOR}
            ),
            errors=errors,
        )

    def _client(self, token: dict[str, Any]) -> RingPartnerClient:
        """Return a client for a token that is not stored anywhere yet."""
        return RingPartnerClient(
            RingPartnerStaticTokenAuth(
                async_get_clientsession(self.hass), self._endpoints.api_base, token
            )
        )

    @override
    async def _async_set_account(self, account_id: str) -> None:
        """Set the unique id; abort on a duplicate or, in reauth, a different account."""
        await self.async_set_unique_id(account_id)
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
        else:
            self._abort_if_unique_id_configured()

    @override
    def _async_finish(
        self,
        user: User,
        data: dict[str, Any],
        *,
        linked_at: datetime,
        completed: bool = True,
    ) -> ConfigFlowResult:
        """Create the entry, or update the reauthenticated one and reload it."""
        title = user.display_name
        if title == user.email:
            title = mask_email(user.email) or user.id
        data = {
            **data,
            CONF_LINK_METHOD: self._link_method,
            CONF_HMAC_KEY: self._hmac_key,
            CONF_ACCOUNT_ID: user.id,
            # The consent boundary: Ring refuses media from before the link (§4.4).
            CONF_LINKED_AT: linked_at.isoformat(),
        }
        if (endpoints := self._endpoints).is_development:
            data[CONF_ENDPOINTS] = endpoints.as_entry_data()
        if not completed:
            async_create_awaiting_issue(self.hass, user.id, title)
        if self.source == SOURCE_REAUTH:
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data=data
            )
        return self.async_create_entry(title=title, data=data)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Link the same account again, the way it was linked."""
        self._link_method = LinkMethod(entry_data[CONF_LINK_METHOD])
        self._hmac_key = entry_data.get(CONF_HMAC_KEY)
        if self._link_method is LinkMethod.PLAYGROUND:
            return await self.async_step_reauth_playground()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain, then go through the entry's way in again."""
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm",
                description_placeholders={"account": self._get_reauth_entry().title},
            )
        if self._link_method is LinkMethod.APPSTORE:
            return await self.async_step_appstore()
        return await self.async_step_oauth()


class RingPartnerOptionsFlow(OptionsFlowWithReload):
    """Polling interval and how long motion and ding stay on."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and store the options; the entry reloads to apply them."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, OPTIONS_DEFAULTS | dict(self.config_entry.options)
            ),
        )

"""Config flow for the Ring Partner integration: three ways in, reauth, reconfigure, options.

Ring hands out tokens only through account linking (docs/linking.md): from the Ring app
(Home Assistant serves the Token Exchange and Account Link URLs as webhooks, `partner_urls`;
the waiting state lives in `linking`), by partner-initiated OAuth with PKCE for apps Ring
invited, or as a 30-minute Developer Playground token.
"""

import asyncio
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
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_SCAN_INTERVAL
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2FlowHandler,
    LocalOAuth2Implementation,
)
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util

from .api import playground_token
from .client import (
    DEFAULT_SCOPE,
    RingPartnerAuthenticationError,
    RingPartnerClient,
    RingPartnerError,
    StaticTokenAuth,
    User,
)
from .const import (
    CONF_ACCOUNT_ID,
    CONF_DING_HOLD,
    CONF_ENDPOINTS,
    CONF_HMAC_KEY,
    CONF_LATE_EVENT_LIMIT,
    CONF_LINK_METHOD,
    CONF_LINKED_AT,
    CONF_MOTION_HOLD,
    CONF_PARTNER_APP,
    DEFAULT_DING_HOLD,
    DEFAULT_MOTION_HOLD,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LATENESS_LIMIT,
    LOGGER,
    MAX_LATE_EVENT_LIMIT,
    LinkMethod,
)
from .endpoints import (
    ENDPOINT_FIELDS,
    Endpoints,
    async_get_endpoints,
    endpoints_from_form,
)
from .linking import (
    DATA_LINKING,
    LinkFailedError,
    LinkResult,
    PendingLink,
    async_mark_completed,
    hmac_key_error,
    mask_email,
    new_pairing_code,
)
from .linking.token_exchange import LinkCredentials
from .linking.views import async_setup_linking
from .partner_urls import (
    PartnerUrlSet,
    Route,
    async_can_reach,
    async_setup_partner_urls,
)
from .push import async_setup_receiver
from .repairs import (
    async_create_awaiting_issue,
    async_create_no_url_issue,
    async_delete_no_url_issue,
)

# The user installs the app from the Ring Appstore meanwhile; the unclaimed token lives as long.
LINK_TIMEOUT = 15 * 60

PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


class RingPartnerFlowHandler(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Link a Ring account: from the Ring app, by OAuth (invited apps) or a Playground token."""

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Initialize the flow."""
        super().__init__()
        self._link_method = LinkMethod.APPSTORE
        self._hmac_key: str | None = None
        self._url_set: PartnerUrlSet | None = None
        self._pending: PendingLink | None = None
        self._link_task: asyncio.Task[LinkResult] | None = None
        self._link_result: LinkResult | None = None
        self._abort_reason = "unknown"

    @property
    @override
    def logger(self) -> logging.Logger:
        """Return the logger of the OAuth2 steps."""
        return LOGGER

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for the scope partner-initiated linking uses (docs/linking.md#partner-initiated-oauth)."""
        return {"scope": DEFAULT_SCOPE}

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> RingPartnerOptionsFlow:
        """Return the options flow."""
        return RingPartnerOptionsFlow()

    @property
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
        """Identify the account, then PATCH completed (required without a nonce too)."""
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
            StaticTokenAuth(
                async_get_clientsession(self.hass),
                self._endpoints.api_base,
                token=token,
            )
        )

    async def _async_set_account(self, account_id: str) -> None:
        """Set the unique id; abort on a duplicate or, in reauth, a different account."""
        await self.async_set_unique_id(account_id)
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
        else:
            self._abort_if_unique_id_configured()

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
            # The consent boundary: Ring refuses media from before the link
            # (docs/linking.md#consent-time).
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

    async def async_step_appstore(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Link from the Ring app: Ring reaches this instance by cloudhook or over HTTPS."""
        self._link_method = LinkMethod.APPSTORE
        if not async_can_reach(self.hass):
            async_create_no_url_issue(self.hass)
            return self.async_abort(reason="no_external_url")
        async_delete_no_url_issue(self.hass)
        return await self._async_pick_implementation()

    @override
    async def async_step_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Go on to Ring's authorize page, or to the Appstore steps."""
        if self._link_method is not LinkMethod.APPSTORE:
            return await super().async_step_auth(user_input)
        if not isinstance(self.flow_impl, LocalOAuth2Implementation):
            # Appstore linking exchanges codes itself, so it needs the secret in hand.
            return self.async_abort(reason="appstore_needs_credentials")
        if self._hmac_key is None:
            return await self.async_step_hmac_key()
        return await self.async_step_link()

    async def async_step_hmac_key(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the HMAC signature key: it binds nonces and signs webhooks."""
        errors: dict[str, str] = {}
        if user_input is not None:
            key = user_input[CONF_HMAC_KEY].strip()
            assert isinstance(self.flow_impl, LocalOAuth2Implementation)
            credentials = (self.flow_impl.client_id, self.flow_impl.client_secret)
            if error := hmac_key_error(key, credentials):
                errors[CONF_HMAC_KEY] = error
            else:
                self._hmac_key = key
                return await self.async_step_link()
        return self.async_show_form(
            step_id="hmac_key",
            data_schema=probatio.Schema(
                {probatio.Required(CONF_HMAC_KEY): PASSWORD_SELECTOR}
            ),
            errors=errors,
        )

    async def async_step_link(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the URLs for Ring's console and the pairing code; start accepting codes.

        The step says which way Ring reaches Home Assistant: `link_cloudhook` through Home
        Assistant Cloud, `link` on the external HTTPS address.
        """
        if self._url_set is None:
            # Ring delivers webhooks during linking: the handlers must exist before the
            # first entry does, and async_setup has not run yet on a fresh install.
            await async_setup_receiver(self.hass)
            async_setup_linking(self.hass)
            partner_urls = await async_setup_partner_urls(self.hass)
            assert isinstance(self.flow_impl, LocalOAuth2Implementation)
            try:
                self._url_set = await partner_urls.async_flow_urls(
                    self.flow_impl.client_id
                )
            except NoURLAvailableError:
                async_create_no_url_issue(self.hass)
                return self.async_abort(reason="no_external_url")
        if self._pending is None:
            self._pending = self._async_register_pending()
        if user_input is None:
            cloud = self._url_set.route is Route.CLOUDHOOK
            return self.async_show_form(
                step_id="link_cloudhook" if cloud else "link",
                description_placeholders=self._link_placeholders(),
            )
        return await self.async_step_wait()

    async def async_step_link_cloudhook(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the link step with Home Assistant Cloud's cloudhook URLs."""
        return await self.async_step_link(user_input)

    def _async_register_pending(self) -> PendingLink:
        """Register this flow with the Token Exchange and Account Link views."""
        assert isinstance(self.flow_impl, LocalOAuth2Implementation)
        assert self._hmac_key is not None
        endpoints = self._endpoints
        pending = PendingLink(
            flow_id=self.flow_id,
            credentials=LinkCredentials(
                client_id=self.flow_impl.client_id,
                client_secret=self.flow_impl.client_secret,
                token_url=endpoints.token_url,
                api_base=endpoints.api_base,
            ),
            hmac_key=self._hmac_key,
            pairing_code=new_pairing_code(),
            check_account=self._check_account,
            result=self.hass.loop.create_future(),
        )
        async_setup_linking(self.hass).async_register(pending)
        return pending

    def _link_placeholders(self) -> dict[str, str]:
        """Return the URLs and the pairing code, shown as 1234 5678."""
        assert self._pending is not None
        assert self._url_set is not None
        code = self._pending.pairing_code
        return {**self._url_set.urls, "pairing_code": f"{code[:4]} {code[4:]}"}

    @callback
    def _check_account(self, account_id: str) -> str | None:
        """Return why this flow may not link the account, checked before Ring's POST."""
        if self.source == SOURCE_REAUTH:
            if self._get_reauth_entry().unique_id != account_id:
                return "wrong_account"
            return None
        if self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, account_id
        ):
            return "already_configured"
        return None

    async def async_step_wait(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Wait while the user installs the app and enters the pairing code."""
        if self._link_task is None:
            # A background task: waiting up to 15 minutes must not hold up block_till_done.
            self._link_task = self.hass.async_create_background_task(
                self._async_wait_for_link(), f"{DOMAIN} wait for link"
            )
        if not self._link_task.done():
            return self.async_show_progress(
                step_id="wait",
                progress_action="wait_for_ring",
                progress_task=self._link_task,
                description_placeholders=self._link_placeholders(),
            )
        try:
            self._link_result = self._link_task.result()
        except LinkFailedError as err:
            self._abort_reason = err.reason
            return self.async_show_progress_done(next_step_id="link_failed")
        return self.async_show_progress_done(next_step_id="finish")

    async def _async_wait_for_link(self) -> LinkResult:
        """Return the link the Account Link view completes, within LINK_TIMEOUT."""
        assert self._pending is not None
        try:
            async with asyncio.timeout(LINK_TIMEOUT):
                return await self._pending.result
        except TimeoutError:
            raise LinkFailedError("link_timeout") from None
        finally:
            self.hass.data[DATA_LINKING].async_unregister(self.flow_id)

    async def async_step_link_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Abort with the reason the Account Link view reported."""
        return self.async_abort(reason=self._abort_reason)

    async def async_step_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Create (or update) the entry for the linked account."""
        result = self._link_result
        assert result is not None
        assert isinstance(self.flow_impl, LocalOAuth2Implementation)
        assert self._url_set is not None
        await self._async_set_account(result.user.id)
        # The link went through these URLs: they are what Ring's console holds now.
        client_id = self.flow_impl.client_id
        await (await async_setup_partner_urls(self.hass)).async_mark_registered(
            client_id, self._url_set
        )
        return self._async_finish(
            result.user,
            {
                "auth_implementation": self.flow_impl.domain,
                "token": result.token,
                CONF_PARTNER_APP: client_id,
            },
            linked_at=result.linked_at,
            completed=result.completed,
        )

    @callback
    @override
    def async_remove(self) -> None:
        """Stop accepting codes for this flow when it ends or is dismissed."""
        if self._pending is not None:
            self.hass.data[DATA_LINKING].async_unregister(self.flow_id)

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


def _seconds(minimum: int, maximum: int, unit: str = "s") -> probatio.All:
    """Return a whole-number selector (seconds unless another unit is given)."""
    return probatio.All(
        NumberSelector(
            NumberSelectorConfig(
                min=minimum,
                max=maximum,
                step=1,
                unit_of_measurement=unit,
                mode=NumberSelectorMode.BOX,
            )
        ),
        probatio.Coerce(int),
    )


OPTIONS_SCHEMA = probatio.Schema(
    {
        # Ring's program rules discourage heavy polling; webhooks carry the events
        # (docs/ring-api.md#program-rules).
        probatio.Required(CONF_SCAN_INTERVAL): _seconds(60, 3600),
        probatio.Required(CONF_MOTION_HOLD): _seconds(5, 600),
        probatio.Required(CONF_DING_HOLD): _seconds(1, 600),
        # Minutes, at most what the ledger and the reconciliation cover
        # (docs/webhooks.md#exactly-once).
        probatio.Required(CONF_LATE_EVENT_LIMIT): _seconds(
            1, int(MAX_LATE_EVENT_LIMIT.total_seconds() // 60), "min"
        ),
    }
)
OPTIONS_DEFAULTS = {
    CONF_SCAN_INTERVAL: int(DEFAULT_SCAN_INTERVAL.total_seconds()),
    CONF_MOTION_HOLD: int(DEFAULT_MOTION_HOLD.total_seconds()),
    CONF_DING_HOLD: int(DEFAULT_DING_HOLD.total_seconds()),
    CONF_LATE_EVENT_LIMIT: int(LATENESS_LIMIT.total_seconds() // 60),
}

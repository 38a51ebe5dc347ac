"""Config flow steps for Appstore linking: HMAC key, console URLs, pairing code (§1.5)."""

from abc import abstractmethod
import asyncio
from datetime import datetime
from typing import Any, override

import probatio

from homeassistant.config_entries import SOURCE_REAUTH, ConfigFlowResult
from homeassistant.core import callback
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2FlowHandler,
    LocalOAuth2Implementation,
)
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .client import User
from .const import CONF_HMAC_KEY, DOMAIN, LinkMethod
from .endpoints import Endpoints, async_partner_urls
from .link_views import async_setup_linking
from .linking import (
    DATA_LINKING,
    LinkFailedError,
    LinkResult,
    PendingLink,
    hmac_key_error,
    new_pairing_code,
)
from .repairs import async_create_no_url_issue, async_delete_no_url_issue
from .token_exchange import LinkCredentials
from .webhook import async_setup_webhook

# The user installs the app from the Ring Appstore meanwhile; the unclaimed token lives as long.
LINK_TIMEOUT = 15 * 60

PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


class RingPartnerAppstoreFlow(AbstractOAuth2FlowHandler):
    """The Appstore steps of the config flow; the flow handler supplies the rest."""

    _link_method: LinkMethod

    def __init__(self) -> None:
        """Initialize the Appstore state."""
        super().__init__()
        self._hmac_key: str | None = None
        self._urls: dict[str, str] = {}
        self._pending: PendingLink | None = None
        self._link_task: asyncio.Task[LinkResult] | None = None
        self._link_result: LinkResult | None = None
        self._abort_reason = "unknown"

    @property
    @abstractmethod
    def _endpoints(self) -> Endpoints:
        """Return the endpoints the flow links against."""

    @abstractmethod
    async def _async_pick_implementation(self) -> ConfigFlowResult:
        """Pick the application credentials."""

    @abstractmethod
    async def _async_set_account(self, account_id: str) -> None:
        """Set the unique id; abort on a duplicate or a different account."""

    @abstractmethod
    def _async_finish(
        self,
        user: User,
        data: dict[str, Any],
        *,
        linked_at: datetime,
        completed: bool = True,
    ) -> ConfigFlowResult:
        """Create or update the entry."""

    async def async_step_appstore(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Link from the Ring app: Ring must reach this instance over HTTPS (§1.4)."""
        self._link_method = LinkMethod.APPSTORE
        try:
            self._urls = async_partner_urls(self.hass)
        except NoURLAvailableError:
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
        """Ask for the HMAC signature key: it binds nonces and signs webhooks (§1.1)."""
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
        """Show the URLs for Ring's console and the pairing code; start accepting codes."""
        if self._pending is None:
            # Ring delivers webhooks during linking (§1.5): the view must exist before the
            # first entry does, and async_setup has not run yet on a fresh install.
            await async_setup_webhook(self.hass)
            self._pending = self._async_register_pending()
        if user_input is None:
            return self.async_show_form(
                step_id="link", description_placeholders=self._link_placeholders()
            )
        return await self.async_step_wait()

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
        code = self._pending.pairing_code
        return {**self._urls, "pairing_code": f"{code[:4]} {code[4:]}"}

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
        await self._async_set_account(result.user.id)
        return self._async_finish(
            result.user,
            {"auth_implementation": self.flow_impl.domain, "token": result.token},
            linked_at=result.linked_at,
            completed=result.completed,
        )

    @callback
    @override
    def async_remove(self) -> None:
        """Stop accepting codes for this flow when it ends or is dismissed."""
        if self._pending is not None:
            self.hass.data[DATA_LINKING].async_unregister(self.flow_id)

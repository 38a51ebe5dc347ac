"""Every repair issue of the Ring Partner integration, and the fix flow of the fixable one.

Missing external URL (Appstore linking needs one), a link Ring left awaiting (fixable), no
webhook received since linking, webhook signatures that keep failing, and partner URLs that
no longer reach Home Assistant (fixable once the new ones are registered).
"""

from typing import Any

import probatio

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .client import IntegrationStatus, RingPartnerClient, RingPartnerError
from .const import DOMAIN, LOGGER
from .endpoints import async_webhook_url

NO_EXTERNAL_URL_ISSUE = "no_external_url"
NO_EXTERNAL_URL_DOCS = "https://www.home-assistant.io/docs/configuration/remote/"
NO_WEBHOOK_ISSUE = "no_webhook_received"
SIGNATURE_FAILURES_ISSUE = "webhook_signature_failures"


PARTNER_URLS_ISSUE = "partner_urls"
# The reasons that come with new URLs to register; the others have none to offer.
_PARTNER_URLS_FIXABLE = ("cloudhook_ended", "external_url_changed")


def partner_urls_issue_id(app_key: str) -> str:
    """Return the id of a Ring app's "URLs no longer work" issue."""
    return f"{PARTNER_URLS_ISSUE}_{app_key}"


@callback
def async_create_partner_urls_issue(
    hass: HomeAssistant,
    app_key: str,
    reason: str,
    *,
    client_id: str,
    urls: dict[str, str] | None,
) -> None:
    """Tell the user the URLs in Ring's console stopped working, with the new ones."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        partner_urls_issue_id(app_key),
        is_fixable=reason in _PARTNER_URLS_FIXABLE,
        severity=ir.IssueSeverity.ERROR,
        translation_key=reason,
        translation_placeholders={"client_id": client_id, **(urls or {})},
        data={"client_id": client_id, **(urls or {})},
    )


@callback
def async_delete_partner_urls_issue(hass: HomeAssistant, app_key: str) -> None:
    """Forget a Ring app's URL issue (they work again, or the new ones are registered)."""
    ir.async_delete_issue(hass, DOMAIN, partner_urls_issue_id(app_key))


def awaiting_issue_id(account_id: str) -> str:
    """Return the issue id for a link Ring still shows as awaiting."""
    return f"integration_awaiting_{account_id}"


@callback
def async_create_no_url_issue(hass: HomeAssistant) -> None:
    """Tell the user Appstore linking needs Home Assistant reachable over HTTPS."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        NO_EXTERNAL_URL_ISSUE,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=NO_EXTERNAL_URL_ISSUE,
        learn_more_url=NO_EXTERNAL_URL_DOCS,
    )


@callback
def async_delete_no_url_issue(hass: HomeAssistant) -> None:
    """Forget the missing-URL issue once an external HTTPS URL exists."""
    ir.async_delete_issue(hass, DOMAIN, NO_EXTERNAL_URL_ISSUE)


def no_webhook_issue_id(entry_id: str) -> str:
    """Return the id of an entry's "no webhook received" issue."""
    return f"{NO_WEBHOOK_ISSUE}_{entry_id}"


@callback
def async_create_no_webhook_issue(
    hass: HomeAssistant, entry_id: str, title: str
) -> None:
    """Tell the user no webhook arrived within a day of linking an account."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        no_webhook_issue_id(entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=NO_WEBHOOK_ISSUE,
        translation_placeholders={
            "account": title,
            "webhook_url": async_webhook_url(hass),
        },
    )


@callback
def async_delete_no_webhook_issue(hass: HomeAssistant, entry_id: str) -> None:
    """Forget an entry's "no webhook received" issue (a webhook came, or it unloaded)."""
    ir.async_delete_issue(hass, DOMAIN, no_webhook_issue_id(entry_id))


@callback
def async_create_signature_failures_issue(hass: HomeAssistant) -> None:
    """Tell the user that webhooks keep arriving with wrong signatures (wrong HMAC key)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        SIGNATURE_FAILURES_ISSUE,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=SIGNATURE_FAILURES_ISSUE,
        translation_placeholders={"webhook_url": async_webhook_url(hass)},
    )


@callback
def async_delete_signature_failures_issue(hass: HomeAssistant) -> None:
    """Forget the signature issue after an hour without failures."""
    ir.async_delete_issue(hass, DOMAIN, SIGNATURE_FAILURES_ISSUE)


@callback
def async_create_awaiting_issue(
    hass: HomeAssistant, account_id: str, title: str
) -> None:
    """Record that the PATCH to completed failed: the link is not live yet.

    See docs/linking.md#appstore-linking-steps.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        awaiting_issue_id(account_id),
        is_fixable=True,
        is_persistent=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="integration_awaiting",
        translation_placeholders={"account": title},
        data={"account_id": account_id},
    )


async def async_complete_if_awaiting(
    hass: HomeAssistant, account_id: str, client: RingPartnerClient
) -> bool:
    """Retry the PATCH to completed when an issue says it failed; return success."""
    issue_id = awaiting_issue_id(account_id)
    if ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None:
        return True
    try:
        await client.update_app_integration(status=IntegrationStatus.COMPLETED)
    except RingPartnerError as err:
        LOGGER.warning("Ring still shows the link as awaiting: %s", type(err).__name__)
        return False
    ir.async_delete_issue(hass, DOMAIN, issue_id)
    return True


class CompleteIntegrationRepairFlow(RepairsFlow):
    """Retry the PATCH to completed now instead of at the next setup."""

    def __init__(self, account_id: str) -> None:
        """Initialize with the Ring account whose link is awaiting."""
        self.account_id = account_id

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Retry on confirmation; an entry that is gone or not loaded cannot retry."""
        errors: dict[str, str] = {}
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, self.account_id
        )
        if user_input is not None:
            if entry is None:
                # Nothing is left to complete: finishing the flow deletes the issue.
                return self.async_create_entry(data={})
            if entry.state is not ConfigEntryState.LOADED:
                return self.async_abort(reason="not_loaded")
            if await async_complete_if_awaiting(
                self.hass, self.account_id, entry.runtime_data.client
            ):
                return self.async_create_entry(data={})
            errors["base"] = "cannot_connect"
        return self.async_show_form(
            step_id="confirm",
            data_schema=probatio.Schema({}),
            errors=errors,
            description_placeholders={
                "account": entry.title if entry else self.account_id
            },
        )


class PartnerUrlsRepairFlow(RepairsFlow):
    """Confirm that the new URLs are in Ring's console; they become the registered ones."""

    def __init__(self, client_id: str, urls: dict[str, str]) -> None:
        """Initialize with the Ring app and its new URLs."""
        self.client_id = client_id
        self.urls = urls

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Show the URLs; on Submit remember them as what Ring's console holds."""
        if user_input is not None:
            # Imported here: partner_urls imports this module for its issues.
            from .partner_urls import DATA_PARTNER_URLS, PartnerUrlSet, Route  # noqa: PLC0415

            await self.hass.data[DATA_PARTNER_URLS].async_mark_registered(
                self.client_id, PartnerUrlSet(urls=self.urls, route=Route.EXTERNAL)
            )
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=probatio.Schema({}),
            description_placeholders={"client_id": self.client_id, **self.urls},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable issue: an awaiting link or new partner URLs."""
    data = data or {}
    if issue_id.startswith(PARTNER_URLS_ISSUE):
        urls = {k: str(v) for k, v in data.items() if k.endswith("_url")}
        return PartnerUrlsRepairFlow(str(data["client_id"]), urls)
    return CompleteIntegrationRepairFlow(str(data["account_id"]))

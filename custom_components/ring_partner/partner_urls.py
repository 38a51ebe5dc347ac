"""Ring's partner URLs as Home Assistant webhooks: one set of ids per Ring app, kept.

Ring's console holds one Token Exchange, Account Link and Webhook URL per app, shared by every
account linked through that app (docs/linking.md#portal-urls). Each is a `webhook` handler whose
id is generated once per app and stored, so the URLs survive restarts. With an active Home
Assistant Cloud subscription the flow hands out cloudhook URLs and Home Assistant itself stays
unreachable from the internet (docs/linking.md#reaching-home-assistant); otherwise the URLs are
built on the external HTTPS address. A repair says so when the registered URLs stop working.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
import hashlib
from typing import Any, Final

from aiohttp import hdrs, web

from homeassistant.components import cloud, webhook
from homeassistant.const import EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER
from .endpoints import async_get_endpoints
from .linking.views import async_handle_account_link, async_handle_token_exchange
from .push.receiver import async_answer, async_setup_receiver
from .repairs import async_create_partner_urls_issue, async_delete_partner_urls_issue

STORAGE_KEY: Final = f"{DOMAIN}.partner_urls"
STORAGE_VERSION: Final = 1
# Where the console's App Homepage URL points when Home Assistant is reached through cloudhooks
# only: the browser lands there after linking, and Home Assistant has no public page then.
PROJECT_HOMEPAGE: Final = "https://github.com/ring-partner-ha/ring_partner"
# The registered URLs are compared with the current ones this often (and when Home
# Assistant's URLs change): a lapsed Home Assistant Cloud subscription announces nothing.
CHECK_INTERVAL: Final = timedelta(hours=1)

DATA_PARTNER_URLS: HassKey[PartnerUrls] = HassKey(f"{DOMAIN}_partner_urls")


class UrlKind(StrEnum):
    """The three URLs Ring calls; the fourth console URL (App Homepage) is a plain page."""

    TOKEN_EXCHANGE = "token_exchange"
    ACCOUNT_LINK = "account_link"
    WEBHOOK = "webhook"

    @property
    def placeholder(self) -> str:
        """Return the name of this URL in the flow's and the repairs' texts."""
        return f"{self.value}_url"


# Ring POSTs the code and the webhooks; the browser GETs the link page and POSTs its form.
_METHODS: Final = {
    UrlKind.TOKEN_EXCHANGE: (hdrs.METH_POST,),
    UrlKind.ACCOUNT_LINK: (hdrs.METH_GET, hdrs.METH_POST),
    UrlKind.WEBHOOK: (hdrs.METH_POST,),
}


class Route(StrEnum):
    """How Ring reaches Home Assistant."""

    CLOUDHOOK = "cloudhook"
    EXTERNAL = "external"


@dataclass(frozen=True, kw_only=True)
class PartnerUrlSet:
    """The four URLs for Ring's console, by placeholder name, and how they reach us."""

    urls: dict[str, str]
    route: Route


@dataclass(kw_only=True)
class PartnerApp:
    """One Ring app's webhook ids, cloudhook URLs and the URLs a link last went through."""

    client_id: str
    webhook_ids: dict[UrlKind, str]
    cloudhooks: dict[UrlKind, str] = field(default_factory=dict)
    registered: PartnerUrlSet | None = None

    @property
    def issue_key(self) -> str:
        """Return a short stable name for this app's repair issue."""
        return hashlib.sha256(self.client_id.encode()).hexdigest()[:12]

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        registered = self.registered
        return {
            "webhook_ids": dict(self.webhook_ids),
            "cloudhooks": dict(self.cloudhooks),
            "registered": (
                None
                if registered is None
                else {"urls": registered.urls, "route": registered.route}
            ),
        }

    @classmethod
    def from_dict(cls, client_id: str, data: Mapping[str, Any]) -> PartnerApp:
        """Build from the stored form."""
        raw = data.get("registered")
        return cls(
            client_id=client_id,
            webhook_ids={UrlKind(k): v for k, v in data["webhook_ids"].items()},
            cloudhooks={UrlKind(k): v for k, v in data.get("cloudhooks", {}).items()},
            registered=(
                None
                if raw is None
                else PartnerUrlSet(urls=dict(raw["urls"]), route=Route(raw["route"]))
            ),
        )


class PartnerUrls:
    """The webhook ids of every Ring app seen, their handlers and their cloudhooks."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize with nothing loaded."""
        self.hass = hass
        self.apps: dict[str, PartnerApp] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, STORAGE_KEY, private=True
        )
        self._handlers: dict[str, tuple[UrlKind, str]] = {}
        self.loaded = asyncio.Event()

    async def async_load(self) -> None:
        """Load the stored apps and register their handlers."""
        data = await self._store.async_load() or {}
        for client_id, raw in data.get("apps", {}).items():
            app = PartnerApp.from_dict(client_id, raw)
            self.apps[client_id] = app
            self._async_register(app)
        self.loaded.set()

    async def _async_save(self) -> None:
        """Store the apps (rarely: a new app, a cloudhook, a link)."""
        await self._store.async_save(
            {"apps": {cid: app.as_dict() for cid, app in self.apps.items()}}
        )

    @callback
    def _async_register(self, app: PartnerApp) -> None:
        """Register an app's three handlers once."""
        for kind, webhook_id in app.webhook_ids.items():
            if webhook_id in self._handlers:
                continue
            webhook.async_register(
                self.hass,
                DOMAIN,
                f"Ring {kind.value.replace('_', ' ')}",
                webhook_id,
                self._async_handle,
                allowed_methods=_METHODS[kind],
            )
            self._handlers[webhook_id] = (kind, app.client_id)

    async def async_app(self, client_id: str) -> PartnerApp:
        """Return a Ring app, generating and registering its ids the first time."""
        if (app := self.apps.get(client_id)) is None:
            app = self.apps[client_id] = PartnerApp(
                client_id=client_id,
                webhook_ids={kind: webhook.async_generate_id() for kind in UrlKind},
            )
            await self._async_save()
        self._async_register(app)
        return app

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Answer one of Ring's calls, direct or relayed by Home Assistant Cloud."""
        kind, client_id = self._handlers[webhook_id]
        if kind is UrlKind.WEBHOOK:
            return await async_answer(await async_setup_receiver(hass), request)
        if kind is UrlKind.TOKEN_EXCHANGE:
            return await async_handle_token_exchange(hass, request, client_id=client_id)
        return await async_handle_account_link(hass, request, client_id=client_id)

    async def async_flow_urls(self, client_id: str) -> PartnerUrlSet:
        """Return the URLs to register: cloudhooks with Home Assistant Cloud, else external.

        Raises NoURLAvailableError when neither exists.
        """
        app = await self.async_app(client_id)
        if cloud.async_active_subscription(self.hass):
            try:
                return await self._async_cloudhook_urls(app)
            except cloud.CloudNotAvailable:
                LOGGER.warning(
                    "Home Assistant Cloud could not create the cloudhooks; "
                    "using the external URL"
                )
        return self._external_urls(app)

    async def _async_cloudhook_urls(self, app: PartnerApp) -> PartnerUrlSet:
        """Create the app's cloudhooks the first time; return them."""
        for kind in UrlKind:
            if kind not in app.cloudhooks:
                app.cloudhooks[kind] = await cloud.async_create_cloudhook(
                    self.hass, app.webhook_ids[kind]
                )
                await self._async_save()
        urls = {kind.placeholder: app.cloudhooks[kind] for kind in UrlKind}
        return PartnerUrlSet(
            urls={**urls, "homepage_url": PROJECT_HOMEPAGE}, route=Route.CLOUDHOOK
        )

    def _external_urls(self, app: PartnerApp) -> PartnerUrlSet:
        """Return the URLs on the external address; raises NoURLAvailableError."""
        base_url = _external_base_url(self.hass)
        urls = {
            kind.placeholder: f"{base_url}{webhook.async_generate_path(webhook_id)}"
            for kind, webhook_id in app.webhook_ids.items()
        }
        return PartnerUrlSet(
            urls={**urls, "homepage_url": f"{base_url}/"}, route=Route.EXTERNAL
        )

    async def async_mark_registered(
        self, client_id: str, url_set: PartnerUrlSet
    ) -> None:
        """Remember the URLs a link went through: Ring's console holds these now."""
        app = await self.async_app(client_id)
        app.registered = url_set
        await self._async_save()
        async_delete_partner_urls_issue(self.hass, app.issue_key)

    async def async_release(self, client_id: str) -> None:
        """Delete an app's cloudhooks once no entry of that app remains."""
        if (app := self.apps.get(client_id)) is None:
            return
        for kind in list(app.cloudhooks):
            try:
                await cloud.async_delete_cloudhook(self.hass, app.webhook_ids[kind])
            except cloud.CloudNotAvailable:
                LOGGER.debug("Home Assistant Cloud is gone; its cloudhook with it")
            del app.cloudhooks[kind]
        app.registered = None
        await self._async_save()
        async_delete_partner_urls_issue(self.hass, app.issue_key)

    @callback
    def async_check(self, *_: Any) -> None:
        """Raise a repair for each app whose registered URLs no longer reach Home Assistant."""
        for app in self.apps.values():
            self._async_check_app(app)

    @callback
    def _async_check_app(self, app: PartnerApp) -> None:
        """Compare an app's registered URLs with the ones that would work now."""
        if (registered := app.registered) is None:
            return
        if registered.route is Route.CLOUDHOOK and cloud.async_active_subscription(
            self.hass
        ):
            async_delete_partner_urls_issue(self.hass, app.issue_key)
            return
        try:
            current: PartnerUrlSet | None = self._external_urls(app)
        except NoURLAvailableError:
            current = None
        if current is not None and current.urls == registered.urls:
            async_delete_partner_urls_issue(self.hass, app.issue_key)
            return
        if registered.route is Route.CLOUDHOOK:
            reason = "cloudhook_ended" if current else "cloudhook_ended_no_url"
        else:
            reason = "external_url_changed" if current else "external_url_gone"
        async_create_partner_urls_issue(
            self.hass,
            app.issue_key,
            reason,
            client_id=app.client_id,
            urls=current.urls if current else None,
        )


@callback
def async_registered_webhook_url(hass: HomeAssistant) -> str | None:
    """Return the Webhook URL the linked apps registered, when they all share one."""
    if (partner_urls := hass.data.get(DATA_PARTNER_URLS)) is None:
        return None
    urls = {
        app.registered.urls[UrlKind.WEBHOOK.placeholder]
        for app in partner_urls.apps.values()
        if app.registered is not None
    }
    return urls.pop() if len(urls) == 1 else None


def _external_base_url(hass: HomeAssistant) -> str:
    """Return the external HTTPS address Ring can call (docs/linking.md#portal-urls).

    Plain http and IP addresses are accepted only while the endpoints point at a
    development server. Raises NoURLAvailableError.
    """
    development = async_get_endpoints(hass).is_development
    return get_url(
        hass,
        allow_internal=False,
        allow_ip=development,
        require_ssl=not development,
        prefer_external=True,
    )


@callback
def async_can_reach(hass: HomeAssistant) -> bool:
    """Return True when Ring can reach Home Assistant: by cloudhook or externally."""
    if cloud.async_active_subscription(hass):
        return True
    try:
        _external_base_url(hass)
    except NoURLAvailableError:
        return False
    return True


async def async_setup_partner_urls(hass: HomeAssistant) -> PartnerUrls:
    """Load the apps' ids and register their handlers, once per run."""
    if (partner_urls := hass.data.get(DATA_PARTNER_URLS)) is not None:
        # A caller that came during the first load waits for it: new ids must not
        # replace stored ones.
        await partner_urls.loaded.wait()
        return partner_urls
    # Stored before the first await, so concurrent callers share one instance.
    partner_urls = hass.data[DATA_PARTNER_URLS] = PartnerUrls(hass)
    await partner_urls.async_load()

    @callback
    def _core_config_updated(event: Event[Any]) -> None:
        partner_urls.async_check()

    hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, _core_config_updated)
    async_track_time_interval(
        hass, partner_urls.async_check, CHECK_INTERVAL, cancel_on_shutdown=True
    )
    return partner_urls

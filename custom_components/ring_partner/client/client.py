"""Typed async client for the Ring Partner API (docs/ring-api.md)."""

from collections.abc import AsyncIterator, Iterable
import logging
from urllib.parse import quote

from yarl import URL

from ._json import JsonObject, as_list, as_object, opt_str
from .account import AppIntegration, User
from .auth import AbstractAuth
from .const import (
    ALL_INCLUDES,
    APP_INTEGRATIONS_PATH,
    DEVICES_PATH,
    HISTORY_PATH,
    USERS_ME_PATH,
    DeviceInclude,
    IntegrationStatus,
    device_path,
)
from .events import HistoryEvent
from .exceptions import RingPartnerParseError
from .media_api import MediaApi
from .models import Device, index_included

_LOGGER = logging.getLogger(__name__)


class RingPartnerClient(MediaApi):
    """Client for the Ring Partner API; every call goes through `auth.request()`."""

    def __init__(self, auth: AbstractAuth) -> None:
        """Initialize with an auth implementation."""
        self._auth = auth

    @property
    def auth(self) -> AbstractAuth:
        """Return the auth implementation."""
        return self._auth

    async def get_user(self) -> User:
        """Return the Ring account behind the token (`GET /v1/users/me`)."""
        response = await self._auth.request("GET", USERS_ME_PATH)
        return User.from_document(response.json())

    async def confirm_app_integration(
        self, nonce: str, account_identifier: str | None = None
    ) -> IntegrationStatus:
        """Confirm an account link with the matched nonce (docs/ring-api.md#confirm-the-link)."""
        body: dict[str, str] = {"nonce": nonce}
        if account_identifier is not None:
            body["account_identifier"] = account_identifier
        response = await self._auth.request("POST", APP_INTEGRATIONS_PATH, json=body)
        # Flat as documented, or JSON:API-wrapped as one emulator answers
        # (docs/ambiguities.md#app-integrations-answer).
        return AppIntegration.from_json(response.json()).status

    async def update_app_integration(
        self,
        *,
        status: IntegrationStatus | None = None,
        account_identifier: str | None = None,
    ) -> AppIntegration:
        """Set the integration status or identifier (docs/ring-api.md#set-the-integration-status)."""
        body: dict[str, str] = {}
        if status is not None:
            body["status"] = str(status)
        if account_identifier is not None:
            body["account_identifier"] = account_identifier
        if not body:
            msg = "update_app_integration needs status or account_identifier"
            raise ValueError(msg)
        response = await self._auth.request("PATCH", APP_INTEGRATIONS_PATH, json=body)
        return AppIntegration.from_json(response.json())

    async def get_devices(
        self, include: Iterable[DeviceInclude] = ALL_INCLUDES
    ) -> list[Device]:
        """Return every shared device with its included sub-resources in ONE request."""
        response = await self._auth.request(
            "GET", DEVICES_PATH, params=_include_params(include)
        )
        document = response.json()
        included = index_included(document)
        return [
            Device.from_resource(as_object(item), included)
            for item in as_list(document.get("data"))
        ]

    async def get_device(
        self, device_id: str, include: Iterable[DeviceInclude] = ALL_INCLUDES
    ) -> Device:
        """Return one device with its included sub-resources."""
        response = await self._auth.request(
            "GET", device_path(device_id), params=_include_params(include)
        )
        document = response.json()
        return Device.from_resource(
            as_object(document.get("data")), index_included(document)
        )

    async def history_events(
        self,
        device_id: str,
        *,
        event_types: Iterable[str] | None = None,
        max_pages: int | None = None,
    ) -> AsyncIterator[HistoryEvent]:
        """Yield a device's history, newest first, following relative `links.next`.

        See docs/ring-api.md#history-paging.

        `event_types` takes plain types (`ding`) and dotted subtypes (`motion.human`).
        """
        path = HISTORY_PATH.format(device_id=quote(device_id, safe=""))
        params = {"event_types": ",".join(event_types)} if event_types else None
        async for resource in self._paginate(path, params, max_pages):
            yield HistoryEvent.from_resource(resource, device_id)

    async def _paginate(
        self,
        path: str,
        params: dict[str, str] | None,
        max_pages: int | None,
    ) -> AsyncIterator[JsonObject]:
        """Yield the `data` items of each page until an empty page or no `next`."""
        url: URL = self._auth.resolve_url(path)
        seen: set[str] = set()
        pages = 0
        while True:
            response = await self._auth.request(
                "GET", url, params=params if pages == 0 else None
            )
            pages += 1
            document = response.json()
            items = as_list(document.get("data"))
            for item in items:
                yield as_object(item)
            next_link = opt_str(as_object(document.get("links")).get("next"))
            if not items or not next_link or (max_pages and pages >= max_pages):
                return
            if next_link in seen:
                # A cursor that repeats would loop forever: stop, keeping what we have.
                _LOGGER.warning("Ring returned the same page cursor twice; stopping")
                return
            seen.add(next_link)
            url = self._auth.resolve_url(next_link)
            if not self._auth.is_api_url(url):
                msg = "Pagination link points outside the API origin"
                raise RingPartnerParseError(msg)
            if params and any(key not in url.query for key in params):
                # Docs say `next` keeps the filters; one third party saw them dropped (observed,
                # unverified: docs/ring-api.md#history-paging).
                url = url.update_query(
                    {
                        key: value
                        for key, value in params.items()
                        if key not in url.query
                    }
                )


def _include_params(include: Iterable[DeviceInclude]) -> dict[str, str] | None:
    """Return the `include=` query for the requested relationships, if any."""
    names = list(dict.fromkeys(str(DeviceInclude(item)) for item in include))
    return {"include": ",".join(names)} if names else None

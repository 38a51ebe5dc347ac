"""Models for users, app integrations and tokens."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Self

from ._json import JsonObject, as_object, iso_to_datetime, opt_int, opt_str, require_str
from .const import IntegrationStatus
from .exceptions import RingPartnerParseError


@dataclass(frozen=True, kw_only=True, slots=True)
class User:
    """The Ring account behind a token (`GET /v1/users/me`, docs/ring-api.md#current-user)."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None

    @property
    def display_name(self) -> str:
        """Return "First Last", else the email, else the account id."""
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email or self.id

    @classmethod
    def from_document(cls, document: JsonObject) -> Self:
        """Build from the JSON:API document of `/v1/users/me`."""
        data = as_object(document.get("data"))
        attributes = as_object(data.get("attributes"))
        return cls(
            id=require_str(data, "id", "user"),
            first_name=opt_str(attributes.get("first_name")),
            last_name=opt_str(attributes.get("last_name")),
            email=opt_str(attributes.get("email")),
            phone_number=opt_str(attributes.get("phone_number")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class AppIntegration:
    """The app integration state the PATCH returns (docs/ring-api.md#set-the-integration-status)."""

    status: IntegrationStatus
    account_identifier: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, body: JsonObject) -> Self:
        """Build from the flat POST or PATCH answer (a JSON:API wrapper is tolerated)."""
        if "status" not in body and isinstance(body.get("data"), dict):
            body = as_object(as_object(body["data"]).get("attributes"))
        status = opt_str(body.get("status"))
        if status is None:
            msg = "app integration: missing 'status'"
            raise RingPartnerParseError(msg)
        try:
            integration_status = IntegrationStatus(status)
        except ValueError:
            msg = "app integration: unknown 'status'"
            raise RingPartnerParseError(msg) from None
        return cls(
            status=integration_status,
            account_identifier=opt_str(body.get("account_identifier")),
            updated_at=iso_to_datetime(body.get("updated_at")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenResponse:
    """A token endpoint answer (docs/ring-api.md#token-response); secrets are hidden from repr."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_in: int
    scope: str | None = None
    token_type: str = "Bearer"

    @classmethod
    def from_json(cls, body: JsonObject) -> Self:
        """Build from the token endpoint's JSON answer."""
        expires_in = opt_int(body.get("expires_in"))
        if expires_in is None:
            msg = "token response: missing or invalid 'expires_in'"
            raise RingPartnerParseError(msg)
        return cls(
            access_token=require_str(body, "access_token", "token response"),
            refresh_token=opt_str(body.get("refresh_token")) or None,
            expires_in=expires_in,
            scope=opt_str(body.get("scope")),
            token_type=opt_str(body.get("token_type")) or "Bearer",
        )

    def as_dict(self) -> dict[str, str | int]:
        """Return the wire fields, omitting absent ones (for OAuth2 token storage)."""
        result: dict[str, str | int] = {
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": self.token_type,
        }
        if self.refresh_token is not None:
            result["refresh_token"] = self.refresh_token
        if self.scope is not None:
            result["scope"] = self.scope
        return result

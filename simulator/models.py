"""The simulator's world: accounts, devices, history events and recordings."""

from dataclasses import dataclass, field
from typing import NamedTuple

# Integration status of an account (ring-partner-api.md §1.5, §2.3). "none" = app not
# installed; "pending" = code delivered, Account Link step not done ("PENDING" in Ring's
# forum answer); "awaiting" after the nonce POST (or Allow on the partner-initiated page);
# "completed" after the partner's PATCH.
STATUS_NONE = "none"
STATUS_PENDING = "pending"
STATUS_AWAITING = "awaiting"
STATUS_COMPLETED = "completed"

EVENT_TYPES = ("motion", "ding", "on_demand")
MOTION_SUBTYPES = ("motion", "human", "vehicle", "animal", "other_motion")


@dataclass(kw_only=True)
class Subscription:
    """A partner-app subscription sold through the Ring Appstore (§7)."""

    id: str
    sub_type: str
    status: str
    plan_id: str | None
    created_ms: int
    expires_ms: int
    device_ids: list[str]


@dataclass(kw_only=True)
class Account:
    """A Ring user account and the state of its integration with the partner app."""

    id: str
    first_name: str
    last_name: str
    email: str
    phone_number: str | None
    playground: bool = False
    integration_status: str = STATUS_NONE
    link_method: str | None = None
    link_time_ms: int | None = None
    account_identifier: str | None = None
    updated_at_ms: int | None = None
    nonce: str | None = field(default=None, repr=False)
    nonce_time_ms: int | None = None
    subscriptions: list[Subscription] = field(default_factory=list)

    @property
    def linked(self) -> bool:
        """Return True once consent was given (awaiting or completed, or Playground)."""
        return self.playground or self.integration_status in (
            STATUS_AWAITING,
            STATUS_COMPLETED,
        )


@dataclass(kw_only=True)
class Device:
    """A shared Ring device; sub-resource ids are opaque and unrelated to `id`."""

    id: str
    account_id: str
    name: str
    kind: str
    battery: bool
    online: bool
    status_id: str
    capabilities_id: str
    configurations_id: str
    location_id: str
    country: str = "US"
    state: str | None = "CA"
    removed: bool = False
    reported_at_ms: int = 0
    motion_zone_id: str = "bac09fbb-7a79-4eca-80d8-4e05a4ea8d07"

    @property
    def has_video(self) -> bool:
        """Return True for doorbells and cameras."""
        return self.kind in ("doorbell", "camera")

    @property
    def is_doorbell(self) -> bool:
        """Return True for doorbells (button_press, ding)."""
        return self.kind == "doorbell"


@dataclass(kw_only=True)
class HistoryEvent:
    """One event-history entry (§5); `subtype` is only used for filtering."""

    id: str
    device_id: str
    event_type: str
    start_ms: int
    end_ms: int | None
    subtype: str | None = None
    reviewed: bool = False


class Recording(NamedTuple):
    """A recorded time range of a device (motion, ding or live view)."""

    start_ms: int
    end_ms: int
    event_id: str | None

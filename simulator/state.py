"""The simulator's shared state and the API the route modules (and `simulator.media`) use.

Media package hook (`simulator/media/__init__.py`)::

    def setup_media_routes(api_app: web.Application, media_app: web.Application,
                           state: SimState) -> None

`app.py` calls it once while building the two applications, before they start. Add the
`/v1/devices/{device_id}/media/...` routes (and `/_sim/whep/sessions`) to `api_app` and the
presigned download route to `media_app`. Both apps already carry the request-log, fault,
rate-limit and JSON:API error middlewares; raise `JsonApiError` (see `errors.media_error`).
Methods meant for the media package:

- `state.authenticate(request, media=True) -> Account` (401 `UNAUTHORIZED` media error)
- `state.device_for(account, device_id, media=True) -> Device` (404 `DEVICE_NOT_FOUND`)
- `state.consent_time(account) -> int | None` (epoch ms; media before it: 403)
- `state.recordings(device) -> list[Recording]` (`start_ms`, `end_ms`, `event_id`)
- `state.add_history_event(device, "on_demand", start_ms, end_ms) -> HistoryEvent`
- `state.add_recording(device, start_ms, end_ms, event_id)`
- `state.mark_reviewed(event_id)` / `state.mark_reviewed_range(device, start_ms, end_ms)`
- `state.snapshots(device) -> list[int]` (stored stills, epoch ms) and
  `state.corrupt_ranges(device) -> list[tuple[int, int]]` (422 `CORRUPT_RECORDING`)
- `state.clock()` (epoch s), `state.now_ms()`, `state.ids` (`IdFactory`), `state.config`
- `state.media_url` / `state.base_url` (set once the servers listen)
- `state.spawn(coro)`, `state.call_later(delay, callback)`, `state.on_stop(async_callback)`:
  everything started this way is cancelled or run by `Simulator.stop()`
- `state.add_listener(callback)`: `callback(kind, device, account)` with kind
  `device_offline`, `device_removed` or `account_unlinked` (device None), e.g. to end streams
"""

from collections.abc import Callable
import time
from typing import Any

import aiohttp
from aiohttp import web

from simulator.config import SimulatorConfig
from simulator.errors import JsonApiError, invalid_client, media_error, not_found
from simulator.faults import FaultTable
from simulator.ids import IdFactory, iso_seconds, stable_id
from simulator.models import (
    CHIME_SLOT_EVENTS,
    STATUS_COMPLETED,
    Account,
    ChimeSlot,
    Device,
    HistoryEvent,
    Recording,
)
from simulator.ratelimit import RateLimiter
from simulator.scenario import AccountSpec, DeviceSpec, Scenario
from simulator.tasks import TaskRegistry
from simulator.tokens import AccessToken, TokenStore
from simulator.webhooks import WebhookSender


def get_state(request: web.Request) -> SimState:
    """Return the simulator state an app (API or media) was built with."""
    return request.app[STATE_KEY]


class SimState(TaskRegistry):
    """Accounts, devices, history, recordings, tokens and the simulator's own tasks."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Build the world from the config's scenario (default scenario when None)."""
        super().__init__()
        self.config = config
        self.clock: Callable[[], float] = config.clock or time.time
        self.ids = IdFactory(config.seed)
        self.tokens = TokenStore(self.ids, self.clock)
        self.accounts: dict[str, Account] = {}
        self.devices: dict[str, Device] = {}
        self.base_url = ""
        self.media_url = ""
        self.started_ms = self.now_ms()
        self._events: dict[str, HistoryEvent] = {}
        self._history: dict[str, list[HistoryEvent]] = {}
        self._recordings: dict[str, list[Recording]] = {}
        self._snapshots: dict[str, list[int]] = {}
        self._corrupt: dict[str, list[tuple[int, int]]] = {}
        # Chime playbacks the API accepted, oldest first (`GET /_sim/chime/plays`).
        self.chime_plays: list[dict[str, Any]] = []
        self.request_log: list[dict[str, Any]] = []
        self.faults = FaultTable()
        self.rate_limiter = RateLimiter()
        self.webhooks = WebhookSender(config, self.ids, self.now_ms, self.spawn)
        for spec in (config.scenario or Scenario.default()).accounts:
            self._add_account(spec)

    @property
    def http(self) -> aiohttp.ClientSession:
        """Return the outgoing HTTP session (token exchange POSTs, webhooks)."""
        if self.webhooks.session is None:
            raise RuntimeError("the simulator is not running")
        return self.webhooks.session

    # -- time -------------------------------------------------------------------------
    def now_ms(self) -> int:
        """Return the simulated wall clock in epoch ms."""
        return int(self.clock() * 1000)

    def meta(self) -> dict[str, str]:
        """Return the `meta` object of GET responses (`{"time": ...}`)."""
        return {"time": iso_seconds(self.now_ms())}

    # -- world ------------------------------------------------------------------------
    def _add_account(self, spec: AccountSpec) -> Account:
        """Create an account and its devices from a scenario entry."""
        account = Account(
            id=spec.id,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=spec.email,
            phone_number=spec.phone_number,
            playground=spec.playground,
        )
        if spec.playground:
            account.link_method = "playground"
            account.link_time_ms = self.started_ms
        self.accounts[account.id] = account
        for device_spec in spec.devices:
            self.add_device(account, device_spec)
        return account

    def add_device(self, account: Account, spec: DeviceSpec) -> Device:
        """Create a device (and its past events) for an account."""
        location_key = f"{spec.country}|{spec.state}"
        device = Device(
            id=spec.id,
            account_id=account.id,
            name=spec.name,
            kind=spec.kind,
            battery=spec.battery,
            online=spec.online,
            status_id=stable_id("ava1.ring.device.status.", spec.id),
            capabilities_id=stable_id("ava1.ring.device.capabilities.", spec.id),
            configurations_id=stable_id("ava1.ring.device.configurations.", spec.id),
            location_id=stable_id("ava1.ring.location.", account.id, location_key),
            country=spec.country,
            state=spec.state,
            reported_at_ms=self.started_ms,
            components=spec.components,
        )
        if device.is_chime:
            device.slots = default_chime_slots(device.id)
        self.devices[device.id] = device
        self._history[device.id] = []
        self._recordings[device.id] = []
        for past in spec.past_events:
            start = self.started_ms - int(past.ago_s * 1000)
            end = start + int(past.duration_s * 1000)
            event = self.add_history_event(
                device, past.event_type, start, end, past.subtype
            )
            self.add_recording(device, start, end, event.id)
        return device

    def account(self, account_id: str) -> Account:
        """Return an account or raise a 404."""
        if (account := self.accounts.get(account_id)) is None:
            raise not_found(f"Unknown account {account_id}")
        return account

    def shared_devices(self, account: Account) -> list[Device]:
        """Return the devices the account currently shares with the app."""
        return [
            d
            for d in self.devices.values()
            if d.account_id == account.id and not d.removed
        ]

    # -- authentication -----------------------------------------------------------------
    def bearer_grant(self, request: web.Request) -> AccessToken | None:
        """Return the live access token of the request's bearer header, or None."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        grant = self.tokens.access_token(token.strip())
        if grant is None or grant.account_id not in self.accounts:
            return None
        return grant

    def authenticate(self, request: web.Request, *, media: bool = False) -> Account:
        """Return the account of a valid bearer whose integration is active; raise 401/403."""
        grant = self.bearer_grant(request)
        if grant is None:
            if media:
                raise media_error(
                    401,
                    "UNAUTHORIZED",
                    "Invalid or expired access token",
                    request_id=self.ids.uuid(),
                    timestamp=iso_seconds(self.now_ms()),
                )
            raise invalid_client()
        account = self.accounts[grant.account_id]
        if not account.linked:
            raise JsonApiError(
                403, "Forbidden", "The app integration is not active yet"
            )
        return account

    def device_for(
        self, account: Account, device_id: str, *, media: bool = False
    ) -> Device:
        """Return a device shared by the account; raise 404 otherwise (also when removed)."""
        device = self.devices.get(device_id)
        if device is None or device.removed or device.account_id != account.id:
            if media:
                raise media_error(
                    404,
                    "DEVICE_NOT_FOUND",
                    f"Unknown device provided: {device_id}",
                    request_id=self.ids.uuid(),
                    timestamp=iso_seconds(self.now_ms()),
                )
            raise not_found()
        return device

    def consent_time(self, account: Account) -> int | None:
        """Return the consent instant (epoch ms): nothing earlier is ever served."""
        return account.link_time_ms if account.linked else None

    def webhooks_allowed(self, account: Account) -> str | None:
        """Return why webhooks for this account are not delivered, or None if they are."""
        if account.playground:
            return "playground"
        if not self.config.webhook_delivery:
            return "webhook_delivery off"
        if not self.config.webhook_url:
            return "no webhook_url"
        if (
            account.integration_status != STATUS_COMPLETED
            and not self.config.webhooks_before_completed
        ):
            return f"integration {account.integration_status}"
        return None

    # -- history and recordings -------------------------------------------------------
    def add_history_event(
        self,
        device: Device,
        event_type: str,
        start_ms: int,
        end_ms: int | None,
        subtype: str | None = None,
    ) -> HistoryEvent:
        """Record a history event (motion, ding or on_demand) and return it."""
        event = HistoryEvent(
            id=self.ids.opaque("ava1.ring.history.event."),
            device_id=device.id,
            event_type=event_type,
            start_ms=start_ms,
            end_ms=end_ms,
            subtype=subtype,
        )
        self._events[event.id] = event
        self._history.setdefault(device.id, []).append(event)
        return event

    def history(self, device: Device) -> list[HistoryEvent]:
        """Return a device's events, newest first."""
        return sorted(
            self._history.get(device.id, []),
            key=lambda e: (e.start_ms, e.id),
            reverse=True,
        )

    def event(self, event_id: str) -> HistoryEvent | None:
        """Return a history event by id."""
        return self._events.get(event_id)

    def add_recording(
        self, device: Device, start_ms: int, end_ms: int, event_id: str | None
    ) -> Recording:
        """Record that the device has footage for [start_ms, end_ms]."""
        recording = Recording(start_ms, end_ms, event_id)
        self._recordings.setdefault(device.id, []).append(recording)
        return recording

    def recordings(self, device: Device) -> list[Recording]:
        """Return the device's recorded ranges, oldest first."""
        return sorted(self._recordings.get(device.id, []))

    def add_snapshot(self, device: Device, at_ms: int) -> None:
        """Store a still the device captured on its own (`X-Media-Origin: snapshot`)."""
        self._snapshots.setdefault(device.id, []).append(at_ms)

    def snapshots(self, device: Device) -> list[int]:
        """Return the device's stored stills (epoch ms), oldest first."""
        return sorted(self._snapshots.get(device.id, []))

    def mark_corrupt(self, device: Device, start_ms: int, end_ms: int) -> None:
        """Mark footage of [start_ms, end_ms] as corrupt (422 `CORRUPT_RECORDING`)."""
        self._corrupt.setdefault(device.id, []).append((start_ms, end_ms))

    def corrupt_ranges(self, device: Device) -> list[tuple[int, int]]:
        """Return the device's corrupt footage ranges."""
        return list(self._corrupt.get(device.id, []))

    def mark_reviewed(self, event_id: str) -> None:
        """Flip `is_third_party_reviewed` after the app downloaded media of the event."""
        if (event := self._events.get(event_id)) is not None:
            event.reviewed = True

    def mark_reviewed_range(self, device: Device, start_ms: int, end_ms: int) -> None:
        """Mark every event of the device that overlaps [start_ms, end_ms] as reviewed."""
        for event in self._history.get(device.id, []):
            event_end = event.end_ms if event.end_ms is not None else event.start_ms
            if event.start_ms <= end_ms and event_end >= start_ms:
                event.reviewed = True


def default_chime_slots(device_id: str) -> list[ChimeSlot]:
    """Return a chime's two app slots: the first holds the app's audio, the second none."""
    slots = [ChimeSlot(event=event) for event in CHIME_SLOT_EVENTS]
    slots[0].assign(device_id, "Simulator Tone")
    return slots


STATE_KEY = web.AppKey("simulator_state", SimState)

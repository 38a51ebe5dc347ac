"""Accounts and devices the simulator starts with (default scenario or a JSON file).

JSON scenario format (`--scenario FILE`)::

    {"accounts": [{"id": "...", "first_name": "Demo", "last_name": "User",
                   "email": "demo.user@example.com", "phone_number": "18005550100",
                   "playground": false,
                   "devices": [{"id": "...", "name": "Front Door", "kind": "doorbell",
                                "battery": false, "online": true,
                                "country": "US", "state": "CA",
                                "past_events": [{"event_type": "motion", "subtype": "human",
                                                 "ago_s": 3600, "duration_s": 20}]}]}]}

Only `name` and `kind` are required for a device and `id` for an account; missing device ids
are derived from the account id and name. `kind` is one of doorbell, camera, multi_camera,
chime, contact_sensor (alias sensor), flood_freeze_sensor, temperature_humidity_sensor,
air_quality_sensor; a
multi_camera may list its lens ids as `"components": ["1", "2"]` (the default).
Past events happen `ago_s` before the simulator starts, so they always precede consent
(history and media gating, docs/ring-api.md#event-history).

Built-in scenarios (`--scenario NAME`, `Scenario.named(NAME)`): `default` and `everything`,
the default scenario plus one device of every other kind (see `Scenario.everything`).
"""

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Any

from simulator.ids import stable_id
from simulator.models import (
    DEFAULT_COMPONENTS,
    DEVICE_KINDS,
    KIND_ALIASES,
    canonical_kind,
)

DEFAULT_ACCOUNT_ID = stable_id("ava1.ring.account.", "demo")
PLAYGROUND_ACCOUNT_ID = stable_id("ava1.ring.account.", "playground")
FRONT_DOOR_ID = stable_id("ava1.ring.device.", "demo", "front-door")
BACKYARD_ID = stable_id("ava1.ring.device.", "demo", "backyard")
CHIME_ID = stable_id("ava1.ring.device.", "demo", "hallway-chime")
GARAGE_ID = stable_id("ava1.ring.device.", "demo", "garage")
# Devices the `everything` scenario adds to the Demo User's four.
CONTACT_SENSOR_ID = stable_id("ava1.ring.device.", "demo", "front-door-sensor")
FLOOD_SENSOR_ID = stable_id("ava1.ring.device.", "demo", "basement-sensor")
CLIMATE_SENSOR_ID = stable_id("ava1.ring.device.", "demo", "living-room-sensor")
AIR_QUALITY_SENSOR_ID = stable_id("ava1.ring.device.", "demo", "bedroom-air-sensor")
TWO_LENS_ID = stable_id("ava1.ring.device.", "demo", "driveway")
# The Playground device id recorded from the real API (shared/fixtures/recorded).
PLAYGROUND_DEVICE_ID = (
    "ava1.ring.device.DCT27DEDP2FDDRTDVIE62YYMBEDQN3NX5BIT44JHC2J6KXZG3J4NZE7LXTU67NPGY7NJ6I3"
    "AWQS3532PMPUZ3QCFJDXNDR6O"
)


@dataclass(kw_only=True)
class PastEventSpec:
    """A history event (with its recording) that happened before the simulator started."""

    event_type: str
    ago_s: float
    subtype: str | None = None
    duration_s: float = 20.0


@dataclass(kw_only=True)
class DeviceSpec:
    """One shared device."""

    id: str
    name: str
    kind: str
    battery: bool = False
    online: bool = True
    country: str = "US"
    state: str | None = "CA"
    past_events: list[PastEventSpec] = field(default_factory=list)
    # Lens ids of a multi_camera (empty = DEFAULT_COMPONENTS); other kinds have none.
    components: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Resolve kind aliases and give multi-lens cameras their lenses."""
        self.kind = canonical_kind(self.kind)
        if self.kind == "multi_camera" and not self.components:
            self.components = DEFAULT_COMPONENTS


@dataclass(kw_only=True)
class AccountSpec:
    """One Ring account and the devices its user shares with the app."""

    id: str
    first_name: str = "Demo"
    last_name: str = "User"
    email: str = "demo.user@example.com"
    phone_number: str | None = "18005550100"
    playground: bool = False
    devices: list[DeviceSpec] = field(default_factory=list)


@dataclass(kw_only=True)
class Scenario:
    """The whole starting world."""

    accounts: list[AccountSpec] = field(default_factory=list)

    @classmethod
    def default(cls) -> Scenario:
        """Return the documented default scenario (Demo User with four devices + Playground)."""
        demo = AccountSpec(
            id=DEFAULT_ACCOUNT_ID,
            devices=[
                DeviceSpec(
                    id=FRONT_DOOR_ID,
                    name="Front Door",
                    kind="doorbell",
                    past_events=[
                        PastEventSpec(event_type="ding", ago_s=3600),
                        PastEventSpec(event_type="motion", subtype="human", ago_s=1800),
                    ],
                ),
                DeviceSpec(
                    id=BACKYARD_ID,
                    name="Backyard",
                    kind="camera",
                    battery=True,
                    past_events=[
                        PastEventSpec(event_type="motion", subtype="vehicle", ago_s=900)
                    ],
                ),
                DeviceSpec(id=CHIME_ID, name="Hallway Chime", kind="chime"),
                DeviceSpec(id=GARAGE_ID, name="Garage", kind="camera", online=False),
            ],
        )
        return cls(accounts=[demo, playground_account()])

    @classmethod
    def everything(cls) -> Scenario:
        """Return the default scenario plus a device of every other kind.

        Demo User also shares Front Door Sensor (contact), Basement Sensor (flood/freeze),
        Living Room Sensor (temperature/humidity), Bedroom Air Sensor (air quality) and
        Driveway (a two-lens camera, lenses "1" and "2"). The default scenario itself is unchanged so device counts stay put.
        """
        scenario = cls.default()
        scenario.accounts[0].devices += [
            DeviceSpec(
                id=CONTACT_SENSOR_ID, name="Front Door Sensor", kind="contact_sensor"
            ),
            DeviceSpec(
                id=FLOOD_SENSOR_ID, name="Basement Sensor", kind="flood_freeze_sensor"
            ),
            DeviceSpec(
                id=CLIMATE_SENSOR_ID,
                name="Living Room Sensor",
                kind="temperature_humidity_sensor",
            ),
            DeviceSpec(
                id=AIR_QUALITY_SENSOR_ID,
                name="Bedroom Air Sensor",
                kind="air_quality_sensor",
            ),
            DeviceSpec(id=TWO_LENS_ID, name="Driveway", kind="multi_camera"),
        ]
        return scenario

    @classmethod
    def named(cls, name: str) -> Scenario:
        """Return a built-in scenario by name; raise ValueError for unknown names."""
        if name not in SCENARIO_NAMES:
            raise ValueError(f"scenario must be one of {', '.join(SCENARIO_NAMES)}")
        return cls.everything() if name == "everything" else cls.default()

    @classmethod
    def from_argument(cls, value: str) -> Scenario:
        """Return the built-in scenario of that name, or else read the JSON file."""
        return cls.named(value) if value in SCENARIO_NAMES else cls.load(value)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Scenario:
        """Build a scenario from its JSON form; raise ValueError on bad input."""
        accounts = raw.get("accounts")
        if not isinstance(accounts, list) or not accounts:
            raise ValueError("scenario needs a non-empty 'accounts' list")
        return cls(accounts=[_account(item) for item in accounts])

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a JSON scenario file."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


SCENARIO_NAMES = ("default", "everything")


def playground_account() -> AccountSpec:
    """Return the Developer Playground account with its one synthetic Doorbell Pro."""
    return AccountSpec(
        id=PLAYGROUND_ACCOUNT_ID,
        first_name="Playground",
        last_name="User",
        email="playground.user@example.com",
        phone_number=None,
        playground=True,
        devices=[
            DeviceSpec(
                id=PLAYGROUND_DEVICE_ID, name="Playground Device", kind="doorbell"
            )
        ],
    )


def _account(raw: Any) -> AccountSpec:
    """Parse one account entry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise ValueError("every account needs a string 'id'")  # noqa: TRY004
    spec = AccountSpec(id=raw["id"])
    for key in ("first_name", "last_name", "email", "phone_number"):
        if key in raw:
            setattr(spec, key, raw[key])
    spec.playground = bool(raw.get("playground", False))
    spec.devices = [_device(spec.id, item) for item in raw.get("devices", [])]
    return spec


def _device(account_id: str, raw: Any) -> DeviceSpec:
    """Parse one device entry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise ValueError("every device needs a string 'name'")  # noqa: TRY004
    kind = raw.get("kind", "camera")
    if kind not in DEVICE_KINDS and kind not in KIND_ALIASES:
        raise ValueError(f"device kind must be one of {', '.join(DEVICE_KINDS)}")
    components = raw.get("components", [])
    if not isinstance(components, list) or not all(
        isinstance(item, str) and item for item in components
    ):
        raise ValueError("components must be a list of non-empty strings")
    if components and canonical_kind(kind) != "multi_camera":
        raise ValueError("only a multi_camera has components")
    return DeviceSpec(
        id=raw.get("id") or stable_id("ava1.ring.device.", account_id, raw["name"]),
        name=raw["name"],
        kind=kind,
        battery=bool(raw.get("battery", False)),
        online=bool(raw.get("online", True)),
        country=raw.get("country", "US"),
        state=raw.get("state", "CA"),
        past_events=[
            PastEventSpec(
                event_type=event["event_type"],
                ago_s=float(event["ago_s"]),
                subtype=event.get("subtype"),
                duration_s=float(event.get("duration_s", 20.0)),
            )
            for event in raw.get("past_events", [])
        ],
        components=tuple(components),
    )

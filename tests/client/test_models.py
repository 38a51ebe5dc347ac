"""Tests for model parsing (recorded payloads and documented examples)."""

from datetime import UTC, datetime

import pytest

from custom_components.ring_partner.client import (
    AppIntegration,
    Device,
    DeviceCapabilities,
    DeviceConfigurations,
    DeviceStatus,
    HistoryEvent,
    HistoryEventType,
    IntegrationStatus,
    Location,
    MediaClip,
    MediaImage,
    MediaOrigin,
    RingPartnerParseError,
    TokenResponse,
    User,
    WhepSession,
)
from custom_components.ring_partner.client.models import index_included

from .conftest import load_json

PLAYGROUND_ID = (
    "ava1.ring.device.DCT27DEDP2FDDRTDVIE62YYMBEDQN3NX5BIT44JHC2J6KXZG3J4NZE7LXTU67"
    "NPGY7NJ6I3AWQS3532PMPUZ3QCFJDXNDR6O"
)


def test_recorded_devices_include_all() -> None:
    """The recorded Playground `GET /v1/devices` with all includes resolves fully."""
    document = load_json("client_devices_include_all.json")
    included = index_included(document)
    (device,) = [Device.from_resource(item, included) for item in document["data"]]
    assert device.id == PLAYGROUND_ID
    assert device.name == "Playground Device"
    assert device.image_url is not None
    assert device.image_url.endswith("rvdp_3x.png")
    assert device.location_id is not None
    assert device.location_id.startswith("ava1.ring.location.")

    assert device.status is not None
    assert device.status.online is True
    assert device.status.reported_at == datetime(2026, 9, 15, 12, 45, 3, tzinfo=UTC)
    assert device.status.state is None
    assert device.status.snooze_active is None

    caps = device.capabilities
    assert caps is not None
    assert caps.has_video
    assert not caps.is_chime
    assert caps.video is not None
    assert caps.video.codecs == ("AVC",)
    assert caps.video.max_resolution == 1080
    assert caps.video.supported_resolutions == (1080,)
    assert caps.video.ratio == "16:9"
    assert caps.motion_detection
    assert caps.motion_detection_configurations == ("enabled", "motion_zones")
    assert caps.supports_snapshot
    assert not caps.battery_status
    assert caps.sensors == ()
    assert caps.audio is not None
    assert caps.audio.customizable_slots is None

    assert device.location == Location(id=device.location_id, country="US", state="CA")

    config = device.configurations
    assert config is not None
    assert config.motion_detection_enabled is True
    assert config.color_night_vision is False
    assert config.hdr is False
    assert config.privacy_zones == ()
    assert config.volume == 11
    (zone,) = config.motion_zones
    assert zone.id == "bac09fbb-7a79-4eca-80d8-4e05a4ea8d07"
    assert len(zone.vertices) == 8
    assert (zone.vertices[3].x, zone.vertices[3].y) == (1.0, 0.6)
    assert isinstance(zone.vertices[0].x, float)


def test_included_matched_by_type_and_id_not_by_derived_id() -> None:
    """Relationships resolve by (type, id); a same-id resource of another type is ignored."""
    device = {
        "type": "devices",
        "id": "d1",
        "attributes": {"name": "Door"},
        "relationships": {
            "status": {"data": {"type": "device-status", "id": "opaque-1"}},
            "location": {"data": {"type": "locations", "id": "opaque-1"}},
            "capabilities": {
                "links": {"related": "/v1/devices/d1/capabilities"},
            },
        },
    }
    document = {
        "data": [device],
        "included": [
            {"type": "locations", "id": "opaque-1", "attributes": {"country": "US"}},
            {
                "type": "device-status",
                "id": "d1.status",
                "attributes": {"online": True},
            },
            {
                "type": "device-status",
                "id": "opaque-1",
                "attributes": {"online": False},
            },
            "garbage",
        ],
    }
    parsed = Device.from_resource(device, index_included(document))
    assert parsed.status == DeviceStatus(id="opaque-1", online=False)
    assert parsed.location == Location(id="opaque-1", country="US")
    assert parsed.capabilities is None
    assert parsed.configurations is None
    bare = Device.from_resource({"type": "devices", "id": "d2"})
    assert bare.name == "d2"
    assert bare.status is None


def test_documented_capabilities_4k() -> None:
    """The documented 4K camera capabilities example (docs/ring-api.md#device-capabilities)."""
    caps = DeviceCapabilities.from_resource(
        {
            "id": "xxxyyy.capabilities",
            "type": "device-capabilities",
            "attributes": {
                "video": {
                    "configurations": ["resolution_mode"],
                    "codecs": ["HEVC"],
                    "ratio": "16:9",
                    "max_resolution": 2160,
                    "supported_resolutions": [2160, "bad"],
                },
                "motion_detection": {"configurations": ["enabled", "motion_zones"]},
                "image_enhancements": {
                    "configurations": ["color_night_vision", "hdr", "privacy_zones"]
                },
            },
        }
    )
    assert caps.video is not None
    assert caps.video.codecs == ("HEVC",)
    assert caps.video.supported_resolutions == (2160,)
    assert not caps.supports_snapshot
    assert caps.audio is None


def test_chime_and_sensor_capabilities() -> None:
    """Chimes: slots and no video; sensors: non-null detection keys; null keys None."""
    chime = DeviceCapabilities.from_resource(
        {
            "id": "c",
            "attributes": {
                "video": None,
                "audio": {
                    "customizable_slots": [{}, {}],
                    "supported_actions": ["play"],
                },
                "motion_detection": None,
                "battery_status": None,
            },
        }
    )
    assert chime.is_chime
    assert not chime.has_video
    assert chime.audio is not None
    assert chime.audio.customizable_slots == 2
    assert chime.audio.supported_actions == ("play",)
    assert not chime.motion_detection
    sensor = DeviceCapabilities.from_resource(
        {
            "id": "s",
            "attributes": {
                "flood_detection": {},
                "freeze_detection": {"faulted": None},
                "contact_detection": None,
                "battery_status": {"percentage": 80},
            },
        }
    )
    assert sensor.sensors == ("flood_detection", "freeze_detection")
    assert sensor.battery_status
    assert not sensor.is_chime


def test_status_variants() -> None:
    """Documented minimal status, sensor faults and odd values."""
    assert DeviceStatus.from_resource(
        {"type": "device-status", "id": "x.status", "attributes": {"online": True}}
    ) == DeviceStatus(id="x.status", online=True)
    sensor = DeviceStatus.from_resource(
        {
            "id": "s",
            "attributes": {
                "online": "off",
                "flood_detection": {"faulted": True},
                "freeze_detection": {"faulted": False},
                "audio": {"snooze": {"active": True, "until": 1771130906289}},
                "reported_at": "not a date",
            },
        }
    )
    assert sensor.online is False
    assert sensor.flood_faulted is True
    assert sensor.freeze_faulted is False
    assert sensor.snooze_active is True
    assert sensor.snooze_until == datetime.fromtimestamp(1771130906.289, tz=UTC)
    assert sensor.reported_at is None
    with pytest.raises(RingPartnerParseError):
        DeviceStatus.from_resource({"attributes": {"online": True}})


def test_configurations_documented() -> None:
    """The documented configurations example: on/off strings become bools.

    See docs/ring-api.md#device-configurations.
    """
    config = DeviceConfigurations.from_resource(
        {
            "type": "device-configurations",
            "id": "cfg",
            "attributes": {
                "motion_detection": {
                    "enabled": "off",
                    "motion_zones": [
                        {"id": "z", "vertices": [{"x": 0, "y": 0.2}, {"x": "bad"}]}
                    ],
                },
                "image_enhancements": {
                    "color_night_vision": "on",
                    "hdr": "weird",
                    "privacy_zones": [{"vertices": [{"x": 1, "y": 1}]}],
                },
            },
        }
    )
    assert config.motion_detection_enabled is False
    assert config.color_night_vision is True
    assert config.hdr is None
    assert config.volume is None
    assert len(config.motion_zones[0].vertices) == 1
    assert config.privacy_zones[0].id is None


def test_recorded_history() -> None:
    """The recorded on_demand history page parses; epoch ms become UTC datetimes."""
    document = load_json("client_history_on_demand.json")
    events = [HistoryEvent.from_resource(item, "fallback") for item in document["data"]]
    assert len(events) == 3
    first = events[0]
    assert first.event_type is HistoryEventType.ON_DEMAND
    assert first.device_id == PLAYGROUND_ID
    assert first.start == datetime.fromtimestamp(1789513622.925, tz=UTC)
    assert first.end == datetime.fromtimestamp(1789513653.550, tz=UTC)
    assert first.is_third_party_reviewed
    assert [e.start for e in events] == sorted((e.start for e in events), reverse=True)


def test_history_edge_cases() -> None:
    """Unknown types, missing source and missing start."""
    event = HistoryEvent.from_resource(
        {"id": "e", "attributes": {"event_type": "package", "start": 1000}}, "dev"
    )
    assert event.event_type is HistoryEventType.UNKNOWN
    assert event.device_id == "dev"
    assert event.end is None
    assert not event.is_third_party_reviewed
    with pytest.raises(RingPartnerParseError):
        HistoryEvent.from_resource({"id": "e", "attributes": {}}, "dev")


def test_user_and_display_name() -> None:
    """The documented users/me answer; display name fallbacks."""
    user = User.from_document(
        {
            "data": {
                "type": "users",
                "id": "ava1.ring.account.XXXYYY",
                "attributes": {
                    "first_name": "John",
                    "last_name": "Doe",
                    "email": "johndoe@example.com",
                    "phone_number": "18006561918",
                },
            }
        }
    )
    assert user.display_name == "John Doe"
    assert user.phone_number == "18006561918"
    assert User(id="a", email="e@x").display_name == "e@x"
    assert User(id="a").display_name == "a"
    with pytest.raises(RingPartnerParseError):
        User.from_document({"data": {"attributes": {}}})


def test_app_integration() -> None:
    """The PATCH answer, a JSON:API-wrapped variant and unknown statuses."""
    flat = AppIntegration.from_json(
        {
            "account_identifier": "u***r@partner.example.com",
            "status": "completed",
            "updated_at": "2026-02-03T00:35:00Z",
        }
    )
    assert flat.status is IntegrationStatus.COMPLETED
    assert flat.updated_at == datetime(2026, 2, 3, 0, 35, tzinfo=UTC)
    wrapped = AppIntegration.from_json(
        {"data": {"type": "app-integrations", "attributes": {"status": "paused"}}}
    )
    assert wrapped.status is IntegrationStatus.UNKNOWN
    with pytest.raises(RingPartnerParseError):
        AppIntegration.from_json({})


def test_token_response_hides_secrets() -> None:
    """Tokens parse, serialize back, and never appear in repr."""
    token = TokenResponse.from_json(
        {
            "access_token": "secret-access",
            "refresh_token": "secret-refresh",
            "scope": "ava.v1",
            "expires_in": 14400,
            "token_type": "Bearer",
        }
    )
    assert "secret" not in repr(token)
    assert token.as_dict() == {
        "access_token": "secret-access",
        "refresh_token": "secret-refresh",
        "scope": "ava.v1",
        "expires_in": 14400,
        "token_type": "Bearer",
    }
    playground = TokenResponse.from_json({"access_token": "a", "expires_in": "1800"})
    assert playground.refresh_token is None
    assert playground.as_dict() == {
        "access_token": "a",
        "expires_in": 1800,
        "token_type": "Bearer",
    }
    with pytest.raises(RingPartnerParseError):
        TokenResponse.from_json({"access_token": "a"})
    with pytest.raises(RingPartnerParseError):
        TokenResponse.from_json({"expires_in": 5})


def test_media_reprs_hide_content() -> None:
    """Media bytes, SDP and session URLs stay out of repr."""
    assert "secret" not in repr(
        MediaImage(content=b"secret", content_type="image/jpeg")
    )
    assert "secret" not in repr(MediaClip(content=b"secret", content_type="video/mp4"))
    session = WhepSession(device_id="d", url="https://secret/", answer_sdp="v=0 secret")
    assert "secret" not in repr(session)
    assert MediaImage(content=b"", content_type="x").origin is MediaOrigin.UNKNOWN

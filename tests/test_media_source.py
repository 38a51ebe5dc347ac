"""Tests for the Ring media source and its event media views, against the simulator."""

import asyncio
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ring_partner import media_source as ring_media_source
from custom_components.ring_partner.client import HistoryEvent, HistoryEventType
from custom_components.ring_partner.const import CONF_LINKED_AT, DOMAIN
from custom_components.ring_partner.coordinator import consent_time
from custom_components.ring_partner.media_source import (
    event_clip_url,
    event_thumbnail_url,
    event_title,
)
from homeassistant.components.media_player import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    PlayMedia,
    Unresolvable,
    async_browse_media,
    async_resolve_media,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from simulator import Simulator
from simulator.scenario import CHIME_ID, FRONT_DOOR_ID

from .conftest import LinkedAccount, SimControl, webhook_client

ROOT = f"media-source://{DOMAIN}"
HISTORY_PATH = f"/v1/history/devices/{FRONT_DOOR_ID}/events"
CLIP_PATH = f"/v1/devices/{FRONT_DOOR_ID}/media/video/download"
IMAGE_PATH = f"/v1/devices/{FRONT_DOOR_ID}/media/image/download"

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim_control: SimControl
) -> MockConfigEntry:
    """Load the integration and the media source; recordings are ready at once."""
    await sim_control.configure(recording_not_ready_s=0)
    assert await async_setup_component(hass, "media_source", {})
    await async_browse_media(hass, ROOT)
    return init_integration


def at(answer: dict[str, Any]) -> datetime:
    """Return the time of a simulator event answer."""
    return datetime.fromtimestamp(answer["timestamp"] / 1000, tz=UTC)


async def ding_and_motion(sim_control: SimControl) -> tuple[datetime, datetime]:
    """Ring the front door, then detect a person there; return both times."""
    ding = await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/ding")
    await asyncio.sleep(0.01)  # distinct milliseconds keep the order certain
    motion = await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
    )
    return at(ding), at(motion)


async def browse(hass: HomeAssistant, identifier: str = "") -> BrowseMediaSource:
    """Browse a node of the Ring media source."""
    result = await async_browse_media(
        hass, f"{ROOT}/{identifier}" if identifier else ROOT
    )
    assert isinstance(result, BrowseMediaSource)
    return result


def children(node: BrowseMediaSource) -> list[BrowseMediaSource]:
    """Return a node's children, which are media source nodes."""
    nodes = node.children or []
    result = [child for child in nodes if isinstance(child, BrowseMediaSource)]
    assert len(result) == len(nodes)
    return result


async def resolve(hass: HomeAssistant, identifier: str) -> PlayMedia:
    """Resolve a node of the Ring media source."""
    return await async_resolve_media(hass, f"{ROOT}/{identifier}", None)


def title(when: datetime, kind: str) -> str:
    """Return the expected title of an event of today: kind first, then the local time."""
    return f"{kind} · {dt_util.as_local(when).strftime('%H:%M')}"


async def paths(sim_control: SimControl) -> list[str]:
    """Return the paths the simulator served since the last clear."""
    return [request["path"] for request in await sim_control.requests()]


async def test_browse_root_and_camera(
    hass: HomeAssistant, entry: MockConfigEntry, sim_control: SimControl
) -> None:
    """Cameras are listed; a camera shows its events newest first from one history read."""
    ding, motion = await ding_and_motion(sim_control)
    await sim_control.clear_requests()

    root = await browse(hass)
    assert root.title == "Ring"
    assert root.can_expand
    assert [child.title for child in children(root)] == [
        "Backyard",
        "Front Door",
        "Garage",
    ]
    front = next(child for child in children(root) if child.title == "Front Door")
    assert front.identifier == f"{entry.entry_id}/{FRONT_DOOR_ID}"
    assert await paths(sim_control) == []

    camera = await browse(hass, f"{entry.entry_id}/{FRONT_DOOR_ID}")
    assert camera.title == "Front Door"
    events = children(camera)
    # The scenario's older events precede consent: Ring never lists them.
    assert [event.title for event in events] == [
        title(motion, "Motion"),
        title(ding, "Doorbell"),
    ]
    assert all(event.can_play and not event.can_expand for event in events)
    assert events[1].thumbnail == event_thumbnail_url(
        entry.entry_id, FRONT_DOOR_ID, ding
    )
    assert await paths(sim_control) == [HISTORY_PATH]

    event_id = events[0].identifier
    assert event_id is not None
    single = await browse(hass, event_id)
    assert single.title == title(motion, "Motion")
    assert single.can_play


async def test_resolve_and_fetch_clip(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
) -> None:
    """An event resolves to the clip view, which streams Ring's MP4 through HA."""
    ding, motion = await ding_and_motion(sim_control)
    camera = await browse(hass, f"{entry.entry_id}/{FRONT_DOOR_ID}")
    ding_id = children(camera)[1].identifier
    assert ding_id is not None

    played = await resolve(hass, ding_id)
    assert played.mime_type == "video/mp4"
    assert played.url == event_clip_url(
        entry.entry_id, FRONT_DOOR_ID, ding, ding + timedelta(seconds=20)
    )
    # A camera plays its latest event.
    latest = await resolve(hass, f"{entry.entry_id}/{FRONT_DOOR_ID}")
    assert f"/{int(motion.timestamp() * 1000)}/" in latest.url

    await sim_control.clear_requests()
    client = await hass_client()
    response = await client.get(played.url)
    assert response.status == HTTPStatus.OK
    assert response.content_type == "video/mp4"
    body = await response.read()
    assert body[4:8] == b"ftyp"
    served = await sim_control.requests()
    assert [request["path"] for request in served] == [CLIP_PATH]
    # Ring's media host is never handed to the browser: HA fetched everything.
    assert sim_control.sim.media_url.encode() not in body


async def test_fetch_thumbnail(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
) -> None:
    """The thumbnail view serves the frame at the event's start."""
    ding, _ = await ding_and_motion(sim_control)
    client = await hass_client()
    response = await client.get(
        event_thumbnail_url(entry.entry_id, FRONT_DOOR_ID, ding)
    )
    assert response.status == HTTPStatus.OK, await response.text()
    assert response.content_type == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert (await response.read()).startswith(b"\xff\xd8")


async def test_media_urls_work_without_opening_the_browser(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
) -> None:
    """After a restart, event media URLs (e.g. in notifications) resolve at once."""
    await sim_control.configure(recording_not_ready_s=0)
    ding, _ = await ding_and_motion(sim_control)
    client = await hass_client()
    response = await client.get(
        event_thumbnail_url(init_integration.entry_id, FRONT_DOOR_ID, ding)
    )
    assert response.status == HTTPStatus.OK, await response.text()


@pytest.mark.parametrize(
    "identifier",
    [
        "malformed",
        "{entry_id}/",
        "{entry_id}/unknown-device",
        "{entry_id}/" + CHIME_ID,
        "other-entry/" + FRONT_DOOR_ID,
        "{entry_id}/" + FRONT_DOOR_ID + "/unknown-event",
    ],
)
async def test_unknown_identifiers(
    hass: HomeAssistant, entry: MockConfigEntry, identifier: str
) -> None:
    """Unknown or malformed identifiers raise BrowseError and Unresolvable."""
    identifier = identifier.format(entry_id=entry.entry_id)
    with pytest.raises(BrowseError):
        await browse(hass, identifier)
    with pytest.raises(Unresolvable):
        await resolve(hass, identifier)


async def test_resolve_needs_an_event(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The root does not play, nor does a camera without events since consent."""
    with pytest.raises(Unresolvable):
        await async_resolve_media(hass, ROOT, None)
    with pytest.raises(Unresolvable):
        await resolve(hass, f"{entry.entry_id}/{FRONT_DOOR_ID}")


async def test_history_failure(
    hass: HomeAssistant, entry: MockConfigEntry, sim_control: SimControl
) -> None:
    """A failed history read is a translated browse error."""
    await sim_control.fault(path="/v1/history/", status=400, detail="Bad cursor")
    with pytest.raises(BrowseError) as excinfo:
        await browse(hass, f"{entry.entry_id}/{FRONT_DOOR_ID}")
    assert excinfo.value.translation_key == "request_rejected"
    assert excinfo.value.translation_placeholders == {"error": "Bad cursor"}


async def test_event_without_footage(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """Ring's 416 for an event without footage becomes a 404 with a message."""
    state = simulator.state
    now = state.now_ms()
    state.add_history_event(state.devices[FRONT_DOOR_ID], "on_demand", now, now + 1000)
    camera = await browse(hass, f"{entry.entry_id}/{FRONT_DOOR_ID}")
    event = children(camera)[0]
    assert event.title.startswith("Live view · ")
    assert event.identifier is not None
    played = await resolve(hass, event.identifier)
    client = await hass_client()
    for url in (played.url, event.thumbnail):
        assert url is not None
        response = await client.get(url)
        assert response.status == HTTPStatus.NOT_FOUND
        assert await response.json() == {
            "code": "media_not_found",
            "message": "Ring has no recording for that time",
        }


async def test_recording_not_ready(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
) -> None:
    """Ring's 425 while it processes the recording becomes a 404 saying so."""
    await sim_control.configure(recording_not_ready_s=600)
    ding, _ = await ding_and_motion(sim_control)
    client = await hass_client()
    response = await client.get(
        event_clip_url(entry.entry_id, FRONT_DOOR_ID, ding, ding)
    )
    assert response.status == HTTPStatus.NOT_FOUND
    assert (await response.json())["code"] == "recording_not_ready"
    assert "still processing" in (await response.json())["message"]


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (
            {"status": 403, "code": "TIME_RANGE_NOT_AUTHORIZED"},
            HTTPStatus.NOT_FOUND,
            "media_before_consent",
        ),
        ({"status": 400, "detail": "bad"}, HTTPStatus.BAD_GATEWAY, "request_rejected"),
        ({"drop": True}, HTTPStatus.BAD_GATEWAY, "communication_error"),
    ],
)
async def test_download_errors(
    entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    sim_control: SimControl,
    *,
    fault: dict[str, Any],
    status: HTTPStatus,
    code: str,
) -> None:
    """Ring's 403 is a 404; other failures are a 502, never a 500; all translated."""
    start = dt_util.utcnow()
    # Dropped connections are retried by the client; every attempt fails here.
    await sim_control.fault(path=CLIP_PATH, **fault)
    client = await hass_client()
    response = await client.get(
        event_clip_url(entry.entry_id, FRONT_DOOR_ID, start, start)
    )
    assert response.status == status
    assert (await response.json())["code"] == code


async def test_nothing_before_consent(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    linked_account: LinkedAccount,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
) -> None:
    """Times before the link (or in the future) are refused without asking Ring."""
    before = linked_account.linked_at - timedelta(minutes=5)
    future = dt_util.utcnow() + timedelta(minutes=5)
    await sim_control.clear_requests()
    client = await hass_client()
    for url in (
        event_clip_url(entry.entry_id, FRONT_DOOR_ID, before, before),
        event_thumbnail_url(entry.entry_id, FRONT_DOOR_ID, future),
    ):
        response = await client.get(url)
        assert response.status == HTTPStatus.NOT_FOUND
        assert (await response.json())["code"] == "media_outside_range"
    assert await paths(sim_control) == []


async def test_unknown_camera_in_view(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    """Unknown entries and devices without video are 404s."""
    start = dt_util.utcnow()
    client = await hass_client()
    for entry_id, device_id in (
        ("other-entry", FRONT_DOOR_ID),
        (entry.entry_id, CHIME_ID),
    ):
        response = await client.get(event_thumbnail_url(entry_id, device_id, start))
        assert response.status == HTTPStatus.NOT_FOUND


async def test_access_control(
    entry: MockConfigEntry,
    sim_control: SimControl,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hass_admin_user: MockUser,
) -> None:
    """Anonymous requests and users who may not read the camera are refused."""
    ding, _ = await ding_and_motion(sim_control)
    urls = (
        event_clip_url(entry.entry_id, FRONT_DOOR_ID, ding, ding),
        event_thumbnail_url(entry.entry_id, FRONT_DOOR_ID, ding),
    )
    await sim_control.clear_requests()
    anonymous = await hass_client_no_auth()
    for url in urls:
        assert (await anonymous.get(url)).status == HTTPStatus.UNAUTHORIZED
    hass_admin_user.mock_policy({"entities": {"entity_ids": {"camera.backyard": True}}})
    client = await hass_client()
    for url in urls:
        assert (await client.get(url)).status == HTTPStatus.UNAUTHORIZED
    assert await paths(sim_control) == []


async def test_views_registered_once(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Getting the media source again registers no second set of views."""
    with patch.object(hass.http, "register_view") as register_view:
        source = await ring_media_source.async_get_media_source(hass)
    assert source.name == "Ring"
    register_view.assert_not_called()


@pytest.mark.freeze_time("2026-05-01 12:00:00+00:00")
@pytest.mark.parametrize(
    ("linked_at", "expected"),
    [
        ("2026-04-01T08:00:00", datetime(2026, 4, 1, 8, tzinfo=UTC)),
        ("2026-04-01T08:00:00+02:00", datetime(2026, 4, 1, 6, tzinfo=UTC)),
        (None, datetime(2026, 5, 1, 12, tzinfo=UTC)),
    ],
)
def test_consent_time(linked_at: str | None, expected: datetime) -> None:
    """A link time without zone is UTC; without one, nothing before now is asked for."""
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_LINKED_AT: linked_at})
    assert consent_time(entry) == expected


async def test_titles_name_the_detection_first(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    entry: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """With webhooks, a person is titled "Person", a vehicle "Vehicle"; kind comes first."""
    # After the media source is set up: starting the HTTP server freezes its routes.
    await webhook_client(hass, hass_client_no_auth, sim_control)
    person = at(
        await sim_control.call(
            "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
        )
    )
    await asyncio.sleep(0.01)
    vehicle = at(
        await sim_control.call(
            "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "vehicle"}
        )
    )
    await asyncio.sleep(0.01)
    other = at(
        await sim_control.call(
            "POST", f"devices/{FRONT_DOOR_ID}/motion", {"subtype": "other_motion"}
        )
    )
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done()
    camera = await browse(hass, f"{entry.entry_id}/{FRONT_DOOR_ID}")
    assert [event.title for event in children(camera)] == [
        title(other, "Motion"),
        title(vehicle, "Vehicle"),
        title(person, "Person"),
    ]


def test_titles_of_other_days_carry_the_date() -> None:
    """An event of another day shows its date after the kind."""
    start = datetime(2026, 10, 19, 21, 49, tzinfo=UTC)
    event = HistoryEvent(
        id="e", device_id="d", event_type=HistoryEventType.DING, start=start
    )
    local = dt_util.as_local(start)
    assert event_title(event, None, start + timedelta(days=2)) == (
        f"Doorbell · {local.strftime('%Y-%m-%d %H:%M')}"
    )
    assert event_title(event, None, start) == f"Doorbell · {local.strftime('%H:%M')}"

"""Tests for every client endpoint against small local fake servers."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import json

from aiohttp import web
import pytest

from custom_components.ring_partner.client import (
    DeviceInclude,
    HistoryEventType,
    ImageFormat,
    IntegrationStatus,
    MediaOrigin,
    RingPartnerClient,
    RingPartnerDeviceNotFoundError,
    RingPartnerInvalidNonceError,
    RingPartnerMediaNotFoundError,
    RingPartnerMediaTooLargeError,
    RingPartnerNotFoundError,
    RingPartnerParseError,
    RingPartnerServerError,
    RingPartnerUnavailableError,
    VideoCodec,
    WhepSession,
)

from .conftest import (
    FakeAuth,
    FakeServer,
    SleepRecorder,
    error_response,
    json_response,
    load_json,
)

DEVICE = "ava1.ring.device.XXXYYY"
DEVICE_PATH = f"/v1/devices/{DEVICE}"
HISTORY = f"/v1/history/devices/{DEVICE}/events"
IMAGE_DOWNLOAD = f"{DEVICE_PATH}/media/image/download"
CLIP_DOWNLOAD = f"{DEVICE_PATH}/media/video/download"
WHEP_SESSIONS = f"{DEVICE_PATH}/media/streaming/whep/sessions"
AT = datetime(2026, 2, 14, 22, 57, 16, tzinfo=UTC)
AT_MS = 1771109836000


def _assert_logged_without(
    caplog: pytest.LogCaptureFixture, shown: str, *secrets: str
) -> None:
    """Check the client package logged `shown` and none of the secrets."""
    client_log = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.ring_partner.client")
    )
    assert shown in client_log
    for secret in secrets:
        assert secret not in client_log, secret


def _redirect(status: int, location: str) -> Callable[[], web.Response]:
    """Return a factory for a redirect to `location`."""
    return lambda: web.Response(status=status, headers={"Location": location})


def _history_page(ids: list[str], next_link: str | None) -> dict[str, object]:
    """Build a history page."""
    page: dict[str, object] = {
        "data": [
            {
                "type": "history-events",
                "id": event_id,
                "attributes": {
                    "event_type": "motion",
                    "is_third_party_reviewed": False,
                    "start": AT_MS - index * 1000,
                },
                "relationships": {
                    "source": {"data": {"type": "devices", "id": DEVICE}}
                },
            }
            for index, event_id in enumerate(ids)
        ]
    }
    if next_link is not None:
        page["links"] = {"next": next_link}
    return page


def _serve_history(ring_server: FakeServer, *pages: dict[str, object]) -> None:
    """Answer consecutive history requests with these pages (the last one repeats)."""
    ring_server.reply("GET", HISTORY, *(json_response(page) for page in pages))


async def test_get_user(client: RingPartnerClient, ring_server: FakeServer) -> None:
    """GET /v1/users/me returns the account id as User.id."""
    ring_server.reply(
        "GET",
        "/v1/users/me",
        json_response(
            {
                "data": {
                    "type": "users",
                    "id": "ava1.ring.account.XXXYYY",
                    "attributes": {"first_name": "John", "email": "j@example.com"},
                }
            }
        ),
    )
    user = await client.get_user()
    assert user.id == "ava1.ring.account.XXXYYY"
    assert user.display_name == "John"
    assert client.auth is not None


async def test_confirm_app_integration(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """POST app-integrations sends the nonce (+ identifier) and returns the status."""
    path = "/v1/accounts/me/app-integrations"
    ring_server.reply("POST", path, json_response({"status": "awaiting"}))
    assert await client.confirm_app_integration("n0nce") is IntegrationStatus.AWAITING
    assert (
        await client.confirm_app_integration("n0nce", "u***r@example.com")
        is IntegrationStatus.AWAITING
    )
    assert json.loads(ring_server.requests[0].body) == {"nonce": "n0nce"}
    assert json.loads(ring_server.requests[1].body) == {
        "nonce": "n0nce",
        "account_identifier": "u***r@example.com",
    }
    assert ring_server.requests[0].headers["Content-Type"] == "application/json"


async def test_confirm_app_integration_errors(
    client: RingPartnerClient, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """Invalid Nonce maps to its own error; POST is never retried."""
    path = "/v1/accounts/me/app-integrations"
    ring_server.reply("POST", path, error_response(400, "Invalid Nonce"))
    with pytest.raises(RingPartnerInvalidNonceError):
        await client.confirm_app_integration("bad")
    ring_server.reply("POST", path, error_response(404, "Not Found"))
    with pytest.raises(RingPartnerNotFoundError) as excinfo:
        await client.confirm_app_integration("n")
    assert not isinstance(excinfo.value, RingPartnerDeviceNotFoundError)
    ring_server.reply("POST", path, error_response(500))
    with pytest.raises(RingPartnerServerError):
        await client.confirm_app_integration("n")
    assert ring_server.count("POST", path) == 3
    assert sleeps.delays == []
    ring_server.reply("POST", path, json_response({}))
    with pytest.raises(RingPartnerParseError):
        await client.confirm_app_integration("n")


async def test_update_app_integration(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """PATCH app-integrations sends only the given fields."""
    path = "/v1/accounts/me/app-integrations"
    ring_server.reply(
        "PATCH",
        path,
        json_response(
            {
                "account_identifier": "u***r@partner.example.com",
                "status": "completed",
                "updated_at": "2026-02-03T00:35:00Z",
            }
        ),
    )
    result = await client.update_app_integration(status=IntegrationStatus.COMPLETED)
    assert result.status is IntegrationStatus.COMPLETED
    assert result.account_identifier == "u***r@partner.example.com"
    assert json.loads(ring_server.requests[0].body) == {"status": "completed"}
    await client.update_app_integration(account_identifier="x")
    assert json.loads(ring_server.requests[1].body) == {"account_identifier": "x"}
    with pytest.raises(ValueError, match="needs status"):
        await client.update_app_integration()


async def test_get_devices_one_request(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """All four includes come back from ONE request and are resolved."""
    ring_server.reply(
        "GET",
        "/v1/devices",
        json_response(load_json("client_devices_include_all.json")),
    )
    (device,) = await client.get_devices()
    assert device.status is not None
    assert device.capabilities is not None
    assert device.location is not None
    assert device.configurations is not None
    (request,) = ring_server.requests
    assert request.query == {"include": "status,capabilities,location,configurations"}

    await client.get_devices(include=[])
    assert ring_server.requests[1].query == {}
    await client.get_devices(include=[DeviceInclude.STATUS, DeviceInclude.STATUS])
    assert ring_server.requests[2].query == {"include": "status"}


async def test_get_device_and_subresources(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """Single device and its four sub-resources."""
    recorded = load_json("client_devices_include_all.json")
    single = {"data": recorded["data"][0], "included": recorded["included"]}
    device_id = recorded["data"][0]["id"]
    path = f"/v1/devices/{device_id}"
    ring_server.reply("GET", path, json_response(single))
    by_type = {item["type"]: item for item in recorded["included"]}
    for name, res_type in (
        ("status", "device-status"),
        ("capabilities", "device-capabilities"),
        ("location", "locations"),
        ("configurations", "device-configurations"),
    ):
        ring_server.reply(
            "GET",
            f"{path}/{name}",
            json_response({"meta": {"time": "x"}, "data": by_type[res_type]}),
        )
    device = await client.get_device(device_id, include=[DeviceInclude.CAPABILITIES])
    assert device.id == device_id
    assert ring_server.requests[0].query == {"include": "capabilities"}


async def test_removed_device_404(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """A removed device answers 404 on its endpoints (docs/ring-api.md#device-endpoints)."""
    with pytest.raises(RingPartnerDeviceNotFoundError):
        await client.get_device("gone")
    with pytest.raises(RingPartnerDeviceNotFoundError):
        await anext(client.history_events("gone"))


async def test_history_follows_relative_next(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """Pages chain through relative links.next until an empty page."""
    pages = {
        None: _history_page(["e1", "e2"], f"{HISTORY}?page[key]=2025-07-06T11:11:00Z"),
        "2025-07-06T11:11:00Z": _history_page(
            ["e3"], f"{HISTORY}?page%5Bkey%5D=2025-07-05T00:00:00Z&event_types=motion"
        ),
        "2025-07-05T00:00:00Z": _history_page([], f"{HISTORY}?page[key]=2025-01-01"),
    }

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(pages[request.query.get("page[key]")])

    ring_server.route("GET", HISTORY, handler)
    events = [e async for e in client.history_events(DEVICE, event_types=["motion"])]
    assert [e.id for e in events] == ["e1", "e2", "e3"]
    assert events[0].event_type is HistoryEventType.MOTION
    assert events[0].device_id == DEVICE
    assert [r.query for r in ring_server.requests] == [
        {"event_types": "motion"},
        {"page[key]": "2025-07-06T11:11:00Z", "event_types": "motion"},
        {"page[key]": "2025-07-05T00:00:00Z", "event_types": "motion"},
    ]


async def test_history_stops_without_next(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """A page without links.next is the last; max_pages caps the walk."""
    _serve_history(ring_server, _history_page(["e1"], None))
    assert [e.id async for e in client.history_events(DEVICE)] == ["e1"]
    assert ring_server.requests[0].query == {}
    _serve_history(ring_server, _history_page(["e1"], f"{HISTORY}?page[key]=a"))
    events = [e async for e in client.history_events(DEVICE, max_pages=1)]
    assert len(events) == 1
    assert ring_server.count("GET", HISTORY) == 2


async def test_history_dotted_filters(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """Dotted subtype filters are comma-joined; dropped filters are re-added."""
    _serve_history(
        ring_server, _history_page(["e1"], f"{HISTORY}?page[key]=k1"), {"data": []}
    )
    events = [
        e
        async for e in client.history_events(
            DEVICE, event_types=["motion.human", "ding"]
        )
    ]
    assert [e.id for e in events] == ["e1"]
    assert ring_server.requests[0].query == {"event_types": "motion.human,ding"}
    assert ring_server.requests[1].query == {
        "page[key]": "k1",
        "event_types": "motion.human,ding",
    }


async def test_history_refuses_cursor_loop(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """The same next link twice stops the walk instead of looping forever."""
    looping = f"{HISTORY}?page[key]=same"
    _serve_history(ring_server, _history_page(["e1"], looping))
    events = [e async for e in client.history_events(DEVICE)]
    assert len(events) == 2
    assert ring_server.count("GET", HISTORY) == 2


async def test_history_refuses_foreign_next(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """An absolute next link to another origin is never followed with the bearer."""
    _serve_history(ring_server, _history_page(["e1"], "http://127.0.0.2:1/v1/history"))
    with pytest.raises(RingPartnerParseError):
        _ = [e async for e in client.history_events(DEVICE)]


async def test_history_empty_first_page(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """Docs show links.next even on an empty page: stop on empty data."""
    _serve_history(ring_server, {"data": [], "links": {"next": HISTORY}})
    assert [e async for e in client.history_events(DEVICE)] == []
    assert ring_server.count("GET", HISTORY) == 1


async def test_download_image_two_step(
    client: RingPartnerClient,
    ring_server: FakeServer,
    media_server: FakeServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """POST → 303 → GET the presigned URL on another origin WITHOUT Authorization."""
    presigned = f"{media_server.url}/v1/download?security_token=s3cret&req_id=r"
    ring_server.reply(
        "POST",
        IMAGE_DOWNLOAD,
        lambda: web.Response(
            status=303, headers={"Location": presigned, "X-Request-ID": "req-1"}
        ),
    )
    media_server.reply(
        "GET",
        "/v1/download",
        lambda: web.Response(
            body=b"\xff\xd8jpeg",
            headers={
                "Content-Type": "image/jpeg",
                "X-Request-ID": "req-1",
                "X-Media-Timestamp": str(AT_MS),
                "X-Media-Origin": "recording",
            },
        ),
    )
    image = await client.download_image(
        DEVICE, at=AT, image_format=ImageFormat.JPEG, width=640, height=360
    )
    assert image.content == b"\xff\xd8jpeg"
    assert image.content_type == "image/jpeg"
    assert image.captured_at == AT
    assert image.origin is MediaOrigin.RECORDING
    assert image.request_id == "req-1"
    (post,) = ring_server.requests
    assert post.headers["Authorization"] == "Bearer access-1"
    assert json.loads(post.body) == {
        "type": "at_timestamp",
        "timestamp": AT_MS,
        "image_options": {
            "format": "jpeg",
            "resolution": {"width": 640, "height": 360},
        },
    }
    (get,) = media_server.requests
    assert "Authorization" not in get.headers
    assert get.query["security_token"] == "s3cret"
    _assert_logged_without(
        caplog, "GET <127.0.0.1> -> 200", "s3cret", "access-1", "/v1/download"
    )


async def test_download_image_latest_in_range(
    client: RingPartnerClient, ring_server: FakeServer, media_server: FakeServer
) -> None:
    """latest_in_range sends start/end; a snapshot origin and PNG come back."""
    ring_server.reply(
        "POST",
        IMAGE_DOWNLOAD,
        _redirect(303, f"{media_server.url}/i"),
    )
    media_server.reply(
        "GET",
        "/i",
        lambda: web.Response(
            body=b"png",
            headers={"Content-Type": "image/png", "X-Media-Origin": "snapshot"},
        ),
    )
    image = await client.download_image(
        DEVICE, start=AT - timedelta(hours=1), end=AT.replace(tzinfo=None)
    )
    assert image.origin is MediaOrigin.SNAPSHOT
    assert image.content_type == "image/png"
    assert image.captured_at is None
    assert json.loads(ring_server.requests[0].body) == {
        "type": "latest_in_range",
        "start_timestamp": AT_MS - 3_600_000,
        "end_timestamp": AT_MS,
    }


async def test_download_image_arguments(client: RingPartnerClient) -> None:
    """Exactly one of at/start; end only with start."""
    with pytest.raises(ValueError, match="exactly one"):
        await client.download_image(DEVICE)
    with pytest.raises(ValueError, match="excludes"):
        await client.download_image(DEVICE, at=AT, start=AT)
    with pytest.raises(ValueError, match="excludes"):
        await client.download_image(DEVICE, at=AT, end=AT)


async def test_download_image_errors(
    client: RingPartnerClient,
    ring_server: FakeServer,
    media_server: FakeServer,
    sleeps: SleepRecorder,
) -> None:
    """Step-2 errors map; SERVER_BUSY on the POST is retried; size cap; bad 303."""
    ring_server.reply(
        "POST",
        IMAGE_DOWNLOAD,
        error_response(503, code="SERVER_BUSY"),
        _redirect(303, f"{media_server.url}/i"),
    )
    media_server.reply("GET", "/i", error_response(416, code="MEDIA_NOT_FOUND"))
    with pytest.raises(RingPartnerMediaNotFoundError):
        await client.download_image(DEVICE, at=AT)
    assert sleeps.delays == [1.0]

    media_server.reply("GET", "/i", lambda: web.Response(body=b"x" * 5000))
    with pytest.raises(RingPartnerMediaTooLargeError):
        await client.download_image(DEVICE, at=AT, max_bytes=1000)

    ring_server.reply("POST", IMAGE_DOWNLOAD, lambda: web.Response(status=303))
    with pytest.raises(RingPartnerParseError):
        await client.download_image(DEVICE, at=AT)

    ring_server.reply("POST", IMAGE_DOWNLOAD, lambda: web.Response(status=204))
    with pytest.raises(RingPartnerParseError):
        await client.download_image(DEVICE, at=AT)


async def test_download_clip(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """200 full clip with options in the body."""
    ring_server.reply(
        "POST",
        CLIP_DOWNLOAD,
        lambda: web.Response(
            body=b"mp4",
            headers={"Content-Type": "video/mp4", "X-Media-Timestamp": str(AT_MS)},
        ),
    )
    clip = await client.download_clip(
        DEVICE,
        start=AT,
        duration=timedelta(seconds=5),
        codec=VideoCodec.AVC,
        frame_rate=5,
        width=1080,
        height=720,
        audio=True,
    )
    assert clip.content == b"mp4"
    assert not clip.partial
    assert clip.started_at == AT
    assert clip.length is None
    assert json.loads(ring_server.requests[0].body) == {
        "timestamp": AT_MS,
        "duration": 5000,
        "video_options": {
            "codec": "avc",
            "frame_rate": 5,
            "resolution": {"width": 1080, "height": 720},
        },
        "audio_options": {"audio_enabled": True},
    }


@pytest.mark.parametrize("header", ["X-Media-Length", "X-Media-Duration"])
async def test_download_clip_partial(
    client: RingPartnerClient, ring_server: FakeServer, header: str
) -> None:
    """206 partial clips report their actual length from either header name."""
    ring_server.reply(
        "POST",
        CLIP_DOWNLOAD,
        lambda: web.Response(
            status=206,
            body=b"part",
            headers={"Content-Type": "video/mp4", header: "2500"},
        ),
    )
    clip = await client.download_clip(DEVICE, start=AT, duration=timedelta(seconds=5))
    assert clip.partial
    assert clip.length == timedelta(milliseconds=2500)
    assert json.loads(ring_server.requests[0].body) == {
        "timestamp": AT_MS,
        "duration": 5000,
    }


async def test_download_clip_301(
    client: RingPartnerClient, ring_server: FakeServer, media_server: FakeServer
) -> None:
    """A 301 is followed; the bearer is not sent to another host."""
    ring_server.reply(
        "POST",
        CLIP_DOWNLOAD,
        _redirect(301, f"{media_server.url}/c"),
    )
    media_server.reply(
        "GET", "/c", lambda: web.Response(body=b"mp4", content_type="video/mp4")
    )
    clip = await client.download_clip(DEVICE, start=AT, duration=timedelta(seconds=1))
    assert clip.content == b"mp4"
    assert "Authorization" not in media_server.requests[0].headers


async def test_download_clip_same_origin_redirect(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """A relative 301 stays on the API origin and keeps the bearer."""
    ring_server.reply(
        "POST",
        CLIP_DOWNLOAD,
        _redirect(301, "/moved"),
    )
    ring_server.reply("GET", "/moved", lambda: web.Response(body=b"mp4"))
    clip = await client.download_clip(DEVICE, start=AT, duration=timedelta(seconds=1))
    assert clip.content_type == "application/octet-stream"
    assert ring_server.requests[1].headers["Authorization"] == "Bearer access-1"


async def test_download_clip_errors(
    client: RingPartnerClient, ring_server: FakeServer
) -> None:
    """416 TIMESTAMP_NOT_FOUND; duration bounds; redirect loops."""
    ring_server.reply(
        "POST", CLIP_DOWNLOAD, error_response(416, code="TIMESTAMP_NOT_FOUND")
    )
    with pytest.raises(RingPartnerMediaNotFoundError):
        await client.download_clip(DEVICE, start=AT, duration=timedelta(seconds=1))
    with pytest.raises(ValueError, match="duration"):
        await client.download_clip(DEVICE, start=AT, duration=timedelta(minutes=16))
    with pytest.raises(ValueError, match="duration"):
        await client.download_clip(DEVICE, start=AT, duration=timedelta(0))
    ring_server.reply("POST", CLIP_DOWNLOAD, _redirect(301, "/loop"))
    ring_server.reply("GET", "/loop", _redirect(301, "/loop"))
    with pytest.raises(RingPartnerParseError):
        await client.download_clip(DEVICE, start=AT, duration=timedelta(seconds=1))


async def test_whep_create_and_delete(
    client: RingPartnerClient, ring_server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """201 + SDP answer + absolute Location; DELETE on that URL; 404 = gone."""
    location = f"{ring_server.url}{WHEP_SESSIONS}/opaque-session"
    ring_server.reply(
        "POST",
        WHEP_SESSIONS,
        lambda: web.Response(
            status=201,
            text="v=0\r\nanswer",
            content_type="application/sdp",
            headers={"Location": location},
        ),
    )
    ring_server.reply(
        "DELETE", f"{WHEP_SESSIONS}/opaque-session", web.Response(status=204)
    )
    offer = "v=0\r\na=recvonly\r\n"
    session = await client.create_whep_session(DEVICE, offer, component_id=2)
    assert session == WhepSession(
        device_id=DEVICE, url=location, answer_sdp="v=0\r\nanswer"
    )
    post = ring_server.requests[0]
    assert post.body == offer.encode()
    assert post.headers["Content-Type"] == "application/sdp"
    assert post.query == {"component_id": "2"}
    await client.delete_whep_session(session)
    assert ring_server.requests[1].method == "DELETE"
    assert ring_server.requests[1].headers["Authorization"] == "Bearer access-1"
    ring_server.reply(
        "DELETE", f"{WHEP_SESSIONS}/opaque-session", error_response(404, "Not Found")
    )
    await client.delete_whep_session(session)
    _assert_logged_without(caplog, "DELETE", "access-1", "answer", "recvonly")


async def test_whep_errors(
    client: RingPartnerClient, ring_server: FakeServer, sleeps: SleepRecorder
) -> None:
    """Offline device → 503 (not retried, POST); missing Location → parse error."""
    ring_server.reply(
        "POST",
        WHEP_SESSIONS,
        error_response(503, "Device Unavailable", detail="Device is currently offline"),
    )
    with pytest.raises(RingPartnerUnavailableError):
        await client.create_whep_session(DEVICE, "v=0")
    assert sleeps.delays == []
    ring_server.reply(
        "POST", WHEP_SESSIONS, lambda: web.Response(status=201, text="v=0")
    )
    with pytest.raises(RingPartnerParseError):
        await client.create_whep_session(DEVICE, "v=0")
    ring_server.reply(
        "POST",
        WHEP_SESSIONS,
        lambda: web.Response(status=201, body=b"\xff", headers={"Location": "/s/1"}),
    )
    with pytest.raises(RingPartnerParseError):
        await client.create_whep_session(DEVICE, "v=0")


async def test_relative_whep_location(
    client: RingPartnerClient, ring_server: FakeServer, auth: FakeAuth
) -> None:
    """A relative Location is made absolute against the API origin."""
    ring_server.reply(
        "POST",
        WHEP_SESSIONS,
        lambda: web.Response(status=201, text="v=0", headers={"Location": "/s/1"}),
    )
    session = await client.create_whep_session(DEVICE, "v=0")
    assert session.url == f"{ring_server.url}/s/1"

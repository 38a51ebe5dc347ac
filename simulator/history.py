"""Event history `GET /v1/history/devices/{device_id}/events` (docs/ring-api.md#event-history).

Newest first by `start`; only events starting at or after the consent instant. `event_types`
is a comma list, OR-combined; `motion.human` matches type and subtype (the subtype itself is
never returned). Pages hold `history_page_size` items (docs/ambiguities.md#history-paging-and-time-filters: page size is not documented;
default 10), extended so that events sharing the last item's start stay on one page. The
cursor `page[key]` is the ISO timestamp (ms) of the last item's start; the next page holds
strictly older events. `links.next` is relative, keeps `event_types` (as the docs say) and is
absent on the last page; an empty result is a bare `{"data": []}`.
"""

from typing import Any

from aiohttp import web

from simulator.errors import bad_request
from simulator.ids import iso_millis, parse_iso_ms
from simulator.models import EVENT_TYPES, MOTION_SUBTYPES, HistoryEvent
from simulator.state import get_state

VALID_FILTERS = frozenset(
    [*EVENT_TYPES, *(f"motion.{subtype}" for subtype in MOTION_SUBTYPES)]
)


def parse_filters(raw: str | None) -> list[str] | None:
    """Return the `event_types` filters, None for no filter; 400 for unknown values."""
    if raw is None:
        return None
    filters = [item.strip() for item in raw.split(",") if item.strip()]
    if not filters:
        return None
    if unknown := [item for item in filters if item not in VALID_FILTERS]:
        raise bad_request(f"Invalid event_types: {', '.join(unknown)}")
    return filters


def matches(event: HistoryEvent, filters: list[str] | None) -> bool:
    """Return True if the event passes one of the filters."""
    if filters is None:
        return True
    for item in filters:
        event_type, _, subtype = item.partition(".")
        if event.event_type == event_type and (not subtype or event.subtype == subtype):
            return True
    return False


def event_resource(event: HistoryEvent) -> dict[str, Any]:
    """Return one `history-events` item, shaped like the recorded fixture."""
    return {
        "type": "history-events",
        "id": event.id,
        "attributes": {
            "end": event.end_ms,
            "start": event.start_ms,
            "event_type": event.event_type,
            "is_third_party_reviewed": event.reviewed,
        },
        "relationships": {
            "cv_detections": {"data": []},
            "source": {"data": {"type": "devices", "id": event.device_id}},
        },
        "meta": {"riid": None},
    }


async def list_events(request: web.Request) -> web.Response:
    """Serve one page of a device's event history."""
    state = get_state(request)
    account = state.authenticate(request)
    device = state.device_for(account, request.match_info["device_id"])
    filters = parse_filters(request.query.get("event_types"))
    before: int | None = None
    if (key := request.query.get("page[key]")) is not None:
        try:
            before = parse_iso_ms(key)
        except ValueError as err:
            raise bad_request("Invalid timestamp format") from err
    consent = state.consent_time(account) or 0
    events = [
        event
        for event in state.history(device)
        if event.start_ms >= consent
        and matches(event, filters)
        and (before is None or event.start_ms < before)
    ]
    size = max(1, state.config.history_page_size)
    page = events[:size]
    while len(page) < len(events) and events[len(page)].start_ms == page[-1].start_ms:
        page.append(events[len(page)])
    body: dict[str, Any] = {"data": [event_resource(event) for event in page]}
    if len(page) < len(events):
        query = f"event_types={','.join(filters)}&" if filters is not None else ""
        cursor = iso_millis(page[-1].start_ms)
        body["links"] = {
            "next": f"/v1/history/devices/{device.id}/events?{query}page[key]={cursor}"
        }
    return web.json_response(body)


def setup(app: web.Application) -> None:
    """Register the history route."""
    app.router.add_get("/v1/history/devices/{device_id}/events", list_events)

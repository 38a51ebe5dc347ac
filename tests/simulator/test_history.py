"""Event history: recorded shape, order, pagination, filters, consent, reviewed flag."""

import aiohttp

from simulator import Simulator
from simulator.ids import ManualClock, iso_millis
from simulator.scenario import BACKYARD_ID, FRONT_DOOR_ID, GARAGE_ID

from .helpers import api, control, link_account, load_fixture, shape

EVENTS = f"/v1/history/devices/{FRONT_DOOR_ID}/events"


async def _events(
    session: aiohttp.ClientSession,
    sim: Simulator,
    clock: ManualClock,
    actions: list[str],
) -> list[str]:
    """Run device actions one second apart; return the event ids."""
    ids = []
    for action in actions:
        clock.advance(1)
        kind, _, subtype = action.partition(".")
        body = {"subtype": subtype} if subtype else None
        ids.append(
            (await control(session, sim, f"/devices/{FRONT_DOOR_ID}/{kind}", body))[
                "event_id"
            ]
        )
    return ids


async def test_history_matches_recording(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock, token: str
) -> None:
    """Items have the recorded structure; subtype is not in the attributes."""
    await _events(session, sim, clock, ["motion.human", "ding"])
    body = await api(session, sim, EVENTS, token)
    recorded = load_fixture("history-on-demand.json")
    assert shape(body) == shape(recorded)
    item = body["data"][0]
    assert set(item["attributes"]) == {
        "start",
        "end",
        "event_type",
        "is_third_party_reviewed",
    }
    assert item["relationships"]["source"]["data"] == {
        "type": "devices",
        "id": FRONT_DOOR_ID,
    }
    assert item["meta"] == {"riid": None}
    assert item["attributes"]["end"] - item["attributes"]["start"] == 20_000


async def test_consent_gating_and_order(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Past (pre-consent) events are never returned; newest first."""
    before = [e.id for e in sim.state.history(sim.state.devices[FRONT_DOOR_ID])]
    assert len(before) == 2  # the default scenario's past events
    token = (await link_account(session, sim))["access_token"]
    assert await api(session, sim, EVENTS, token) == {"data": []}
    ids = await _events(session, sim, clock, ["motion.human", "ding", "motion.vehicle"])
    body = await api(session, sim, EVENTS, token)
    assert [item["id"] for item in body["data"]] == ids[::-1]
    assert "links" not in body
    starts = [item["attributes"]["start"] for item in body["data"]]
    assert starts == sorted(starts, reverse=True)
    assert not set(before) & {item["id"] for item in body["data"]}


async def test_pagination(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Relative links.next with an ISO page[key]; none on the last page; filters kept."""
    sim.config.history_page_size = 3
    token = (await link_account(session, sim))["access_token"]
    ids = await _events(session, sim, clock, ["motion.human"] * 4 + ["ding"] * 3)
    seen: list[str] = []
    path: str | None = EVENTS
    pages = 0
    while path:
        body = await api(session, sim, path, token)
        seen += [item["id"] for item in body["data"]]
        path = body.get("links", {}).get("next")
        if path:
            assert path.startswith(f"{EVENTS}?page[key]=")
            last = body["data"][-1]["attributes"]["start"]
            assert path.endswith(iso_millis(last))
        pages += 1
    assert pages == 3
    assert seen == ids[::-1]
    body = await api(session, sim, f"{EVENTS}?event_types=motion.human", token)
    assert body["links"]["next"].startswith(
        f"{EVENTS}?event_types=motion.human&page[key]="
    )
    second = await api(session, sim, body["links"]["next"], token)
    assert [i["id"] for i in body["data"] + second["data"]] == ids[:4][::-1]
    await api(session, sim, f"{EVENTS}?page[key]=not-a-time", token, expect=400)


async def test_same_start_stays_on_one_page(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Events sharing a start time are not split across pages (no item lost)."""
    sim.config.history_page_size = 2
    token = (await link_account(session, sim))["access_token"]
    clock.advance(1)
    for _ in range(3):
        await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    body = await api(session, sim, EVENTS, token)
    assert len(body["data"]) == 3
    assert "links" not in body


async def test_filters(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock, token: str
) -> None:
    """Plain and dotted filters, OR-combined; unknown filters are a 400."""
    human, ding, vehicle, other = await _events(
        session,
        sim,
        clock,
        ["motion.human", "ding", "motion.vehicle", "motion.other_motion"],
    )

    async def ids(filters: str) -> list[str]:
        body = await api(session, sim, f"{EVENTS}?event_types={filters}", token)
        return [item["id"] for item in body["data"]]

    assert await ids("ding") == [ding]
    assert await ids("motion") == [other, vehicle, human]
    assert await ids("motion.human") == [human]
    assert await ids("motion.vehicle,ding") == [vehicle, ding]
    assert await ids("on_demand") == []
    assert await ids("motion.animal") == []
    body = await api(session, sim, f"{EVENTS}?event_types=explosion", token, expect=400)
    assert body["errors"][0]["status"] == "400"


async def test_reviewed_flag(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock, token: str
) -> None:
    """`is_third_party_reviewed` flips when the media side marks the event reviewed."""
    (event_id,) = await _events(session, sim, clock, ["ding"])
    body = await api(session, sim, EVENTS, token)
    assert body["data"][0]["attributes"]["is_third_party_reviewed"] is False
    sim.state.mark_reviewed(event_id)
    body = await api(session, sim, EVENTS, token)
    assert body["data"][0]["attributes"]["is_third_party_reviewed"] is True
    device = sim.state.devices[FRONT_DOOR_ID]
    (recording,) = [r for r in sim.state.recordings(device) if r.event_id == event_id]
    clock.advance(1)
    (second,) = await _events(session, sim, clock, ["motion.human"])
    sim.state.mark_reviewed_range(
        device, recording.start_ms + 2000, recording.start_ms + 2500
    )
    assert sim.state.event(second) is not None
    assert sim.state.event(second).reviewed is True  # type: ignore[union-attr]


async def test_recordings_from_events(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Motion and ding create a 20 s recording at the event time; offline devices refuse."""
    await link_account(session, sim)
    clock.advance(5)
    result = await control(
        session, sim, f"/devices/{BACKYARD_ID}/motion", {"subtype": "human"}
    )
    recordings = sim.state.recordings(sim.state.devices[BACKYARD_ID])
    assert recordings[-1] == (
        result["timestamp"],
        result["timestamp"] + 20_000,
        result["event_id"],
    )
    await control(session, sim, f"/devices/{GARAGE_ID}/motion", {}, expect=409)
    await control(session, sim, f"/devices/{BACKYARD_ID}/ding", expect=409)

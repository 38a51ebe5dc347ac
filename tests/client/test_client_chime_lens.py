"""The client's chime playback and lens-aware media against the simulator, over real HTTP."""

from datetime import UTC, datetime, timedelta
import io
from typing import Any

import aiohttp
from PIL import Image
import pytest

from custom_components.ring_partner.client import (
    ChimeSlot,
    RingPartnerBadRequestError,
    RingPartnerClient,
    RingPartnerDeviceNotFoundError,
    RingPartnerForbiddenError,
    RingPartnerOutOfScopeError,
    RingPartnerUnavailableError,
)
from simulator import Simulator, SimulatorConfig
from simulator.media.frames import LENS_COLOURS, lens_marker_box
from simulator.scenario import BACKYARD_ID, CHIME_ID, TWO_LENS_ID, Scenario
from tests.conftest import SimControl, make_sim_config

from .conftest import FakeServer
from .sim_support import playground_client

pytestmark = pytest.mark.usefixtures("socket_enabled")

PLAYBACK = f"/v1/devices/{CHIME_ID}/media/audio/playback"


@pytest.fixture
def simulator_config(ring_server: FakeServer) -> SimulatorConfig:
    """Run the `everything` scenario (a two-lens camera among them)."""
    return make_sim_config(
        token_exchange_url=f"{ring_server.url}/ring/token-exchange",
        account_link_url=f"{ring_server.url}/ring/link",
        time_scale=0.01,
        recording_not_ready_s=0.0,
        scenario=Scenario.everything(),
    )


async def _slot(client: RingPartnerClient, index: int = 0) -> ChimeSlot:
    """Return one of the chime's slots as the client reads them."""
    return (await client.get_device(CHIME_ID)).chime_slots[index]


async def _playbacks(sim_control: SimControl) -> list[dict[str, Any]]:
    """Return the playback requests the simulator saw, with their bodies."""
    return [
        entry
        for entry in await sim_control.requests()
        if entry["path"] == PLAYBACK and entry["method"] == "POST"
    ]


async def _plays(sim_control: SimControl) -> list[dict[str, Any]]:
    """Return the plays the simulator accepted."""
    result: list[dict[str, Any]] = await sim_control.call("GET", "chime/plays")
    return result


@pytest.mark.parametrize(
    ("mode", "requests", "reading"),
    [("either", 1, "audio_ref"), ("audio_ref", 1, "audio_ref"), ("event", 2, "event")],
)
async def test_playback_body_readings(
    linked: RingPartnerClient,
    sim_control: SimControl,
    *,
    mode: str,
    requests: int,
    reading: str,
) -> None:
    """`audio_ref` goes first; a 400 Validation Error tries `event` once."""
    await sim_control.configure(chime_playback_body=mode)
    slot = await _slot(linked)
    await sim_control.clear_requests()
    await linked.play_chime(CHIME_ID, slot)
    assert len(await _playbacks(sim_control)) == requests
    (play,) = await _plays(sim_control)
    assert (play["reading"], play["event"]) == (reading, "ring-appstore-event-1")


async def test_playback_json_answer(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """A 200 JSON answer is a success too."""
    await sim_control.configure(chime_playback_response="json")
    await linked.play_chime(CHIME_ID, await _slot(linked))
    assert len(await _plays(sim_control)) == 1


async def test_playback_both_readings_refused(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """A slot Ring cannot play: two requests (one per reading), then the 400."""
    slot = ChimeSlot(event="ring-appstore-event-2", audio_ref="not-assigned")
    await sim_control.clear_requests()
    with pytest.raises(RingPartnerBadRequestError) as err:
        await linked.play_chime(CHIME_ID, slot)
    assert err.value.title == "Validation Error"
    assert len(await _playbacks(sim_control)) == 2
    assert await _plays(sim_control) == []


async def test_playback_event_only_slot(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """A slot without audio_ref sends the event reading alone; nothing at all is refused."""
    await sim_control.clear_requests()
    await linked.play_chime(CHIME_ID, ChimeSlot(event="ring-appstore-event-1"))
    (request,) = await _playbacks(sim_control)
    (play,) = await _plays(sim_control)
    assert play["reading"] == "event"
    assert request["method"] == "POST"
    with pytest.raises(ValueError, match="neither"):
        await linked.play_chime(CHIME_ID, ChimeSlot(event=None))


async def test_playback_missing_scope_is_not_retried(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """403 Out of Scope Access (no Chime Controls): one request, a specific error."""
    slot = await _slot(linked)
    await sim_control.configure(chime_control_granted=False)
    await sim_control.clear_requests()
    with pytest.raises(RingPartnerOutOfScopeError) as err:
        await linked.play_chime(CHIME_ID, slot)
    assert isinstance(err.value, RingPartnerForbiddenError)
    assert err.value.status == 403
    assert len(await _playbacks(sim_control)) == 1


async def test_playback_read_only_token(
    session: aiohttp.ClientSession, simulator: Simulator, sim_control: SimControl
) -> None:
    """A Playground token (read-only) gets the same scope error."""
    client = await playground_client(session, simulator, sim_control)
    with pytest.raises(RingPartnerOutOfScopeError):
        await client.play_chime(CHIME_ID, ChimeSlot(event="ring-appstore-event-1"))


async def test_playback_other_errors(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """No capability 400 (both readings tried), unknown device 404, offline chime 503 once."""
    slot = await _slot(linked)
    with pytest.raises(RingPartnerBadRequestError):
        await linked.play_chime(BACKYARD_ID, slot)
    with pytest.raises(RingPartnerDeviceNotFoundError):
        await linked.play_chime("ava1.ring.device.NOPE", slot)
    await sim_control.call("POST", f"devices/{CHIME_ID}/offline")
    await sim_control.clear_requests()
    with pytest.raises(RingPartnerUnavailableError):
        await linked.play_chime(CHIME_ID, slot)
    assert len(await _playbacks(sim_control)) == 1
    assert await _plays(sim_control) == []


async def test_playback_server_error_not_repeated(
    linked: RingPartnerClient, sim_control: SimControl
) -> None:
    """A 500 on the POST that plays a sound is not repeated (it may have played)."""
    slot = await _slot(linked)
    await sim_control.fault(path="/media/audio/playback", status=500, count=5)
    await sim_control.clear_requests()
    with pytest.raises(Exception, match="500"):
        await linked.play_chime(CHIME_ID, slot)
    assert len(await _playbacks(sim_control)) == 1


def _lens_of(jpeg: bytes) -> int:
    """Return the lens whose marker colour a frame carries."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    left, top, right, bottom = lens_marker_box(*image.size)
    rgb = image.getpixel(((left + right) // 2, (top + bottom) // 2))
    assert isinstance(rgb, tuple)
    distances = [
        sum(abs(a - b) for a, b in zip(rgb, colour, strict=True))
        for colour in LENS_COLOURS
    ]
    return distances.index(min(distances))


@pytest.mark.parametrize("id_type", ["string", "integer"])
async def test_lens_images_and_clips(
    linked: RingPartnerClient, sim_control: SimControl, id_type: str
) -> None:
    """Image and clip downloads name the lens in `components`; each lens's frame differs."""
    await sim_control.configure(component_id_type=id_type)
    motion = await sim_control.call("POST", f"devices/{TWO_LENS_ID}/motion")
    await sim_control.sim.state.webhooks.drain()
    device = await linked.get_device(TWO_LENS_ID)
    first, second = device.components
    at = datetime.fromtimestamp(motion["timestamp"] / 1000, tz=UTC)
    await sim_control.clear_requests()
    main = await linked.download_event_image(TWO_LENS_ID, at, not_ready_delays=())
    lens_two = await linked.download_event_image(
        TWO_LENS_ID, at, not_ready_delays=(), component_id=second
    )
    lens_one = await linked.download_image(TWO_LENS_ID, start=at, component_id=first)
    assert (_lens_of(main.content), _lens_of(lens_one.content)) == (0, 0)
    assert _lens_of(lens_two.content) == 1
    clip = await linked.download_clip(
        TWO_LENS_ID, start=at, duration=timedelta(seconds=2), component_id=second
    )
    assert clip.content
    # The lens travels in the body, never as a query parameter.
    posts = [
        entry
        for entry in await sim_control.requests()
        if entry["method"] == "POST" and "/media/" in entry["path"]
    ]
    assert len(posts) == 4
    assert all("component_id" not in entry["query"] for entry in posts)
    with pytest.raises(RingPartnerBadRequestError):
        await linked.download_image(TWO_LENS_ID, start=at, component_id="9")

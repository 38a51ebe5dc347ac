"""Chime audio playback (Early Access): `POST /v1/devices/{device_id}/media/audio/playback`.

Known only from Ring's knowledge base and third parties: it plays
audio already assigned to one of the app's `customizable_slots`, needs the "Chime Controls"
scope, and answers `400 Validation Error` on devices without the capability. Choices:

- Body: one client sends `{"audio_ref": "<ref>"}` (wrapped as
  `{"data": {"type": "audio", "attributes": {"audio_ref": ...}}}`), one emulator
  `{"event": "ring-appstore-event-1"}`. `chime_playback_body` picks the reading that is right
  (`either` by default, or only `audio_ref`, or only `event`); the other, an unknown or
  unassigned slot, or a malformed body answers `400 {"title": "Validation Error", "detail":
  "The request contains invalid input."}` as the docs quote. Both flat and wrapped bodies
  are read.
- Checks, in order: bearer (401), integration active (403), scope (403 `Out of Scope
  Access`: tokens whose every scope is read-only, such as the Playground's `ava.v1:read`, or
  any token while `chime_control_granted` is off), device (404), capability (400), body
  (400), device offline (503 `Device Unavailable`).
- Success: 204 (`chime_playback_response: no_content`, as the emulator answers) or 200 with
  `{"data": {"type": "audio-playback", "attributes": {"status": "playing", ...}}}` (`json`,
  what one client reads). Every accepted play is recorded (`GET /_sim/chime/plays`).
"""

import json
from typing import Any, Final

from aiohttp import web

from simulator.errors import JsonApiError
from simulator.ids import iso_seconds
from simulator.models import ChimeSlot, Device
from simulator.state import SimState, get_state
from simulator.tokens import AccessToken

PLAYBACK_PATH: Final = "/v1/devices/{device_id}/media/audio/playback"
READINGS: Final = ("audio_ref", "event")


def validation_error() -> JsonApiError:
    """Return the generic 400 Ring answers for invalid input (seen by third parties)."""
    return JsonApiError(400, "Validation Error", "The request contains invalid input.")


def has_chime_scope(state: SimState, grant: AccessToken) -> bool:
    """Return True when the token may control chimes (not read-only, scope granted)."""
    scopes = grant.scope.split()
    read_only = grant.playground or all(scope.endswith(":read") for scope in scopes)
    return state.config.chime_control_granted and not read_only


async def _body(request: web.Request) -> dict[str, Any]:
    """Return the playback attributes (flat or JSON:API-wrapped); 400 when malformed."""
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        raise validation_error() from None
    if not isinstance(body, dict):
        raise validation_error()
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
        return dict(data["attributes"])
    return body


def _slot(
    state: SimState, device: Device, body: dict[str, Any]
) -> tuple[ChimeSlot, str]:
    """Return the assigned slot the body names and the reading(s) used; else 400."""
    mode = state.config.chime_playback_body
    allowed = READINGS if mode == "either" else (mode,)
    named = {key: body[key] for key in READINGS if body.get(key) is not None}
    if not named or any(
        key not in allowed or not isinstance(value, str) for key, value in named.items()
    ):
        raise validation_error()
    candidates = [
        slot
        for slot in device.slots
        if all(getattr(slot, key) == value for key, value in named.items())
    ]
    if len(candidates) != 1 or candidates[0].disabled:
        raise validation_error()
    return candidates[0], ",".join(named)


async def play(request: web.Request) -> web.Response:
    """Play an assigned slot on a chime."""
    state = get_state(request)
    account = state.authenticate(request)
    grant = state.bearer_grant(request)
    if grant is None or not has_chime_scope(state, grant):
        raise JsonApiError(
            403, "Out of Scope Access", "Token scope does not include Chime Controls"
        )
    device = state.device_for(account, request.match_info["device_id"])
    if not device.is_chime:
        raise validation_error()
    slot, reading = _slot(state, device, await _body(request))
    if not device.online:
        raise JsonApiError(503, "Device Unavailable", "Device is currently offline")
    play_id = state.ids.uuid()
    now = state.now_ms()
    state.chime_plays.append(
        {
            "id": play_id,
            "device_id": device.id,
            "account_id": account.id,
            "event": slot.event,
            "audio_ref": slot.audio_ref,
            "reading": reading,
            "time": now,
        }
    )
    if state.config.chime_playback_response == "no_content":
        return web.Response(status=204)
    return web.json_response(
        {
            "data": {
                "type": "audio-playback",
                "id": play_id,
                "attributes": {
                    "status": "playing",
                    "event": slot.event,
                    "audio_ref": slot.audio_ref,
                    "started_at": iso_seconds(now),
                },
            },
            "meta": state.meta(),
        }
    )


def assign_slot(device: Device, event: object, audio_name: object) -> ChimeSlot:
    """Assign audio to a slot (a name) or clear it (None); raise ValueError on bad input."""
    slot = next((s for s in device.slots if s.event == event), None)
    if slot is None:
        valid = ", ".join(s.event for s in device.slots)
        raise ValueError(f"unknown slot event; valid values: {valid}")
    if audio_name is not None and (not isinstance(audio_name, str) or not audio_name):
        raise ValueError("audio_name must be a non-empty string or null")
    slot.assign(device.id, audio_name)
    return slot


def setup(app: web.Application) -> None:
    """Register the playback route."""
    app.router.add_post(PLAYBACK_PATH, play)

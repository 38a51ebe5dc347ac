"""Shared state of the media package: switches, presigned downloads, clip cache, live footage."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal
from urllib.parse import urlencode

from aiohttp import web

from simulator.components import UnknownComponentError, lens_index, select_component
from simulator.errors import JsonApiError, media_error
from simulator.ids import iso_seconds
from simulator.middleware import log_component
from simulator.models import Account, Device
from simulator.state import SimState

from .frames import FrameSource
from .mp4 import ClipCache
from .plans import ClipPlan, Download, ImagePlan
from .requests import MediaProblem, invalid
from .search import Availability, Footage, NothingRecordedError, NotReadyError

type LengthHeader = Literal["X-Media-Length", "X-Media-Duration", "both"]
LENGTH_HEADERS: Final = ("X-Media-Length", "X-Media-Duration", "both")
DOWNLOAD_PATH: Final = "/v1/download"


@dataclass(kw_only=True)
class MediaOptions:
    """Runtime switches for readings of the docs that disagree (`/_sim/media/config`).

    `clip_length_header`: the clip table names `X-Media-Length`, a best-practices line
    `X-Media-Duration` (docs/media.md#clip-download, docs/ambiguities.md#clip-length-header). `clip_redirect`: answer clip
    requests with the 301 that "may occur" and serve the MP4 from the media host.
    """

    clip_length_header: LengthHeader = "X-Media-Length"
    clip_redirect: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the switches as JSON."""
        return {
            "clip_length_header": self.clip_length_header,
            "clip_redirect": self.clip_redirect,
        }

    def update(self, changes: dict[str, Any]) -> None:
        """Apply validated changes; raise ValueError on unknown keys or bad values."""
        for key, value in changes.items():
            valid = (key == "clip_redirect" and isinstance(value, bool)) or (
                key == "clip_length_header" and value in LENGTH_HEADERS
            )
            if not valid:
                raise ValueError(f"invalid media setting {key}={value!r}")
        for key, value in changes.items():
            setattr(self, key, value)


@dataclass(kw_only=True)
class MediaContext:
    """Everything the media handlers share; one per simulator."""

    state: SimState
    options: MediaOptions = field(default_factory=MediaOptions)
    clips: ClipCache = field(default_factory=ClipCache)
    downloads: dict[str, Download] = field(default_factory=dict)
    live_footage: Callable[[Device], list[Footage]] = field(default=lambda _device: [])

    def footage(self, device: Device) -> list[Footage]:
        """Return the device's footage: stored recordings plus live sessions in progress."""
        stored = [
            Footage(r.start_ms, r.end_ms, r.event_id)
            for r in self.state.recordings(device)
        ]
        return stored + self.live_footage(device)

    def still_footage(self, device: Device) -> list[Footage]:
        """Return what stills can come from: footage plus stored snapshots (instants)."""
        snapshots = [
            Footage(at_ms, at_ms, None, "snapshot")
            for at_ms in self.state.snapshots(device)
        ]
        return self.footage(device) + snapshots

    def check_intact(self, device: Device, start_ms: int, end_ms: int) -> None:
        """Refuse media from a corrupt recording (422 `CORRUPT_RECORDING`)."""
        for low, high in self.state.corrupt_ranges(device):
            if low <= end_ms and high >= start_ms:
                raise MediaProblem(
                    422,
                    "CORRUPT_RECORDING",
                    "The recording at the requested timestamp is corrupt",
                )

    def availability(self, account: Account) -> Availability:
        """Return the served limits for an account: consent and processing latency."""
        now = self.state.now_ms()
        consent = self.state.consent_time(account)
        delay_ms = int(
            self.state.config.scaled(self.state.config.recording_not_ready_s) * 1000
        )
        return Availability(
            consent_ms=consent if consent is not None else now + 1,
            now_ms=now,
            ready_until_ms=now - delay_ms,
        )

    def error(self, problem: MediaProblem, request_id: str) -> JsonApiError:
        """Return the media-style JSON:API error for a refused request."""
        return media_error(
            problem.status,
            problem.code,
            problem.detail,
            request_id=request_id,
            timestamp=iso_seconds(self.state.now_ms()),
            pointer=problem.pointer,
            headers={"X-Request-ID": request_id},
        )

    @contextmanager
    def refusals(
        self, request_id: str, nothing_recorded: MediaProblem
    ) -> Iterator[None]:
        """Answer a refusal inside the block as a JSON:API error: 400/403, 416 or 425."""
        try:
            yield
        except NothingRecordedError:
            raise self.error(nothing_recorded, request_id) from None
        except NotReadyError:
            problem = MediaProblem(
                425,
                "RECORDING_NOT_READY",
                "The recording is not ready yet, retry later",
            )
            raise self.error(problem, request_id) from None
        except MediaProblem as problem:
            raise self.error(problem, request_id) from None

    def presign(
        self,
        device: Device,
        plan: ImagePlan | ClipPlan,
        *,
        request_id: str,
        event_ids: tuple[str, ...],
    ) -> str:
        """Store a download and return its presigned-style URL on the media host (docs/media.md#image-download)."""
        now = self.state.now_ms()
        self.downloads = {
            key: item for key, item in self.downloads.items() if item.expires_ms > now
        }
        lifetime = self.state.config.media_url_lifetime_s
        download = Download(
            token=self.state.ids.token(32),
            req_type="image_download"
            if isinstance(plan, ImagePlan)
            else "video_download",
            req_id=request_id,
            amz_date=datetime.fromtimestamp(now / 1000, tz=UTC).strftime(
                "%Y%m%dT%H%M%SZ"
            ),
            expires_s=lifetime,
            expires_ms=now + lifetime * 1000,
            device_id=device.id,
            event_ids=event_ids,
            plan=plan,
        )
        self.downloads[download.token] = download
        query = {
            "security_token": download.token,
            "req_type": download.req_type,
            "req_id": download.req_id,
            "X-Amz-Date": download.amz_date,
            "X-Amz-Expires": str(download.expires_s),
        }
        return f"{self.state.media_url}{DOWNLOAD_PATH}?{urlencode(query)}"

    def authorize(
        self, request: web.Request, request_id: str
    ) -> tuple[Account, Device]:
        """Return the bearer's account and the path's device; media-style 401/404."""
        try:
            account = self.state.authenticate(request, media=True)
            device = self.state.device_for(
                account, request.match_info["device_id"], media=True
            )
        except JsonApiError as err:
            if err.code is not None:
                err.error_id = request_id
            err.headers["X-Request-ID"] = request_id
            raise
        return account, device

    def source(self, device: Device, component: str | None = None) -> FrameSource:
        """Return the frame source (name, watermark, lens marker) of a device or lens."""
        lens = lens_index(device, component)
        if lens is None:
            return FrameSource(device_id=device.id, device_name=device.name)
        name = f"{device.name} lens {device.components[lens]}"
        return FrameSource(device_id=device.id, device_name=name, lens=lens)


def media_component(
    request: web.Request, body: dict[str, Any], device: Device
) -> str | None:
    """Return the lens an image or clip request names (`?component_id=` or `components`).

    `components` is a list of exactly one `{"component_id": ...}`, as the independent
    libraries send it; when both are given they must agree. 400 `INVALID_PAYLOAD` otherwise.
    """
    query = request.query.get("component_id")
    listed = body.get("components")
    chosen: object = query
    if listed is not None:
        if (
            not isinstance(listed, list)
            or len(listed) != 1
            or not isinstance(listed[0], dict)
            or listed[0].get("component_id") is None
        ):
            raise invalid(
                "components must hold exactly one {component_id} entry", "components"
            )
        chosen = listed[0]["component_id"]
        if query is not None and str(chosen) != query:
            raise invalid("component_id and components disagree", "components")
    try:
        component = select_component(device, chosen)
    except UnknownComponentError as err:
        pointer = "components" if listed is not None else "component_id"
        raise invalid(str(err), pointer) from None
    log_component(request, component)
    return component


MEDIA_CONTEXT: Final = web.AppKey("ring_partner_media", MediaContext)


def media_context(request: web.Request) -> MediaContext:
    """Return the media context of the application handling a request."""
    return request.app[MEDIA_CONTEXT]


def check_consent(limits: Availability, instant_ms: int, pointer: str) -> None:
    """Refuse media from before the user's consent (403 `TIME_RANGE_NOT_AUTHORIZED`)."""
    if instant_ms < limits.consent_ms:
        raise MediaProblem(
            403,
            "TIME_RANGE_NOT_AUTHORIZED",
            "The requested time range precedes the user's consent for this app",
            pointer,
        )

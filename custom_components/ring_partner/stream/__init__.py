"""A stream source for Home Assistant's `stream`: a loopback relay to Ring's RTSP bridge.

`async_stream_source(camera)` is all a camera calls. One relay serves every camera of a
config entry; it starts listening at the first call and closes with the entry. Ring is
contacted only when `stream` actually reads (docs/streaming.md#on-demand). When Ring refuses
a camera for good (or for a while, 503), the camera's HA stream is stopped and the next
request gets the translated error instead of a URL (docs/streaming.md#bridge-errors).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import ssl
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.ssl import client_context

from ..client import (
    RingPartnerError,
    RingPartnerUnavailableError,
    RingPartnerUnsupportedTransportError,
)
from ..client.const import RTSP_BRIDGE_ORIGIN
from ..client.rtsp import BridgeSession
from ..const import DOMAIN, LOGGER
from ..errors import ha_error
from .feed import Verdict
from .relay import LoopbackRelay

if TYPE_CHECKING:
    from ..camera import RingPartnerCamera
    from ..coordinator import RingPartnerConfigEntry


@dataclass(frozen=True, kw_only=True)
class BridgeEndpoint:
    """Where Ring's RTSP bridge is, and the CA file to trust for it (None: the system's)."""

    origin: str = RTSP_BRIDGE_ORIGIN
    ca_file: str | None = None


# Set from the development YAML keys `rtsp_bridge_url` / `rtsp_ca_file` (the simulator's
# bridge and its certificate); without them, Ring's bridge and the system's CAs.
DATA_RTSP_BRIDGE: HassKey[BridgeEndpoint] = HassKey(f"{DOMAIN}_rtsp_bridge")
DATA_STREAM_RELAYS: HassKey[dict[str, EntryStreams]] = HassKey(
    f"{DOMAIN}_stream_relays"
)


class EntryStreams:
    """The relay of one config entry and the cameras whose streams it feeds."""

    def __init__(self, hass: HomeAssistant, entry: RingPartnerConfigEntry) -> None:
        """Initialize; `async_start` binds the relay."""
        self.hass = hass
        self.entry = entry
        self.cameras: dict[str, RingPartnerCamera] = {}
        self.relay: LoopbackRelay | None = None
        self._online: dict[str, bool] = {}

    async def async_start(self) -> None:
        """Build the TLS context, bind the relay and follow devices going online."""
        endpoint = self.hass.data.get(DATA_RTSP_BRIDGE, BridgeEndpoint())
        context = await self.hass.async_add_executor_job(_tls_context, endpoint)
        auth = self.entry.runtime_data.client.auth

        def open_session(
            device_id: str,
            on_packet: Callable[[bytes], None],
            on_end: Callable[[], None],
        ) -> BridgeSession:
            return BridgeSession(
                device_id=device_id,
                tokens=auth,
                origin=endpoint.origin,
                ssl_context=context,
                on_packet=on_packet,
                on_end=on_end,
            )

        relay = LoopbackRelay(open_session=open_session, on_verdict=self._on_verdict)
        await relay.start()
        self.relay = relay
        coordinator = self.entry.runtime_data.coordinator
        self.entry.async_on_unload(coordinator.async_add_listener(self._on_update))
        self._on_update()

    @callback
    def _on_update(self) -> None:
        """Forget a 503 once the coordinator sees its device come back online."""
        assert self.relay is not None
        for device_id, device in (
            self.entry.runtime_data.coordinator.data or {}
        ).items():
            online = device.status is None or device.status.online is not False
            if online and self._online.get(device_id) is False:
                self.relay.feed(device_id).clear_verdict(RingPartnerUnavailableError)
            self._online[device_id] = online

    @callback
    def _on_verdict(self, device_id: str, verdict: Verdict) -> None:
        """Stop the camera's HA stream: its worker would only be refused again."""
        LOGGER.warning(
            "Ring refused the live stream of %s (%s); it is stopped until %s",
            device_id,
            stream_error(verdict.error).translation_key,
            "the device is back online"
            if verdict.until is not None
            else "the integration is reloaded",
        )
        if (camera := self.cameras.get(device_id)) is not None:
            self.hass.async_create_task(
                _async_stop_stream(camera), f"{DOMAIN} stop refused stream"
            )

    async def async_close(self) -> None:
        """Stop the cameras' HA streams and close the relay (entry unload).

        Home Assistant does not stop a camera's stream when the entity goes, and its worker
        would otherwise retry a closed loopback port forever.
        """
        self.hass.data.get(DATA_STREAM_RELAYS, {}).pop(self.entry.entry_id, None)
        for camera in self.cameras.values():
            await _async_stop_stream(camera)
        if self.relay is not None:
            await self.relay.close()


def _tls_context(endpoint: BridgeEndpoint) -> ssl.SSLContext:
    """Return the TLS context for the bridge (blocking: loads certificates)."""
    if endpoint.ca_file is None:
        return client_context()
    return ssl.create_default_context(cafile=endpoint.ca_file)


async def _async_stop_stream(camera: RingPartnerCamera) -> None:
    """Stop and drop a camera's HA stream so the next request asks for a source again."""
    stream = camera.stream
    if stream is None or stream.dynamic_stream_settings.preload_stream:
        # A preloaded stream stays: the user keeps it running, its worker's retries are
        # answered by the relay alone, and it recovers by itself once the verdict lifts.
        return
    # Removing the outputs also cancels their idle timers; the last one stops the worker.
    for provider in list(stream.outputs().values()):
        await stream.remove_provider(provider)
    await stream.stop()
    if camera.stream is stream:
        camera.stream = None


_START_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_stream_start_lock")


async def async_entry_streams(
    hass: HomeAssistant, entry: RingPartnerConfigEntry
) -> EntryStreams:
    """Return the entry's relay, starting it at the first call."""
    lock = hass.data.setdefault(_START_LOCK, asyncio.Lock())
    async with lock:
        relays = hass.data.setdefault(DATA_STREAM_RELAYS, {})
        if (streams := relays.get(entry.entry_id)) is None:
            streams = EntryStreams(hass, entry)
            await streams.async_start()
            relays[entry.entry_id] = streams
            entry.async_on_unload(streams.async_close)
        return streams


async def async_stream_source(camera: RingPartnerCamera) -> str:
    """Return the camera's loopback URL, or raise the translated refusal that stands."""
    streams = await async_entry_streams(camera.hass, camera.coordinator.config_entry)
    assert streams.relay is not None
    streams.cameras[camera.device_id] = camera
    feed = streams.relay.feed(camera.device_id)
    if (verdict := feed.current_verdict()) is not None:
        raise stream_error(verdict.error)
    return streams.relay.url(camera.device_id)


def stream_error(err: RingPartnerError) -> HomeAssistantError:
    """Translate a bridge refusal; 461 is the bridge's own and gets its own message."""
    if isinstance(err, RingPartnerUnsupportedTransportError):
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="stream_transport_unsupported"
        )
    return ha_error(err)

"""Helpers for tests that wait for the coordinator's own polling, driven by the frozen clock."""

import asyncio
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from homeassistant.core import HomeAssistant

# Without webhooks the coordinator polls every minute; its timer adds under a second.
NEXT_POLL = timedelta(seconds=61)


async def next_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """Let the next scheduled poll run and wait until its data reached the entities.

    The coordinator polls in a background task, which `async_block_till_done` does not
    wait for, so this waits for the coordinator's next update instead.
    """
    coordinator = entry.runtime_data.coordinator
    updated: asyncio.Future[None] = hass.loop.create_future()

    def _updated() -> None:
        if not updated.done():
            updated.set_result(None)

    unsubscribe = coordinator.async_add_listener(_updated)
    try:
        freezer.tick(NEXT_POLL)
        async_fire_time_changed(hass)
        await updated
    finally:
        unsubscribe()
    await hass.async_block_till_done()

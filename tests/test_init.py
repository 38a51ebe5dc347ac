"""Test loading the Ring Partner integration."""

from custom_components.ring_partner.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component


async def test_integration_loads(hass: HomeAssistant) -> None:
    """The integration sets up in Home Assistant."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert DOMAIN in hass.config.components

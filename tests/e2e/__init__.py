"""End-to-end tests: a real `hass` process, the simulator, and a real browser."""

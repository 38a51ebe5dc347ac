"""Smoke test on a real `hass` process: link both ways, see entities and a webhook, clean log.

Runs on each tested Home Assistant (scripts/test runs the suite in every venv of
scripts/ha_versions.txt), so it is where a new Home Assistant's startup, HTTP views, config flow
over REST, websocket commands and frame-helper reports ("Detected that custom integration ...")
show up.
"""

from pathlib import Path

import pytest

from homeassistant.const import __version__ as HA_VERSION
from simulator.scenario import FRONT_DOOR_ID
from tests.conftest import SimControl

from .hass_process import integration_problems, run_hass
from .linking import link_appstore, link_playground, wire_simulator


async def test_real_hass_links_both_ways(
    tmp_path: Path, sim_control: SimControl
) -> None:
    """Playground and Appstore linking, entities, a motion webhook, and no error logged."""
    async with run_hass(tmp_path / "config", sim_control.sim) as hass:
        config = await hass.rest("GET", "/api/config")
        assert config["version"] == HA_VERSION
        await wire_simulator(hass, sim_control)

        playground = await link_playground(hass, sim_control)
        assert playground["title"]
        appstore = await link_appstore(hass, sim_control)
        assert appstore["title"] == "Demo User"

        entries = await hass.rest(
            "GET", "/api/config/config_entries/entry?domain=ring_partner"
        )
        assert sorted(entry["state"] for entry in entries) == ["loaded", "loaded"]
        registry = await hass.ws({"type": "config/entity_registry/list"})
        ours = {e["entity_id"] for e in registry if e["platform"] == "ring_partner"}
        for entity_id in (
            "camera.front_door",
            "camera.backyard",
            "binary_sensor.front_door_motion",
            "binary_sensor.garage_connectivity",
            "camera.playground_device",
        ):
            assert entity_id in ours, sorted(ours)

        await hass.wait_for(
            "binary_sensor.front_door_motion", lambda s: s["state"] == "off"
        )
        await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/motion", {})
        motion = await hass.wait_for(
            "binary_sensor.front_door_motion", lambda s: s["state"] == "on"
        )
        assert motion["attributes"]["device_class"] == "motion"
        deliveries = await sim_control.call("GET", "webhooks")
        assert any(
            attempt.get("status") == 200
            for delivery in deliveries
            for attempt in delivery["attempts"]
        ), deliveries
    assert integration_problems(hass.log_text()) == []


def test_log_check_catches_problems() -> None:
    """The log check flags errors and frame-helper reports of this integration only."""
    log = (
        "2026-12-02 18:00:00.100 INFO (MainThread) [custom_components.ring_partner] fine\n"
        "2026-12-02 18:00:00.200 ERROR (MainThread) [haffmpeg.core] other\n"
        '  File "/root/.cache/ring_partner/python3.14/subprocess.py", line 1\n'
        "2026-12-02 18:00:00.300 ERROR (MainThread) [homeassistant.config_entries] Error"
        " setting up entry Demo User for ring_partner\n"
        "Traceback (most recent call last):\n"
        '  File "custom_components/ring_partner/coordinator.py", line 1\n'
        "2026-12-02 18:00:00.400 WARNING (MainThread) [homeassistant.helpers.frame]"
        " Detected that custom integration 'ring_partner' calls async_forward_entry_setup\n"
        "2026-12-02 18:00:00.500+00:00 ERROR (MainThread) [custom_components.ring_partner.push]"
        " boom\n"
    )
    problems = integration_problems(log)
    assert [problem.split()[2] for problem in problems] == ["ERROR", "WARNING", "ERROR"]
    assert "coordinator.py" in problems[0]
    assert integration_problems(log.splitlines(keepends=True)[0]) == []
    with pytest.raises(AssertionError, match="no log record recognised"):
        integration_problems(
            "18:00:00 ERROR [custom_components.ring_partner] new format\n"
        )

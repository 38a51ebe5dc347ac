"""Run pytest on Home Assistant 2026.11 with phacc 0.13.375, which pins 2026.10.4.

scripts/test runs every venv's suite through this file: `<venv>/bin/python scripts/run_pytest.py
[pytest args]`. The three workarounds below are no-ops on 2026.10. Remove them (and run `python -m
pytest` again) the day pytest-homeassistant-custom-component publishes a release for 2026.11.
Workers of pytest-xdist (`-n`) start without this file, so `-n` does not work on 2026.11 yet.
"""

import sys

# 1. Home Assistant before pytest's plugins: 2026.11's package __init__ calls
#    httpx2.alias_httpx(), which raises "httpx was already imported" once phacc's plugin has
#    imported respx, and respx imports httpx.
import homeassistant  # noqa: F401
import homeassistant.components.logger as ha_logger

# 2. phacc's common.py imports _clear_logger_overwrites from homeassistant.components.logger;
#    2026.11 keeps it only in homeassistant.components.logger.helpers.
if not hasattr(ha_logger, "_clear_logger_overwrites"):
    from homeassistant.components.logger.helpers import _clear_logger_overwrites

    ha_logger._clear_logger_overwrites = _clear_logger_overwrites  # noqa: SLF001

import attrs
import pytest

from homeassistant.helpers import entity_registry as er

# 3. phacc's snapshot serializer is 2026.10's; 2026.11 adds RegistryEntry.compat_name (None
#    unless a compat migration renamed the entity), which would show in every entity registry
#    snapshot. Drop it while unset, so one set of snapshots serves both versions.
_NEW_IN_2026_11 = "compat_name"


def pytest_configure(config: pytest.Config) -> None:
    """Patch phacc's serializer once its plugin has loaded, when HA has the new field."""
    if not any(f.name == _NEW_IN_2026_11 for f in attrs.fields(er.RegistryEntry)):
        return
    from pytest_homeassistant_custom_component.syrupy import (  # noqa: PLC0415
        HomeAssistantSnapshotSerializer as Serializer,
    )

    original = Serializer._serializable_entity_registry_entry.__func__  # noqa: SLF001

    def serialize(cls: type, data: er.RegistryEntry) -> object:
        serialized = original(cls, data)
        if serialized.get(_NEW_IN_2026_11) is None:
            serialized.pop(_NEW_IN_2026_11, None)
        return serialized

    Serializer._serializable_entity_registry_entry = classmethod(serialize)  # noqa: SLF001


if __name__ == "__main__":
    # This module is also the plugin that applies workaround 3.
    sys.exit(pytest.main(sys.argv[1:], plugins=[sys.modules[__name__]]))

"""Run pytest on Home Assistant 2026.11 with phacc 0.13.375, which pins 2026.10.4.

scripts/test runs every venv's suite through this file: `<venv>/bin/python scripts/run_pytest.py
[pytest args]`. The four workarounds below are no-ops on 2026.10. Remove them (and run `python -m
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
    """Patch phacc's serializer and restore cache mocks once its plugin has loaded."""
    _patch_restore_cache()
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


# 4. phacc's mock_restore_cache fills RestoreStateData.last_states; 2026.11 keys stored states
#    by entity registry id (last_states_by_entity_registry_id) or, for entities without a
#    registry entry yet, by entity_id (last_states_by_entity_id), so the mocked cache was empty.
def _index_restore_cache(hass: object) -> None:
    """Move the mocked states where 2026.11's RestoreStateData looks them up."""
    from homeassistant.helpers import restore_state as rs  # noqa: PLC0415

    data = hass.data[rs.DATA_RESTORE_STATE]  # type: ignore[attr-defined]
    registry = er.async_get(hass)  # type: ignore[arg-type]
    for entity_id, stored in data.__dict__.pop("last_states", {}).items():
        if (entry := registry.async_get(entity_id)) is None:
            data.last_states_by_entity_id[entity_id] = stored
        else:
            stored.entity_registry_id = entry.id
            data.last_states_by_entity_registry_id[entry.id] = stored
    # As RestoreStateData.async_setup does: re-key a state when its registry entry is created.
    hass.bus.async_listen(  # type: ignore[attr-defined]
        er.EVENT_ENTITY_REGISTRY_UPDATED,
        data._async_entity_registry_entry_created,  # noqa: SLF001
        event_filter=rs._entity_registry_entry_created_filter,  # type: ignore[attr-defined]  # noqa: SLF001
    )


def _patch_restore_cache() -> None:
    """Wrap phacc's restore cache mocks when the running HA has 2026.11's layout."""
    from pytest_homeassistant_custom_component import common  # noqa: PLC0415

    from homeassistant.helpers import restore_state as rs  # noqa: PLC0415

    if "last_states_by_entity_id" not in rs.RestoreStateData.__init__.__code__.co_names:
        return
    for name in ("mock_restore_cache", "mock_restore_cache_with_extra_data"):
        original = getattr(common, name)

        def mock(hass: object, states: object, _original: object = original) -> None:
            _original(hass, states)  # type: ignore[operator]
            _index_restore_cache(hass)

        setattr(common, name, mock)


if __name__ == "__main__":
    # This module is also the plugin that applies workarounds 3 and 4.
    sys.exit(pytest.main(sys.argv[1:], plugins=[sys.modules[__name__]]))

"""Run pytest on Home Assistant 2026.11 with phacc 0.13.375, which pins 2026.10.4.

scripts/test runs every venv's suite through this file: `<venv>/bin/python scripts/run_pytest.py
[pytest args]`. Both workarounds below are no-ops on 2026.10. Remove them (and run `python -m
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

import pytest

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))

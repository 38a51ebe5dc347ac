"""Constants for the Ring Partner integration."""

import logging
from typing import Final

DOMAIN: Final = "ring_partner"
LOGGER = logging.getLogger(__package__)

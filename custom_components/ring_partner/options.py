"""Options of a Ring Partner entry: the form's fields, limits and defaults."""

import probatio

from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from .const import (
    CONF_DING_HOLD,
    CONF_MOTION_HOLD,
    DEFAULT_DING_HOLD,
    DEFAULT_MOTION_HOLD,
    DEFAULT_SCAN_INTERVAL,
)


def _seconds(minimum: int, maximum: int) -> probatio.All:
    """Return a whole-seconds number selector."""
    return probatio.All(
        NumberSelector(
            NumberSelectorConfig(
                min=minimum,
                max=maximum,
                step=1,
                unit_of_measurement="s",
                mode=NumberSelectorMode.BOX,
            )
        ),
        probatio.Coerce(int),
    )


OPTIONS_SCHEMA = probatio.Schema(
    {
        # Ring's program rules discourage heavy polling (§9); webhooks carry the events.
        probatio.Required(CONF_SCAN_INTERVAL): _seconds(60, 3600),
        probatio.Required(CONF_MOTION_HOLD): _seconds(5, 600),
        probatio.Required(CONF_DING_HOLD): _seconds(1, 600),
    }
)
OPTIONS_DEFAULTS = {
    CONF_SCAN_INTERVAL: int(DEFAULT_SCAN_INTERVAL.total_seconds()),
    CONF_MOTION_HOLD: int(DEFAULT_MOTION_HOLD.total_seconds()),
    CONF_DING_HOLD: int(DEFAULT_DING_HOLD.total_seconds()),
}

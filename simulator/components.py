"""Lenses of multi-camera devices: `component_id` selectors and how ids are rendered.

Ring's multi-camera devices put `attributes.component_ids` in
motion webhooks and accept `?component_id=N` on WHEP; the independent libraries also pass
`component_id` on the device sub-resources and a `components: [{"component_id": ...}]` list
in image and clip bodies. All three libraries treat the ids as strings; the simulator's lenses
are "1" and "2" by default and `component_id_type` renders them as strings (default) or
integers. A selector that names a lens the device lacks is refused; devices without lenses
ignore selectors (the WHEP reading the docs show, where any camera takes `component_id`).
"""

from simulator.config import SimulatorConfig
from simulator.models import Device


class UnknownComponentError(ValueError):
    """The selector names no lens of the device."""


def select_component(device: Device, raw: object) -> str | None:
    """Return the lens a selector (query value or body entry) names, or None for the main one.

    Accepts strings and integers; raise UnknownComponentError for other types or lenses the
    device does not have.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise UnknownComponentError("component_id must be a string or an integer")
    value = str(raw)
    if not device.components:
        return None
    if value not in device.components:
        raise UnknownComponentError(
            f"Unknown component_id {value}; valid values: {', '.join(device.components)}"
        )
    return value


def render_component_id(config: SimulatorConfig, component: str) -> str | int:
    """Return a lens id as webhooks and capabilities carry it (`component_id_type`)."""
    if config.component_id_type == "integer" and component.isdigit():
        return int(component)
    return component


def lens_index(device: Device, component: str | None) -> int | None:
    """Return the position of the lens whose frames are drawn (None: single-lens device)."""
    if not device.components:
        return None
    if component is None:
        return 0
    return device.components.index(component)

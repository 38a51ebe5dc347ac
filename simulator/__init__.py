"""A local stand-in for Ring's OAuth server, Partner API, media hosts, WHEP, RTSP and webhooks.

Written from `docs/` only: it imports nothing from `custom_components` or
`homeassistant`. Run it with `python -m simulator` or in-process::

    async with run_simulator(SimulatorConfig(port=0, media_port=0)) as sim:
        ...
"""

from simulator.app import Simulator, run_simulator
from simulator.config import SimulatorConfig

__all__ = ["Simulator", "SimulatorConfig", "run_simulator"]

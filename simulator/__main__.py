"""Command line: `python -m simulator [flags]` runs the simulator until interrupted."""

import argparse
import asyncio
import contextlib
import logging
import signal

from simulator.app import Simulator
from simulator.config import MOTION_SUBTYPE_PLACEMENTS, SimulatorConfig
from simulator.scenario import Scenario

_LOGGER = logging.getLogger("simulator")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (every SimulatorConfig setting has a flag)."""
    defaults = SimulatorConfig()
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Local Ring cloud simulator: OAuth, Partner API, media, WHEP, webhooks. "
        "With no flags: the default scenario (Demo User with Front Door, Backyard, "
        "Hallway Chime, Garage; plus the Playground account) on ports 8765 and 8766. "
        "Control page: http://HOST:PORT/_sim/",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default=defaults.host, help="address to bind (keep 127.0.0.1)")
    add("--port", type=int, default=defaults.port, help="API, OAuth and control port")
    add(
        "--media-port",
        type=int,
        default=defaults.media_port,
        help="media download port",
    )
    add("--client-id", default=defaults.client_id, help="partner app client id")
    add(
        "--client-secret",
        default=defaults.client_secret,
        help="partner app client secret",
    )
    add(
        "--hmac-key",
        default=defaults.hmac_key,
        help="HMAC signature key (nonces, webhooks)",
    )
    add("--token-exchange-url", help="partner Token Exchange URL (receives the code)")
    add("--account-link-url", help="partner Account Link URL (gets nonce and time)")
    add("--webhook-url", help="partner Webhook URL")
    add(
        "--redirect-uri",
        action="append",
        default=[],
        help="registered redirect URI for partner-initiated OAuth (repeatable; none = any)",
    )
    add("--scenario", help="JSON scenario file (accounts and devices); see scenario.py")
    add(
        "--time-scale",
        type=float,
        default=defaults.time_scale,
        help="factor for slow waits: webhook retries, 425 windows, WHEP caps",
    )
    add(
        "--access-token-lifetime",
        type=int,
        default=defaults.access_token_lifetime,
        help="s",
    )
    add(
        "--refresh-token-lifetime",
        type=int,
        default=defaults.refresh_token_lifetime,
        help="s",
    )
    add(
        "--appstore-code-lifetime",
        type=int,
        default=defaults.appstore_code_lifetime,
        help="s",
    )
    add(
        "--partner-code-lifetime",
        type=int,
        default=defaults.partner_code_lifetime,
        help="s",
    )
    add(
        "--rate-limit",
        type=int,
        default=defaults.rate_limit,
        help="rps per client id, 0=off",
    )
    add(
        "--history-page-size",
        type=int,
        default=defaults.history_page_size,
        help="items",
    )
    add(
        "--recording-segment",
        type=float,
        default=defaults.recording_segment_s,
        help="s",
    )
    add(
        "--no-webhook-delivery",
        action="store_true",
        help="record webhooks but never deliver them",
    )
    add(
        "--webhooks-before-completed",
        action="store_true",
        help="deliver webhooks before the integration is completed",
    )
    add(
        "--motion-subtype-placement",
        choices=MOTION_SUBTYPE_PLACEMENTS,
        default=defaults.motion_subtype_placement,
        help="where motion webhooks carry the subtype",
    )
    add("--webhook-timeout", type=float, default=defaults.webhook_timeout_s, help="s")
    add("--webhook-duplicate-rate", type=float, default=0.0, help="chaos: 0..1")
    add("--webhook-max-delay-ms", type=int, default=0, help="chaos: random extra delay")
    add(
        "--webhook-reorder",
        action="store_true",
        help="chaos: swap consecutive webhooks",
    )
    add(
        "--lenient-ice",
        action="store_true",
        help="accept WHEP offers without ICE candidates",
    )
    add("--whep-cap-battery", type=float, default=defaults.whep_cap_battery_s, help="s")
    add("--whep-cap-wired", type=float, default=defaults.whep_cap_wired_s, help="s")
    add(
        "--recording-not-ready",
        type=float,
        default=defaults.recording_not_ready_s,
        help="s",
    )
    add("--seed", type=int, help="seed for ids and tokens (deterministic runs)")
    add("--log-level", default="INFO", help="logging level")
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """Turn parsed flags into a SimulatorConfig."""
    return SimulatorConfig(
        host=args.host,
        port=args.port,
        media_port=args.media_port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        hmac_key=args.hmac_key,
        token_exchange_url=args.token_exchange_url,
        account_link_url=args.account_link_url,
        webhook_url=args.webhook_url,
        redirect_uris=tuple(args.redirect_uri),
        scenario=Scenario.load(args.scenario) if args.scenario else None,
        time_scale=args.time_scale,
        access_token_lifetime=args.access_token_lifetime,
        refresh_token_lifetime=args.refresh_token_lifetime,
        appstore_code_lifetime=args.appstore_code_lifetime,
        partner_code_lifetime=args.partner_code_lifetime,
        rate_limit=args.rate_limit,
        history_page_size=args.history_page_size,
        recording_segment_s=args.recording_segment,
        webhook_delivery=not args.no_webhook_delivery,
        webhooks_before_completed=args.webhooks_before_completed,
        motion_subtype_placement=args.motion_subtype_placement,
        webhook_timeout_s=args.webhook_timeout,
        webhook_duplicate_rate=args.webhook_duplicate_rate,
        webhook_max_delay_ms=args.webhook_max_delay_ms,
        webhook_reorder=args.webhook_reorder,
        require_ice_candidates=not args.lenient_ice,
        whep_cap_battery_s=args.whep_cap_battery,
        whep_cap_wired_s=args.whep_cap_wired,
        recording_not_ready_s=args.recording_not_ready,
        seed=args.seed,
    )


async def serve(config: SimulatorConfig) -> None:
    """Run until SIGINT or SIGTERM."""
    simulator = Simulator(config)
    await simulator.start()
    _LOGGER.info("Control page: %s/_sim/", simulator.base_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await simulator.stop()


def main(argv: list[str] | None = None) -> None:
    """Parse flags and serve."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(config_from_args(args)))


if __name__ == "__main__":
    main()

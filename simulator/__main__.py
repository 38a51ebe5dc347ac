"""Command line: `python -m simulator [flags]` runs the simulator until interrupted."""

import argparse
import asyncio
import contextlib
import logging
import shutil
import signal
from typing import Any, Final

from simulator.app import Simulator
from simulator.config import CHOICES, SimulatorConfig
from simulator.scenario import SCENARIO_NAMES, Scenario

_LOGGER = logging.getLogger("simulator")


# Flags that set one SimulatorConfig field: (flag, field, type, help). Each defaults to the
# field's default; URLs without a default are off.
_VALUE_FLAGS: Final[tuple[tuple[str, str, type, str], ...]] = (
    ("--host", "host", str, "address to bind (keep 127.0.0.1)"),
    ("--port", "port", int, "API, OAuth and control port"),
    ("--media-port", "media_port", int, "media download port"),
    (
        "--rtsp-port",
        "rtsp_port",
        int,
        "RTSP bridge port, RTSP over TLS (None: 8322, or a free port with --port 0)",
    ),
    ("--client-id", "client_id", str, "partner app client id"),
    ("--client-secret", "client_secret", str, "partner app client secret"),
    ("--hmac-key", "hmac_key", str, "HMAC signature key (nonces, webhooks)"),
    (
        "--token-exchange-url",
        "token_exchange_url",
        str,
        "partner Token Exchange URL (receives the code)",
    ),
    (
        "--account-link-url",
        "account_link_url",
        str,
        "partner Account Link URL (gets nonce and time)",
    ),
    ("--webhook-url", "webhook_url", str, "partner Webhook URL"),
    (
        "--time-scale",
        "time_scale",
        float,
        "factor for slow waits: webhook retries, 425 windows, WHEP caps",
    ),
    ("--access-token-lifetime", "access_token_lifetime", int, "s"),
    ("--refresh-token-lifetime", "refresh_token_lifetime", int, "s"),
    ("--appstore-code-lifetime", "appstore_code_lifetime", int, "s"),
    ("--partner-code-lifetime", "partner_code_lifetime", int, "s"),
    ("--rate-limit", "rate_limit", int, "rps per client id, 0=off"),
    ("--history-page-size", "history_page_size", int, "items"),
    ("--recording-segment", "recording_segment_s", float, "s"),
    ("--webhook-timeout", "webhook_timeout_s", float, "s"),
    ("--webhook-duplicate-rate", "webhook_duplicate_rate", float, "chaos: 0..1"),
    (
        "--webhook-max-delay-ms",
        "webhook_max_delay_ms",
        int,
        "chaos: random extra delay",
    ),
    ("--whep-cap-battery", "whep_cap_battery_s", float, "s"),
    ("--whep-cap-wired", "whep_cap_wired_s", float, "s"),
    ("--recording-not-ready", "recording_not_ready_s", float, "s"),
    (
        "--chime-playback-action",
        "chime_playback_action",
        str,
        "action chimes list in audio.supported_actions",
    ),
    (
        "--rtsp-idle-timeout",
        "rtsp_idle_timeout_s",
        float,
        "s without packets before the bridge ends a session",
    ),
)

# Flags that pick one reading where sources disagree: (flag, field, help); the choices are
# config.CHOICES[field], the default its first value.
_CHOICE_FLAGS: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "--motion-subtype-placement",
        "motion_subtype_placement",
        "where motion webhooks carry the subtype",
    ),
    (
        "--capability-shape",
        "capability_shape",
        "how capability blocks that do not apply are sent",
    ),
    ("--chime-playback-body", "chime_playback_body", "playback body reading accepted"),
    ("--chime-playback-response", "chime_playback_response", "playback success answer"),
    ("--component-id-type", "component_id_type", "type of lens ids in webhooks"),
    ("--sensor-reading-shape", "sensor_reading_shape", "temperature/humidity shape"),
    (
        "--token-exchange-shape",
        "token_exchange_shape",
        "how the code reaches the Token Exchange URL",
    ),
    (
        "--app-integration-answer",
        "app_integration_answer",
        "app-integrations POST/PATCH answer shape",
    ),
    ("--whep-h264-profile", "whep_h264_profile", "H.264 profile of live view"),
    ("--whep-video-fault", "whep_video_fault", "make live video undecodable"),
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (every SimulatorConfig setting has a flag)."""
    defaults = SimulatorConfig()
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Local Ring cloud simulator: OAuth, Partner API, media, WHEP, RTSP "
        "bridge, webhooks. With no flags: the default scenario (Demo User with Front Door, "
        "Backyard, Hallway Chime, Garage; plus the Playground account) on ports 8765, 8766 "
        "and 8322 (RTSP over TLS). "
        "Control page: http://HOST:PORT/_sim/",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    for flag, name, kind, text in _VALUE_FLAGS:
        add(
            flag,
            dest=name,
            metavar=flag.removeprefix("--").replace("-", "_").upper(),
            type=kind,
            default=getattr(defaults, name),
            help=text,
        )
    add(
        "--redirect-uri",
        action="append",
        default=[],
        help="registered redirect URI for partner-initiated OAuth (repeatable; none = any)",
    )
    for flag, name, text in _CHOICE_FLAGS:
        add(
            flag,
            dest=name,
            choices=CHOICES[name],
            default=getattr(defaults, name),
            help=text,
        )
    add(
        "--scenario",
        help=f"built-in scenario ({', '.join(SCENARIO_NAMES)}) or a JSON scenario file "
        "(accounts and devices); see scenario.py",
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
        "--webhook-reorder",
        action="store_true",
        help="chaos: swap consecutive webhooks",
    )
    add(
        "--lenient-ice",
        action="store_true",
        help="accept WHEP offers without ICE candidates",
    )
    add(
        "--no-chime-control",
        action="store_true",
        help="the app lacks the Chime Controls scope (playback answers 403)",
    )
    add(
        "--rtsp-tcp-interleaved",
        action="store_true",
        help="RTSP bridge: accept RTP/SAVP/TCP;interleaved (else 461)",
    )
    add(
        "--rtsp-accept-avp",
        action="store_true",
        help="RTSP bridge: accept the RTP/AVP profile in SETUP, still sending SRTP (else 461)",
    )
    add(
        "--rtsp-whep-caps",
        action="store_true",
        help="RTSP bridge: packets stop at the WHEP caps (30 s battery, 60 s wired)",
    )
    add(
        "--rtsp-no-basic-challenge",
        action="store_true",
        help="RTSP bridge: answer 401 without WWW-Authenticate: Basic",
    )
    add("--seed", type=int, help="seed for ids and tokens (deterministic runs)")
    add(
        "--rtsp-ca-out",
        metavar="PATH",
        help="copy the RTSP bridge's certificate (made at each start) to PATH, for clients",
    )
    add("--log-level", default="INFO", help="logging level")
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """Turn parsed flags into a SimulatorConfig."""
    values: dict[str, Any] = {
        name: getattr(args, name) for _, name, _, _ in _VALUE_FLAGS
    }
    values |= {name: getattr(args, name) for _, name, _ in _CHOICE_FLAGS}
    return SimulatorConfig(
        **values,
        redirect_uris=tuple(args.redirect_uri),
        scenario=Scenario.from_argument(args.scenario) if args.scenario else None,
        chime_control_granted=not args.no_chime_control,
        webhook_delivery=not args.no_webhook_delivery,
        webhooks_before_completed=args.webhooks_before_completed,
        webhook_reorder=args.webhook_reorder,
        require_ice_candidates=not args.lenient_ice,
        rtsp_tcp_interleaved=args.rtsp_tcp_interleaved,
        rtsp_accept_avp=args.rtsp_accept_avp,
        rtsp_whep_caps=args.rtsp_whep_caps,
        rtsp_basic_challenge=not args.rtsp_no_basic_challenge,
        seed=args.seed,
    )


async def serve(config: SimulatorConfig, rtsp_ca_out: str | None = None) -> None:
    """Run until SIGINT or SIGTERM."""
    simulator = Simulator(config)
    await simulator.start()
    if rtsp_ca_out is not None:
        shutil.copyfile(simulator.rtsp_ca_file, rtsp_ca_out)
        _LOGGER.info("RTSP bridge certificate: %s", rtsp_ca_out)
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
        asyncio.run(serve(config_from_args(args), args.rtsp_ca_out))


if __name__ == "__main__":
    main()

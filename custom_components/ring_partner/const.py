"""Constants for the Ring Partner integration."""

from datetime import timedelta
from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "ring_partner"
LOGGER = logging.getLogger(__package__)

# Config entry data keys (the token itself lives under "token", as OAuth2Session expects).
CONF_LINK_METHOD: Final = "link_method"
CONF_HMAC_KEY: Final = "hmac_key"
CONF_ACCOUNT_ID: Final = "account_id"
CONF_LINKED_AT: Final = "linked_at"
CONF_ENDPOINTS: Final = "endpoints"
# The client id of the Ring app an Appstore link went through: whose partner URLs it uses.
CONF_PARTNER_APP: Final = "partner_app"

# Endpoint overrides, accepted from YAML for development and tests only.
CONF_API_BASE: Final = "api_base"
CONF_OAUTH_TOKEN_URL: Final = "oauth_token_url"
CONF_AUTHORIZE_URL: Final = "authorize_url"
# Development only: the simulator's RTSP bridge and the CA file its certificate is in.
CONF_RTSP_BRIDGE_URL: Final = "rtsp_bridge_url"
CONF_RTSP_CA_FILE: Final = "rtsp_ca_file"

# Options.
CONF_MOTION_HOLD: Final = "motion_hold"
CONF_DING_HOLD: Final = "ding_hold"
CONF_LATE_EVENT_LIMIT: Final = "late_event_limit"


class LinkMethod(StrEnum):
    """How a config entry obtained its tokens."""

    APPSTORE = "appstore"
    OAUTH = "oauth"
    PLAYGROUND = "playground"


# Polling is the slow path: webhooks carry events and online/offline changes, so five minutes
# only catches renames, configuration changes and anything a lost webhook missed.
DEFAULT_SCAN_INTERVAL: Final = timedelta(minutes=5)
# While no webhook has arrived for WEBHOOK_SILENCE, poll every minute instead so device state
# stays roughly current (history and polling are Ring's suggested fallback,
# docs/webhooks.md#delivery).
FALLBACK_SCAN_INTERVAL: Final = timedelta(seconds=60)
WEBHOOK_SILENCE: Final = timedelta(hours=1)

# Momentary sensors: Ring sends one webhook per event and no "cleared" event, so motion and
# ding stay on for a hold time that a new event extends.
DEFAULT_MOTION_HOLD: Final = timedelta(seconds=30)
DEFAULT_DING_HOLD: Final = timedelta(seconds=10)

# An event older than this when it reaches us (a late retry, a catch-up after a restart, a
# dead-letter replay) is recorded but not fired: a ring from an hour ago must not open a door
# now. Fifteen minutes covers Ring's retries up to the sixth attempt (about 13 minutes after
# the event, docs/webhooks.md#retry-schedule) and a slow restart, not the one-hour attempt.
# The late event limit option changes it, up to MAX_LATE_EVENT_LIMIT: the ledger remembers
# events for two hours, and each reconciliation round reads history back to the limit.
LATENESS_LIMIT: Final = timedelta(minutes=15)
MAX_LATE_EVENT_LIMIT: Final = timedelta(minutes=60)

# Fixed view paths, still served for installs that registered them; new links get webhook
# URLs per Ring app (docs/linking.md#portal-urls).
TOKEN_EXCHANGE_PATH: Final = "/api/ring_partner/link/token"
ACCOUNT_LINK_PATH: Final = "/api/ring_partner/link/account"
WEBHOOK_PATH: Final = "/api/ring_partner/webhook"

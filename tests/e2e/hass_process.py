"""A real `python -m homeassistant` process for end-to-end tests, wired to the in-process simulator.

The suite runs once per tested Home Assistant (scripts/ha_versions.txt); `sys.executable` is that
venv's Python, so each run starts its own version. The process gets a temporary config with no
`http:` block (SETUP_PORT instead, see README "Run Home Assistant with the simulator"), the
integration straight from the checkout (repository root on PYTHONPATH), a user and a finished
onboarding, and `--skip-pip`: a missing requirement must fail the test, not install itself.
"""

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
import signal
import socket
import sys
from typing import Any, Protocol

from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType

REPO = Path(__file__).resolve().parents[2]
USERNAME = "e2e"
PASSWORD = "e2e-password"  # a throwaway user of a temporary config
CLIENT_ID_URL = (
    "http://127.0.0.1/"  # any URL works as an IndieAuth client id on loopback
)

# Bounded waits for a loaded 2-core machine; these are limits, not timing assertions.
START_LIMIT = 300.0
STOP_LIMIT = 90.0

# A log record starts with a timestamp and a level: "2026-12-02 18:00:00.123 ERROR (MainThread) [...]"
# (2026.10), "2026-12-02 18:00:00.123+00:00 ERROR ..." (2026.11 adds the UTC offset).
_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d)? (?P<level>[A-Z]+) ",
    re.MULTILINE,
)
# This integration in a record: its loggers or files, or its domain as Home Assistant quotes it
# ("... for ring_partner", "'ring_partner'"); not a path that merely contains the word.
_OURS = re.compile(
    r"custom_components[./]ring_partner|[ '\"]ring_partner(?:['\"]|[ :,.]|$)",
    re.MULTILINE,
)


def integration_problems(log_text: str) -> list[str]:
    """Return the log records that show this integration misbehaving.

    That is every ERROR or CRITICAL record that names ring_partner (its own loggers, a traceback
    through its files, or Home Assistant's "Error setting up entry ... ring_partner"), and every
    "Detected that custom integration 'ring_partner'" report (frame helper, any level).
    """
    starts = [match.start() for match in _RECORD.finditer(log_text)]
    # A log this check cannot read would pass it silently: a new format must fail loudly.
    assert starts or not log_text.strip(), (
        f"no log record recognised in {log_text[:300]!r}"
    )
    records = [
        log_text[start:end]
        for start, end in zip(starts, [*starts[1:], len(log_text)], strict=True)
    ]
    problems = []
    for record in records:
        match = _RECORD.match(record)
        assert match is not None
        if "Detected that custom integration 'ring_partner'" in record or (
            match["level"] in {"ERROR", "CRITICAL"} and _OURS.search(record)
        ):
            problems.append(record.strip())
    return problems


class SimulatorURLs(Protocol):
    """What Home Assistant's configuration needs of a simulator (in-process or not)."""

    @property
    def base_url(self) -> str:
        """Return the API origin."""

    @property
    def token_url(self) -> str:
        """Return the OAuth token endpoint."""

    @property
    def authorize_url(self) -> str:
        """Return the authorize page."""


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_config(config: Path, port: int, simulator: SimulatorURLs) -> None:
    """Write configuration.yaml (no http: block), a user and a finished onboarding."""
    url = f"http://127.0.0.1:{port}"
    config.mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(
        f"""homeassistant:
  name: Ring Partner end-to-end
  country: US
  time_zone: UTC
  unit_system: metric
  external_url: {url}
  internal_url: {url}

logger:
  default: warning
  logs:
    custom_components.ring_partner: debug

media_source:

ring_partner:
  api_base: {simulator.base_url}
  oauth_token_url: {simulator.token_url}
  authorize_url: {simulator.authorize_url}
""",
        encoding="utf-8",
    )
    storage = config / ".storage"
    storage.mkdir()
    (storage / "onboarding").write_text(
        json.dumps(
            {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["user", "core_config", "analytics", "integration"]},
            }
        ),
        encoding="utf-8",
    )


@dataclass
class HassProcess:
    """A running Home Assistant: its URL, its log, and an authenticated session."""

    config: Path
    port: int
    session: ClientSession
    token: str = ""
    _ws: ClientWebSocketResponse | None = None
    _ws_id: int = 0
    started_in: float = 0.0

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        """Return Home Assistant's log file."""
        return self.config / "home-assistant.log"

    def log_text(self) -> str:
        """Return Home Assistant's log so far (hass.stderr repeats it)."""
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    async def login(self) -> None:
        """Log in through the login flow, as the frontend does, and keep the access token."""
        async with self.session.post(
            f"{self.url}/auth/login_flow",
            json={
                "client_id": CLIENT_ID_URL,
                "handler": ["homeassistant", None],
                "redirect_uri": CLIENT_ID_URL,
            },
        ) as resp:
            assert resp.status == 200, await resp.text()
            flow = await resp.json()
        async with self.session.post(
            f"{self.url}/auth/login_flow/{flow['flow_id']}",
            json={
                "username": USERNAME,
                "password": PASSWORD,
                "client_id": CLIENT_ID_URL,
            },
        ) as resp:
            assert resp.status == 200, await resp.text()
            result = await resp.json()
        assert result["type"] == "create_entry", result
        async with self.session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": result["result"],
                "client_id": CLIENT_ID_URL,
            },
        ) as resp:
            assert resp.status == 200, await resp.text()
            self.token = (await resp.json())["access_token"]

    async def rest(self, method: str, path: str, body: Any = None) -> Any:
        """Call the REST API with the access token; return the decoded JSON answer."""
        async with self.session.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
        ) as resp:
            assert resp.status < 400, (
                f"{method} {path}: {resp.status} {await resp.text()}"
            )
            return await resp.json()

    async def ws(self, message: dict[str, Any]) -> Any:
        """Send one websocket command and return its result (the connection is kept)."""
        if self._ws is None:
            self._ws = await self.session.ws_connect(f"{self.url}/api/websocket")
            assert (await self._ws.receive_json())["type"] == "auth_required"
            await self._ws.send_json({"type": "auth", "access_token": self.token})
            assert (await self._ws.receive_json())["type"] == "auth_ok"
        self._ws_id += 1
        await self._ws.send_json({"id": self._ws_id, **message})
        while True:
            msg = await self._ws.receive()
            assert msg.type is WSMsgType.TEXT, msg
            answer = json.loads(msg.data)
            if answer.get("id") == self._ws_id and answer["type"] == "result":
                assert answer["success"], answer
                return answer["result"]

    async def state(self, entity_id: str) -> dict[str, Any]:
        """Return an entity's state object."""
        result: dict[str, Any] = await self.rest("GET", f"/api/states/{entity_id}")
        return result

    async def wait_for(
        self, entity_id: str, predicate: Any, limit: float = 60.0
    ) -> dict[str, Any]:
        """Poll an entity until predicate(state) holds; fail with the last state at the limit."""
        last: dict[str, Any] | None = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while loop.time() < deadline:
            async with self.session.get(
                f"{self.url}/api/states/{entity_id}",
                headers={"Authorization": f"Bearer {self.token}"},
            ) as resp:
                if resp.status == 200:
                    last = await resp.json()
                    if predicate(last):
                        return last
            await asyncio.sleep(0.2)
        raise AssertionError(f"{entity_id} never matched; last state {last}")

    async def close_ws(self) -> None:
        """Close the websocket connection, if any."""
        if self._ws is not None:
            await self._ws.close()
            self._ws = None


async def _wait_until_up(proc: asyncio.subprocess.Process, hass: HassProcess) -> None:
    """Wait until Home Assistant answers and has finished starting."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + START_LIMIT
    while True:
        if proc.returncode is not None:
            raise AssertionError(
                f"Home Assistant exited with {proc.returncode}:\n{hass.log_text()[-4000:]}"
            )
        if loop.time() > deadline:
            raise AssertionError(
                f"Home Assistant did not start in {START_LIMIT} s:\n{hass.log_text()[-4000:]}"
            )
        with contextlib.suppress(OSError):
            async with hass.session.get(f"{hass.url}/api/") as resp:
                if resp.status == 401:  # the HTTP server is up (see environment notes)
                    break
        await asyncio.sleep(0.5)
    await hass.login()
    while (await hass.rest("GET", "/api/config"))["state"] != "RUNNING":
        if loop.time() > deadline:
            raise AssertionError("Home Assistant never reached RUNNING")
        await asyncio.sleep(0.5)
    hass.started_in = loop.time() - start


async def _add_user(config: Path) -> None:
    """Create the test user with Home Assistant's auth script."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *_HASS_ARGS,
        "--script",
        "auth",
        "--config",
        str(config),
        "add",
        USERNAME,
        PASSWORD,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=_env(None),
    )
    _, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode()


# scripts/run_pytest.py's 2026.11 workarounds are for pytest only: `hass` itself needs none.
_HASS_ARGS = ("-m", "homeassistant")


def _env(port: int | None) -> dict[str, str]:
    """Return the process environment: the checkout on PYTHONPATH, SETUP_PORT."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("PYTEST_VERSION", None)
    if port is not None:
        env["SETUP_PORT"] = str(port)
    return env


@contextlib.asynccontextmanager
async def run_hass(
    config: Path, simulator: SimulatorURLs
) -> AsyncIterator[HassProcess]:
    """Start Home Assistant on a free port, logged in; stop it at the end."""
    port = free_port()
    write_config(config, port, simulator)
    await _add_user(config)
    async with ClientSession() as session:
        hass = HassProcess(config=config, port=port, session=session)
        with (config / "hass.stderr").open("wb") as stderr:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *_HASS_ARGS,
                "--config",
                str(config),
                "--skip-pip",
                "--log-file",
                str(hass.log_file),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
                env=_env(port),
            )
            try:
                await _wait_until_up(proc, hass)
                yield hass
            finally:
                await hass.close_ws()
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(proc.wait(), STOP_LIMIT)
                    except TimeoutError:
                        proc.kill()
                        await proc.wait()

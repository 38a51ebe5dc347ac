"""Appstore linking end to end, app-integrations errors and uninstall."""

import json
from urllib.parse import parse_qs, urlsplit

import aiohttp

from simulator import Simulator
from simulator.ids import ManualClock
from simulator.linking import compute_nonce
from simulator.scenario import DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID
from simulator.webhooks import compute_signature

from .helpers import api, control, exchange_code, link_account, refresh
from .partner import Partner

INTEGRATIONS = "/v1/accounts/me/app-integrations"


async def test_linking_end_to_end(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, clock: ManualClock
) -> None:
    """Install → code to Token Exchange URL → link URL with nonce → POST → PATCH → webhooks."""
    install = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    assert "code" not in install  # delivered to the partner instead
    assert len(partner.codes) == 1
    assert partner.account_ids == [DEFAULT_ACCOUNT_ID]
    link = urlsplit(install["account_link_url"])
    assert f"{link.scheme}://{link.netloc}{link.path}" == partner.url("/link")
    query = parse_qs(link.query)
    time_ms = query["time"][0]
    assert len(time_ms) == 13
    assert int(time_ms) == int(clock() * 1000)
    nonce = query["nonce"][0]
    assert nonce == compute_nonce("sim-hmac-key", time_ms, DEFAULT_ACCOUNT_ID)
    token = partner.tokens[0]["access_token"]

    # Before the nonce POST the integration is pending: no device access.
    await api(session, sim, "/v1/devices", token, expect=403)
    state = await control(session, sim, "/state", method="GET")
    account = next(a for a in state["accounts"] if a["id"] == DEFAULT_ACCOUNT_ID)
    assert account["integration_status"] == "pending"
    assert account["linked"] is False

    clock.advance(30)
    body = await api(
        session, sim, INTEGRATIONS, token, method="POST", json_body={"nonce": nonce}
    )
    assert body == {"status": "awaiting"}
    await api(session, sim, "/v1/devices", token)
    state = await control(session, sim, "/state", method="GET")
    account = next(a for a in state["accounts"] if a["id"] == DEFAULT_ACCOUNT_ID)
    assert account["link_time_ms"] == int(clock() * 1000)
    assert account["linked"] is True

    # Webhooks so far (device_added at install) were held back: not completed yet.
    deliveries = await control(session, sim, "/webhooks", method="GET")
    assert [d["type"] for d in deliveries] == ["device_added"] * 4
    assert all(d["suppressed"] == "integration pending" for d in deliveries)
    assert partner.webhooks == []

    body = await api(
        session,
        sim,
        INTEGRATIONS,
        token,
        method="PATCH",
        json_body={
            "status": "completed",
            "account_identifier": "d***o@partner.example",
        },
    )
    assert body["status"] == "completed"
    assert body["account_identifier"] == "d***o@partner.example"
    assert body["updated_at"].endswith("Z")
    await sim.state.webhooks.drain()
    assert len(partner.webhooks) == 1
    raw, headers = partner.webhooks[0]
    assert headers["X-Signature"] == compute_signature(raw, "sim-hmac-key")
    payload = json.loads(raw)
    assert payload["meta"]["account_id"] == DEFAULT_ACCOUNT_ID
    assert payload["meta"]["version"] == "1.1"
    assert payload["data"]["type"] == "app_integration_added"
    assert payload["data"]["attributes"]["source_type"] == "users"
    assert payload["data"]["attributes"]["source"] == DEFAULT_ACCOUNT_ID
    assert "relationships" not in payload["data"]


async def test_device_added_before_completed_when_switched_on(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> None:
    """With webhooks_before_completed, device_added webhooks arrive during install."""
    await control(session, sim, "/config", {"webhooks_before_completed": True})
    await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    await sim.state.webhooks.drain()
    types = [json.loads(raw)["data"]["type"] for raw, _ in partner.webhooks]
    assert types == ["device_added"] * 4
    device_ids = {
        json.loads(raw)["data"]["attributes"]["source"] for raw, _ in partner.webhooks
    }
    assert FRONT_DOOR_ID in device_ids


async def test_token_exchange_failure(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> None:
    """A Token Exchange URL that does not answer 200 fails the install (502)."""
    partner.exchange_status = 500
    body = await control(
        session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install", expect=502
    )
    assert body["errors"][0]["status"] == "502"
    await exchange_code(session, sim, partner.codes[0], expect=400)
    state = await control(session, sim, "/state", method="GET")
    assert state["accounts"][0]["integration_status"] == "none"
    sim.config.token_exchange_url = "http://127.0.0.1:9/unreachable"
    await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install", expect=502)


async def test_install_get_redirects_browser(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> None:
    """`GET .../install` answers 302 to the Account Link URL."""
    async with session.get(
        f"{sim.base_url}/_sim/accounts/{DEFAULT_ACCOUNT_ID}/install",
        allow_redirects=False,
    ) as response:
        assert response.status == 302
        assert response.headers["Location"].startswith(partner.url("/link?"))


async def test_app_integration_errors(
    sim: Simulator, session: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """Invalid Nonce, Missing Required Fields, Invalid Status Transition, stale nonce."""
    install = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    token = (await exchange_code(session, sim, install["code"]))["access_token"]

    async def call(method: str, body: object, expect: int) -> str:
        result = await api(
            session,
            sim,
            INTEGRATIONS,
            token,
            method=method,
            json_body=body,
            expect=expect,
        )
        return str(result["errors"][0]["title"]) if expect >= 400 else ""

    assert await call("POST", {}, 400) == "Missing Required Fields"
    assert await call("POST", {"nonce": "bogus"}, 400) == "Invalid Nonce"
    assert (
        await call("PATCH", {"status": "completed"}, 400) == "Invalid Status Transition"
    )
    assert await call("PATCH", {}, 400) == "Missing Required Fields"
    clock.advance(601)
    assert await call("POST", {"nonce": install["nonce"]}, 400) == "Invalid Nonce"
    # A fresh install gives a fresh nonce (and revokes the old tokens once exchanged).
    install = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    old_token = token
    token = (await exchange_code(session, sim, install["code"]))["access_token"]
    await api(session, sim, "/v1/users/me", old_token, expect=403)
    await call("POST", {"nonce": install["nonce"]}, 200)
    await call("POST", {"nonce": install["nonce"]}, 200)  # idempotent
    assert await call("PATCH", {"status": "paused"}, 400) == "Invalid Status Transition"
    await call("PATCH", {"status": "completed"}, 200)
    await call("PATCH", {"status": "awaiting"}, 200)  # partners may pause
    assert await call("DELETE", None, 403) == "Forbidden"  # one-way apps cannot DELETE
    await api(
        session, sim, INTEGRATIONS, "nope", method="POST", json_body={}, expect=401
    )
    sim.state.accounts[DEFAULT_ACCOUNT_ID].integration_status = "none"
    assert await call("PATCH", {"status": "completed"}, 404) == "Not Found"


async def test_uninstall_revokes_everything(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> None:
    """Uninstall: app_integration_removed webhook, then 401 everywhere, refresh refused."""
    install = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    tokens = partner.tokens[0]
    token = tokens["access_token"]
    await api(session, sim, INTEGRATIONS, token, method="POST", json_body=install)
    await api(
        session,
        sim,
        INTEGRATIONS,
        token,
        method="PATCH",
        json_body={"status": "completed"},
    )
    result = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/uninstall")
    assert result["revoked_tokens"] == 2
    assert result["request_id"]
    await sim.state.webhooks.drain()
    types = [json.loads(raw)["data"]["type"] for raw, _ in partner.webhooks]
    assert types[-1] == "app_integration_removed"
    for path in ("/v1/devices", f"/v1/devices/{FRONT_DOOR_ID}/status"):
        body = await api(session, sim, path, token, expect=401)
        assert body == {
            "errors": [
                {
                    "status": "401",
                    "title": "Invalid Client",
                    "detail": "Invalid or expired access token",
                }
            ]
        }
    await api(session, sim, "/v1/users/me", token, expect=403)
    assert (await refresh(session, sim, tokens["refresh_token"], expect=400))[
        "error"
    ] == ("invalid_grant")
    state = await control(session, sim, "/state", method="GET")
    assert state["accounts"][0]["linked"] is False


async def test_partner_initiated_delete(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Partner-initiated links can be deleted by the partner (204, then 401)."""
    tokens = await link_account(session, sim)
    sim.state.accounts[DEFAULT_ACCOUNT_ID].link_method = "oauth"
    async with session.delete(
        f"{sim.base_url}{INTEGRATIONS}",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ) as response:
        assert response.status == 204
    await api(session, sim, "/v1/devices", tokens["access_token"], expect=401)

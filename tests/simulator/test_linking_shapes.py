"""Switchable linking readings: how the code reaches the Token Exchange URL, answer shapes."""

import aiohttp
import pytest

from simulator import Simulator
from simulator.ids import ManualClock
from simulator.scenario import DEFAULT_ACCOUNT_ID

from .helpers import api, control
from .partner import Partner

INTEGRATIONS = "/v1/accounts/me/app-integrations"


@pytest.mark.parametrize("shape", ["form", "json", "query"])
async def test_token_exchange_shapes(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, shape: str
) -> None:
    """The code arrives as a form field, a JSON body or a query parameter, as switched."""
    await control(session, sim, "/config", {"token_exchange_shape": shape})
    await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    assert partner.exchange_shapes == [shape]
    assert partner.account_ids == [DEFAULT_ACCOUNT_ID]
    await control(session, sim, "/config", {"token_exchange_shape": "xml"}, expect=400)


async def test_app_integrations_jsonapi_answers(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, clock: ManualClock
) -> None:
    """With `app_integration_answer: jsonapi` POST and PATCH answer JSON:API documents."""
    await control(session, sim, "/config", {"app_integration_answer": "jsonapi"})
    install = await control(session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/install")
    token = partner.tokens[0]["access_token"]
    body = await api(
        session,
        sim,
        INTEGRATIONS,
        token,
        method="POST",
        json_body={"nonce": install["nonce"]},
    )
    assert body == {
        "meta": {"time": sim.state.meta()["time"]},
        "data": {
            "type": "app-integrations",
            "id": DEFAULT_ACCOUNT_ID,
            "attributes": {"status": "awaiting"},
        },
    }
    clock.advance(1)
    body = await api(
        session,
        sim,
        INTEGRATIONS,
        token,
        method="PATCH",
        json_body={"status": "completed", "account_identifier": "u***r@example.com"},
    )
    assert body["data"]["attributes"] == {
        "account_identifier": "u***r@example.com",
        "status": "completed",
        "updated_at": sim.state.meta()["time"],
    }
    # Errors keep the JSON:API error shape either way.
    body = await api(
        session, sim, INTEGRATIONS, token, method="POST", json_body={}, expect=400
    )
    assert body["errors"][0]["title"] == "Missing Required Fields"

"""The shared doc's test vectors and pure helpers."""

import base64
import hashlib

import pytest

from simulator.ids import IdFactory, iso_millis, parse_iso_ms, stable_id
from simulator.linking import compute_nonce
from simulator.oauth import pkce_challenge
from simulator.webhooks import compute_signature, device_event_data


def test_nonce_vector() -> None:
    """The nonce test vector of docs/linking.md#nonce-test-vector."""
    nonce = compute_nonce("test-hmac-key", "1771130906289", "ava1.ring.account.XXXYYY")
    assert nonce == "qexVypp7hnEZKz7jsI96n5DEp_jrbDeSKXSYWP5KHHE"
    assert len(nonce) == 43


def test_signature_vector() -> None:
    """The signature test vector of docs/webhooks.md#signature-test-vector."""
    assert (
        compute_signature(b'{"meta":{"version":"1.1"}}', "test-hmac-key")
        == "sha256=f6b72bfca6f536d65c0a04d3b78e1fc105ea9e9f04d70bb724f4872cefb1d269"
    )


def test_pkce_s256() -> None:
    """S256: base64url(sha256(verifier)) without padding."""
    verifier = "dBjftJeZ4CVP-mJ92K1Qd4vf9l2rl3tRaz2gWd6P9aI"
    digest = hashlib.sha256(verifier.encode()).digest()
    assert pkce_challenge(verifier) == base64.urlsafe_b64encode(digest).decode().rstrip(
        "="
    )


def test_ids_are_deterministic_and_opaque() -> None:
    """Seeded ids repeat; stable ids do not reveal their inputs."""
    assert IdFactory(7).opaque("x.") == IdFactory(7).opaque("x.")
    assert IdFactory(7).token() != IdFactory(8).token()
    device = stable_id("ava1.ring.device.", "a", "b")
    status = stable_id("ava1.ring.device.status.", device)
    assert device.removeprefix("ava1.ring.device.") not in status
    assert len(device) > 100


def test_iso_round_trip() -> None:
    """History cursors keep milliseconds."""
    assert parse_iso_ms(iso_millis(1789513622925)) == 1789513622925
    assert parse_iso_ms("2026-09-15T12:45:03Z") == 1789476303000
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_iso_ms("yesterday")


@pytest.mark.parametrize(
    ("placement", "on_data", "in_attributes"),
    [
        ("data.subType", True, False),
        ("attributes.sub_type", False, True),
        ("both", True, True),
    ],
)
def test_motion_subtype_placement(
    placement: str, on_data: bool, in_attributes: bool
) -> None:
    """The motion subtype goes where the switch says (docs/ambiguities.md#motion-subtype-placement)."""
    data = device_event_data(
        "motion_detected", "dev", 5, subtype="human", placement=placement
    )
    assert data["id"] == "dev_human_5"
    assert ("subType" in data) is on_data
    assert ("sub_type" in data["attributes"]) is in_attributes

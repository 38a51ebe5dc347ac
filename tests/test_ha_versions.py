"""The tested Home Assistant versions (scripts/ha_versions.txt) agree with the files that name them."""

import json
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from homeassistant.const import __version__ as HA_VERSION

ROOT = Path(__file__).resolve().parent.parent


def ha_versions() -> list[tuple[str, str, str, str]]:
    """Return the lines of scripts/ha_versions.txt: venv, version, overrides, develop file."""
    lines = (ROOT / "scripts" / "ha_versions.txt").read_text(encoding="utf-8")
    rows = [line.split() for line in lines.splitlines()]
    return [
        (row[0], row[1], row[2], row[3])
        for row in rows
        if row and not row[0].startswith("#")
    ]


def pin(path: Path, name: str) -> str | None:
    """Return the version a requirement file pins a package to."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if (text := line.split("#", 1)[0].strip()) and Requirement(text).name == name:
            return str(Requirement(text).specifier).removeprefix("==")
    return None


def test_hacs_minimum_is_the_oldest_tested() -> None:
    """hacs.json's minimum is the oldest tested release (its first patch, x.y.0).

    HACS must not offer the integration to a Home Assistant older than the oldest release the
    suite runs on; patch releases of that one are accepted as the release itself.
    """
    versions = [Version(row[1]) for row in ha_versions()]
    assert versions == sorted(versions)
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    oldest = versions[0]
    assert hacs["homeassistant"] == f"{oldest.major}.{oldest.minor}.0"


def test_this_run_is_a_tested_version() -> None:
    """The running Home Assistant is one of the tested versions (the venv matches its line)."""
    assert HA_VERSION in [row[1] for row in ha_versions()]


def test_overrides_pin_their_version() -> None:
    """Each overrides file pins the Home Assistant of its line; the develop files name it."""
    for _venv, version, overrides, develop in ha_versions():
        if overrides != "-":
            assert pin(ROOT / overrides, "homeassistant") == version
        header = (ROOT / develop).read_text(encoding="utf-8").splitlines()[0]
        assert f"Home Assistant {version}'s" in header

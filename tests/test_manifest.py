"""Check the integration's packaging: manifest, hacs.json, translations, icons."""

import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "custom_components" / "ring_partner"

# HACS rejects unknown keys in hacs.json (custom_components/hacs/utils/validate.py).
HACS_KEYS = {
    "name",
    "homeassistant",
    "hacs",
    "zip_release",
    "filename",
    "render_readme",
    "content_in_root",
    "country",
    "hide_default_branch",
    "persistent_directory",
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_has_required_keys() -> None:
    """Home Assistant and HACS refuse a custom integration without these keys."""
    manifest = _load(PACKAGE / "manifest.json")
    assert manifest["domain"] == "ring_partner"
    assert manifest["name"] == "Ring Partner API"
    assert AwesomeVersion(manifest["version"]).valid
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert isinstance(manifest["codeowners"], list)
    assert manifest["codeowners"]
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "cloud_push"
    assert manifest["integration_type"] == "hub"
    assert {"application_credentials", "http"} <= set(manifest["dependencies"])
    for requirement in manifest["requirements"]:
        assert "==" in requirement, f"requirement {requirement} is not an exact pin"


def test_hacs_json_only_accepted_keys() -> None:
    """hacs.json carries only keys HACS accepts and the minimum HA version."""
    hacs = _load(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"]
    assert hacs["homeassistant"] == "2026.10.0"


def _strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [
            item
            for key, value in node.items()
            for item in _strings(value, f"{path}.{key}")
        ]
    assert isinstance(node, str), f"{path} is not text"
    return [(path, node)]


def test_translations_are_literal_text() -> None:
    """Custom integrations get no translation build: no [%key:...] references."""
    strings = _strings(_load(PACKAGE / "translations" / "en.json"))
    assert strings
    for path, text in strings:
        assert text.strip(), f"{path} is empty"
        assert "[%key:" not in text, f"{path} references another key"


def test_icons_use_mdi() -> None:
    """Every icon in icons.json is an mdi: icon."""
    for path, icon in _strings(_load(PACKAGE / "icons.json")):
        assert re.fullmatch(r"mdi:[a-z0-9-]+", icon), f"{path}: {icon}"


def test_brand_images_exist() -> None:
    """HACS's brands check passes with brand/icon.png inside the integration."""
    for name in ("icon.png", "logo.png"):
        data = (PACKAGE / "brand" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")


def _pins(lines: list[str]) -> dict[str, str]:
    """Return name -> version of the `name==version` lines of a requirements file."""
    pins: dict[str, str] = {}
    for line in lines:
        requirement = line.split("#", 1)[0].strip()
        if "==" in requirement:
            name, version = requirement.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def test_manifest_requirements_match_the_test_requirements() -> None:
    """The pin Home Assistant installs is the one the tests run with."""
    manifest = _pins(_load(PACKAGE / "manifest.json")["requirements"])
    assert manifest["aiortc"] == "1.16.0"
    tested = _pins((ROOT / "requirements_test.txt").read_text().splitlines())
    for name, version in manifest.items():
        assert tested.get(name) == version, f"{name}: test pin {tested.get(name)}"


def test_manifest_requirements_fit_home_assistants_constraints() -> None:
    """No manifest pin contradicts the installed Home Assistant's package constraints."""
    import homeassistant  # noqa: PLC0415

    constraints = _pins(
        (Path(homeassistant.__file__).parent / "package_constraints.txt")
        .read_text()
        .splitlines()
    )
    for name, version in _pins(
        _load(PACKAGE / "manifest.json")["requirements"]
    ).items():
        assert constraints.get(name, version) == version, name


def test_install_proof_covers_the_manifest_pins() -> None:
    """docs/requirements-install.md shows Home Assistant's installer with each pin, per version."""
    proof = (ROOT / "docs" / "requirements-install.md").read_text()
    for requirement in _load(PACKAGE / "manifest.json")["requirements"]:
        for version in ("2026.10.4", "2026.11.0"):
            section = proof.split(f"== Home Assistant {version}:", 1)
            assert len(section) == 2, f"no run for {version}"
            run = section[1].split("== Home Assistant", 1)[0]
            assert f"{requirement} installed" in run, (version, requirement)
            assert "All installed packages are compatible" in run, version

"""Generate requirements_develop.txt from the installed Home Assistant's integration manifests.

A real `hass` process sets up the always-loaded integrations (bootstrap.py's CORE_INTEGRATIONS and
DEFAULT_INTEGRATIONS), everything named in config/configuration.yaml, and this integration's
dependencies. Before setting one up it processes the requirements of the integration and,
recursively, of its `dependencies`, `after_dependencies` and discovery integrations
(homeassistant/requirements.py). This script follows the same walk over the installed package's
manifests and writes every requirement pinned exactly as Home Assistant asks, so `scripts/setup
--develop` can install them up front instead of Home Assistant installing them at first start.

Each tested Home Assistant (scripts/ha_versions.txt) has its own file, written by that venv's
Python: the running Home Assistant's line names the output and the overrides applied on top of
requirements_test.txt's pins. Run it again when a Home Assistant pin moves:
    .venv/bin/python scripts/gen_develop_requirements.py          # rewrite requirements_develop.txt
    .venv-ha2026.11/bin/python scripts/gen_develop_requirements.py  # requirements_develop_ha2026.11.txt
    scripts/check_requirements                                    # --check in every venv
"""

import argparse
from collections.abc import Iterable
import json
from pathlib import Path
import re
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from homeassistant import bootstrap, requirements as ha_requirements
import homeassistant.components
from homeassistant.const import __version__ as HA_VERSION

ROOT = Path(__file__).resolve().parent.parent
HA_VERSIONS = ROOT / "scripts" / "ha_versions.txt"
TEST_REQUIREMENTS = ROOT / "requirements_test.txt"
CONFIGURATION = ROOT / "config" / "configuration.yaml"
MANIFEST = ROOT / "custom_components" / "ring_partner" / "manifest.json"
COMPONENTS = Path(homeassistant.components.__file__).parent

# Integrations the Ring Partner integration uses or will use (platforms, media, WebRTC).
EXTRA_DOMAINS = {
    "application_credentials",
    "binary_sensor",
    "camera",
    "diagnostics",
    "event",
    "frontend",
    "http",
    "image",
    "media_source",
    "repairs",
    "web_rtc",
}

# Requirements left out on purpose: package name -> why. Home Assistant still starts without
# recovery mode; only the integration named in the comment would fail to set up.
EXCLUDED: dict[str, str] = {}


def manifest(domain: str) -> dict[str, object] | None:
    """Return the manifest of a built-in integration, or None when there is none."""
    path = COMPONENTS / domain / "manifest.json"
    if not path.is_file():
        return None
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def config_domains() -> set[str]:
    """Return the top-level integration keys of config/configuration.yaml."""
    if not CONFIGURATION.is_file():
        return set()
    text = CONFIGURATION.read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z0-9_]+):", text, flags=re.MULTILINE)) - {
        "homeassistant"
    }


def root_domains() -> set[str]:
    """Return the integrations a development `hass` sets up."""
    ours = json.loads(MANIFEST.read_text(encoding="utf-8"))
    domains = set(bootstrap.CORE_INTEGRATIONS) | set(bootstrap.DEFAULT_INTEGRATIONS)
    domains |= config_domains() | EXTRA_DOMAINS
    domains |= set(ours.get("dependencies", [])) | set(
        ours.get("after_dependencies", [])
    )
    return domains - {ours["domain"]}


def walk(roots: Iterable[str]) -> dict[str, dict[str, object]]:
    """Return the manifests reached from roots the way Home Assistant processes requirements."""
    seen: dict[str, dict[str, object]] = {}
    todo = list(roots)
    while todo:
        domain = todo.pop()
        if domain in seen or (data := manifest(domain)) is None:
            continue
        seen[domain] = data
        deps = [*data.get("dependencies", []), *data.get("after_dependencies", [])]  # type: ignore[misc]
        for check, keys in ha_requirements.DISCOVERY_INTEGRATIONS.items():
            if any(key in data for key in keys):
                deps.append(check)
        todo.extend(str(dep) for dep in deps)
    return seen


def version_line() -> tuple[Path, Path | None]:
    """Return the running Home Assistant's develop requirements file and overrides file."""
    for line in HA_VERSIONS.read_text(encoding="utf-8").splitlines():
        if not (fields := line.split()) or fields[0].startswith("#"):
            continue
        _venv, version, overrides, develop = fields
        if version == HA_VERSION:
            return ROOT / develop, None if overrides == "-" else ROOT / overrides
    raise SystemExit(
        f"Home Assistant {HA_VERSION} is not in {HA_VERSIONS.relative_to(ROOT)}"
    )


def pins_of(path: Path) -> dict[str, str]:
    """Return a requirement file's pins keyed by canonical package name."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if (text := line.split("#", 1)[0].strip()) and not text.startswith("-"):
            pins[canonicalize_name(Requirement(text).name)] = text
    return pins


def test_pins(overrides: Path | None) -> dict[str, str]:
    """Return the toolchain's pins in this venv: requirements_test.txt, then the overrides."""
    pins = pins_of(TEST_REQUIREMENTS)
    if overrides is not None:
        pins |= pins_of(overrides)
    return pins


def render(overrides: Path | None) -> str:
    """Return the text of this Home Assistant's develop requirements file."""
    manifests = walk(root_domains())
    wanted: dict[str, tuple[str, set[str]]] = {}
    for domain, data in sorted(manifests.items()):
        for spec in data.get("requirements", []):  # type: ignore[attr-defined]
            name = canonicalize_name(Requirement(spec).name)
            entry = wanted.setdefault(name, (spec, set()))
            entry[1].add(domain)
    pins = test_pins(overrides)
    toolchain = "requirements_test.txt" + (
        f" + {overrides.name}" if overrides is not None else ""
    )
    lines = [
        f"# Runtime requirements of Home Assistant {HA_VERSION}'s always-loaded integrations, of the",
        "# integrations in config/configuration.yaml and of ring_partner's dependencies, pinned as",
        "# their manifests ask. Generated by scripts/gen_develop_requirements.py; do not edit.",
        f"# scripts/setup --develop installs this file on top of {toolchain}.",
        f"# Integrations walked: {len(manifests)}.",
    ]
    for key, (spec, domains) in sorted(wanted.items()):
        used_by = ", ".join(sorted(domains))
        if key in EXCLUDED:
            lines.append(f"# {spec}  # {used_by}: left out, {EXCLUDED[key]}")
        elif key in pins and pins[key] != spec:
            lines.append(f"# {spec}  # {used_by}: {toolchain} pins {pins[key]}")
        elif key not in pins:
            lines.append(f"{spec}  # {used_by}")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write requirements_develop.txt, or check that it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the file is out of date"
    )
    args = parser.parse_args()
    output, overrides = version_line()
    text = render(overrides)
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current != text:
            print(
                f"{output.name} is out of date for Home Assistant {HA_VERSION}; run"
                f" {Path(sys.executable).parent.parent.name}/bin/python"
                " scripts/gen_develop_requirements.py",
                file=sys.stderr,
            )
            return 1
        return 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

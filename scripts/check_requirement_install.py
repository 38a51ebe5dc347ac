"""Prove Home Assistant's own installer puts the manifest's requirements next to Home Assistant.

For each Home Assistant version: a fresh venv in /tmp, `homeassistant==VERSION` installed into
it, then every requirement of manifest.json installed by Home Assistant's installer
(`homeassistant.util.package.install_package`, which runs `uv pip install` with Home Assistant's
`package_constraints.txt` as `--constraint`), then `uv pip check` for conflicts, and an import
of aiortc and av. Needs network access to PyPI. Results go to docs/requirements-install.md by hand.

Run: `.venv/bin/python scripts/check_requirement_install.py 2026.10.4 2026.11.0`
"""

import json
from pathlib import Path
import subprocess
import sys
import tempfile

MANIFEST = Path(__file__).parent.parent / "custom_components/ring_partner/manifest.json"

INSTALL = """
import sys
from pathlib import Path
import homeassistant
from homeassistant.util.package import install_package
constraints = Path(homeassistant.__file__).parent / "package_constraints.txt"
for requirement in sys.argv[1:]:
    ok = install_package(requirement, upgrade=False, constraints=str(constraints))
    print(requirement, "installed" if ok else "FAILED")
    if not ok:
        sys.exit(1)
import aiortc, av
print("aiortc", aiortc.__version__, "av", av.__version__)
"""


def run(*args: str) -> str:
    """Run a command, echo and return its output; stop on failure."""
    print("$", " ".join(args), flush=True)
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip()
    print(output, flush=True)
    if result.returncode:
        sys.exit(f"failed with exit code {result.returncode}")
    return output


def check(version: str, requirements: list[str]) -> None:
    """Install one Home Assistant version, then the requirements through its installer."""
    with tempfile.TemporaryDirectory(prefix=f"ha-{version}-") as tmp:
        venv = Path(tmp) / "venv"
        python = str(venv / "bin/python")
        uv = (sys.executable, "-m", "uv")
        run(*uv, "venv", "--quiet", "--python", sys.executable, "--seed", str(venv))
        # Home Assistant's installer runs `python -m uv`, so uv goes in first, as it does
        # with Home Assistant (uv is one of its requirements).
        run(
            *uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            python,
            f"homeassistant=={version}",
        )
        run(python, "-c", INSTALL, *requirements)
        run(*uv, "pip", "check", "--python", python)
        run(*uv, "pip", "show", "--python", python, "aiortc", "av", "homeassistant")


def main() -> None:
    """Check every version given on the command line."""
    requirements = json.loads(MANIFEST.read_text())["requirements"]
    for version in sys.argv[1:]:
        print(f"== Home Assistant {version}: {requirements}", flush=True)
        check(version, requirements)


if __name__ == "__main__":
    main()

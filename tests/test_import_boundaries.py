"""Guard the two independent readings of Ring's docs: import boundaries by AST walk."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "custom_components" / "ring_partner" / "client"
SIMULATOR = ROOT / "simulator"


def _imports(path: Path, package_root: Path) -> Iterator[tuple[int, str]]:
    """Yield (line, absolute module) for every import in a file.

    Relative imports are resolved against the file's package; one that climbs out of
    `package_root` is reported as "<outside>:<module>".
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    package = path.parent.relative_to(package_root.parent).parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module or ""
                continue
            keep = len(package) - (node.level - 1)
            if keep < 1:
                yield node.lineno, f"<outside>:{'.' * node.level}{node.module or ''}"
                continue
            base = ".".join(package[:keep])
            yield node.lineno, f"{base}.{node.module}" if node.module else base


def _violations(package_root: Path, banned: tuple[str, ...]) -> list[str]:
    """Return banned or escaping imports under package_root."""
    found: list[str] = []
    for path in sorted(package_root.rglob("*.py")):
        for line, module in _imports(path, package_root):
            if module.startswith("<outside>") or any(
                module == ban or module.startswith(f"{ban}.") for ban in banned
            ):
                found.append(
                    f"{path.relative_to(package_root.parent)}:{line}: {module}"
                )
    return found


def _client_imports() -> list[str]:
    """Return the client's forbidden imports."""
    return _violations(
        CLIENT,
        (
            "homeassistant",
            "simulator",
            "custom_components",
        ),
    )


def test_client_is_independent() -> None:
    """client/ imports neither Home Assistant, the simulator nor its parent package."""
    assert list(CLIENT.rglob("*.py"))
    assert _client_imports() == []


def test_simulator_is_independent() -> None:
    """simulator/ imports neither Home Assistant nor custom_components."""
    if not SIMULATOR.is_dir():
        pytest.skip("simulator not present")
    assert _violations(SIMULATOR, ("homeassistant", "custom_components")) == []


@pytest.mark.parametrize(
    ("source", "offending"),
    [
        ("import homeassistant.core\n", "homeassistant.core"),
        ("from homeassistant import core\n", "homeassistant"),
        ("from simulator.app import Simulator\n", "simulator.app"),
        ("from .. import const\n", "<outside>"),
        ("from ..const import DOMAIN\n", "<outside>"),
        ("from custom_components.ring_partner import const\n", "custom_components"),
        ("def f():\n    import homeassistant\n", "homeassistant"),
    ],
)
def test_walker_catches_violations(tmp_path: Path, source: str, offending: str) -> None:
    """The walker flags every kind of forbidden import, even nested ones."""
    package = tmp_path / "client"
    package.mkdir()
    (package / "__init__.py").write_text("from .auth import x\nimport aiohttp\n")
    (package / "bad.py").write_text(source)
    violations = _violations(
        package, ("homeassistant", "simulator", "custom_components")
    )
    assert len(violations) == 1
    assert offending in violations[0]

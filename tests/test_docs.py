"""The repository's docs stand alone: every link into `docs/` names a file and heading there."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
import re

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCANNED_DIRS = ("custom_components", "simulator", "tests", "bench", "scripts", "docs")
SCANNED_SUFFIXES = frozenset({".py", ".md", ".yaml", ".json", ".toml", ".txt", ".html"})
# A pointer from anywhere, as code comments write them: docs/ring-api.md#rate-limits.
DOCS_POINTER = re.compile(r"docs/([A-Za-z0-9_-]+\.md)(?:#([A-Za-z0-9_-]+))?")
# A relative Markdown link inside docs/: [text](media.md#image-errors), [text](#watermark).
DOCS_LINK = re.compile(r"\]\(([A-Za-z0-9_-]+\.md)?(?:#([A-Za-z0-9_-]+))?\)")
HEADING = re.compile(r"#{1,6}\s+(.+?)\s*#*\s*$")
# Section signs and names of documents outside the repository; `[-]` keeps a plain grep for
# those names from finding this line.
OUTSIDE_DOCS = re.compile(r"\N{SECTION SIGN}|ring-partner[-]api|house[-]style")

type Link = tuple[str, str, str | None]  # (where, docs file, anchor)


def github_slug(heading: str) -> str:
    """Return GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Return every heading anchor of a Markdown text; repeated headings get -1, -2, ..."""
    found: set[str] = set()
    counts: Counter[str] = Counter()
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced or not (match := HEADING.match(line)):
            continue
        slug = github_slug(match.group(1))
        found.add(f"{slug}-{counts[slug]}" if counts[slug] else slug)
        counts[slug] += 1
    return found


def _text_files() -> Iterator[Path]:
    """Yield the repository's text files that may point into docs/."""
    yield from sorted(ROOT.glob("*.md"))
    for top in SCANNED_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in SCANNED_SUFFIXES and path.is_file():
                yield path


def _links(path: Path, pattern: re.Pattern[str], base: Path | None) -> Iterator[Link]:
    """Yield the docs links in a file; `base` resolves links without a file name."""
    text = path.read_text(encoding="utf-8")
    for match in pattern.finditer(text):
        name, anchor = match.groups()
        if name is None and anchor is None:
            continue
        target = name or (base.name if base else "")
        line = text.count("\n", 0, match.start()) + 1
        yield f"{path.relative_to(ROOT)}:{line}", target, anchor


def _broken(links: list[Link]) -> list[str]:
    """Return a description of every link whose file or heading does not exist."""
    headings = {
        path.name: anchors(path.read_text(encoding="utf-8"))
        for path in DOCS.glob("*.md")
    }
    broken = []
    for where, name, anchor in links:
        if name not in headings:
            broken.append(f"{where}: docs/{name} does not exist")
        elif anchor is not None and anchor not in headings[name]:
            broken.append(f"{where}: docs/{name} has no heading #{anchor}")
    return broken


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Bad token on users me", "bad-token-on-users-me"),
        ("Consent-aware stills", "consent-aware-stills"),
        ("Token Exchange URL", "token-exchange-url"),
        ("`X-Media-Origin` and `Retry-After`", "x-media-origin-and-retry-after"),
        ("Ring's [WHEP](media.md) answer", "rings-whep-answer"),
        ("snake_case stays", "snake_case-stays"),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    """Anchors follow GitHub's rule, so links that work here work on GitHub too."""
    assert github_slug(heading) == slug


def test_anchors_number_repeats_and_skip_code() -> None:
    """A repeated heading gets a numbered anchor; a `#` line in a code block is no heading."""
    text = "# Notes\n## Errors\n```\n# not a heading\n```\n### Errors\n"
    assert anchors(text) == {"notes", "errors", "errors-1"}


def test_docs_pointers_resolve() -> None:
    """Every `docs/<file>.md#<anchor>` in code, tests, scripts and Markdown has its target."""
    links = [
        link for path in _text_files() for link in _links(path, DOCS_POINTER, None)
    ]
    # The code cites docs/ throughout; finding few pointers means the scan is broken.
    assert len(links) > 50
    assert _broken(links) == []


def test_links_between_docs_resolve() -> None:
    """Relative links between the files of docs/ (and within one) have their targets."""
    links = [
        link
        for path in sorted(DOCS.glob("*.md"))
        for link in _links(path, DOCS_LINK, path)
    ]
    assert len(links) > 20
    assert _broken(links) == []


@pytest.mark.parametrize(
    "top", ["custom_components", "simulator", "tests", "bench", "scripts"]
)
def test_code_cites_no_outside_document(top: str) -> None:
    """Comments point into docs/, not at section numbers of a document nobody can open."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / top).rglob("*"))
        if path.suffix in {".py", ".md", ".sh"} or path.parent.name == "scripts"
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE_DOCS.search(line)
    ]
    assert found == []

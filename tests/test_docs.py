"""The README and docs/ stay true: every file or folder of the repository they name exists, every link
between them resolves, and the README stays a front door (at most about 150 lines)."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", REPO / "dbt_project" / "README.md", *sorted((REPO / "docs").glob("*.md"))]
TOP = ("scoring/", "dbt_project/", "tests/", "docs/", "benchmarks/", ".ci/")
# A path in backticks that starts at a top-level folder of the repository, e.g. `scoring/build/checks/`.
NAMED = re.compile(r"`((?:" + "|".join(re.escape(t) for t in TOP) + r")[A-Za-z0-9_./<>-]*)`")
LINK = re.compile(r"\]\(([^)#:]+)(?:#[^)]*)?\)")


def _concrete(path: str) -> bool:
    return "<" not in path and "*" not in path


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_path_a_page_names_exists(page: Path):
    named = [m for m in NAMED.findall(page.read_text()) if _concrete(m)]
    missing = [m for m in named if not (REPO / m.split(" ")[0]).exists()]
    assert not missing, f"{page.name} names paths that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_between_pages_resolves(page: Path):
    broken = [link for link in LINK.findall(page.read_text()) if not (page.parent / link).exists()]
    assert not broken, f"{page.name} links to missing files: {broken}"


def test_the_readme_is_a_front_door_of_at_most_150_lines():
    assert len((REPO / "README.md").read_text().splitlines()) <= 150

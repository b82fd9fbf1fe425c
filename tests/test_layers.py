"""The layers of scoring/: each subpackage imports only the layers below it (its docstring says which),
and no product module or product test imports the benchmarks."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOUNDATION = {"settings", "tasks", "errors", "stages"}
# What each part of scoring/ may import, besides the foundation (and itself).
ALLOWED = {
    "foundation": set(),
    "model": set(),
    "explain": {"model"},
    "decide": {"model", "explain"},
    "store": {"model"},
    "monitor": {"store", "model"},
    "build": {"store", "monitor"},
    "report": {"model", "explain", "decide"},
    "run": {"model", "explain", "decide", "store", "report", "monitor"},
    "generate": {"build"},
    "cli": {"build", "store", "model", "explain", "decide", "report", "run", "generate", "monitor"},
}


def _part(module: str) -> str:
    """The layer of a dotted module under scoring (scoring.model.dataset -> model)."""
    name = module.split(".")[1] if module.count(".") else ""
    return "foundation" if name in FOUNDATION else name or "package"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
    return found


def _modules() -> list[Path]:
    return sorted((REPO / "scoring").rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_a_module_imports_only_the_layers_below_it(path: Path):
    module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    part = _part(module) if module != "scoring.cli" else "cli"
    assert part in ALLOWED or part == "package", (
        f"{module}: a new part of scoring/ needs its place in ALLOWED"
    )
    allowed = ALLOWED.get(part, set()) | {part, "foundation"}
    wrong = sorted(
        name
        for name in _imports(path)
        if name.startswith("scoring.")
        and _part(name) != "package"
        and _part(name) not in allowed
        and not (part == "foundation" and _part(name) == "foundation")
    )
    assert not wrong, f"{module} ({part}) imports from a layer above it: {wrong}"


def test_top_level_of_scoring_holds_about_ten_modules():
    top = [p.name for p in (REPO / "scoring").iterdir() if p.suffix == ".py"]
    assert len(top) <= 10, top


def test_product_code_and_tests_never_import_the_benchmarks():
    paths = [*_modules(), *sorted((REPO / "tests").rglob("*.py"))]
    offenders = [
        str(p.relative_to(REPO)) for p in paths if any(n.split(".")[0] == "benchmarks" for n in _imports(p))
    ]
    assert not offenders

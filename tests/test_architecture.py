"""The shape of the code: imports run one way, at module level; a typed, documented public API."""

from __future__ import annotations

import ast
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ocop_geo

PACKAGE = Path(ocop_geo.__file__).parent
ROOT = PACKAGE.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _own_imports_inside_functions(path: Path) -> list[str]:
    """``file:line`` of every import of an ocop_geo module made inside a function or class body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for inner in ast.walk(node):
            own = (isinstance(inner, ast.ImportFrom) and (inner.level > 0 or (inner.module or "").startswith("ocop_geo"))) or (
                isinstance(inner, ast.Import) and any(a.name.startswith("ocop_geo") for a in inner.names))  # fmt: skip
            if own:
                found.append(f"{path.name}:{inner.lineno}")
    return sorted(set(found))


def test_own_modules_are_imported_at_module_level_only():
    hidden = [hit for path in sorted(PACKAGE.glob("*.py")) for hit in _own_imports_inside_functions(path)]
    assert hidden == [], f"imports of our own modules inside functions hide cycles: {hidden}"


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is installed by `make test`")
def test_an_upward_import_breaks_the_one_way_contract(tmp_path):
    """The contracts in pyproject.toml catch a cycle: a copy of the package whose text module imports the CLI."""
    copy = tmp_path / "ocop_geo"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    with (copy / "textnorm.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom . import cli  # noqa: E402 - the upward import under test\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {"PYTHONPATH": str(tmp_path), "PATH": str(LINT_IMPORTS.parent)}
    broken = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "ocop_geo.textnorm -> ocop_geo.cli" in broken.stdout
    kept = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert kept.returncode == 0, kept.stdout


def _public_callables():
    for name in ocop_geo.__all__:
        obj = getattr(ocop_geo, name)
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj) and not issubclass(obj, Exception):
            yield name, obj
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and isinstance(member, classmethod | staticmethod):
                    yield f"{name}.{attr}", member.__func__
                elif not attr.startswith("_") and inspect.isfunction(member):
                    yield f"{name}.{attr}", member


def test_public_api_is_importable_typed_and_documented():
    assert sorted(ocop_geo.__all__) == sorted(set(ocop_geo.__all__))
    expected = {"load_registry", "geocode_frame", "reverse_geocode", "load_network", "travel_time_matrix",
                "route_between", "RouteSpec", "load_spec", "plan_route", "Itinerary", "route_map", "producer_map",
                "write_export", "publish_site"}  # fmt: skip
    assert expected <= set(ocop_geo.__all__)
    problems = []
    for name, obj in _public_callables():
        if not (obj.__doc__ or "").strip():
            problems.append(f"{name}: no docstring")
        if inspect.isclass(obj):
            continue
        hints = {k: v for k, v in obj.__annotations__.items()}
        params = [p for p in inspect.signature(obj).parameters.values() if p.name not in ("self", "cls")]
        for p in params:
            if p.name not in hints:
                problems.append(f"{name}({p.name}): no type hint")
        if "return" not in hints:
            problems.append(f"{name}: no return type")
        for key, hint in hints.items():
            if "Any" in str(hint).replace("Mapping", ""):
                problems.append(f"{name}: {key} is typed Any ({hint})")
    assert problems == []

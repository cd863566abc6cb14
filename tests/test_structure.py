"""scripts/check_structure.py: modules of at most 400 lines and no import cycles, on synthetic packages
and on micro/ itself."""

import importlib.util
import subprocess
import sys
import textwrap

import pytest

from support.paths import ROOT

SCRIPT = ROOT / "scripts" / "check_structure.py"


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_structure", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


checker = _load_checker()


def _package(tmp_path, files: dict[str, str]):
    """Write pkg/<relative path> for each file (dedented) and return the package folder."""
    pkg = tmp_path / "pkg"
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return pkg


def _run(pkg, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(pkg), *args], capture_output=True, text=True)


CLEAN = {
    "__init__.py": "from pkg.a import f\nfrom pkg import b\n",
    "a.py": "import json\n\nfrom pkg.b import g\n\n\ndef f():\n    return g()\n",
    "b.py": "def g():\n    return 1\n",
    "sub/__init__.py": "from pkg.sub.c import h\n",
    "sub/c.py": "import pkg.sub.d as d\nfrom pkg.sub.d import k\n\n\ndef h():\n    return d.k() + k()\n",
    "sub/d.py": "from .e import VALUE\n\n\ndef k():\n    return VALUE\n",
    "sub/e.py": "import pkg.b\n\nVALUE = 2\n",
}


def test_clean_package_passes(tmp_path):
    """Package __init__s import their submodules, which import siblings through the package path."""
    res = _run(_package(tmp_path, CLEAN))
    assert res.returncode == 0, res.stdout
    assert res.stdout.splitlines() == ["imports inside functions: 0 (0 of pkg modules)", "structure ok"]


def test_module_level_cycle(tmp_path):
    pkg = _package(tmp_path, {**CLEAN, "b.py": "from pkg.sub.e import VALUE\n", "sub/e.py": "import pkg.b as b\n"})
    res = _run(pkg)
    assert res.returncode == 1
    assert "import cycle among pkg.b, pkg.sub.e: pkg.b -> pkg.sub.e -> pkg.b" in res.stdout
    assert res.stdout.splitlines()[-1] == "structure check FAILED"


def test_import_inside_a_function_closes_a_cycle(tmp_path):
    pkg = _package(tmp_path, {**CLEAN, "b.py": "def g():\n    from pkg.a import f\n    import os\n    return f\n"})
    res = _run(pkg)
    assert res.returncode == 1
    assert "import cycle among pkg.a, pkg.b: pkg.a -> pkg.b -> pkg.a" in res.stdout
    assert "imports inside functions: 2 (1 of pkg modules)" in res.stdout


def test_relative_import_cycle(tmp_path):
    pkg = _package(tmp_path, {**CLEAN, "sub/e.py": "from .c import h\n\nVALUE = 2\n"})
    report = checker.check(pkg)
    assert [c.modules for c in report.cycles] == [["pkg.sub.c", "pkg.sub.d", "pkg.sub.e"]]
    assert report.cycles[0].example == ["pkg.sub.c", "pkg.sub.d", "pkg.sub.e", "pkg.sub.c"]


def test_importing_a_name_from_the_own_package_init_is_a_cycle(tmp_path):
    """pkg/__init__ imports pkg.a, and pkg.a imports a name defined in pkg/__init__ (not a submodule)."""
    pkg = _package(tmp_path, {**CLEAN, "__init__.py": "from pkg.a import f\n\nNAME = 'pkg'\n",
                              "a.py": "from pkg import NAME\n\n\ndef f():\n    return NAME\n"})
    assert [c.modules for c in checker.check(pkg).cycles] == [["pkg", "pkg.a"]]


@pytest.mark.parametrize("lines,ok", [(400, True), (401, False)])
def test_module_size_limit(tmp_path, lines, ok):
    pkg = _package(tmp_path, {**CLEAN, "sub/big.py": "x = 1\n" * lines})
    res = _run(pkg)
    assert (res.returncode == 0) == ok, res.stdout
    assert (f"too long: pkg/sub/big.py has {lines} lines (limit 400)" in res.stdout) != ok


def test_size_limit_option(tmp_path):
    res = _run(_package(tmp_path, CLEAN), "--max-lines", "5")
    assert res.returncode == 1 and "too long: pkg/a.py has 7 lines (limit 5)" in res.stdout


def test_micro_testing_passes_the_structure_check():
    report = checker.check(ROOT / "micro")
    assert not [path for path in report.oversized if path.startswith("micro/testing/")], report.oversized
    assert not [c.modules for c in report.cycles if any(m.startswith("micro.testing") for m in c.modules)]


def test_micro_package_structure():
    """The whole package; fails until every module is under 400 lines and no import cycle is left."""
    res = _run(ROOT / "micro")
    assert res.returncode == 0, res.stdout


def test_importing_a_submodule_through_its_package_from_inside_is_a_cycle(tmp_path):
    """`from pkg import b` in a module pkg's __init__ imports runs that __init__ first: a real cycle (the
    same rule as the project's before-stop check)."""
    res = _run(_package(tmp_path, {**CLEAN, "a.py": "from pkg import b\n\n\ndef f():\n    return b.g()\n"}))
    assert res.returncode == 1 and "import cycle among pkg, pkg.a" in res.stdout, res.stdout

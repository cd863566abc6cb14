"""Test session setup. Shared helpers live in tests/support (see its docstring) and are imported as
`from support.<module> import ...`: pyproject.toml puts tests/ on sys.path (pytest `pythonpath`)."""

from support.paths import SHARED


def pytest_report_header() -> str:
    return f"shared corpus (MICRO_SHARED): {SHARED}"

"""Where the repository and the shared corpus are, and the external tools a test needs.

The shared corpus is the folder MICRO_SHARED names (default: `shared/` next to the repository).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MICRO_SHARED", ROOT.parent / "shared")).resolve()
MODELS = SHARED / "models"
OPS = MODELS / "ops"
DATA = SHARED / "data"
IN_CI = bool(os.environ.get("CI"))


def need_tool(name: str) -> str:
    """The path of a tool the test needs. In CI a missing tool is a failure, not a skip."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed: .ci/run must install it")
        pytest.skip(f"{name} is not installed here (apt-get install it; CI installs it)")
    return path

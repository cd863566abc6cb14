"""`micro ops` / docs/ops.md: every TFLite builtin op against micro's op modules (TYPES) and the pinned
TFLM's op resolver; the doc cannot drift from the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from micro.dtypes import C_TYPES, FLOAT_DTYPES
from micro.ops import OP_MODULES, supported_kinds
from micro.ops_table import custom_kinds, markdown, op_rows
from micro.verify.tflm_ops import builtin_ops, tflm_custom_ops, tflm_ops

from support.paths import ROOT, need_tool

import tflite_micro.python.tflite_micro.runtime as tflm_runtime  # noqa: E402  (the oracle)

DOC = ROOT / "docs" / "ops.md"


def test_docs_ops_md_is_up_to_date():
    assert DOC.read_text() == markdown(op_rows()), "docs/ops.md is out of date: run scripts/generate_ops_doc.py"


def test_every_op_module_declares_its_dtypes():
    for m in OP_MODULES:
        types = getattr(m, "TYPES", None)
        assert isinstance(types, tuple) and types, f"{m.__name__} declares no TYPES"
        assert set(types) <= set(C_TYPES) - set(FLOAT_DTYPES), f"{m.__name__}.TYPES {types}"


def test_tflm_ops_match_the_shipped_library():
    """The interpreter probe against the library's own registration functions (Register_<OP>): the same
    builtin ops, so the probe neither misses an op nor counts a crash as one."""
    need_tool("nm")
    lib = Path(tflm_runtime.__file__).with_name("_runtime.so")
    symbols = subprocess.run(["nm", "-C", str(lib)], capture_output=True, text=True, check=True).stdout
    registered = set(re.findall(r"Register_([A-Z0-9_]+)\(", symbols)) & set(builtin_ops())
    assert tflm_ops() == registered
    assert len(registered) > 60


def test_micro_supports_only_ops_tflm_has():
    assert set(supported_kinds()) <= tflm_ops() | tflm_custom_ops(custom_kinds())
    assert {"CUSTOM:SignalRfft", "CUSTOM:SignalPCAN"} <= set(custom_kinds())


def test_custom_op_probe_tells_missing_from_present():
    assert tflm_custom_ops(("CUSTOM:SignalWindow", "CUSTOM:MicroTestNoSuchOp")) == {"CUSTOM:SignalWindow"}


def test_micro_ops_prints_every_builtin_op():
    res = subprocess.run([sys.executable, "-m", "micro", "ops"], capture_output=True, text=True, check=True)
    listed = {line.split()[0] for line in res.stdout.splitlines()[2:] if line.strip() and "TFLite" not in line}
    assert listed == set(builtin_ops()) | set(custom_kinds())
    assert re.search(r"^CONV_2D\s+int8, int16\s+yes$", res.stdout, re.M), res.stdout
    assert re.search(r"^LSH_PROJECTION\s+-\s+-$", res.stdout, re.M), res.stdout

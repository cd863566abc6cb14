"""The command line as a user runs it."""

import json
import subprocess
import sys

import numpy as np

from micro.cli import main

from support.corpus import shared_model
from support.op_models import NEVER_SUPPORTED_OPS, never_supported_model

KWS = str(shared_model("mlperf_tiny_kws_ref_model"))


def test_compile_writes_c_and_prints_arena(tmp_path, capsys):
    assert main(["compile", KWS, "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "arena:" in out and "TFLM arena" in out
    names = {p.name for p in tmp_path.iterdir()}
    assert {"mlperf_tiny_kws_ref_model.h", "mlperf_tiny_kws_ref_model.c",
            "mlperf_tiny_kws_ref_model_weights.c", "mn_kernels.h", "mn_fixedpoint.h"} <= names


def test_inspect_table_and_json(capsys):
    assert main(["inspect", KWS]) == 0
    text = capsys.readouterr().out
    assert "DEPTHWISE_CONV_2D" in text and "MACs" in text and "arena:" in text
    assert main(["inspect", KWS, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["supported"] and info["arena_bytes"] > 0 and info["macs"] > 2_000_000
    assert info["tflm_arena"]["total"] > info["arena_bytes"]
    assert len(info["ops"]) == 13


def _never_supported(tmp_path):
    path = tmp_path / "never_supported.tflite"
    path.write_bytes(never_supported_model())
    return str(path)


def test_inspect_shows_unsupported_ops_without_failing(tmp_path, capsys):
    assert main(["inspect", _never_supported(tmp_path), "--no-oracle"]) == 0
    assert "NOT SUPPORTED" in capsys.readouterr().out


def test_compile_unsupported_model_fails_cleanly(tmp_path, capsys):
    assert main(["compile", _never_supported(tmp_path), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert NEVER_SUPPORTED_OPS[0] in err and "op #1" in err
    assert not (tmp_path / "o").exists()


def test_verify_random_and_npy_input(tmp_path, capsys):
    x = np.random.default_rng(3).integers(-128, 128, size=(2, 1, 49, 10, 1)).astype(np.int8)
    np.save(tmp_path / "x.npy", x)
    assert main(["verify", KWS, "--random", "2", "--input", str(tmp_path / "x.npy")]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("BIT-EXACT") and "4 input set(s)" in line and "0 bytes differing" in line


def test_verify_needs_something_to_run(capsys):
    assert main(["verify", KWS]) == 2
    assert "--random" in capsys.readouterr().err


def test_console_entry_point_runs():
    res = subprocess.run([sys.executable, "-m", "micro", "ops"], capture_output=True, text=True)
    assert res.returncode == 0 and "CONV_2D" in res.stdout.split()


def test_plan_table_json_and_picture(tmp_path, capsys):
    png = tmp_path / "plan.png"
    assert main(["plan", KWS, "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "lower bound" in out and "TFLM" in out and "may overlap" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plan", KWS, "--json", "--no-png"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["arena_bytes"] >= plan["lower_bound_bytes"] > 0
    assert plan["execution_order"] and plan["overlaps"]
    b = plan["buffers"][0]
    assert {"size", "first_use", "last_use", "offset"} <= set(b)

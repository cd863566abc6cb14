"""The command line as a user runs it."""

import argparse
import json
import re
import subprocess
import sys

import numpy as np

from micro.cli import main
from micro.cli.model_commands import compile_for
from micro.compiler import compile_model
from micro.frontend import load_model
from micro.testing.tflite_builder import ModelBuilder
from micro.verify.inputs import load_input_sets

from support.corpus import shared_model
from support.hostile import hostile_model, hostile_names
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
    assert main(["plan", KWS, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["arena_bytes"] >= plan["lower_bound_bytes"] > 0
    assert plan["execution_order"] and plan["overlaps"]
    b = plan["buffers"][0]
    assert {"size", "first_use", "last_use", "offset"} <= set(b)


HELLO = str(shared_model("tflm_hello_world_int8"))
PERSON = str(shared_model("tflm_person_detect"))


def test_plan_with_a_ram_budget_shows_the_schedule_or_the_smallest_peak(tmp_path, capsys):
    """As the README runs it: a budget the whole-tensor plan misses is met with patches, shown in the table,
    the JSON and the picture; a budget below what micro reaches fails with that number; --no-patches and
    --board (its RAM the default budget) keep every tensor whole where it fits."""
    png = tmp_path / "plan.png"
    assert main(["plan", PERSON, "--ram-budget", "20K", "--no-oracle", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "schedule: RAM budget 20,480 B (arena + state): " in out and "tiles of <=" in out, out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plan", PERSON, "--ram-budget", "20480", "--no-oracle", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    sched = plan["schedule"]
    assert plan["arena_bytes"] <= 20480 and sched["ram_budget"] == 20480 and sched["patches"]
    assert sched["extra_macs"] == sum(p["extra_macs"] for p in sched["patches"]) > 0
    _fails_cleanly(["plan", PERSON, "--ram-budget", "8K", "--no-oracle"], capsys,
                   "does not fit a RAM budget of 8,192 bytes", "the smallest peak micro reaches is")
    for argv in (["--no-patches"], ["--board", "nano33ble"]):
        assert main(["plan", PERSON, "--no-oracle", "--json", *argv]) == 0
        assert json.loads(capsys.readouterr().out)["schedule"]["patches"] == []


def test_board_commands_take_the_boards_ram_as_the_default_budget(capsys):
    """inspect/verify/run/firmware/build compile the schedule `micro build --board` builds: the cheapest that fits
    the board's RAM; where none fits (microbit), the default schedule and the budget check says what is over
    (compile and plan, without fallback, say the smallest peak instead)."""
    model = load_model(PERSON)
    args = dict(ram_budget=None, no_patches=False, framework=None)
    nano = compile_for(argparse.Namespace(board="nano33ble", **args), model, fallback=True)
    microbit = compile_for(argparse.Namespace(board="microbit", **args), model, fallback=True)
    assert nano.plan.arena_bytes == compile_model(model, patches=False).plan.arena_bytes
    assert microbit.plan.arena_bytes == compile_model(model).plan.arena_bytes < nano.plan.arena_bytes
    assert main(["verify", PERSON, "--random", "1", "--ram-budget", "16K"]) == 0
    assert "BIT-EXACT" in capsys.readouterr().out


def test_plan_writes_no_file_unless_asked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["plan", HELLO, "--json", "--no-oracle"]) == 0
    assert main(["plan", HELLO, "--no-oracle"]) == 0
    assert list(tmp_path.iterdir()) == []


def _fails_cleanly(argv, capsys, *needles) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("micro: error: ") and "Traceback" not in err, err
    for n in needles:
        assert n in err, err


def test_unwritable_outputs_are_clean_errors(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for out in (str(a_file), "/dev/null"):
        _fails_cleanly(["compile", HELLO, "--no-oracle", "-o", out], capsys, "is not a directory")
    _fails_cleanly(["compile", HELLO, "--no-oracle", "-o", str(a_file / "sub")], capsys, "cannot write")
    _fails_cleanly(["plan", HELLO, "--no-oracle", "--png", str(a_file / "p.png")], capsys, "cannot write the picture")
    _fails_cleanly(["run", HELLO, "--random", "1", "-o", str(a_file / "o.npy")], capsys, "cannot write the outputs")


def test_unreadable_models_are_clean_errors(tmp_path, capsys):
    _fails_cleanly(["compile", str(tmp_path / "missing.tflite")], capsys, "cannot read model file")
    _fails_cleanly(["inspect", str(tmp_path)], capsys, "cannot read model file")
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"\x10\x00\x00\x00TFL3" + b"\xff" * 40)
    _fails_cleanly(["compile", str(junk)], capsys, "junk")


def test_bad_input_files_are_clean_errors(tmp_path, capsys):
    text = tmp_path / "text.npy"
    text.write_text("1 2 3\n")
    obj = tmp_path / "obj.npy"
    np.save(obj, np.array([None], dtype=object), allow_pickle=True)
    cut = tmp_path / "cut.npy"
    np.save(cut, np.zeros(64, np.int8))
    cut.write_bytes(cut.read_bytes()[:60])
    cases = [(tmp_path / "missing.npy", "cannot read input file"), (text, "not a NumPy .npy or .npz file"),
             (obj, "not a readable NumPy"), (cut, "not a readable NumPy"), (tmp_path, "cannot read input file")]
    for path, needle in cases:
        _fails_cleanly(["verify", HELLO, "--input", str(path)], capsys, needle)


def test_out_of_range_integers_are_refused_unless_clipped(tmp_path, capsys):
    big = tmp_path / "big.npy"
    np.save(big, np.array([1000], np.int64))
    _fails_cleanly(["verify", HELLO, "--input", str(big)], capsys, "outside int8 [-128, 127]", "first: 1000",
                   "--clip")
    assert main(["verify", HELLO, "--input", str(big), "--clip"]) == 0
    assert capsys.readouterr().out.startswith("BIT-EXACT")


def test_real_valued_inputs_are_quantized_with_the_models_parameters(tmp_path, capsys):
    g = load_model(HELLO).main
    t = g.tensors[g.inputs[0]]
    real = np.array([[0.5]], np.float32)
    np.save(tmp_path / "x.npy", real)
    (x,), = load_input_sets([str(tmp_path / "x.npy")], g)
    expected = np.clip(np.floor(0.5 / t.quant.s + 0.5) + t.quant.zp, -128, 127)
    assert x.dtype == np.int8 and int(x.ravel()[0]) == int(expected)
    np.save(tmp_path / "nan.npy", np.array([[np.nan]], np.float32))
    _fails_cleanly(["verify", HELLO, "--input", str(tmp_path / "nan.npy")], capsys, "NaN")


def test_hostile_names_in_terminal_and_json_output(tmp_path, capsys):
    """inspect (table and JSON), plan and error messages with the hostile tensor names: no escape sequence
    or control character reaches the terminal, no line is endless, the JSON is valid and keeps each name."""
    model = tmp_path / "hostile.tflite"
    model.write_bytes(hostile_model(tmp_path / "pwned"))
    assert main(["inspect", str(model), "--no-oracle"]) == 0
    table = capsys.readouterr().out
    assert "\x1b" not in table and "\x07" not in table and "\x00" not in table
    assert max(len(line) for line in table.splitlines()) < 600
    assert main(["inspect", str(model), "--no-oracle", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    names = {io["name"] for io in info["inputs"] + info["outputs"]}
    assert hostile_names(tmp_path / "pwned")[0] in names
    assert main(["plan", str(model), "--no-oracle", "--json"]) == 0
    json.loads(capsys.readouterr().out)
    broken = tmp_path / "broken.tflite"
    b = ModelBuilder()
    x = b.tensor("\x1b[2J" + "y" * 70000, (1, 0), "int8", scale=0.1, zero_point=0)
    y = b.tensor("out\x1b]0;t\x07", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("RESHAPE", [x], [y])
    broken.write_bytes(b.finish())
    assert main(["compile", str(broken), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[2J" in err
    assert max(len(line) for line in err.splitlines()) < 600


def test_compile_with_a_flash_budget_moves_layers_to_int8_weights(tmp_path, capsys):
    assert main(["compile", KWS, "-o", str(tmp_path / "fast"), "--no-oracle"]) == 0
    fast = capsys.readouterr().out
    assert "on int8 weights" not in fast
    assert main(["compile", KWS, "-o", str(tmp_path / "small"), "--no-oracle", "--flash-budget", "40K"]) == 0
    small = capsys.readouterr().out
    assert "layer(s) on int8 weights to fit the flash budget" in small
    def constants(out):
        return int(re.search(r"constants: ([0-9,]+) bytes", out).group(1).replace(",", ""))

    assert constants(small) <= 40 * 1024 < constants(fast)
    assert main(["compile", KWS, "-o", str(tmp_path / "x"), "--flash-budget", "lots"]) == 2
    assert "--flash-budget 'lots': expected a byte count" in capsys.readouterr().err

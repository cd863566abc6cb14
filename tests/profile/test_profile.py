"""`micro profile`: per-op rows that add up to the invoke (exact instructions on QEMU's Cortex-M4, ns on the
host), the JSON schema, the baseline files, the chart, the Cortex-M4 timing model, and proof that the normal
build's code does not change (the marks compile to nothing without MN_PROFILE)."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

from micro.cli import main
from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.deploy.firmware import build_firmware, selftest_vectors
from micro.deploy.firmware_sources import firmware_project
from micro.errors import MicroError
from micro.frontend import load_model
from micro.lowered import KernelCall
from micro.profile.cortex_m4 import CLASSES, Code, Instruction, Tally, _base_mnemonic, segment_cost
from micro.profile.host import profile_on_host
from micro.profile.report import load_baseline
from micro.verify.compare import random_inputs

from support.corpus import shared_model
from support.paths import SHARED, need_tool

HELLO = shared_model("tflm_hello_world_int8")
KWS = shared_model("mlperf_tiny_kws_ref_model")
TFLM_PER_OP = SHARED / "notes" / "tflm-m4-per-op.jsonl"
ROW_KEYS = {"index", "op", "kernel", "shapes", "macs", "instructions", "share"}


def _compiled(path):
    return compile_model(load_model(path))


def _profile_json(capsys, *args) -> dict:
    assert main(["profile", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------------------------------------
# The normal build is untouched
# ---------------------------------------------------------------------------------------------

def _without_marks(generated):
    """The generated files as they were before per-op marks existed: no MN_PROFILE block, no mark lines."""
    files = {}
    for fname, text in generated.files.items():
        text = re.sub(r"\n/\* Per-op profiling.*?#endif\n", "\n", text, flags=re.S)
        files[fname] = re.sub(r"^\s*MN_PROFILE_(MARK\(-?\d+\)|START\(\));\n", "", text, flags=re.M)
    return dataclasses.replace(generated, files=files)


def test_normal_firmware_elf_is_byte_identical_with_and_without_the_marks():
    need_tool("arm-none-eabi-gcc")
    compiled = _compiled(KWS)
    generated = emit_c(compiled)
    stripped = _without_marks(generated)
    model_c = generated.files[f"{compiled.name}.c"]
    assert "MN_PROFILE_MARK(0);" in model_c and "MN_PROFILE_START();" in model_c
    assert "MN_PROFILE" not in stripped.files[f"{compiled.name}.c"]
    for board in ("mps2_an386", "nano33ble"):
        with_marks = build_firmware(compiled, board, builder="gcc", generated=generated)
        without = build_firmware(compiled, board, builder="gcc", generated=stripped)
        assert with_marks.elf != without.elf      # two builds of different sources
        assert with_marks.elf.read_bytes() == without.elf.read_bytes()


def test_only_the_profile_variant_defines_mn_profile():
    compiled = _compiled(HELLO)
    vectors = selftest_vectors(compiled, [random_inputs(compiled.graph, np.random.default_rng(0))])
    for variant in ("harness", "selftest"):
        project = firmware_project(compiled, "mps2_an386", variant, vectors=vectors)
        assert "MN_PROFILE" not in project.defines
    assert "MN_PROFILE" in firmware_project(compiled, "mps2_an386", "profile", vectors=vectors).defines


# ---------------------------------------------------------------------------------------------
# On QEMU's Cortex-M4: exact instructions per op
# ---------------------------------------------------------------------------------------------

def _check_emulator_profile(prof: dict, compiled) -> None:
    assert prof["metric"] == "instructions" and prof["board"] == "mps2_an386"
    rows = prof["ops"]
    assert [r["index"] for r in rows] == [low.op.index for low in compiled.lowered]
    calls = {low.op.index for low in compiled.lowered if isinstance(low.call, KernelCall)}
    for r in rows:
        assert ROW_KEYS <= set(r)
        if r["index"] in calls:
            assert r["instructions"] > 0 and r["cycles_estimate"] >= r["instructions"]
            assert sum(r["instruction_classes"].values()) == r["instructions"]
            assert set(r["instruction_classes"]) == set(CLASSES)
        else:
            assert r["instructions"] == 0 and r["kernel"] == "view"
    totals = prof["totals"]
    ops_total = sum(r["instructions"] for r in rows)
    assert totals["instructions"] == ops_total
    assert abs(sum(r["share"] for r in rows) - 1) < 1e-4
    # the rows add up to the invoke's own count (built without marks) within the cost of the marks
    marks = len(calls) + 1
    assert 0 < totals["marker_instructions"] <= 8
    assert abs(totals["invoke_instructions"] - ops_total) <= marks * totals["marker_instructions"]
    assert totals["profiled_invoke_instructions"] >= totals["invoke_instructions"]
    assert "ESTIMATE" in prof["cycles_estimate_model"]["what"] and any("ESTIMATE" in n for n in prof["notes"])


@pytest.mark.parametrize("path", [HELLO, KWS], ids=["hello_world", "kws"])
def test_profile_on_qemu_rows_add_up_to_the_invoke(path, capsys):
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    prof = _profile_json(capsys, path, "--board", "mps2_an386", "--builder", "gcc")
    _check_emulator_profile(prof, _compiled(path))


def test_flash_wait_states_raise_only_the_cycle_estimate(capsys):
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    zero = _profile_json(capsys, HELLO, "--builder", "gcc")
    three = _profile_json(capsys, HELLO, "--builder", "gcc", "--flash-wait-states", "3")
    assert three["cycles_estimate_model"]["flash_wait_states"] == 3
    for a, b in zip(zero["ops"], three["ops"]):
        assert a["instructions"] == b["instructions"]       # exact counts repeat
        taken = a["instruction_classes"]["branch_taken"]
        assert b["cycles_estimate"] - a["cycles_estimate"] >= 3 * (a["flash_reads"] + taken) - 3 * 8
    assert zero["ops"][0]["flash_reads"] > 0                # the weights are read from flash


def test_table_and_chart_beside_tflm(tmp_path, capsys):
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    png = tmp_path / "kws.png"
    assert main(["profile", str(KWS), "--builder", "gcc", "--baseline", str(TFLM_PER_OP), "--png", str(png)]) == 0
    text = capsys.readouterr().out
    assert "cycles (ESTIMATE)" in text and "TFLM tflm_cmsis_nn" in text and "ours/baseline" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_a_board_without_an_emulator_is_refused_before_any_build(capsys):
    assert main(["profile", str(HELLO), "--board", "nano"]) == 2
    err = capsys.readouterr().err
    assert "'nano' is not emulated by QEMU" in err and "--board host" in err


# ---------------------------------------------------------------------------------------------
# On the host: ns per op
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [HELLO, KWS], ids=["hello_world", "kws"])
def test_host_profile_schema_and_every_run_adds_up(path, capsys):
    compiled = _compiled(path)
    prof = profile_on_host(compiled, random_inputs(compiled.graph, np.random.default_rng(0)), runs=15)
    calls = [low for low in compiled.lowered if isinstance(low.call, KernelCall)]
    assert prof.runs == 15 and prof.segments_ns.shape == (15, len(calls))
    # the ops' segments are disjoint parts of each invoke: in every run they add up to at most the invoke
    assert (prof.segments_ns >= 0).all() and (prof.segments_ns.sum(axis=1) <= prof.invokes_ns).all()
    assert set(prof.ops_ns) == {low.op.index for low in calls}
    out = _profile_json(capsys, path, "--board", "host", "--runs", "11")
    assert out["metric"] == "ns" and out["totals"]["runs"] == 11
    for r in out["ops"]:
        assert ROW_KEYS <= set(r) and r["instructions"] is None and r["ns"] >= 0


# ---------------------------------------------------------------------------------------------
# Baselines
# ---------------------------------------------------------------------------------------------

def test_tflm_per_op_baseline_by_model_and_kernel_set():
    b = load_baseline(TFLM_PER_OP, "mlperf_tiny_kws_ref_model")
    assert b.label == "TFLM tflm_cmsis_nn" and b.metric == "instructions"
    assert b.per_op[0] == ("CONV_2D", 1118441.0) and b.per_op[10][0] == "RESHAPE" and len(b.per_op) == 13
    assert b.total == 7697954
    ref = load_baseline(TFLM_PER_OP, "mlperf_tiny_kws_ref_model", "tflm_reference")
    assert ref.label == "TFLM tflm_reference" and ref.total > b.total


def test_baseline_errors_name_what_the_file_has(tmp_path):
    with pytest.raises(MicroError, match="no figures for the model 'nope'.*mlperf_tiny_kws_ref_model"):
        load_baseline(TFLM_PER_OP, "nope")
    with pytest.raises(MicroError, match="kernel sets .*tflm_cmsis_nn.*not 'cmsis'"):
        load_baseline(TFLM_PER_OP, "mlperf_tiny_kws_ref_model", "cmsis")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "m", "kernels": "k", "per_op": [{"index": 0}]}\n')
    with pytest.raises(MicroError, match="per_op entries with index, op and instructions"):
        load_baseline(bad, "m", "k")
    bad.write_text("not json\n")
    with pytest.raises(MicroError, match="bad.jsonl:1: not JSON"):
        load_baseline(bad, "m")


def test_an_earlier_profile_is_a_baseline_of_its_own_metric(tmp_path, capsys):
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(_profile_json(capsys, HELLO, "--board", "host", "--runs", "11")))
    b = load_baseline(earlier, "ignored")
    assert b.metric == "ns" and sorted(b.per_op) == [0, 1, 2]
    out = _profile_json(capsys, HELLO, "--board", "host", "--runs", "11", "--baseline", earlier)
    assert out["baseline"]["metric"] == "ns" and all(r["baseline"] is not None for r in out["ops"])
    assert main(["profile", str(HELLO), "--board", "host", "--baseline", str(TFLM_PER_OP),
                 "--baseline-model", "mlperf_tiny_kws_ref_model"]) == 2
    assert "has instructions, this profile ns" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# The Cortex-M4 timing model
# ---------------------------------------------------------------------------------------------

def _code(*lines: tuple[int, str, str]) -> Code:
    return Code({a: Instruction(a, m, o) for a, m, o in lines})


def test_instruction_kinds_from_objdump_mnemonics():
    assert [_base_mnemonic(m) for m in ("ldrb.w", "ldrsheq", "bls.n", "blt", "bl", "blxne", "smlad", "smladx",
                                        "smulbbeq", "pop", "ldmia.w", "vldr", "sdiv", "cbz", "strbne.w")] == \
        ["ldrb", "ldrsh", "b", "b", "bl", "blx", "smlad", "smladx", "smulbb", "pop", "ldmia", "vldr", "sdiv", "cbz",
         "strb"]
    kinds = {m: Instruction(0, _base_mnemonic(m), "").kind for m in ("adds", "movne", "itt", "ssat", "sxtb16",
                                                                       "tbb", "vmla.f32", "umlal", "udiv")}
    assert kinds == {"adds": "alu", "movne": "alu", "itt": "alu", "ssat": "alu", "sxtb16": "alu",
                     "tbb": "table_branch", "vmla.f32": "fpu", "umlal": "multiply", "udiv": "divide"}
    assert Instruction(0, "pop", "{r4, r5, r6, pc}").registers == 4
    assert Instruction(0, "pop", "{r4, r5, r6, pc}").writes_pc
    assert Instruction(0, "push", "{r4-r11, lr}").registers == 9
    assert Instruction(0, "ldr", "pc, [sp], #4").writes_pc
    assert not Instruction(0, "ldr", "r3, [pc, #8]").pipelinable
    assert not Instruction(0, "ldr", "r3, [r1], #4").pipelinable
    assert Instruction(0, "ldrb", "r3, [r1, #1]").pipelinable
    assert Instruction(0, "str", "r3, [r1, r2]").register_offset


def test_cycle_estimate_of_a_loop():
    # a loop of 2 loads (the second pipelined), a MAC, a store, a taken branch back: 100 iterations
    code = _code((0x100, "ldr", "r2, [r0, #0]"), (0x102, "ldr", "r3, [r1, #0]"), (0x104, "smlad", "r4, r2, r3, r4"),
                 (0x108, "str", "r4, [r5, #0]"), (0x10a, "subs", "r6, #1"), (0x10c, "b", "100 <x>"))
    t = {0x100: Tally(100, 0, 100), 0x102: Tally(100), 0x104: Tally(100), 0x108: Tally(100), 0x10a: Tally(100),
         0x10c: Tally(100, 100, 0, 0)}
    cost = segment_cost(t, code)
    # ldr 2 + ldr 1 + smlad 1 + str 1 + subs 1 + b (1 + refill 2) = 9 cycles per iteration
    assert cost.instructions == 600 and cost.cycles == 900
    assert cost.classes["load"] == 200 and cost.classes["multiply"] == 100 and cost.classes["branch_taken"] == 100
    with_ws = segment_cost({**t, 0x100: Tally(100, 0, 100, 100)}, code, wait_states=2)
    assert with_ws.cycles == 900 + 2 * 100 + 2 * 100   # taken branches refill from flash; flash reads wait

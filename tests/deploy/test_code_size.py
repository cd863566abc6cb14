"""Code size: a model links only the kernel functions it calls, the harness is compiled for size, the map-file
breakdown accounts for every byte of the firmware's code, and KWS's firmware code on nano33ble stays at its
measured size (docs/code-size.md: 15,500 B before the board's [compiler] options, 13,708 B with them)."""

from __future__ import annotations

import pytest

from micro.cli import main
from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.deploy.boards import BOARDS_DIR, BoardError, get_board, load_board
from micro.deploy.code_size import code_breakdown, measure_model_code
from micro.deploy.firmware import build_firmware
from micro.frontend import load_model

from support.corpus import shared_model
from support.paths import need_tool

KWS = shared_model("mlperf_tiny_kws_ref_model")
HELLO = shared_model("tflm_hello_world_int8")
KWS_NANO33BLE_CODE = 11_704      # bytes of flash without the weights, harness firmware (docs/code-size.md)


@pytest.fixture(scope="module", autouse=True)
def toolchain():
    need_tool("arm-none-eabi-gcc")


def _breakdown(fw, compiled):
    return code_breakdown((fw.elf.parent / "firmware.map").read_text(), fw.elf, emit_c(compiled).kernel_files,
                          compiled.name)


@pytest.mark.parametrize("builder", ["gcc", "platformio"])
def test_kws_code_on_nano33ble(builder):
    compiled = compile_model(load_model(KWS))
    fw = build_firmware(compiled, "nano33ble", builder=builder)
    # deterministic for a given toolchain (arm-none-eabi-gcc 12.2); 1% for another release of it
    assert abs(fw.memory.code - KWS_NANO33BLE_CODE) <= KWS_NANO33BLE_CODE // 100, fw.memory.code
    parts = _breakdown(fw, compiled)
    assert parts.code == fw.memory.code and parts.parts["weights"] == fw.memory.weights
    assert parts.parts["harness"] <= get_board("nano33ble").framework_reserve("baremetal")[0]
    assert set(parts.item_bytes("C library")) <= {"memcpy", "memset"}      # no printf, no strlen


def test_a_model_links_only_the_kernel_functions_it_calls():
    kws = compile_model(load_model(KWS))
    fw = build_firmware(kws, "mps2_an386", builder="gcc")
    # KWS calls average pooling and int8 softmax: the max pool and the int16-output softmax in the same files
    # are not linked
    assert "mn_average_pool_int8" in fw.symbols and "mn_max_pool_int8" not in fw.symbols
    assert "mn_softmax_int8" in fw.symbols and "mn_softmax_int8_int16" not in fw.symbols
    hello = compile_model(load_model(HELLO))
    fw = build_firmware(hello, "mps2_an386", builder="gcc")
    assert "mn_fully_connected_int8" in fw.symbols
    assert not [s for s in fw.symbols if s.startswith(("mn_conv", "mn_depthwise", "mn_softmax", "mn_average"))]


def test_model_code_measured_alone_is_what_the_firmware_links():
    compiled = compile_model(load_model(KWS))
    alone = measure_model_code(emit_c(compiled), get_board("nano33ble"))
    linked = _breakdown(build_firmware(compiled, "nano33ble", builder="gcc"), compiled)
    for part in ("kernels", "model", "C library"):
        assert alone.parts[part] == linked.parts[part], part
    assert alone.item_bytes("kernels") == linked.item_bytes("kernels")


def test_inspect_reports_the_code_on_a_board(capsys):
    assert main(["inspect", str(KWS), "--board", "nano33ble", "--framework", "baremetal", "--no-oracle"]) == 0
    out = capsys.readouterr().out
    assert "code on nano33ble (cortex-m4, -O2" in out and "kernels: 8," in out and "mn_depthwise_conv_2d_packed_int8" in out
    assert "C library: 472 B (memcpy 308, memset 164)" in out and "flash:" in out and "baremetal 3,072" in out


def test_board_compiler_options_are_checked(tmp_path):
    good = (BOARDS_DIR / "mps2_an386.toml").read_text()
    bad = tmp_path / "mps2_an386.toml"
    bad.write_text(good.replace('model = ["-O2"]', 'model = "-O2"'))
    with pytest.raises(BoardError, match=r"\[compiler\].*not a list of strings: model"):
        load_board(bad)
    bad.write_text(good.replace('model = ["-O2"]', 'model = ["-O2"]\nspeed = ["-O3"]'))
    with pytest.raises(BoardError, match="unknown keys speed"):
        load_board(bad)

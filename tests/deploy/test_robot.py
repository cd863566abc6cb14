"""The Robot Framework suites in tests/robot/, run from pytest so CI covers them.

- QEMU suites (tests/robot/qemu_*.robot): run with `robot`; every test must PASS (a skip counts as a failure
  in CI, where the tools are installed).
- Renode suites (tests/robot/renode/): under plain `robot` they must SKIP with a reason naming Renode; with
  `renode-test` on PATH they run for real.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import ROOT, need_tool

import robot  # noqa: E402  (robotframework: a test requirement)
from robot.api import ExecutionResult  # noqa: E402

ROBOT_DIR = ROOT / "tests" / "robot"
QEMU_SUITES = sorted(ROBOT_DIR.glob("qemu_*.robot"))
RENODE_SUITES = sorted((ROBOT_DIR / "renode").glob("*.robot"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _robot(out: Path, *args: str, timeout: float = 1800) -> tuple[subprocess.CompletedProcess, list]:
    res = subprocess.run([sys.executable, "-m", "robot", "--outputdir", str(out), "--console", "dotted",
                          "--consolecolors", "off", *args], cwd=ROOT, env=_env(), capture_output=True, text=True,
                         timeout=timeout)
    tests = []
    if (out / "output.xml").is_file():
        result = ExecutionResult(str(out / "output.xml"))

        class Collect(robot.api.ResultVisitor):
            def visit_test(self, test):
                tests.append(test)

        result.visit(Collect())
    return res, tests


def _load_library():
    spec = importlib.util.spec_from_file_location("MicroLibrary", ROBOT_DIR / "lib" / "MicroLibrary.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_suites_exist():
    assert len(QEMU_SUITES) >= 3 and RENODE_SUITES
    for suite in RENODE_SUITES:
        text = suite.read_text()
        assert "Micro Renode Suite Setup" in text or "renode.resource" in text
    resource = (ROBOT_DIR / "renode" / "renode.resource").read_text()
    for kw in ("Execute Command", "Create Terminal Tester", "Wait For Line On Uart", "Start Emulation"):
        assert kw in resource


def test_qemu_suites_dry_run(tmp_path):
    """Syntax and keyword names of the QEMU suites, without running anything (fast)."""
    res, tests = _robot(tmp_path, "--dryrun", *map(str, QEMU_SUITES), timeout=120)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert tests and all(t.status == "PASS" for t in tests)


def test_renode_suites_skip_clearly_without_renode(tmp_path):
    if shutil.which("renode-test"):
        pytest.skip("Renode is installed here: test_renode_suites runs them for real")
    res, tests = _robot(tmp_path, str(ROBOT_DIR / "renode"), timeout=120)
    assert res.returncode == 0, res.stdout[-4000:]
    assert tests, "no Renode tests found"
    for t in tests:
        assert t.status == "SKIP", (t.name, t.status, t.message)
        assert "Renode is not installed" in t.message and "renode-test" in t.message


def test_resc_generation(tmp_path):
    lib = _load_library()
    elf = tmp_path / "firmware.elf"
    elf.write_bytes(b"\x7fELF")
    resc = lib.write_resc(elf, "nano33ble", tmp_path / "x" / "fw.resc", title="t", uart_socket_port=3456)
    text = resc.read_text()
    assert "machine LoadPlatformDescription @platforms/boards/arduino_nano_33_ble.repl" in text
    assert f"$bin?=@{elf}" in text and "sysbus LoadELF $bin" in text
    assert "cpu VectorTableOffset 0x10000" in text
    assert "emulation CreateServerSocketTerminal 3456" in text and "connector Connect sysbus.uart0" in text
    with pytest.raises(ValueError, match="no Renode platform"):
        lib.write_resc(elf, "mps2_an386", tmp_path / "y.resc")


@pytest.mark.slow
def test_qemu_suites(tmp_path):
    """`robot tests/robot`: the QEMU suites pass (bit-exact with TFLM in QEMU), the Renode suites skip."""
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    res, tests = _robot(tmp_path, str(ROBOT_DIR))
    report = "\n".join(f"{t.longname}: {t.status} {t.message[:300]}" for t in tests)
    assert res.returncode == 0, f"{report}\n{res.stdout[-4000:]}\n{res.stderr[-2000:]}"
    qemu = [t for t in tests if "qemu" in t.tags]
    assert len(qemu) >= 20, report  # incl. every board model (qemu_all_models.robot)
    bad = [t for t in qemu if t.status != "PASS"]
    assert not bad, report
    print(report)


@pytest.mark.slow
def test_renode_suites(tmp_path):
    """Where Renode is installed: renode-test runs the Nano 33 BLE self-test suites."""
    renode_test = shutil.which("renode-test")
    if renode_test is None:
        pytest.skip("Renode is not installed here (not on PyPI, Debian or npm); "
                    "run `renode-test tests/robot/renode/*.robot` where it is")
    need_tool("arm-none-eabi-gcc")
    res = subprocess.run([renode_test, "--results-dir", str(tmp_path), *map(str, RENODE_SUITES)], cwd=ROOT,
                         env=_env(), capture_output=True, text=True, timeout=3600)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]

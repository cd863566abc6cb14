"""Offline PlatformIO build: the shipped dev-platform, project generation, `pio run` without network."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.paths import ROOT, need_tool
from micro.deploy import pio_core
from micro.deploy.boards import BOARDS
from micro.deploy.elf import elf_sections
from micro.deploy.pio_build import build_project
from micro.deploy.pio_core import PLATFORMIO_VERSION, SCONS_VERSION, PlatformIOError, seed_core_dir
from micro.deploy.pio_project import (PLATFORM_DIR, PLATFORM_NAME, board_manifest, elf_path, generate_project,
                                      registry_needs)

FIXTURE = ROOT / "tests" / "fixtures" / "pio_hello"


def _need_build():
    need_tool("arm-none-eabi-gcc")
    reason = pio_core.platformio_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _fnv(n: int) -> int:
    h = 2166136261
    for i in range(n):
        h = ((h ^ (i & 0xFF)) * 16777619) & 0xFFFFFFFF
    return h


def _hello_project(project: Path, greeting: str = "hello from micro", n: int = 1000, code: int = 3) -> Path:
    return generate_project(
        project, "mps2_an386",
        sources=[FIXTURE / "main.c", FIXTURE / "startup.c"],
        libs={"hello": [FIXTURE / "lib" / "hello" / "hello.c", FIXTURE / "lib" / "hello" / "hello.h"]},
        defines={"HELLO_GREETING": f'"{greeting}"', "HELLO_N": n, "HELLO_EXIT_CODE": code},
        build_flags=["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"],
        linker_script=FIXTURE / "mps2_an386.ld")


def _run_qemu(elf: Path) -> tuple[int, str]:
    qemu = need_tool("qemu-system-arm")
    res = subprocess.run([qemu, "-M", "mps2-an386", "-display", "none", "-monitor", "none",
                          "-semihosting-config", "enable=on,target=native", "-serial", "stdio",
                          "-kernel", str(elf)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=30)
    return res.returncode, res.stdout


# ---------------------------------------------------------------------------------------------
# The shipped platform

def test_platform_manifest_and_class_name(tmp_path, monkeypatch):
    manifest = json.loads((PLATFORM_DIR / "platform.json").read_text())
    assert manifest["name"] == PLATFORM_NAME
    assert manifest["packages"] == {}, "the offline platform must not depend on registry packages"
    # PlatformIO finds the class by the platform name with only its first letter capitalised.
    src = (PLATFORM_DIR / "platform.py").read_text()
    assert f"class {PLATFORM_NAME.capitalize()}Platform(" in src
    import platformio  # noqa: F401  (a runtime dependency)
    from platformio.platform.factory import PlatformFactory
    from platformio.project.config import ProjectConfig
    # a generated project carries its board's manifest (boards/<board>.json), where PlatformIO finds it
    for name in ("mps2_an386", "nano33ble"):
        project = tmp_path / name
        generate_project(project, name, sources={"a.c": "int a;\n"}, linker_script="x\n")
        monkeypatch.chdir(project)
        ProjectConfig.get_instance(str(project / "platformio.ini"))
        platform = PlatformFactory.new(str(PLATFORM_DIR))
        assert set(platform.get_boards()) == {name}
        assert platform.board_config(name).get("build.cpu") == BOARDS[name].cpu


@pytest.mark.parametrize("name", sorted(b for b in BOARDS if BOARDS[b].platformio_manifest))   # the others: gcc
def test_board_manifest_matches_board_record(name, tmp_path):
    board = BOARDS[name]
    generate_project(tmp_path / "p", name, sources={"a.c": "int a;\n"}, linker_script="x\n")
    manifest = json.loads((tmp_path / "p" / "boards" / f"{name}.json").read_text())
    assert manifest == board_manifest(board)
    build, upload = manifest["build"], manifest["upload"]
    assert build["cpu"] == board.cpu
    assert f"-mcpu={build['cpu']}" in board.cflags
    assert f"-mfloat-abi={build['float_abi']}" in board.cflags
    if build["float_abi"] != "soft":
        assert f"-mfpu={build['fpu']}" in board.cflags
    assert upload["maximum_size"] == board.flash_bytes
    assert upload["maximum_ram_size"] == board.ram_bytes
    assert int(upload["flash_origin"], 16) == board.flash_origin
    assert int(upload["ram_origin"], 16) == board.ram_origin
    assert manifest["micro"]["board"] == name
    assert manifest["build"]["extra_flags"].startswith(f"-DMICRO_BOARD_{name.upper()}")


def test_package_data_ships_the_platform():
    text = (ROOT / "pyproject.toml").read_text()
    for rel in ("platform.json", "platform.py", "builder/main.py"):
        assert (PLATFORM_DIR / rel).is_file()
    for pattern in ("deploy/platformio_platform/*.json", "deploy/platformio_platform/*.py",
                    "deploy/platformio_platform/builder/*.py", "deploy/boards/*.toml"):
        assert pattern in text
    deps = re.search(r"dependencies = \[(.*?)\]", text, re.S).group(1)
    assert f'"platformio=={PLATFORMIO_VERSION}"' in deps and f'"scons=={SCONS_VERSION}"' in deps


# ---------------------------------------------------------------------------------------------
# Project generation (no build)

def test_generate_project_layout(tmp_path):
    ini = _hello_project(tmp_path / "p")
    text = ini.read_text()
    assert f"platform = symlink://{PLATFORM_DIR}" in text
    assert "board = mps2_an386" in text
    assert f"core_dir = {tmp_path / 'p' / '.pio-core'}" in text
    assert "board_build.ldscript = $PROJECT_DIR/firmware.ld" in text
    assert "'-DHELLO_GREETING=\"hello from micro\"'" in text
    assert "-DHELLO_N=1000" in text and "-O2" in text
    assert (tmp_path / "p" / "src" / "main.c").is_file()
    assert (tmp_path / "p" / "lib" / "hello" / "hello.h").is_file()
    assert (tmp_path / "p" / "firmware.ld").read_bytes() == (FIXTURE / "mps2_an386.ld").read_bytes()
    assert registry_needs(tmp_path / "p") == []


def test_regenerate_keeps_unchanged_files_and_prunes_stale(tmp_path):
    proj = tmp_path / "p"
    generate_project(proj, "mps2_an386", sources={"a.c": "int a;\n", "sub/b.c": "int b;\n"},
                       linker_script=FIXTURE / "mps2_an386.ld")
    a = proj / "src" / "a.c"
    os.utime(a, (1, 1))
    generate_project(proj, "mps2_an386", sources={"a.c": "int a;\n", "c.c": b"int c;\n"},
                       linker_script=FIXTURE / "mps2_an386.ld")
    assert a.stat().st_mtime == 1, "unchanged sources must not be rewritten (incremental builds)"
    assert (proj / "src" / "c.c").read_text() == "int c;\n"
    assert not (proj / "src" / "sub").exists(), "stale sources of an earlier generation must go"


def test_generate_rejects_bad_input(tmp_path):
    with pytest.raises(PlatformIOError, match="linker script"):
        generate_project(tmp_path / "p", "mps2_an386", sources={"a.c": ""})
    with pytest.raises(PlatformIOError, match="relative path"):
        generate_project(tmp_path / "p", "mps2_an386", sources={"../a.c": ""}, linker_script="x\n")
    with pytest.raises(PlatformIOError, match="registry platform"):
        generate_project(tmp_path / "p", "nano33ble", sources={"a.c": ""}, linker_script="x\n",
                           framework="arduino")


def test_registry_projects_fail_fast_offline(tmp_path):
    """An Arduino project (issue 5) is generated as asked, but an offline build refuses it at once."""
    proj = tmp_path / "ard"
    ini = generate_project(proj, "nano33ble", sources={"main.cpp": "void setup(){}\nvoid loop(){}\n"},
                             platform="nordicnrf52", framework="arduino",
                             extra_options={"lib_deps": "bblanchon/ArduinoJson"})
    text = ini.read_text()
    assert "platform = nordicnrf52" in text and "framework = arduino" in text and "board = nano33ble" in text
    needs = registry_needs(proj)
    assert any("registry platform" in n for n in needs) and any("lib_deps" in n for n in needs)
    import subprocess as sp

    def no_subprocess(*args, **kwargs):  # refused before `pio run` (and its 60 s of retries) starts
        raise AssertionError(f"a process was started: {args[:1]}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sp, "run", no_subprocess)
        with pytest.raises(PlatformIOError, match="needs the PlatformIO registry"):
            build_project(proj)


def test_seed_core_dir(tmp_path):
    reason = pio_core.python_side_unavailable()
    assert not reason, reason
    core = seed_core_dir(tmp_path / "core")
    tool = core / "packages" / "tool-scons"
    piopm = json.loads((tool / ".piopm").read_text())
    assert piopm["spec"]["owner"] == "platformio" and piopm["name"] == "tool-scons"
    assert json.loads((tool / "package.json").read_text())["version"] == piopm["version"] == "4.41101.0"
    assert (tool / "SCons" / "Script" / "__init__.py").is_file() and (tool / "scons.py").is_file()
    state = json.loads((core / "appstate.json").read_text())
    assert state["settings"]["enable_telemetry"] is False
    seed_core_dir(tmp_path / "core")  # idempotent


# ---------------------------------------------------------------------------------------------
# Builds

def test_build_runs_in_qemu_and_rebuilds_fast(tmp_path):
    _need_build()
    proj = tmp_path / "hello"
    _hello_project(proj)
    t0 = time.perf_counter()
    elf = build_project(proj)
    first = time.perf_counter() - t0
    assert elf == elf_path(proj) and elf.is_file()
    assert (elf.parent / "firmware.bin").is_file() and (elf.parent / "firmware.map").is_file()
    rc, out = _run_qemu(elf)
    assert out.strip() == f"hello from micro checksum={_fnv(1000):08x}"
    assert rc == 3

    t0 = time.perf_counter()
    build_project(proj)
    again = time.perf_counter() - t0
    print(f"first build {first:.2f} s, no-op rebuild {again:.2f} s")  # reported, not asserted (noisy machines)

    _hello_project(proj, greeting="changed", n=7, code=0)   # a changed define must reach the firmware
    rc, out = _run_qemu(build_project(proj))
    assert (rc, out.strip()) == (0, f"changed checksum={_fnv(7):08x}")

    sizes = {sec.name: sec.size for sec in elf_sections(elf) if sec.alloc}   # micro.deploy.elf, no binutils
    assert sizes[".text"] > 0 and ".isr_vector" in sizes


def test_header_change_rebuilds(tmp_path):
    """Incremental builds (content-hash + cached include scan) still see a changed header."""
    _need_build()
    proj = tmp_path / "hdr"
    main = (FIXTURE / "main.c").read_text().replace('#include "hello.h"', '#include "hello.h"\n#include "value.h"')
    main = main.replace("return HELLO_EXIT_CODE;", "return VALUE;")

    def gen(value: int):
        generate_project(proj, "mps2_an386",
                           sources={"main.c": main, "startup.c": FIXTURE / "startup.c",
                                    "value.h": f"#define VALUE {value}\n"},
                           libs={"hello": [FIXTURE / "lib" / "hello" / "hello.c", FIXTURE / "lib" / "hello" / "hello.h"]},
                           defines={"HELLO_GREETING": '"h"', "HELLO_N": 1}, linker_script=FIXTURE / "mps2_an386.ld")
        return build_project(proj)

    assert _run_qemu(gen(5))[0] == 5
    assert _run_qemu(gen(9))[0] == 9


def test_compile_errors_are_reported(tmp_path):
    _need_build()
    proj = tmp_path / "bad"
    generate_project(proj, "mps2_an386", sources={"main.c": "int main(void) { return undeclared_thing; }\n"},
                       linker_script=FIXTURE / "mps2_an386.ld")
    with pytest.raises(PlatformIOError, match="undeclared_thing") as e:
        build_project(proj)
    assert "pio run" in str(e.value)


def test_missing_project_is_a_clear_error(tmp_path):
    with pytest.raises(PlatformIOError, match="no platformio.ini"):
        build_project(tmp_path)


def _network_namespace_works() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


def test_build_needs_no_network(tmp_path):
    """A fresh project builds with no network at all: in an empty network namespace where the kernel
    allows it (root), else with every proxy variable pointing at a closed port."""
    _need_build()
    proj = tmp_path / "offline"
    _hello_project(proj)
    script = ("import sys; from micro.deploy.pio_build import build_project; "
              "print(build_project(sys.argv[1]))")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
               ALL_PROXY="http://127.0.0.1:9")
    prefix = ["unshare", "-n"] if _network_namespace_works() else []
    res = subprocess.run([*prefix, sys.executable, "-c", script, str(proj)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    rc, out = _run_qemu(elf_path(proj))
    assert rc == 3 and out.startswith("hello from micro")


def test_nano33ble_builds(tmp_path):
    """The nRF52840 board builds with its own memory map (application at 0x10000)."""
    _need_build()
    ld = (FIXTURE / "mps2_an386.ld").read_text()
    ld = ld.replace("ORIGIN = 0x00000000, LENGTH = 4M", "ORIGIN = 0x00010000, LENGTH = 960K")
    ld = ld.replace("ORIGIN = 0x20000000, LENGTH = 4M", "ORIGIN = 0x20000000, LENGTH = 256K")
    proj = tmp_path / "nano"
    generate_project(proj, "nano33ble", sources=[FIXTURE / "startup.c", FIXTURE / "main.c"],
                       libs={"hello": [FIXTURE / "lib" / "hello" / "hello.c", FIXTURE / "lib" / "hello" / "hello.h"]},
                       defines={"HELLO_GREETING": '"hi"', "HELLO_N": 3, "HELLO_EXIT_CODE": 0}, linker_script=ld)
    elf = build_project(proj)
    head = subprocess.run(["arm-none-eabi-readelf", "-h", str(elf)], capture_output=True, text=True).stdout
    entry = int(re.search(r"Entry point address:\s+(0x[0-9a-f]+)", head).group(1), 16)
    assert 0x10000 <= entry < 0x100000

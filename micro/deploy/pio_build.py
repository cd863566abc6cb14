"""Build a generated PlatformIO project with `pio run`, fully offline (micro.deploy.pio_core sets the core dir
and environment up; micro.deploy.pio_project checks that nothing would need the registry).

Public API (used by micro.deploy.firmware and micro.deploy.build)::

    build_project(project_dir, env_name="micro", jobs=None, verbose=False,
                  timeout=600, allow_network=False) -> Path                   # the firmware ELF

Command line: ``python -m micro.deploy.pio_build <project folder> [-e ENV] [-v]``.
Pass ``allow_network=True`` for a project that really needs the registry (e.g. framework = arduino); then
the registry check and the closed proxy are dropped.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from micro.deploy.pio_core import CORE_DIR_NAME, PlatformIOError, offline_env, platformio_unavailable, seed_core_dir
from micro.deploy.pio_project import ENV_NAME, elf_path, read_ini, registry_needs
from micro.errors import MicroError


def build_project(project_dir: os.PathLike, env_name: str = ENV_NAME, jobs: int | None = None,
                  verbose: bool = False, timeout: float = 600, allow_network: bool = False) -> Path:
    """Run `pio run` on a generated project, offline; return the firmware ELF.

    Raises PlatformIOError with PlatformIO's output on any failure (compiler errors included), when
    the project would need the registry (unless allow_network), or when pio does not finish in
    `timeout` seconds.
    """
    project = Path(project_dir).resolve()
    cp = read_ini(project)
    core_opt = cp.get("platformio", "core_dir", fallback=None)
    core = Path(core_opt) if core_opt else project / CORE_DIR_NAME
    if not core.is_absolute():
        core = project / core
    if not allow_network:
        needs = registry_needs(project, env_name)
        if needs:
            raise PlatformIOError(
                f"{project}/platformio.ini needs the PlatformIO registry, and builds here are offline:\n"
                + "\n".join(f"  - {n}" for n in needs)
                + "\nUse micro's shipped bare-metal platform (generate_project without platform/framework), "
                  "or pass allow_network=True where the registry is reachable.")
    reason = platformio_unavailable()
    if reason:
        raise PlatformIOError(f"cannot build {project}: {reason}")
    seed_core_dir(core)

    cmd = [sys.executable, "-m", "platformio", "run", "-d", str(project), "-e", env_name]
    if jobs:
        cmd += ["-j", str(jobs)]
    if verbose:
        cmd.append("-v")
    try:
        res = subprocess.run(cmd, cwd=project, env=offline_env(core, allow_network), capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or "") if isinstance(e.stdout, str) else (e.stdout or b"").decode(errors="replace")
        raise PlatformIOError(f"`pio run` did not finish in {timeout:.0f} s in {project} "
                              f"(is something trying to reach the network?)\n{_tail(out)}") from None
    output = res.stdout + res.stderr
    if res.returncode != 0:
        raise PlatformIOError(f"`pio run` failed (exit {res.returncode}) in {project}:\n{_tail(output)}\n"
                              f"command: {' '.join(cmd)}")
    elf = elf_path(project, env_name)
    if not elf.is_file():
        raise PlatformIOError(f"`pio run` succeeded but {elf} does not exist:\n{_tail(output)}")
    return elf


def _tail(text: str, lines: int = 60) -> str:
    rows = [r for r in text.strip().splitlines() if r.strip()]
    cut = rows[-lines:]
    return ("  ...\n" if len(rows) > lines else "") + "\n".join("  " + r for r in cut)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m micro.deploy.pio_build",
                                 description="Build a micro-generated PlatformIO project offline (`pio run`).")
    ap.add_argument("project")
    ap.add_argument("-e", "--env", default=ENV_NAME)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    try:
        t0 = time.perf_counter()
        elf = build_project(args.project, env_name=args.env, verbose=args.verbose)
    except MicroError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{elf} ({time.perf_counter() - t0:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

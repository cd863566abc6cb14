"""Check an Arduino library folder or ZIP against the Arduino library specification 1.5 (rev. 2.2): what
`micro export arduino` checks before it says the ZIP is done, and what the tests check.

Public API::

    check_library(root) -> list[str]      problems of a library folder ([] when valid)
    check_zip(zip_path) -> list[str]      the same for a ZIP, which must hold exactly one folder
    parse_properties(text) -> dict        library.properties as key -> value
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from pathlib import Path

from micro.deploy.arduino.library_info import FOLDER_RE, LibraryInfo, info_problems

REQUIRED_PROPERTIES = ("name", "version", "author", "maintainer", "sentence", "paragraph", "category",
                       "architectures")   # and url, which micro writes only when the user gives it (library_info)
SKETCH_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]*")         # sketch folder (fullmatch)


def parse_properties(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def check_library(root: str | os.PathLike) -> list[str]:
    """Problems of a library folder against the Arduino library specification 1.5 (empty list = valid)."""
    root = Path(root)
    probs = []
    if not FOLDER_RE.fullmatch(root.name) or len(root.name) > 63:
        probs.append(f"root folder '{root.name}': letters, digits, '_', '.', '-', starting with a letter or digit, "
                     "at most 63 characters")
    props_path = root / "library.properties"
    if not props_path.is_file():
        return probs + ["no library.properties in the library root"]
    try:
        props = parse_properties(props_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return probs + ["library.properties is not UTF-8"]
    for key in REQUIRED_PROPERTIES:
        if not props.get(key):
            probs.append(f"library.properties: '{key}' is required")
    info = LibraryInfo(**{k: props.get(k, "") for k in REQUIRED_PROPERTIES + ("url",)})
    probs += [f"library.properties: {p}" for p in info_problems(info) if "is required" not in p]
    src = root / "src"
    if not src.is_dir():
        probs.append("no src/ folder (the 1.5 recursive layout keeps every source under src/)")
    else:
        includes = [h.strip() for h in props.get("includes", "").split(",") if h.strip()]
        for h in includes:
            if not (src / h).is_file():
                probs.append(f"library.properties: includes names {h}, which is not in src/")
        root_headers = sorted(p.name for p in src.glob("*.h"))
        if not root_headers:
            probs.append("src/ has no header: the IDE includes the src/ root headers")
        if f"{root.name}.h" not in root_headers:
            probs.append(f"src/{root.name}.h is missing (arduino-cli's ZIP install looks for a header named like "
                         "the library folder)")
        extra = [h for h in root_headers if includes and h not in includes]
        if extra:
            probs.append(f"headers in the src/ root besides the public one ({', '.join(extra)}): internal headers "
                         "belong in a subfolder")
        for p in src.rglob("*"):
            if p.suffix in (".ino", ".pde"):
                probs.append(f"{p.relative_to(root)}: sketch files are not compiled from src/")
    for loose in root.iterdir():
        if loose.is_file() and loose.suffix in (".c", ".cpp", ".h", ".S"):
            probs.append(f"{loose.name} in the library root: with src/ present, only src/ is compiled")
    ex = root / "examples"
    if ex.exists():
        for d in sorted(p for p in ex.iterdir()):
            if not d.is_dir():
                probs.append(f"examples/{d.name}: every example is a sketch folder")
                continue
            if not SKETCH_RE.fullmatch(d.name) or len(d.name) > 63:
                probs.append(f"examples/{d.name}: not a valid sketch folder name")
            if not (d / f"{d.name}.ino").is_file() and not (d / f"{d.name}.pde").is_file():
                probs.append(f"examples/{d.name}: the primary sketch file {d.name}.ino is missing")
    lj = root / "library.json"
    if lj.is_file():
        try:
            data = json.loads(lj.read_text())
            for key in ("name", "version"):
                if str(data.get(key)) != props.get(key):
                    probs.append(f"library.json {key} '{data.get(key)}' differs from library.properties "
                                 f"'{props.get(key)}'")
        except ValueError as e:
            probs.append(f"library.json is not JSON: {e}")
    return probs


def check_zip(zip_path: str | os.PathLike) -> list[str]:
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1:
            return [f"the ZIP must hold one folder, the library; it has {len(tops)} top-level entries: "
                    f"{', '.join(sorted(tops))}"]
        with tempfile.TemporaryDirectory() as tmp:
            z.extractall(tmp)
            return check_library(Path(tmp) / tops.pop())

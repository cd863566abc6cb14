"""Strings from a model (name, description, author, version, license, labels, tensor names) and from the user
(file names) that hold `*/`, `/*`, quotes, backslashes, `#`, line breaks, control characters and bytes that are
not UTF-8: every file `micro export arduino` and `micro build` write stays well-formed (library.properties one
line per key, JSON, INI, Markdown, C that compiles with -Werror)."""

from __future__ import annotations

import configparser
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from support.paths import need_tool
from micro.cli import main
from micro.compiler import compile_model
from micro.deploy.arduino.check import check_library, check_zip, parse_properties
from micro.deploy.arduino.export import export_arduino
from micro.deploy.pio_core import platformio_unavailable
from micro.deploy.project import MANIFEST, generate
from micro.frontend import load_model
from micro.frontend.metadata import AssociatedFile, TensorMeta, resolve_metadata
from micro.testing import layers as tb
from micro.testing.metadata_writer import attach_metadata, build_metadata

from arduino_double.sketch import M4F, compile_only

SILENT = dict(log=lambda *_: None)
NAME = 'Evil */ "model" \\ #1\nsecond line\x01'
DESCRIPTION = 'Ends a comment */ opens /* one; "quotes", back\\slash, # hash,\nnew line\r\x00 ```fence <script>x</script>'
AUTHOR = 'Mallory "M" <m@example.com>\n#author=x'
LABELS = b'a*/b\n"quoted"\nback\\slash\n#hash\n/* open\nbad \xff\xfe utf8\n'
PROPERTY_KEYS = ["name", "version", "author", "maintainer", "sentence", "paragraph", "category",
                 "architectures", "includes"]


def _hostile_model(tmp_path: Path) -> Path:
    data = tb.fully_connected_layer(np.random.default_rng(5), in_depth=8, units=6)
    label_file = 'la*/bels "#1".txt'
    fb = build_metadata(name=NAME, description=DESCRIPTION, version="1.0.0\nurl=https://evil.example/",
                        author=AUTHOR, license="MIT\nname=Other",
                        inputs=[TensorMeta(name='in */ "x"\n#', description="d */", mean=[0.0], std=[1.0])],
                        outputs=[TensorMeta(name="out\n*/", associated_files=[
                            AssociatedFile(label_file, "labels */", "TENSOR_AXIS_LABELS")])])
    path = tmp_path / "evil_model.tflite"
    path.write_bytes(attach_metadata(data, fb, {label_file: LABELS}))
    return path


def _properties_are_one_line_each(text: str) -> dict:
    lines = text.splitlines()
    assert [ln.split("=", 1)[0] for ln in lines] == PROPERTY_KEYS, lines
    for ln in lines:
        assert not re.search(r"[\x00-\x1f\x7f]", ln), ln
    return parse_properties(text)


def test_export_with_hostile_metadata(tmp_path):
    model = _hostile_model(tmp_path)
    sample = tmp_path / 'sam\nple "#1" \\ x.npy'
    np.save(sample, np.zeros((1, 8), np.float32))
    res = export_arduino(model, tmp_path / "Evil.zip", sample=sample, **SILENT)
    assert check_zip(res.zip_path) == []
    root = tmp_path / "lib"
    with zipfile.ZipFile(res.zip_path) as z:
        z.extractall(root)
    root = root / "Evil"
    assert check_library(root) == []
    # library.properties: exactly the ten keys, one line each; nothing the model says adds a key
    props = _properties_are_one_line_each((root / "library.properties").read_text(encoding="utf-8"))
    assert props["version"] == "1.0.0" and "url" not in props
    assert props["author"] == 'Mallory "M" <m@example.com> #author=x'
    assert 'Evil */ "model" \\ #1 second line' in props["sentence"] and "back\\slash, # hash" in props["paragraph"]
    # library.json: JSON, the strings intact
    lj = json.loads((root / "library.json").read_text())
    assert lj["license"] == "MIT name=Other" and 'Evil */ "model"' in lj["description"]
    assert lj["authors"] == [{"name": 'Mallory "M" <m@example.com> #author=x', "maintainer": True}]
    # README: the model's text cannot open a code block, a heading or HTML
    readme = (root / "README.md").read_text().splitlines()
    assert [ln for ln in readme if ln.startswith("```")] == ["```cpp", "```", "```sh", "```"]
    assert [ln for ln in readme if re.match(r"#+ ", ln)] == ["# Evil", "## Use", "## Check it on the board"]
    assert "<script>" not in "\n".join(readme) and "\\<script\\>" in "\n".join(readme)
    # keywords.txt: KEYWORD<TAB>TYPE per line
    for ln in (root / "keywords.txt").read_text().splitlines()[1:]:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\t(KEYWORD2|LITERAL1)", ln), ln
    # C: the labels, the model strings and the sample's file name compile with -Werror, and the labels
    # arrive byte for byte (what UTF-8 could not decode is U+FFFD)
    sample_h = (root / "examples" / "Classify" / "sample_input.h").read_text()
    assert sample_h.count("*/") == sample_h.count("/*")
    need_tool("arm-none-eabi-gcc")
    need_tool("arm-none-eabi-g++")
    objs = [o.name for o in compile_only(root / "examples" / "Classify", [root], tmp_path / "obj", cflags=M4F)]
    assert any("evil_model.c" in o for o in objs) and any("Classify" in o for o in objs), objs
    c = (root / "src" / "micro" / "evil_model.c").read_text()
    assert '"a*/b",' in c and '"\\"quoted\\"",' in c and '"back\\\\slash",' in c


def test_build_project_with_hostile_metadata_and_labels(tmp_path, monkeypatch):
    need_tool("arm-none-eabi-gcc")
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "core"))
    model = _hostile_model(tmp_path)
    compiled = compile_model(load_model(model))
    labels = tmp_path / "labels.txt"
    labels.write_bytes(b'one */\ntwo "2"\n#three\nfour\\\n\x01five\n\xffsix\n')
    for framework, labels_file in (("baremetal", None), ("arduino", labels)):
        meta = resolve_metadata(model.read_bytes(), compiled, labels_file)
        # the budget compiles the model's C for the board's CPU: a broken header would stop it here
        project = generate(compiled, model.read_bytes(), "nano33ble", framework, tmp_path / framework, meta,
                           model_file=model.name)
        assert project.budget.code_measured
        manifest = json.loads((project.dir / MANIFEST).read_text())
        assert manifest["model"] == "evil_model" and manifest["framework"] == framework
        ini = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
        ini.read(project.dir / "platformio.ini")
        assert ini["env:micro"]["board"] == "nano33ble"
        lib = project.dir / "lib" / project.library
        assert json.loads((lib / "library.json").read_text())["name"] == project.library
    lib = tmp_path / "arduino" / "lib" / project.library
    _properties_are_one_line_each((lib / "library.properties").read_text(encoding="utf-8"))
    assert check_library(lib) == []
    c = (lib / "src" / "micro" / "evil_model.c").read_text()
    assert '"one */",' in c and '"#three",' in c and '"four\\\\",' in c


def test_cli_build_of_a_hostile_model_compiles_with_werror(tmp_path, capsys):
    need_tool("arm-none-eabi-gcc")
    reason = platformio_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    model = _hostile_model(tmp_path)
    assert main(["build", str(model), "--board", "nano33ble", "--framework", "baremetal", "-o",
                 str(tmp_path / "p")]) == 0
    assert "labels: 6 for output 0" in capsys.readouterr().out
    built = json.loads((tmp_path / "p" / MANIFEST).read_text())
    assert built["memory"]["flash"] > 0

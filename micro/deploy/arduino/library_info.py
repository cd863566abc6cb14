"""What an Arduino library says about itself: library.properties (Arduino library specification 1.5, rev.
2.2) and PlatformIO's library.json, from the compiled model, its metadata and the user's options.

Every value comes out as one line of text (micro.deploy.text.one_line): a model's name, description or author
may hold line breaks, control characters, `#`, quotes or backslashes; library.json is written by json.dumps.

url: the specification lists `url` ("the URL of the library project, for a person to visit") among its fields,
but TFLite metadata has no URL field and micro does not know where a model's project lives, so every field
written is a true one: `url` (and library.json's `homepage`) only with the user's `--url`, never an invented
address. Without it arduino-lint reports the missing field; the Arduino IDE, arduino-builder and arduino-cli
load and build the library all the same (tests/deploy/test_avr.py builds libraries exported without --url).
Strings from the model's metadata (name, description, author, version, license) are passed through as one
escaped line each.

Public API::

    library_info(compiled, metadata, name=None, version=None, author=None, ...) -> LibraryInfo
    properties_text(info) -> str;  library_json_text(info, examples) -> str
    info_problems(info) -> list[str]        (shared with micro.deploy.arduino.check)
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from micro.deploy.text import md_text, one_line
from micro.errors import MicroError

CATEGORIES = ("Display", "Communication", "Signal Input/Output", "Sensors", "Device Control", "Timing",
              "Data Storage", "Data Processing", "Other")
# used with fullmatch (a `$` would let a trailing line break through)
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]*")          # library.properties name
FOLDER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")          # library root folder
SEMVER_RE = re.compile(r"\d+\.\d+(\.\d+)?(-[0-9A-Za-z.\-]+)?(\+[0-9A-Za-z.\-]+)?")
URL_RE = re.compile(r"https?://[!-~]+")                         # printable ASCII, no spaces


class ExportError(MicroError):
    """The Arduino library could not be made."""


@dataclass
class LibraryInfo:
    name: str
    version: str
    author: str
    maintainer: str
    sentence: str
    paragraph: str
    category: str = "Data Processing"
    url: str = ""                   # the user's --url; "" writes no url
    architectures: str = "*"
    license: str = ""
    readme_sentence: str = ""       # sentence and paragraph with the model's strings escaped for Markdown
    readme_paragraph: str = ""

    @property
    def header(self) -> str:
        return f"{self.name}.h"

    @property
    def guard(self) -> str:
        return re.sub(r"[^A-Za-z0-9]", "_", self.name).upper()


def default_library_name(model_name: str, output: str | os.PathLike | None = None) -> str:
    """From the output file's stem (Model.zip -> Model), else CamelCase of the model name."""
    stem = Path(output).stem if output else ""
    if stem and FOLDER_RE.fullmatch(stem):
        name = stem
    else:
        name = "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", model_name) if p) or "Model"
        if not name[0].isalpha():
            name = "Model" + name
    if name.lower().startswith("arduino"):  # names starting with "Arduino" are reserved for Arduino's own
        name = "Micro" + name
    return name[:63]


def _describe(compiled, metadata, esc) -> tuple[str, str]:
    """(sentence, paragraph) with `esc` applied to every string that comes from the model."""
    g = compiled.graph

    def io_text(kind, idx):
        t = g.tensors[idx]
        return f"{kind} {t.dtype}{list(t.shape)}"

    title = esc(getattr(metadata, "name", "") or compiled.name)
    sentence = (f"The TFLite model {title} compiled to static C99 by micro: bit-exact with TensorFlow Lite Micro, "
                "no interpreter, no heap.")
    parts = []
    desc = one_line(getattr(metadata, "description", "") or "")
    if desc:
        parts.append(esc(desc.rstrip(".") + "."))
    parts.append(f"{len(compiled.lowered)} ops, {compiled.macs:,} MACs; weights {compiled.weight_bytes:,} bytes "
                 f"in flash, arena {compiled.plan.arena_bytes:,} bytes of RAM.")
    parts.append(", ".join([io_text("input", i) for i in g.inputs] + [io_text("output", o) for o in g.outputs]) + ".")
    lab = getattr(metadata, "labels", None)
    if lab:
        parts.append(f"{len(lab[1])} labels.")
    parts.append("Examples: Classify (quantize, invoke, print the top class) and SerialVerify (run `micro verify "
                 "--port` against the board).")
    return sentence, " ".join(parts)


def library_info(compiled, metadata=None, name: str | None = None, version: str | None = None,
                 author: str | None = None, maintainer: str | None = None, url: str | None = None,
                 architectures: str | None = None, output: str | os.PathLike | None = None) -> LibraryInfo:
    name = name or default_library_name(compiled.name, output)
    meta_version = one_line(getattr(metadata, "version", "") or "")
    version = version or (meta_version if SEMVER_RE.fullmatch(meta_version) else "1.0.0")
    author = one_line(author or getattr(metadata, "author", "") or "micro (generated)")
    maintainer = one_line(maintainer or author)
    sentence, paragraph = _describe(compiled, metadata, one_line)
    readme_sentence, readme_paragraph = _describe(compiled, metadata, md_text)
    info = LibraryInfo(name=name, version=version, author=author, maintainer=maintainer, sentence=sentence,
                       paragraph=paragraph, url=url or "", architectures=architectures or "*",
                       license=one_line(getattr(metadata, "license", "") or ""), readme_sentence=readme_sentence,
                       readme_paragraph=readme_paragraph)
    problems = info_problems(info)
    if problems:
        raise ExportError("invalid Arduino library metadata: " + "; ".join(problems))
    return info


def info_problems(info: LibraryInfo) -> list[str]:
    out = []
    if not NAME_RE.fullmatch(info.name) or not re.search(r"[A-Za-z]", info.name) or len(info.name) > 63:
        out.append(f"name '{info.name}': letters, digits, spaces, '_', '.', '-'; starts with a letter or digit; "
                   "at least one letter; at most 63 characters")
    if not FOLDER_RE.fullmatch(info.name):
        out.append(f"name '{info.name}' is also the folder and header name: no spaces")
    if info.name.lower().startswith("arduino"):
        out.append(f"name '{info.name}': names starting with 'Arduino' are reserved for Arduino's libraries")
    if not SEMVER_RE.fullmatch(info.version):
        out.append(f"version '{info.version}' is not semver (e.g. 1.0.0)")
    if info.category not in CATEGORIES:
        out.append(f"category '{info.category}' is not one of {', '.join(CATEGORIES)}")
    for key in ("author", "maintainer", "sentence", "paragraph", "architectures"):
        value = getattr(info, key)
        if not value or value != one_line(value):
            out.append(f"{key} must be one non-empty line")
    if info.url and not URL_RE.fullmatch(info.url):
        out.append(f"url '{one_line(info.url)}' must be one web address (http:// or https://)")
    return out


def properties_text(info: LibraryInfo) -> str:
    rows = [("name", info.name), ("version", info.version), ("author", info.author),
            ("maintainer", info.maintainer), ("sentence", info.sentence), ("paragraph", info.paragraph),
            ("category", info.category)] + ([("url", info.url)] if info.url else []) + [
            ("architectures", info.architectures), ("includes", info.header)]
    return "".join(f"{k}={one_line(v)}\n" for k, v in rows)


def _person(text: str) -> dict:
    m = re.match(r"^\s*(.*?)\s*<([^>]+)>\s*$", text)
    return {"name": m.group(1), "email": m.group(2)} if m else {"name": text.strip()}


def library_json_text(info: LibraryInfo, examples: dict[str, list[str]]) -> str:
    authors = [dict(_person(a), maintainer=False) for a in info.author.split(",") if a.strip()]
    maint = _person(info.maintainer)
    for a in authors:
        if a["name"] == maint["name"]:
            a["maintainer"] = True
            break
    else:
        authors.append(dict(maint, maintainer=True))
    data = {
        "name": info.name,
        "version": info.version,
        "description": f"{info.sentence} {info.paragraph}",
        "keywords": ["tinyml", "tflite", "tensorflow lite micro", "neural network", "micro"],
        "authors": authors,
        "homepage": info.url,
        "frameworks": "*",
        "platforms": "*",
        "headers": [info.header],
        "examples": [{"name": ex, "base": f"examples/{ex}", "files": files} for ex, files in examples.items()],
        "build": {"srcDir": "src", "includeDir": "src"},
    }
    if not info.url:
        del data["homepage"]
    if info.license:
        data["license"] = info.license
    return json.dumps(data, indent=2) + "\n"

"""The Jinja2 templates of the generated files (StrictUndefined: a missing value is an error, never an
empty string). Strings from a model reach them only through the `c_comment` and `c_string` filters."""

from __future__ import annotations

from pathlib import Path

import jinja2

from micro.codegen.escape import c_comment, c_string

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent)),
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    autoescape=False)
ENV.filters["c_comment"] = c_comment
ENV.filters["c_string"] = c_string


def render(template: str, context: dict) -> str:
    return ENV.get_template(template).render(context)

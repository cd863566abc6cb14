#!/usr/bin/env python3
"""Write docs/ops.md: every TFLite builtin op against micro and TFLM (micro.ops_table). Needs the
pinned tflite-micro (the `test` extra) for the TFLM column; tests/test_ops_table.py fails when the file
is out of date.

    .venv/bin/python scripts/generate_ops_doc.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from micro.ops_table import markdown, op_rows
from micro.verify.tflm_ops import tflm_ops

DOC = Path(__file__).resolve().parent.parent / "docs" / "ops.md"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/ops.md is out of date, write nothing")
    args = ap.parse_args()
    if tflm_ops() is None:
        print("tflite-micro is not installed: install the test extra first", file=sys.stderr)
        return 2
    text = markdown(op_rows())
    if args.check:
        ok = DOC.exists() and DOC.read_text() == text
        print("docs/ops.md is up to date" if ok else "docs/ops.md is out of date: run scripts/generate_ops_doc.py")
        return 0 if ok else 1
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

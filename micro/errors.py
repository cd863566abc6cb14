"""Errors that speak to the user: what failed, where, and what to do."""

import unicodedata

TERMINAL_LINE_MAX = 400


def terminal_text(text: str, line_max: int = TERMINAL_LINE_MAX) -> str:
    """Text safe to print on a terminal although it holds a model's strings: control and format characters
    (escape sequences, carriage returns, NUL) become \\xNN / \\uNNNN, lines longer than `line_max` are cut."""
    lines = []
    for line in str(text).split("\n"):
        line = "".join(ch if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
                       else (f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}") for ch in line)
        lines.append(line if len(line) <= line_max else line[:line_max] + f"... ({len(line)} characters)")
    return "\n".join(lines)


class MicroError(Exception):
    """Base class for every error micro reports to a user."""


class ModelError(MicroError):
    """The .tflite file cannot be read or is not a model micro can compile."""


class InvalidModelError(ModelError):
    """The .tflite file is malformed: indices, shapes, sizes or parameters no valid model has
    (micro.frontend.validate). Every problem names the op, the tensor and the field."""

    def __init__(self, model_name: str, problems: list[str]):
        self.problems = problems
        lines = [f"{model_name}: the model is invalid ({len(problems)} problem(s)); nothing was generated:"]
        lines += [f"  - {p}" for p in problems[:50]]
        if len(problems) > 50:
            lines.append(f"  ... and {len(problems) - 50} more")
        super().__init__("\n".join(lines))


class UnsupportedModelError(MicroError):
    """The model uses ops, types or parameters micro has no kernel for."""

    def __init__(self, model_name: str, problems: list[str]):
        self.problems = problems
        lines = [f"{model_name}: {len(problems)} problem(s) stop compilation:"]
        lines += [f"  - {p}" for p in problems]
        lines.append("Nothing was generated. `micro ops` lists the ops micro supports, with their types.")
        super().__init__("\n".join(lines))


class VerificationError(MicroError):
    """Generated code disagrees with the reference (TFLM)."""

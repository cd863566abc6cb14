"""Errors that speak to the user: what failed, where, and what to do."""


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

"""The error of `micro build` / `micro flash` (budget, project, PlatformIO runs, upload)."""

from micro.errors import MicroError


class BuildError(MicroError):
    """`micro build` / `micro flash` could not do what was asked."""

"""Graph passes: each is one pure function Graph -> Graph in a file of its own."""

from micro.passes.fold_constant_views import fold_constant_views

PIPELINE = (fold_constant_views,)


def run_passes(g):
    for p in PIPELINE:
        g = p(g)
    return g


__all__ = ["PIPELINE", "run_passes", "fold_constant_views"]

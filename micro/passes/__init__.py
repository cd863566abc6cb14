"""Graph passes: each is one pure function Graph -> Graph in a file of its own, run in PIPELINE order."""

from micro.passes.fold_constants import fold_constants
from micro.passes.fold_pad import fold_pad

PIPELINE = (fold_constants, fold_pad)


def run_passes(g):
    for p in PIPELINE:
        g = p(g)
    return g

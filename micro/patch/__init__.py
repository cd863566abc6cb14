"""Patch-based execution: chains of window ops run in row bands (micro.patch.bands), chosen by the compiler
(micro.patch.schedule) to fit a RAM budget with the fewest recomputed MACs."""

from __future__ import annotations

from micro.errors import MicroError
from micro.ir import Graph
from micro.lowered import Lowered, PatchCall
from micro.patch.schedule import Scheduler

PATCH_RESTARTS = 40  # placements of a chosen patch's bands in its scratch (a work budget: same plan everywhere)


class RamBudgetError(MicroError):
    """No schedule fits the RAM budget; carries the smallest RAM micro can reach."""

    def __init__(self, model: str, budget: int, smallest: int, arena: int, state: int, detail: str):
        self.budget, self.smallest = budget, smallest
        super().__init__(
            f"{model} does not fit a RAM budget of {budget:,} bytes: the smallest peak micro reaches is "
            f"{smallest:,} bytes (arena {arena:,}" + (f" + state {state:,}" if state else "") + f"), with {detail}. "
            f"Raise --ram-budget to at least {smallest:,}, or shrink the model's largest activations "
            "(`micro plan MODEL --ram-budget N` shows what is alive at the peak).")


def schedule(g: Graph, lowered: list[Lowered], target: int | None = None, patches: bool = True
             ) -> tuple[list[Lowered], "Scheduler | None", bool]:
    """(lowered with the chosen patches, the scheduler, whether the target was met). target: the arena bytes
    to fit (None: the default trade of micro.patch.schedule.Scheduler.default)."""
    if not patches:
        return lowered, None, True
    s = Scheduler(g, lowered)
    if not s.chains:
        return lowered, s, target is None or s.estimate([]).peak <= target
    if target is None:
        chosen, met = s.default(), True
    else:
        chosen, est = s.fit(target)
        met = est.peak <= target
    return s.apply(chosen, restarts=PATCH_RESTARTS), s, met


def patch_summary(lowered: list[Lowered]) -> str:
    patches = [low for low in lowered if isinstance(low.call, PatchCall)]
    if not patches:
        return "no patches (every tensor whole)"
    return "; ".join(f"ops {', '.join('#' + str(i) for i in low.op.options['ops'])} in {low.call.tiles} bands"
                     for low in patches)

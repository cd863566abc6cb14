"""Which chains to run in patches (micro.patch.bands), how many tiles, and where to cut them.

A chain is a maximal run of window ops, each reading the previous one's output and the only reader of it
(micro.patch.bands.chain_problems). A schedule picks disjoint sub-chains of two or more ops and a tile count
for each. Its cost is the MACs the halos recompute; its peak is the planner's bound on live bytes (micro.arena:
best execution order, buffers, declared overlaps), which the placement meets on every model we know.

The search is greedy on the peak: at each round it tries every sub-chain that removes a tensor alive at the
current peak (or re-tiles a patch whose scratch is alive there) with every tile count, and keeps the schedule
with the lowest peak (fewest recomputed MACs on a tie), or, with a target, the cheapest schedule that meets it.
Then each chosen patch is made as cheap as it can be (fewer tiles, fewer ops, or none at all) without raising
the peak above the target (or above what the greedy reached). With no target the recomputed MACs are capped
(`recompute`, a share of the model's MACs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from micro.arena.lifetimes import buffers_for, live_by_step, overlaps_for
from micro.arena.order import best_order
from micro.arena.variables import resolve_state_views
from micro.arena.views import resolve_views
from micro.ir import Graph
from micro.lowered import Lowered, PatchCall
from micro.patch.bands import build_patch, is_transpose_call, is_window_call

DEFAULT_RECOMPUTE = 0.10   # default cap on recomputed MACs, a share of the model's MACs
TILE_COUNTS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
MAX_PATCH_OPS = 10


@dataclass(frozen=True, order=True)
class Choice:
    chain: int
    start: int   # first op (position in the chain)
    stop: int    # one past the last op
    tiles: int


@dataclass
class Estimate:
    peak: int
    extra_macs: int
    hot: set[int] = field(default_factory=set)   # tensors whose storage is alive at the peak


def find_chains(g: Graph, lowered: list[Lowered]) -> list[list[int]]:
    """Maximal chains of window calls, as positions in `lowered` (model order), each at least two long."""
    consumers = g.consumers()
    where = {low.op.index: k for k, low in enumerate(lowered)}
    nxt: dict[int, int] = {}
    for k, low in enumerate(lowered):
        if not (is_window_call(low, g) or is_transpose_call(low, g)):
            continue
        t = low.call.outputs[0]
        users = consumers.get(t, [])
        if t in g.outputs or len(users) != 1 or users[0].index not in where:
            continue
        q = where[users[0].index]
        if is_window_call(lowered[q], g) and lowered[q].call.inputs[0] == t and t not in lowered[q].call.inputs[1:]:
            nxt[k] = q
    starts = sorted(set(nxt) - set(nxt.values()))
    chains = []
    for k in starts:
        chain = [k]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        chains.append(chain)
    return chains


class Scheduler:
    def __init__(self, g: Graph, lowered: list[Lowered]):
        self.g, self.lowered = g, lowered
        self.chains = find_chains(g, lowered)
        self.base_macs = sum(low.macs for low in lowered)
        self._patches: dict[Choice, Lowered | None] = {}
        self._estimates: dict[tuple, Estimate] = {}
        self._frontier: list[tuple[list[Choice], Estimate]] | None = None

    # -- building ---------------------------------------------------------------------------------------
    def patch(self, c: Choice, restarts: int = 0) -> Lowered | None:
        key = c if not restarts else None
        if key is not None and key in self._patches:
            return self._patches[key]
        chain = [self.lowered[k] for k in self.chains[c.chain][c.start:c.stop]]
        low = build_patch(self.g, chain, c.tiles, restarts, estimate=not restarts)
        if key is not None:
            self._patches[key] = low
        return low

    def apply(self, choices, restarts: int = 0) -> list[Lowered]:
        """The lowered ops with each choice's ops replaced by its patch (at the last op's place)."""
        replaced: dict[int, Lowered | None] = {}
        for c in choices:
            positions = self.chains[c.chain][c.start:c.stop]
            for k in positions[:-1]:
                replaced[k] = None
            patch = self.patch(c, restarts)
            if patch is None:
                raise ValueError(f"{c} cannot run in bands (a band would read no rows): Scheduler.patch says None")
            replaced[positions[-1]] = patch
        return [replaced.get(k, low) for k, low in enumerate(self.lowered) if replaced.get(k, low) is not None]

    # -- measuring --------------------------------------------------------------------------------------
    def estimate(self, choices) -> Estimate:
        key = tuple(sorted(choices))
        if key in self._estimates:
            return self._estimates[key]
        if any(self.patch(c) is None for c in choices):
            est = Estimate(1 << 62, 0)
        else:
            est = self._measure(self.apply(choices))
        self._estimates[key] = est
        return est

    def _measure(self, lowered: list[Lowered]) -> Estimate:
        g = self.g
        lowered = resolve_views(g, resolve_state_views(g, lowered))
        perm, _ = best_order(g, lowered)
        lowered = [lowered[k] for k in perm]
        buffers, tensor_buffer = buffers_for(g, lowered)
        live = live_by_step(buffers, overlaps_for(g, lowered, buffers, tensor_buffer))
        peak = max(live.values(), default=0)
        hot: set[int] = set()
        patches = {low.op.index: low.call for low in lowered if isinstance(low.call, PatchCall)}
        for s, v in live.items():
            if v != peak:
                continue
            for b in buffers:
                if b.first <= s <= b.last:
                    hot.update(b.tensors)
                    if b.scratch_of in patches:  # its bands: what re-tiling that patch changes
                        hot.update(patches[b.scratch_of].internal)
        extra = sum(low.call.macs - low.call.base_macs for low in lowered if isinstance(low.call, PatchCall))
        return Estimate(peak, extra, hot)

    # -- searching --------------------------------------------------------------------------------------
    def _subchains(self, hot: set[int] | None):
        for ci, chain in enumerate(self.chains):
            for i in range(len(chain)):
                for j in range(i + 2, min(len(chain), i + MAX_PATCH_OPS) + 1):
                    internal = {self.lowered[k].call.outputs[0] for k in chain[i:j - 1]}
                    if hot is None or internal & hot:
                        yield ci, i, j

    def _candidates(self, hot: set[int] | None, max_tiles: int | None = None):
        for ci, i, j in self._subchains(hot):
            out_h = self.lowered[self.chains[ci][j - 1]].call.params["win"]["out_h"]
            for t in TILE_COUNTS:
                if t <= out_h and (max_tiles is None or t <= max_tiles):
                    yield Choice(ci, i, j, t)

    @staticmethod
    def _with(chosen: list[Choice], c: Choice) -> list[Choice]:
        """chosen, less what overlaps c, plus c."""
        kept = [o for o in chosen if o.chain != c.chain or o.stop <= c.start or c.stop <= o.start]
        return sorted(kept + [c])

    def search(self, target: int | None = None, allowance: int | None = None) -> tuple[list[Choice], Estimate]:
        chosen: list[Choice] = []
        est = self.estimate(chosen)
        while self.chains and (target is None or est.peak > target):
            best = None
            for c in self._candidates(est.hot):
                trial = self._with(chosen, c)
                e = self.estimate(trial)
                if allowance is not None and e.extra_macs > allowance:
                    continue
                key = (0, e.extra_macs, 0) if target is not None and e.peak <= target else (1, e.peak, e.extra_macs)
                if best is None or key < best[0]:
                    best = (key, trial, e)
            if best is None or best[2].peak >= est.peak:
                break
            chosen, est = best[1], best[2]
        return self.relax(chosen, max(est.peak, target or 0))

    def relax(self, chosen: list[Choice], limit: int) -> tuple[list[Choice], Estimate]:
        """Each patch replaced by the cheapest alternative (none, fewer tiles, other ops of its chain) that keeps
        the peak at most `limit`."""
        for c in list(chosen):
            if c not in chosen:
                continue
            others = [o for o in chosen if o != c]
            options = [None] + [d for d in self._candidates(None) if d.chain == c.chain and
                                d.start < c.stop and c.start < d.stop and
                                not any(o.chain == d.chain and o.start < d.stop and d.start < o.stop for o in others)]
            best = None
            for d in options:
                trial = sorted(others + ([d] if d else []))
                e = self.estimate(trial)
                if e.peak > limit:
                    continue
                key = (e.extra_macs, d.tiles if d else 0, (d.stop - d.start) if d else 0)
                if best is None or key < best[0]:
                    best = (key, trial)
            if best is not None:
                chosen = best[1]
        return chosen, self.estimate(chosen)

    # -- policies ---------------------------------------------------------------------------------------
    def frontier(self) -> list[tuple[list[Choice], Estimate]]:
        """Schedules from greedy searches under growing recompute caps (and none): cheapest first."""
        if self._frontier is None:
            points = []
            for cap in RECOMPUTE_CAPS:
                chosen, est = self.search(None, None if cap is None else int(cap * self.base_macs))
                points.append((chosen, est))
            self._frontier = sorted(points, key=lambda p: (p[1].extra_macs, p[1].peak))
        return self._frontier

    def default(self) -> list[Choice]:
        """Patches while they pay: each further step along the frontier must cut the peak by at least
        DEFAULT_RATE times the share of MACs it adds (5: 1% more MACs for 5% less RAM)."""
        chosen, est = [], self.estimate([])
        for trial, e in self.frontier():
            if e.peak >= est.peak:
                continue
            cut = (est.peak - e.peak) / est.peak
            cost = (e.extra_macs - est.extra_macs) / max(1, self.base_macs)
            if e.extra_macs <= self.base_macs * DEFAULT_RECOMPUTE and cut >= DEFAULT_RATE * cost:
                chosen, est = trial, e
        return chosen

    def fit(self, target: int) -> tuple[list[Choice], Estimate]:
        """The cheapest schedule found whose peak is at most `target` (the greedy aimed at it, and every frontier
        point under it made cheaper), else the smallest peak. No patches when every tensor whole fits."""
        whole = self.estimate([])
        if whole.peak <= target:
            return [], whole
        found = [self.search(target, None)] + [self.relax(ch, target) for ch, e in self.frontier() if e.peak <= target]
        fitting = [p for p in found if p[1].peak <= target]
        if fitting:
            return min(fitting, key=lambda p: (p[1].extra_macs, sum(c.tiles for c in p[0])))
        return self.minimal()

    def minimal(self) -> tuple[list[Choice], Estimate]:
        """The smallest peak any search reached (fewest MACs among equals)."""
        return min(self.frontier(), key=lambda p: (p[1].peak, p[1].extra_macs))


RECOMPUTE_CAPS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.10, 0.20, None)
DEFAULT_RATE = 5.0

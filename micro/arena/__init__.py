"""Arena planning: every non-constant tensor and scratch buffer gets a fixed offset."""

from micro.arena.lifetimes import Buffer, buffers_for
from micro.arena.plan import ArenaPlan, plan_arena

__all__ = ["Buffer", "buffers_for", "ArenaPlan", "plan_arena"]

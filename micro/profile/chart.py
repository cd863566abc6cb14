"""`micro profile --png`: a bar per op (instructions on an emulated board, ns on the host), the baseline's bar
beside ours when there is one, and the cycle ESTIMATE as a marker (labelled so) on an emulated board.

Public API::

    profile_png(profile, path)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from micro.profile.report import Profile


def profile_png(profile: Profile, path: str | Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in profile.rows if r.kernel != "view" or r.baseline]
    x = np.arange(len(rows))
    width = 0.4 if profile.baseline is not None else 0.7
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(rows) + 2), 4.8))
    ours = [r.value for r in rows]
    unit = {"instructions": "instructions", "ns": "ns (median)"}.get(profile.metric, "HiFi 4 cycles (ESTIMATE)")
    offset = width / 2 if profile.baseline is not None else 0.0
    ax.bar(x - offset, ours, width, label=f"micro ({unit})", color="#1f77b4")
    if profile.baseline is not None:
        ax.bar(x + offset, [r.baseline or 0 for r in rows], width, label=f"{profile.baseline.label} ({unit})",
               color="#ff7f0e")
    if profile.metric == "instructions" and profile.totals.get("cycles_estimate") is not None:
        ax.scatter(x - offset, [r.cycles_estimate or 0 for r in rows], marker="_", s=200, color="black", zorder=3,
                   label="micro: Cortex-M4 cycles (ESTIMATE)")
    ax.set_xticks(x)
    ax.set_xticklabels([f"#{r.index} {r.op}" for r in rows], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel(unit)
    total = sum(r.value for r in rows)
    title = f"{profile.model} on {profile.board}\n{total:,.0f} {profile.metric} in {len(rows)} ops"
    if profile.baseline is not None and profile.baseline.total:
        title += f" (baseline {profile.baseline.total:,.0f}: ours/baseline {total / profile.baseline.total:.2f})"
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, loc="best")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out

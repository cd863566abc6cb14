"""The `micro` command line: compile, inspect, verify, ops."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from micro import __version__
from micro.errors import MicroError


def _load(path: str):
    from micro.frontend import load_model
    return load_model(path)


def cmd_compile(args) -> int:
    from micro.codegen import emit_c, write_c
    from micro.compiler import compile_model

    t0 = time.perf_counter()
    model = _load(args.model)
    compiled = compile_model(model)
    generated = emit_c(compiled, Path(args.model).name)
    written = write_c(generated, args.output)
    dt = time.perf_counter() - t0
    plan = compiled.plan
    print(f"compiled {args.model} -> {args.output}/ ({len(written)} files) in {dt:.2f} s")
    print(f"  ops: {len(compiled.lowered)}, MACs: {compiled.macs:,}, weights: {compiled.weight_bytes:,} bytes")
    print(f"  arena: {plan.arena_bytes} bytes (lower bound {plan.lower_bound_bytes})")
    if not args.no_oracle:
        from micro.harness.oracle import oracle_available, tflm_arena_bytes
        if oracle_available():
            tflm = tflm_arena_bytes(Path(args.model).read_bytes(), model)
            if "total" in tflm:
                print(f"  TFLM arena for the same model (host build): {tflm['total']} bytes "
                      f"({tflm['head']} for tensors); ours is {plan.arena_bytes / tflm['total']:.2f}x")
    print(f"  API: {compiled.name}.h ({compiled.name}_init, {compiled.name}_invoke, "
          f"{compiled.name}_input, {compiled.name}_output)")
    return 0


def cmd_inspect(args) -> int:
    from micro.inspect_model import describe, format_table

    model = _load(args.model)
    info = describe(model, Path(args.model).read_bytes(), with_oracle=not args.no_oracle)
    print(json.dumps(info, indent=2) if args.json else format_table(info))
    return 0


def _input_sets(paths: list[str], graph) -> list[list[np.ndarray]]:
    """Each .npy is one input set (or N sets with a leading batch axis); .npz maps input index/name."""
    from micro.quant import QRANGE

    def coerce(arr: np.ndarray, t) -> np.ndarray:
        if np.issubdtype(arr.dtype, np.floating) and t.quant is not None:
            lo, hi = QRANGE[t.dtype]
            arr = np.clip(np.round(arr / t.quant.s) + t.quant.zp, lo, hi)
        return arr.astype(t.dtype).reshape(t.shape)

    sets = []
    for p in paths:
        data = np.load(p)
        if isinstance(data, np.lib.npyio.NpzFile):
            arrays = []
            for k, t_idx in enumerate(graph.inputs):
                t = graph.tensors[t_idx]
                key = str(k) if str(k) in data else t.name
                if key not in data:
                    raise MicroError(f"{p}: no array '{k}' or '{t.name}' for input {k}")
                arrays.append(coerce(data[key], t))
            sets.append(arrays)
            continue
        if len(graph.inputs) != 1:
            raise MicroError(f"{p}: the model has {len(graph.inputs)} inputs; pass an .npz with one array "
                             "per input (named by index or tensor name)")
        t = graph.tensors[graph.inputs[0]]
        if data.size == t.size:
            sets.append([coerce(data, t)])
        elif data.size % t.size == 0:
            sets += [[coerce(x, t)] for x in data.reshape(-1, *t.shape)]
        else:
            raise MicroError(f"{p}: {data.size} values do not fit input '{t.name}' of shape {list(t.shape)}")
    return sets


def cmd_verify(args) -> int:
    from micro.compiler import compile_model
    from micro.harness.verify import random_inputs, verify_compiled

    if args.board != "host":
        raise MicroError(f"board '{args.board}' is not available yet; `micro verify` runs on: host")
    model = _load(args.model)
    compiled = compile_model(model)
    sets = _input_sets(args.input or [], compiled.graph)
    rng = np.random.default_rng(args.seed)
    sets += [random_inputs(compiled.graph, rng) for _ in range(args.random)]
    if not sets:
        raise MicroError("nothing to run: give --input FILE.npy and/or --random N")
    report = verify_compiled(compiled, Path(args.model).read_bytes(), sets)
    print(report.summary())
    if not report.ok and args.verbose:
        for d in report.divergences[:20]:
            print(f"  {d}")
    return 0 if report.ok else 1


def cmd_plan(args) -> int:
    from micro.arena.report import plan_dict, plan_png, plan_table
    from micro.compiler import compile_model

    model = _load(args.model)
    compiled = compile_model(model, plan_options=dict(time_limit=args.time_limit))
    tflm = None
    if not args.no_oracle:
        from micro.harness.oracle import oracle_available, tflm_arena_bytes
        if oracle_available():
            tflm = tflm_arena_bytes(Path(args.model).read_bytes(), model)
    png = args.png or f"{compiled.name}_plan.png"
    if args.json:
        print(json.dumps(plan_dict(compiled.plan, compiled.graph, tflm), indent=2))
    else:
        print(plan_table(compiled.plan, tflm))
    if not args.no_png:
        plan_png(compiled.plan, png, f"{compiled.name}: arena {compiled.plan.arena_bytes} bytes")
        if not args.json:
            print(f"picture: {png}")
    return 0


def cmd_ops(args) -> int:
    from micro.ops import supported_kinds
    print("\n".join(supported_kinds()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="micro", description="Compile int8 TFLite models to static C, "
                                "bit-exact with TensorFlow Lite Micro.")
    p.add_argument("--version", action="version", version=f"micro {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compile", help="generate C (model, weights, kernels) from a .tflite model")
    c.add_argument("model")
    c.add_argument("-o", "--output", default="out", help="output directory (default: out)")
    c.add_argument("--no-oracle", action="store_true", help="do not run TFLM to compare arena sizes")
    c.set_defaults(fn=cmd_compile)

    i = sub.add_parser("inspect", help="ops, shapes, MACs, weight and arena bytes")
    i.add_argument("model")
    i.add_argument("--json", action="store_true", help="machine-readable output")
    i.add_argument("--no-oracle", action="store_true", help="do not run TFLM to measure its arena")
    i.set_defaults(fn=cmd_inspect)

    v = sub.add_parser("verify", help="run generated code and TFLM on the same inputs; compare every tensor")
    v.add_argument("model")
    v.add_argument("--board", default="host", help="where to run the generated code (default: host)")
    v.add_argument("--input", action="append", metavar="FILE", help=".npy/.npz input set(s); repeatable")
    v.add_argument("--random", type=int, default=0, metavar="N", help="also run N random inputs")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("-v", "--verbose", action="store_true", help="list every differing tensor")
    v.set_defaults(fn=cmd_verify)

    pl = sub.add_parser("plan", help="the arena plan: buffers, lifetimes, offsets, lower bound, picture")
    pl.add_argument("model")
    pl.add_argument("--json", action="store_true", help="print the plan as JSON")
    pl.add_argument("--png", help="where to write the picture (default: <model>_plan.png)")
    pl.add_argument("--no-png", action="store_true", help="do not write the picture")
    pl.add_argument("--time-limit", type=float, default=0.5, help="seconds for the placement search")
    pl.add_argument("--no-oracle", action="store_true", help="do not run TFLM to compare")
    pl.set_defaults(fn=cmd_plan)

    o = sub.add_parser("ops", help="list the TFLite ops micro supports")
    o.set_defaults(fn=cmd_ops)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except MicroError as exc:
        print(f"micro: error: {exc}", file=sys.stderr)
        return 2

"""Single-op int8 models shared by several op tests, and a model micro never supports.

- `conv_model`: one CONV_2D or DEPTHWISE_CONV_2D with given quantized weights, bias and quantization;
- `random_conv_case`: a seeded random conv/depthwise model covering what the ops corpus lacks;
- `pool_model`: one AVERAGE_POOL_2D or MAX_POOL_2D, output quantization = input quantization;
- `never_supported_model`: supported ops around custom ops no compiler can know, so tests of the
  unsupported-op error never depend on which builtin ops micro lacks today.
"""

from __future__ import annotations

import numpy as np

from micro.geometry import compute_padding
from micro.testing.tflite_builder import ModelBuilder

# Custom ops are application code no compiler knows, so micro never supports them.
NEVER_SUPPORTED_OPS = ("CUSTOM:MicroTestNeverSupported", "CUSTOM:MicroTestNeverSupportedEither")


def conv_model(kind: str, x_shape, x_q, w: np.ndarray, w_scales, w_axis, bias, y_shape, y_q,
               options: dict) -> bytes:
    """A one-op int8 model: input x -> kind(x, const filter[, const bias]) -> output y.

    x_q, y_q: (scale, zero point); w_scales per tensor or per channel along w_axis; options:
    padding, act, stride (h, w), dilation (h, w) and, for DEPTHWISE_CONV_2D, depth_multiplier."""
    b = ModelBuilder()
    x = b.tensor("x", x_shape, "int8", scale=x_q[0], zero_point=x_q[1])
    w_scales = np.asarray(w_scales, np.float32).ravel()
    wt = b.const("w", w.astype(np.int8), scale=w_scales, zero_point=0, axis=w_axis)
    bt = None
    if bias is not None:
        bt = b.const("b", bias.astype(np.int32), scale=np.float32(x_q[0]) * w_scales, zero_point=0)
    y = b.tensor("y", y_shape, "int8", scale=y_q[0], zero_point=y_q[1])
    opts = {"padding": options["padding"], "fused_activation_function": options["act"],
            "stride_h": options["stride"][0], "stride_w": options["stride"][1],
            "dilation_h_factor": options["dilation"][0], "dilation_w_factor": options["dilation"][1]}
    if kind == "DEPTHWISE_CONV_2D":
        opts["depth_multiplier"] = options["depth_multiplier"]
    b.op(kind, [x, wt, bt], [y], opts)
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def random_conv_case(kind: str, seed: int) -> tuple[bytes, tuple[int, ...], np.random.Generator]:
    """A random CONV_2D or DEPTHWISE_CONV_2D model: (model bytes, input shape, the generator for its inputs)."""
    r = np.random.default_rng(seed)
    batches = int(r.choice([1, 1, 2, 3]))
    k_h, k_w = int(r.integers(1, 6)), int(r.integers(1, 6))
    s_h, s_w = int(r.integers(1, 4)), int(r.integers(1, 4))
    d_h, d_w = (int(r.integers(1, 4)), int(r.integers(1, 4))) if r.random() < 0.4 else (1, 1)
    padding = str(r.choice(["SAME", "VALID"]))
    act = str(r.choice(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]))
    in_h = int(r.integers((k_h - 1) * d_h + 1, (k_h - 1) * d_h + 12))
    in_w = int(r.integers((k_w - 1) * d_w + 1, (k_w - 1) * d_w + 12))
    opts = dict(padding=padding, act=act, stride=(s_h, s_w), dilation=(d_h, d_w))
    if kind == "CONV_2D":
        groups = int(r.choice([1, 1, 1, 2, 3]))
        fic = int(r.integers(1, 9))
        in_c = fic * groups
        out_c = groups * int(r.integers(1, 6))
        w_shape, axis, taps = (out_c, k_h, k_w, fic), 0, k_h * k_w * fic
    else:
        in_c = int(r.integers(1, 9))
        mult = int(r.choice([1, 1, 2, 3, 5]))
        out_c = in_c * mult
        opts["depth_multiplier"] = mult
        w_shape, axis, taps = (1, k_h, k_w, out_c), 3, k_h * k_w
    n_scales = 1 if r.random() < 0.3 else out_c  # per-tensor or per-channel weights
    x_scale = float(np.float32(r.uniform(0.002, 0.1)))
    x_zp = int(r.integers(-128, 128))
    # Output quantization as a converter would pick it for the activation, zero point
    # jittered so the clamps land anywhere.
    if act == "RELU6":
        y_scale, y_zp = 6 / 255 * r.uniform(0.5, 2), int(r.integers(-128, -60))
    elif act == "RELU_N1_TO_1":
        y_scale, y_zp = 2 / 255 * r.uniform(0.5, 2), int(r.integers(-40, 41))
    elif act == "RELU":
        y_scale, y_zp = float(np.exp(r.uniform(-5, 0))), int(r.integers(-128, -60))
    else:
        y_scale, y_zp = float(np.exp(r.uniform(-5, 0))), int(r.integers(-128, 128))
    y_scale = float(np.float32(y_scale))
    acc_spread = 73 * 74 * np.sqrt(taps)  # std of sum(w * (x - x_zp)) for uniform int8 data
    if r.random() < 0.15:
        # Multipliers > 1 (positive shifts): sparse +-1 weights keep outputs in range.
        w = (r.integers(-1, 2, size=w_shape) * (r.random(w_shape) < 0.15)).astype(np.int8)
        w_scales = (y_scale / x_scale * r.uniform(1.2, 4, size=n_scales)).astype(np.float32)
        bias_range = 200
    else:
        w = r.integers(-127, 128, size=w_shape).astype(np.int8)
        target = y_scale * 40 * r.uniform(0.3, 3)  # real spread of the accumulator
        w_scales = (target / (x_scale * acc_spread) * r.uniform(0.5, 2, size=n_scales)
                    ).astype(np.float32)
        bias_range = int(acc_spread)
    # TFLM's depthwise Prepare crashes (segfault) on a bias-less model, so the oracle can
    # only check bias-less CONV_2D; the kernels treat bias == NULL alike.
    no_bias = r.random() < 0.25 and kind == "CONV_2D"
    bias = None if no_bias else r.integers(-bias_range, bias_range + 1, size=out_c).astype(np.int32)
    out_h, _ = compute_padding(padding, in_h, k_h, s_h, d_h)
    out_w, _ = compute_padding(padding, in_w, k_w, s_w, d_w)
    buf = conv_model(kind, (batches, in_h, in_w, in_c), (x_scale, x_zp), w, w_scales, axis, bias,
                     (batches, out_h, out_w, out_c), (y_scale, y_zp), opts)
    return buf, (batches, in_h, in_w, in_c), r


def pool_model(kind, in_shape, fh, fw, sh, sw, padding, act="NONE", scale=0.05, zp=-3) -> bytes:
    """One `kind` pool over an NHWC int8 input, filter fh x fw, strides sh, sw."""
    n, h, w, c = in_shape
    oh, _ = compute_padding(padding, h, fh, sh)
    ow, _ = compute_padding(padding, w, fw, sw)
    b = ModelBuilder()
    x = b.tensor("input", in_shape, "int8", scale=scale, zero_point=zp)
    y = b.tensor("output", (n, oh, ow, c), "int8", scale=scale, zero_point=zp)
    b.op(kind, [x], [y], {"padding": padding, "stride_h": sh, "stride_w": sw, "filter_height": fh,
                          "filter_width": fw, "fused_activation_function": act})
    return b.finish()


def never_supported_model() -> bytes:
    """int8 [1, 8] -> RESHAPE -> each of NEVER_SUPPORTED_OPS (op #1 version 1, op #2 version 2) -> [1, 8]."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 8), "int8", scale=0.05, zero_point=0)
    r = b.tensor("reshaped", (1, 8), "int8", scale=0.05, zero_point=0)
    b.op("RESHAPE", [x, b.const("shape", np.array([1, 8], np.int32))], [r], {"new_shape": [1, 8]})
    y = r
    for version, kind in enumerate(NEVER_SUPPORTED_OPS, start=1):
        out = b.tensor(f"y{version}", (1, 8), "int8", scale=0.05, zero_point=0)
        b.op(kind, [y], [out], version=version)
        y = out
    b.inputs([x])
    b.outputs([y])
    return b.finish()

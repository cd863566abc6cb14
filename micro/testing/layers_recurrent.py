"""Single-op stateful test models, quantized the way the TFLite converter quantizes them:

- `svdf_model`: SVDF with int8 input/output, int8 feature weights, int16 or int8 time weights and
  state (the activation state a variable tensor), int32 bias (optional), any rank;
- `lstm_model`: integer UNIDIRECTIONAL_SEQUENCE_LSTM (int8 activations, int8 weights, int32 biases,
  int8 hidden state and int16 cell state as variable tensors; cell scale a power of two; gates in
  TFLM's fixed Q3.12 / Q0.15 formats), batch-major or time-major.

Each draws its weights and scales from an `np.random.Generator`, so a seed reproduces a model byte
for byte. Scales are chosen so the integer paths stay in range (the converter calibrates them).
"""

from __future__ import annotations

import numpy as np

from micro.testing.tflite_builder import ModelBuilder


def _scale(rng: np.random.Generator, lo_exp: float, hi_exp: float) -> float:
    return float(np.float32(2.0 ** rng.uniform(lo_exp, hi_exp)))


UNIFORM_STD = 0.58  # standard deviation of a value uniform in [-1, 1]


def svdf_model(rng: np.random.Generator, batch: int = 1, input_size: int = 8, units: int = 4, rank: int = 1,
               memory: int = 4, state_dtype: str = "int16", bias: str = "random", activation: str = "RELU") -> bytes:
    """input [batch, input_size] -> SVDF(rank) -> output [batch, units]; state [batch, memory * filters].
    bias: "random", "zeros" or "none" (absent); the tensors other than the bias have the same indices
    and contents in all three for one seed (the bias is the last tensor).

    Scales as a calibrating converter would pick them for full-range random inputs: the state holds about
    four standard deviations of the feature products, the output about three of the reduced time sums."""
    filters = units * rank
    state_max = np.iinfo(state_dtype).max
    b = ModelBuilder()
    x_scale = _scale(rng, -6, -2)
    x = b.tensor("input", (batch, input_size), "int8", x_scale, int(rng.integers(-128, 128)))
    wf_scale = _scale(rng, -8, -5)
    wf = b.const("weights_feature", rng.integers(-127, 128, (filters, input_size), dtype=np.int8), wf_scale, 0)
    feature_std = np.sqrt(input_size) * (UNIFORM_STD * 128) ** 2 * x_scale * wf_scale
    s_scale = float(np.float32(4 * feature_std / state_max * 2 ** rng.uniform(-1, 1)))
    s_zp = 0 if state_dtype == "int16" else int(rng.integers(-30, 30))
    wt_max = np.iinfo(state_dtype).max
    wt_scale = _scale(rng, -10, -6)
    wt_data = rng.integers(-wt_max, wt_max + 1, (filters, memory)).astype(state_dtype)
    wt = b.const("weights_time", wt_data, wt_scale, 0)
    # std of a unit's integer time sum once the memory is full (state values ~ a quarter of the range)
    time_std = np.sqrt(rank * memory) * UNIFORM_STD * wt_max * state_max / 4
    # TFLM SVDF Prepare requires bias scale == state scale * time weights scale (to 1e-5).
    bias_scale = float(np.float32(s_scale) * np.float32(wt_scale))
    limit = int(time_std / 2) + 1
    bias_data = rng.integers(-limit, limit, units, dtype=np.int32)
    state = b.tensor("activation_state", (batch, memory * filters), state_dtype, s_scale, s_zp, is_variable=True)
    y_scale = float(np.float32(s_scale * wt_scale * time_std / 40 * 2 ** rng.uniform(-1, 1)))
    y = b.tensor("output", (batch, units), "int8", y_scale, int(rng.integers(-40, 40)))
    if bias not in ("random", "zeros", "none"):
        raise ValueError(f"bias {bias!r}: 'random', 'zeros' or 'none'")
    bias_tensor = None if bias == "none" else b.const("bias", bias_data * (bias == "random"), bias_scale, 0)
    b.op("SVDF", [x, wf, wt, bias_tensor, state], [y], {"rank": rank, "fused_activation_function": activation},
         version=3)
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def lstm_model(rng: np.random.Generator, batch: int = 1, time_steps: int = 3, input_size: int = 8, units: int = 4,
               time_major: bool = False, cell_scale_power: int = -12, cell_clip: float = 10.0,
               hidden_zero_point: int | None = None, activation: str = "TANH", gain: float = 0.0,
               bias: str = "random") -> bytes:
    """input [batch, time, input] (time_major: [time, batch, input]) -> UNIDIRECTIONAL_SEQUENCE_LSTM ->
    output [.., .., units]; hidden state [batch, units] int8, cell state [batch, units] int16 with scale
    2^cell_scale_power. Gate order in the 24 inputs as TFLite: input, forget, cell, output. gain: log2 of a
    factor on every weight scale (large values saturate the gates).

    bias: "random", "zeros" (a model without biases as the converter writes it: TFLM's integer LSTM
    requires the four gate bias tensors, its Prepare reads their shapes) or "none" (absent, -1: a model TFLM
    cannot run, for micro's refusal); every other tensor holds the same values for one seed in all three."""
    if bias not in ("random", "zeros", "none"):
        raise ValueError(f"bias {bias!r}: 'random', 'zeros' or 'none'")
    b = ModelBuilder()
    io_shape = (time_steps, batch) if time_major else (batch, time_steps)
    x_scale = _scale(rng, -7, -2)
    x = b.tensor("input", (*io_shape, input_size), "int8", x_scale, int(rng.integers(-128, 128)))
    h_scale = _scale(rng, -7.2, -6.5)   # hidden values in (-1, 1)
    h_zp = int(rng.integers(-20, 20)) if hidden_zero_point is None else hidden_zero_point

    def weights(name: str, cols: int, in_scale: float) -> tuple[int, float]:
        # Each FC's contribution to a gate: a standard deviation of about 1 (in Q3.12: 4096) for
        # full-range inputs, times 2^U(-1.5, 1.5).
        in_std = UNIFORM_STD * 128 * in_scale
        w_scale = float(np.float32(2 ** (rng.uniform(-1.5, 1.5) + gain) / (np.sqrt(cols) * in_std * UNIFORM_STD * 127)))
        return b.const(name, rng.integers(-127, 128, (units, cols), dtype=np.int8), w_scale, 0), w_scale

    gates = ("input", "forget", "cell", "output")
    in_w = [weights(f"input_to_{g}_weights", input_size, x_scale) for g in gates]
    rec_w = [weights(f"recurrent_to_{g}_weights", units, h_scale) for g in gates]
    biases = []
    for g, (_, w_scale) in zip(gates, in_w):
        bias_scale = float(np.float32(x_scale) * np.float32(w_scale))
        limit = int(min(2**24, 1.0 / bias_scale)) + 1   # biases up to about 1
        data = rng.integers(-limit, limit, units, dtype=np.int32) * (bias == "random")
        biases.append(None if bias == "none" else b.const(f"{g}_gate_bias", data, bias_scale, 0))
    hidden = b.tensor("output_state", (batch, units), "int8", h_scale, h_zp, is_variable=True)
    cell = b.tensor("cell_state", (batch, units), "int16", 2.0 ** cell_scale_power, 0, is_variable=True)
    y = b.tensor("output", (*io_shape, units), "int8", h_scale, h_zp)
    peephole, projection, layer_norm = [None] * 3, [None] * 2, [None] * 4
    inputs = [x, *(w for w, _ in in_w), *(w for w, _ in rec_w), *peephole, *biases, *projection, hidden, cell,
              *layer_norm]
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y],
         {"fused_activation_function": activation, "cell_clip": cell_clip, "proj_clip": 0.0,
          "time_major": time_major}, version=1)
    b.inputs([x])
    b.outputs([y])
    return b.finish()

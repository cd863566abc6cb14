"""Test support: build small .tflite models without TensorFlow.

- `micro.testing.tflite_builder.ModelBuilder`: write a flatbuffer tensor by tensor, op by op
  (builtin options tables encoded by `micro.testing.tflite_options`).
- `micro.testing.layers`: single-op int8 models quantized the way the TFLite converter would
  (`micro.testing.quantize`, calibrated with the float references of `micro.testing.float_ops`),
  for property-based tests against the TFLM oracle.
"""

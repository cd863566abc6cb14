"""Test support: build small .tflite models without TensorFlow.

- `micro.testing.tflite_builder.ModelBuilder`: write a flatbuffer tensor by tensor, op by op.
- `micro.testing.tflite_builder.*_layer`: single-op int8 models quantized the way the TFLite
  converter would (for property-based tests against the TFLM oracle).
"""

from micro.testing.tflite_builder import ModelBuilder

__all__ = ["ModelBuilder"]

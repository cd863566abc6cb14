"""Frontend: .tflite flatbuffer -> micro IR."""

from micro.frontend.tflite_reader import load_model, load_model_file, read_model

__all__ = ["load_model", "load_model_file", "read_model"]

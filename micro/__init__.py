"""micro: compile quantized TensorFlow Lite models into static C for microcontrollers.

The compiled C computes bit-for-bit what TensorFlow Lite Micro computes, with
no interpreter, no flatbuffer at run time and no heap.
"""

__version__ = "0.1.0"

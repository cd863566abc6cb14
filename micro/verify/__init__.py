"""Harness: build generated C for a target, run it, and compare with the TFLM oracle."""

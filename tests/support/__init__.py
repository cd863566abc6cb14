"""Helpers shared by the test modules; no test module imports another test module.

- `support.paths`: the repository root, the shared corpus (MICRO_SHARED: models, op models,
  data) and `need_tool` for external tools.
- `support.corpus`: corpus-driven test parameters (a missing folder or model fails collection,
  never parametrizes over nothing) and the explicit list of real models micro must pass.
- `support.datasets`: the shared data turned into model inputs (`real_inputs`).
- `support.oracle`: the TFLM interpreter the op tests compare with.
- `support.op_models`: single-op models used by several op tests, and a model micro never
  supports.

Import them as `from support.<module> import ...`: pyproject.toml puts tests/ on sys.path
(`[tool.pytest.ini_options] pythonpath`), so the same line works from any tests/ subfolder.
"""

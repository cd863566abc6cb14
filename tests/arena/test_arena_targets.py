"""Issue targets for the arena planner, side by side with TFLM's print_allocations on the same model."""

import pytest

from micro.compiler import compile_model
from micro.frontend import load_model
from micro.verify.oracle import tflm_arena_bytes

from support.corpus import MUST_PASS, shared_models

# Models whose depthwise or elementwise chains in-place execution should shrink.
CHAINS = ["mlperf_tiny_kws_ref_model", "mlzoo_ds_cnn_s_int8", "tflm_micro_speech_quantized",
          "mlzoo_micronet_vww2_50x50_int8", "tflm_xtensa_mobilenet_v2_int8_1x3x224x224", "tflm_person_detect"]


def _plan(path):
    model = load_model(path)
    return compile_model(model).plan, tflm_arena_bytes(path.read_bytes(), model)


@pytest.mark.parametrize("path", shared_models(MUST_PASS), ids=lambda p: p.stem)
def test_never_above_tflm_and_near_the_lower_bound(path):
    plan, tflm = _plan(path)
    assert plan.arena_bytes <= tflm["head"], (plan.arena_bytes, tflm)
    assert plan.arena_bytes <= 1.02 * plan.lower_bound_bytes, (plan.arena_bytes, plan.lower_bound_bytes)


@pytest.mark.parametrize("path", shared_models(CHAINS), ids=lambda p: p.stem)
def test_chain_models_need_at_most_0_6x_tflm(path):
    plan, tflm = _plan(path)
    assert plan.arena_bytes <= 0.6 * tflm["total"], (plan.arena_bytes, tflm)

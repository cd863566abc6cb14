*** Settings ***
Documentation     Every compiler-core model that fits mps2-an386 is bit-exact in QEMU over the serial protocol:
...               each output byte equal to TFLM and to the host build, with the exact instruction count of
...               every invoke logged. (mobilenet_v2 runs one input: 1.6 G instructions per invoke.)
...
...               Run: robot --outputdir build/robot tests/robot/qemu_all_models.robot
Resource          micro.resource
Suite Setup       Emulator Tools Are Installed
Test Template     Model Should Be Bit-Exact In QEMU
Force Tags        qemu    mps2_an386    models


*** Test Cases ***                      MODEL                                              COUNT
MLPerf Tiny KWS                         mlperf_tiny_kws_ref_model.tflite                   2
MLPerf Tiny IC ResNet-8                 mlperf_tiny_ic_resnet8_quant.tflite                2
MLPerf Tiny IC ResNet Large             mlperf_tiny_ic_resnet_large_int8.tflite            1
MLPerf Tiny Streaming Wake Word         mlperf_tiny_sww_ref_model.tflite                   2
ML-Zoo DS-CNN Small                     mlzoo_ds_cnn_s_int8.tflite                         2
ML-Zoo MicroNet VWW-2                   mlzoo_micronet_vww2_50x50_int8.tflite              2
TFLM Micro Speech                       tflm_micro_speech_quantized.tflite                 2
TFLM Hello World                        tflm_hello_world_int8.tflite                       2
TFLM Person Detection                   tflm_person_detect.tflite                          2
TFLM Simple Add                         tflm_simple_add_int8.tflite                        1
MobileNet V2 224                        tflm_xtensa_mobilenet_v2_int8_1x3x224x224.tflite   1

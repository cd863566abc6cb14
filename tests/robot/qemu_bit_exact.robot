*** Settings ***
Documentation     Compiled models run on an emulated Cortex-M4F (QEMU mps2-an386) give the same bytes as TFLM.
...
...               Each test compiles a model, builds the harness firmware with the offline PlatformIO build,
...               boots it in QEMU, checks that it announces the model, streams seeded random inputs over the
...               framed serial protocol (pyserial on QEMU's UART socket), reads the outputs back and compares
...               every byte with the TFLM oracle and with the host build of the same C. The instruction count
...               of every invoke comes from the QEMU plugin and is logged.
...
...               Run: robot --outputdir build/robot tests/robot
Resource          micro.resource
Suite Setup       Emulator Tools Are Installed
Force Tags        qemu    mps2_an386


*** Test Cases ***
Hello World Is Bit-Exact In QEMU
    Model Should Be Bit-Exact In QEMU    tflm_hello_world_int8.tflite    count=5

Micro Speech Is Bit-Exact In QEMU
    Model Should Be Bit-Exact In QEMU    tflm_micro_speech_quantized.tflite    count=3

Keyword Spotting DS-CNN Is Bit-Exact In QEMU
    Model Should Be Bit-Exact In QEMU    mlperf_tiny_kws_ref_model.tflite    count=2    seed=7

Instruction Counts Are Deterministic
    [Documentation]    The same input twice costs exactly the same number of instructions.
    Compile Model    tflm_micro_speech_quantized.tflite
    Start Emulator    ${BOARD}
    Send Input And Read Output    random    seed=11
    Send Input And Read Output    random    seed=11
    Instruction Counts Should Be Identical
    Outputs Should Match TFLM
    [Teardown]    Stop Emulator

Verify Command Passes On The Board
    [Documentation]    The one-step `micro verify --board mps2_an386` path, as CI runs it.
    Compile Model    tflm_person_detect.tflite
    Verify Model On Board    ${BOARD}    random=1

*** Settings ***
Documentation     The serial protocol under a bad link: bytes corrupted, dropped and inserted on the way to and from
...               the emulated board. Every frame is CRC-checked and resent, tensors carry end-to-end CRCs, so the
...               result is still bit-exact (or a clear error), never a wrong answer.
Resource          micro.resource
Suite Setup       Emulator Tools Are Installed
Force Tags        qemu    mps2_an386    faults


*** Test Cases ***
Outputs Stay Bit-Exact Over A Noisy Link
    Compile Model    tflm_micro_speech_quantized.tflite
    Start Emulator    ${BOARD}    corrupt=0.002    drop=0.001    insert=0.001    seed=5
    Send Random Inputs And Read Outputs    count=2    seed=1
    Outputs Should Match TFLM
    Serial Link Should Have Recovered
    [Teardown]    Stop Emulator

*** Settings ***
Documentation     Self-test firmware: test vectors (inputs and their TFLM outputs) embedded in flash, checked by the
...               firmware itself, which prints PASS or FAIL with no host on the other end of the UART. These are the
...               same builds the Renode suites run on the Nano 33 BLE (tests/robot/renode/).
Resource          micro.resource
Suite Setup       Emulator Tools Are Installed
Force Tags        qemu    mps2_an386    selftest


*** Test Cases ***
Hello World Self Test Passes
    Compile Model    tflm_hello_world_int8.tflite
    Build Self Test Firmware For Board    ${BOARD}    vectors=4
    Firmware Should Fit Board
    Run Self Test In Emulator
    Self Test Should Pass

Keyword Spotting Self Test Passes
    Compile Model    mlperf_tiny_kws_ref_model.tflite
    Build Self Test Firmware For Board    ${BOARD}    vectors=2    seed=3
    Firmware Should Fit Board
    Run Self Test In Emulator
    Self Test Should Pass

Nano 33 BLE Firmware Builds And Fits
    [Documentation]    The nRF52840 build (application at 0x10000, 256 KB RAM) links and fits; it runs in Renode.
    Compile Model    mlperf_tiny_kws_ref_model.tflite
    Build Self Test Firmware For Board    nano33ble    vectors=1
    Firmware Should Fit Board

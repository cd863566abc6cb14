*** Settings ***
Documentation     Compiled models on the Arduino Nano 33 BLE (nRF52840) emulated by Renode.
...
...               Each test compiles a model, builds its self-test firmware for `nano33ble` through the
...               offline PlatformIO build (test vectors from the TFLM oracle embedded in flash), writes a
...               .resc that loads Renode's platforms/boards/arduino_nano_33_ble.repl and the ELF (application
...               at 0x10000, after where the Arduino bootloader lives), and waits for the firmware's
...               PASS line on sysbus.uart0 (UARTE0).
...
...               Run where Renode is installed:    renode-test tests/robot/renode/nano33ble_selftest.robot
...               Under plain `robot` (no Renode, as on the CI machines) every test is skipped with the reason;
...               the QEMU suites (tests/robot/qemu_*.robot) cover the same firmware on mps2_an386.
Resource          renode.resource
Suite Setup       Micro Renode Suite Setup
Suite Teardown    Micro Renode Suite Teardown
Test Setup        Micro Renode Test Setup
Test Teardown     Micro Renode Test Teardown
Force Tags        renode    nano33ble


*** Variables ***
${BOARD}          nano33ble
${VECTORS}        3


*** Test Cases ***
Hello World Self Test Passes On Nano 33 BLE
    Compile Model    tflm_hello_world_int8.tflite
    ${resc}=    Build Renode Self Test    ${BOARD}    vectors=${VECTORS}
    Self Test Should Pass In Renode    ${resc}

Micro Speech Self Test Passes On Nano 33 BLE
    Compile Model    tflm_micro_speech_quantized.tflite
    ${resc}=    Build Renode Self Test    ${BOARD}    vectors=${VECTORS}
    Self Test Should Pass In Renode    ${resc}

Keyword Spotting Self Test Passes On Nano 33 BLE
    Compile Model    mlperf_tiny_kws_ref_model.tflite
    ${resc}=    Build Renode Self Test    ${BOARD}    vectors=2
    Self Test Should Pass In Renode    ${resc}

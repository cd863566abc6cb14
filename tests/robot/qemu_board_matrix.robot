*** Settings ***
Documentation     The board matrix: the same model, bit-exact with TFLM on every board QEMU emulates here.
...
...               microbit (Cortex-M0, nRF51 UART, 16 KB RAM), mps2_an385 (M3), mps2_an386 (M4, DSP),
...               mps2_an500 (M7, DSP), mps2_an505 (M33, DSP, Secure state), mps3_an547 (M55, DSP, Secure
...               state), and nano33ble: its own build (same compiler, flags and limits) on the mps2-an386
...               stand-in. Each test is `micro verify MODEL --board B`: harness firmware, serial protocol,
...               every output byte against TFLM and the host build, instructions per invoke logged.
...
...               Run: robot --outputdir build/robot tests/robot/qemu_board_matrix.robot
Resource          micro.resource
Suite Setup       Emulator Tools Are Installed
Force Tags        qemu    matrix
Test Template     Hello World Is Bit-Exact On


*** Test Cases ***    BOARD
BBC micro:bit (Cortex-M0)       microbit
MPS2 AN385 (Cortex-M3)          mps2_an385
MPS2 AN386 (Cortex-M4)          mps2_an386
MPS2 AN500 (Cortex-M7)          mps2_an500
MPS2 AN505 (Cortex-M33)         mps2_an505
MPS3 AN547 (Cortex-M55)         mps3_an547
Nano 33 BLE build (stand-in)    nano33ble


*** Keywords ***
Hello World Is Bit-Exact On
    [Arguments]    ${board}
    Compile Model    tflm_hello_world_int8.tflite
    Verify Model On Board    ${board}    random=2

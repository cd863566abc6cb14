/* Reset entry of the xtensa_qemu firmware (Xtensa lx106, call0 ABI, QEMU `-M sim`): the stack at the top of
 * the data RAM, .bss zeroed, main(), then the semihosting exit with main's return value. QEMU's generic
 * loader (-device loader,file=firmware.elf,cpu-num=0) starts the core at this entry point. */
    .section .text.start, "ax"
    .global _start
    .align 4
    .literal_position
_start:
    movi    a1, _stack_top
    movi    a2, _bss_start
    movi    a3, _bss_end
    movi    a4, 0
1:  bgeu    a2, a3, 2f
    s32i    a4, a2, 0
    addi    a2, a2, 4
    j       1b
2:  call0   main
    mov     a3, a2          /* exit code */
    movi    a2, 1           /* SYS_exit */
    simcall
3:  j       3b

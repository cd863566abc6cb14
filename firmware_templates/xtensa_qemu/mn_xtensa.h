/* The xtensa_qemu firmware's board support (QEMU `-M sim -cpu lx106`, semihosting). */
#ifndef MN_XTENSA_H
#define MN_XTENSA_H

#include <stdint.h>

#define MN_XT_SYS_EXIT 1
#define MN_XT_SYS_WRITE 4

int mn_xt_simcall(int nr, int a, int b, int c);
void mn_xt_write(const void *data, uint32_t n); /* to QEMU's standard output */

#endif

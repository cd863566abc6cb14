/* mn_icount: a QEMU TCG plugin that counts guest instructions exactly between two marker addresses.
 *
 * Built by micro.deploy.qemu with the host gcc (-shared -fPIC) against the minimal declarations below,
 * which restate the few entry points of QEMU's plugin API version 1 that this plugin uses (QEMU 7.x; Debian
 * ships no qemu-plugin.h). Usage:
 *
 *   qemu-system-arm ... -plugin file=libmn_icount.so,begin=0xADDR,end=0xADDR,out=/path/counts.txt
 *
 * Every executed guest instruction adds 1 to a 64-bit counter (an inline add per instruction, so the count is
 * exact even when an interrupt splits a translation block). When the instruction at `begin` executes, the
 * counter is sampled; when the one at `end` executes, the plugin appends "<pair index> <instructions>\n" to
 * `out` and flushes it, before the guest runs on. Pair index counts from 0. Addresses are plain addresses
 * (clear the Thumb bit). Single vCPU only (mps2 machines have one).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the subset of QEMU's plugin API v1 (include/qemu/qemu-plugin.h) used here ---- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t; /* only passed through */
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;
EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);
/* ---- end of the API subset ---- */

static uint64_t insn_count;      /* every executed instruction */
static uint64_t begin_sample;
static uint64_t begin_addr = UINT64_MAX, end_addr = UINT64_MAX;
static uint64_t pairs;
static int begun;
static FILE *out;

static void on_begin(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    begin_sample = insn_count;
    begun = 1;
}

static void on_end(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (!begun)
        return;
    begun = 0;
    fprintf(out, "%" PRIu64 " %" PRIu64 "\n", pairs++, insn_count - begin_sample);
    fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    size_t i;
    (void)id;
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc == begin_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
        else if (pc == end_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insn_count, 1);
    }
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    if (out) {
        fprintf(out, "total %" PRIu64 "\n", insn_count);
        fclose(out);
        out = NULL;
    }
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *path = NULL;
    int i;
    (void)info;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "begin=", 6) == 0)
            begin_addr = strtoull(a + 6, NULL, 0);
        else if (strncmp(a, "end=", 4) == 0)
            end_addr = strtoull(a + 4, NULL, 0);
        else if (strncmp(a, "out=", 4) == 0)
            path = a + 4;
        else {
            qemu_plugin_outs("mn_icount: unknown argument (expected begin=, end=, out=)\n");
            return -1;
        }
    }
    if (begin_addr == UINT64_MAX || end_addr == UINT64_MAX || path == NULL) {
        qemu_plugin_outs("mn_icount: needs begin=ADDR,end=ADDR,out=FILE\n");
        return -1;
    }
    out = fopen(path, "w");
    if (!out) {
        qemu_plugin_outs("mn_icount: cannot open the output file\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
    return 0;
}

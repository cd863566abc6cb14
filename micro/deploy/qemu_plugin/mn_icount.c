/* mn_icount: a QEMU TCG plugin that counts guest instructions exactly between two marker addresses, and, for
 * `micro profile`, per instruction address between consecutive per-op marks.
 *
 * Built by micro.deploy.qemu with the host gcc (-shared -fPIC) against the minimal declarations below,
 * which restate the few entry points of QEMU's plugin API version 1 that this plugin uses (QEMU 7.x; Debian
 * ships no qemu-plugin.h). Usage:
 *
 *   qemu-system-arm ... -plugin file=libmn_icount.so,begin=0xADDR,end=0xADDR,out=/path/counts.txt
 *       [,mark=0xADDR,code_lo=0xADDR,code_hi=0xADDR,flash_lo=0xADDR,flash_hi=0xADDR]
 *
 * Every executed guest instruction adds 1 to a 64-bit counter (an inline add per instruction, so the count is
 * exact even when an interrupt splits a translation block). When the instruction at `begin` executes, the
 * counter is sampled; when the one at `end` executes, the plugin appends "<pair index> <instructions>\n" to
 * `out` and flushes it, before the guest runs on. Pair index counts from 0. Addresses are plain addresses
 * (clear the Thumb bit). Single vCPU only (mps2 machines have one).
 *
 * With `mark` (the profiler's mode), every instruction in [code_lo, code_hi) also has a tally: executions,
 * times it redirected the flow (a taken branch: the next translation block executed does not start right
 * after it), times it was reached by such a redirect, and data reads it made from [flash_lo, flash_hi).
 * Each time the instruction at `mark` executes, the plugin appends
 *     "m <instructions so far>\n"  then  "p <address> <executions> <taken> <entered> <flash reads>\n"
 * for every tally that is not zero (the code run since the previous mark), and clears the tallies.
 * Instructions outside [code_lo, code_hi) are tallied under address 0xffffffff.
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
typedef uint32_t qemu_plugin_meminfo_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
                                          void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
int qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info); /* bool in the API: returned in al, read as 0/1 */
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

/* ---- profiler mode (mark=) ---- */
struct tally {
    uint64_t execs, taken, entered, flash_reads;
};
struct tb_info {                 /* one per translation: where it starts, its last instruction */
    uint64_t start, last_pc, fallthrough;
};
static uint64_t mark_addr = UINT64_MAX;
static uint64_t code_lo, code_hi, flash_lo, flash_hi;
static struct tally *tallies;    /* one per 2 bytes of code (Thumb instructions are 2-byte aligned) + 1 */
static size_t n_tallies;
static const struct tb_info *prev_tb;

static struct tally *tally_of(uint64_t pc)
{
    if (pc >= code_lo && pc < code_hi)
        return &tallies[(pc - code_lo) / 2];
    return &tallies[n_tallies - 1];
}

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

static void on_mark(unsigned int vcpu, void *udata)
{
    size_t i;
    (void)vcpu;
    (void)udata;
    fprintf(out, "m %" PRIu64 "\n", insn_count);
    for (i = 0; i < n_tallies; i++) {
        struct tally *t = &tallies[i];
        if (t->execs | t->taken | t->entered | t->flash_reads) {
            uint64_t pc = i + 1 == n_tallies ? 0xffffffffu : code_lo + 2 * i;
            fprintf(out, "p 0x%" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", pc, t->execs, t->taken,
                    t->entered, t->flash_reads);
            memset(t, 0, sizeof *t);
        }
    }
    fflush(out);
}

/* A translation block starts: if it is not the one right after the previous block's last instruction, that
 * instruction redirected the flow (a taken branch, a return, a call). */
static void on_tb_exec(unsigned int vcpu, void *udata)
{
    const struct tb_info *tb = udata;
    (void)vcpu;
    if (prev_tb != NULL && tb->start != prev_tb->fallthrough) {
        tally_of(prev_tb->last_pc)->taken++;
        tally_of(tb->start)->entered++;
    }
    prev_tb = tb;
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)vcpu;
    if (vaddr >= flash_lo && vaddr < flash_hi && !(qemu_plugin_mem_is_store(info) & 1))
        ((struct tally *)udata)->flash_reads++;
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
        if (pc == mark_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insn_count, 1);
        if (tallies != NULL) {
            struct tally *t = tally_of(pc);
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &t->execs, 1);
            /* QEMU 7.2 calls a QEMU_PLUGIN_MEM_R callback for stores only: take both, keep the reads */
            qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, t);
        }
    }
    if (tallies != NULL && n > 0) {
        struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
        struct tb_info *info = malloc(sizeof *info); /* lives as long as the translation may run */
        if (info == NULL)
            return;
        info->start = qemu_plugin_tb_vaddr(tb);
        info->last_pc = qemu_plugin_insn_vaddr(last);
        info->fallthrough = info->last_pc + qemu_plugin_insn_size(last);
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec, QEMU_PLUGIN_CB_NO_REGS, info);
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

static int parse_address(const char *arg, const char *key, uint64_t *value)
{
    size_t n = strlen(key);
    if (strncmp(arg, key, n) != 0 || arg[n] != '=')
        return 0;
    *value = strtoull(arg + n + 1, NULL, 0);
    return 1;
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *path = NULL;
    int i;
    (void)info;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "out=", 4) == 0)
            path = a + 4;
        else if (!parse_address(a, "begin", &begin_addr) && !parse_address(a, "end", &end_addr) &&
                 !parse_address(a, "mark", &mark_addr) && !parse_address(a, "code_lo", &code_lo) &&
                 !parse_address(a, "code_hi", &code_hi) && !parse_address(a, "flash_lo", &flash_lo) &&
                 !parse_address(a, "flash_hi", &flash_hi)) {
            qemu_plugin_outs("mn_icount: unknown argument (expected begin=, end=, out=, and for per-op counts "
                             "mark=, code_lo=, code_hi=, flash_lo=, flash_hi=)\n");
            return -1;
        }
    }
    if (begin_addr == UINT64_MAX || end_addr == UINT64_MAX || path == NULL) {
        qemu_plugin_outs("mn_icount: needs begin=ADDR,end=ADDR,out=FILE\n");
        return -1;
    }
    if (mark_addr != UINT64_MAX) {
        if (code_hi <= code_lo || code_hi - code_lo > (64u << 20)) {
            qemu_plugin_outs("mn_icount: mark= needs code_lo < code_hi (at most 64 MB apart)\n");
            return -1;
        }
        n_tallies = (size_t)((code_hi - code_lo + 1) / 2) + 1; /* the last: anything outside the range */
        tallies = calloc(n_tallies, sizeof *tallies);
        if (tallies == NULL) {
            qemu_plugin_outs("mn_icount: out of memory for the per-address tallies\n");
            return -1;
        }
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

/* Host timing of a model's ops for `micro profile --board host`: the generated C is compiled with MN_PROFILE,
 * so its invoke calls mn_profile_mark(-2) twice on entry, mn_profile_mark(k) before op k and
 * mn_profile_mark(-1) after the last; this file records a CLOCK_MONOTONIC timestamp at every mark. micro/profile/host.py loads it with the model as one shared
 * library and calls mn_profile_host_run through ctypes. */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <time.h>

#define MN_PROFILE_HOST_MAX_MARKS 65536

static int64_t mark_ns[MN_PROFILE_HOST_MAX_MARKS];
static int32_t n_marks;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + (int64_t)ts.tv_nsec;
}

void mn_profile_mark(int op_index);

void mn_profile_mark(int op_index)
{
    (void)op_index;
    if (n_marks < MN_PROFILE_HOST_MAX_MARKS)
        mark_ns[n_marks++] = now_ns();
}

int mn_profile_host_run(void (*invoke)(void), int32_t runs, int32_t marks_per_run, int64_t *marks_out,
                        int64_t *invoke_out);

/* Runs `invoke` `runs` times. Run r: the time of each of its marks since the invoke's start goes to
 * marks_out[r * marks_per_run + k] (the invoke's own marks: two in a row on entry, one before each op, one
 * after the last), the whole invoke (marks included) to invoke_out[r]. Returns 0, or -1 when an invoke did
 * not make exactly marks_per_run marks. */
int mn_profile_host_run(void (*invoke)(void), int32_t runs, int32_t marks_per_run, int64_t *marks_out,
                        int64_t *invoke_out)
{
    int32_t r, k;
    if (marks_per_run < 1 || marks_per_run > MN_PROFILE_HOST_MAX_MARKS)
        return -1;
    for (r = 0; r < runs; r++) {
        int64_t t0, t1;
        n_marks = 0;
        t0 = now_ns();
        invoke();
        t1 = now_ns();
        if (n_marks != marks_per_run)
            return -1;
        invoke_out[r] = t1 - t0;
        for (k = 0; k < marks_per_run; k++)
            marks_out[(int64_t)r * marks_per_run + k] = mark_ns[k] - t0;
    }
    return 0;
}

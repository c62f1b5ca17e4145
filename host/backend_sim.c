/*
 * backend_sim.c - the sim backend: each kernel call copies its inputs into
 * the device-memory model, programs crrm_top's AXI4-Lite registers as XRT
 * would (pointers, scalars, MODE), starts the kernel, waits for ap_done,
 * copies the outputs back and adds the RTL's performance counters.
 *
 * Per-call profile: when CRRM_SIM_PROFILE names a file, every kernel run
 * appends one CSV row to it (header first when the file is empty):
 *
 * | column         | meaning                                              |
 * |----------------|------------------------------------------------------|
 * | kernel         | gemm, lowrank_fwd or mi_hist                         |
 * | shape          | the shape arguments, e.g. "m=32 n=784 k=128 ta=1 tb=0"|
 * | p, q           | systolic array rows x columns                        |
 * | busy_cycles    | BUSY: cycles from ap_start to ap_done                |
 * | stall_cycles   | STALLS: busy cycles that waited on memory            |
 * | macs           | MACS: multiply-accumulates of real operands          |
 * | hist_updates   | HIST_UPD: histogram bank updates                     |
 * | rd_bytes, wr_bytes | bytes moved on the AXI4 master port              |
 * | pe_utilization | macs / (busy_cycles * p * q), 0 for mi_hist          |
 * | beat_bytes     | bytes per AXI4 data beat (DATA_W / 8, from CONFIG)   |
 */
#ifdef CRRM_HAVE_SIM

#include "backend_sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "crrm_kernels.h"
#include "error.h"

typedef struct sim_state {
    crrm_sim *sim;
    unsigned p, q;
    unsigned beat_bytes; /* CONFIG bits 23:16 */
    FILE *profile; /* CRRM_SIM_PROFILE, or NULL */
} sim_state;

static crrm_sim *sim_of(crrm_backend *be)
{
    return ((sim_state *)be->state)->sim;
}

/* Copies a host array into a fresh device region. */
static int put(crrm_backend *be, const void *src, size_t bytes, uint64_t *addr)
{
    crrm_sim *sim = sim_of(be);
    if (crrm_sim_alloc(sim, bytes, addr) != 0 ||
        crrm_sim_mem_write(sim, *addr, src, bytes) != 0)
        return crrm_error("%s", crrm_sim_error());
    return 0;
}

static int reserve(crrm_backend *be, size_t bytes, uint64_t *addr)
{
    if (crrm_sim_alloc(sim_of(be), bytes, addr) != 0)
        return crrm_error("%s", crrm_sim_error());
    return 0;
}

static int get(crrm_backend *be, uint64_t addr, void *dst, size_t bytes)
{
    if (crrm_sim_mem_read(sim_of(be), addr, dst, bytes) != 0)
        return crrm_error("%s", crrm_sim_error());
    return 0;
}

static int reg64(crrm_sim *sim, uint32_t offset, uint64_t *value)
{
    uint32_t lo, hi;
    if (crrm_sim_reg_read(sim, offset, &lo) != 0 ||
        crrm_sim_reg_read(sim, offset + 4, &hi) != 0)
        return -1;
    *value = (uint64_t)hi << 32 | lo;
    return 0;
}

/* Programs MODE, PTR0..PTR4 and ARG0..ARG5, runs the kernel and adds its
 * counters. *rejected reports whether the RTL rejected the arguments (it then
 * wrote nothing, like the HLS kernel). */
/* Appends one profile row (see the table at the top of this file). */
static int profile_row(sim_state *st, const char *kernel, uint32_t mode,
                       const uint32_t arg[6], uint64_t busy, uint64_t stalls,
                       uint64_t macs, uint64_t hist, uint64_t rd, uint64_t wr)
{
    char shape[128];
    if (mode == CRRM_MODE_GEMM)
        snprintf(shape, sizeof shape, "m=%u n=%u k=%u ta=%u tb=%u", arg[0],
                 arg[1], arg[2], arg[3], arg[4]);
    else if (mode == CRRM_MODE_FWD)
        snprintf(shape, sizeof shape, "rows=%u in=%u rank=%u outs=%u", arg[0],
                 arg[1], arg[2], arg[3]);
    else
        snprintf(shape, sizeof shape, "rows=%u units=%u classes=%u bins_log2=%u",
                 arg[0], arg[1], arg[2], arg[3]);
    double util = busy ? (double)macs / ((double)busy * st->p * st->q) : 0.0;
    if (fprintf(st->profile,
                "%s,%s,%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                ",%" PRIu64 ",%" PRIu64 ",%.4f,%u\n",
                kernel, shape, st->p, st->q, busy, stalls, macs, hist, rd, wr,
                util, st->beat_bytes) < 0 || fflush(st->profile) != 0)
        return crrm_error("sim backend: cannot write the CRRM_SIM_PROFILE file; "
                          "check the disk is not full");
    return 0;
}

static int run(crrm_backend *be, const char *kernel, uint32_t mode,
               const uint64_t ptr[5], const uint32_t arg[6], int *rejected)
{
    crrm_sim *sim = sim_of(be);
    int rc = crrm_sim_reg_write(sim, CRRM_REG_MODE, mode);
    // ptr_args: each pointer as low word, then high word
    for (uint32_t i = 0; i < 5 && rc == 0; i++) {
        rc = crrm_sim_reg_write(sim, CRRM_REG_PTR0 + 8 * i, (uint32_t)ptr[i]);
        if (rc == 0)
            rc = crrm_sim_reg_write(sim, CRRM_REG_PTR0 + 8 * i + 4,
                                    (uint32_t)(ptr[i] >> 32));
    }
    for (uint32_t i = 0; i < 6 && rc == 0; i++)
        rc = crrm_sim_reg_write(sim, CRRM_REG_ARG0 + 4 * i, arg[i]);
    if (rc == 0)
        rc = crrm_sim_run(sim, kernel);
    if (rc != 0)
        return crrm_error("%s", crrm_sim_error());

    uint64_t busy, macs, hist, rd, wr, stalls;
    uint32_t status;
    if (reg64(sim, CRRM_REG_BUSY, &busy) != 0 || reg64(sim, CRRM_REG_MACS, &macs) != 0 ||
        reg64(sim, CRRM_REG_HIST, &hist) != 0 || reg64(sim, CRRM_REG_RD_BYTES, &rd) != 0 ||
        reg64(sim, CRRM_REG_WR_BYTES, &wr) != 0 ||
        reg64(sim, CRRM_REG_STALLS, &stalls) != 0 ||
        crrm_sim_reg_read(sim, CRRM_REG_STATUS, &status) != 0)
        return crrm_error("%s", crrm_sim_error());
    be->counters.busy_cycles += busy;
    be->counters.device_macs += macs;
    be->counters.device_hist_updates += hist;
    be->counters.bytes_read += rd;
    be->counters.bytes_written += wr;
    be->counters.stall_cycles += stalls;
    if (mode != CRRM_MODE_HIST) {
        be->counters.gemm_cycles += busy;
        be->counters.gemm_macs += macs;
    }
    *rejected = (int)(status & 1u);
    sim_state *st = be->state;
    if (st->profile)
        return profile_row(st, kernel, mode, arg, busy, stalls, macs, hist, rd, wr);
    return 0;
}

static int sim_lowrank_fwd(crrm_backend *be, const int16_t *x, const int16_t *v,
                           const int16_t *u, int16_t *t, int32_t *y,
                           uint32_t rows, uint32_t in, uint32_t rank,
                           uint32_t outs, uint32_t t_shift, uint32_t y_shift)
{
    size_t nx = (size_t)rows * in, nv = (size_t)rank * in;
    size_t nu = (size_t)outs * rank, nt = (size_t)rows * rank;
    size_t ny = (size_t)rows * outs;
    uint64_t ptr[5];
    int rejected = 0;
    crrm_sim_free_all(sim_of(be));
    if (put(be, x, nx * 2, &ptr[0]) || put(be, v, nv * 2, &ptr[1]) ||
        put(be, u, nu * 2, &ptr[2]) || reserve(be, nt * 2, &ptr[3]) ||
        reserve(be, ny * 4, &ptr[4]))
        return -1;
    const uint32_t arg[6] = {rows, in, rank, outs, t_shift, y_shift};
    if (run(be, "lowrank_fwd", CRRM_MODE_FWD, ptr, arg, &rejected) != 0)
        return -1;
    if (rejected)
        return 0;
    if (get(be, ptr[3], t, nt * 2) || get(be, ptr[4], y, ny * 4))
        return -1;
    return 0;
}

static int sim_gemm(crrm_backend *be, const int16_t *a, const int16_t *b,
                    int32_t *c, uint32_t m, uint32_t n, uint32_t k,
                    uint32_t trans_a, uint32_t trans_b, uint32_t shift)
{
    size_t na = (size_t)m * k, nb = (size_t)k * n, nc = (size_t)m * n;
    uint64_t ptr[5] = {0};
    int rejected = 0;
    crrm_sim_free_all(sim_of(be));
    if (put(be, a, na * 2, &ptr[0]) || put(be, b, nb * 2, &ptr[1]) ||
        reserve(be, nc * 4, &ptr[2]))
        return -1;
    const uint32_t arg[6] = {m, n, k, trans_a, trans_b, shift};
    if (run(be, "gemm", CRRM_MODE_GEMM, ptr, arg, &rejected) != 0)
        return -1;
    if (rejected)
        return 0;
    return get(be, ptr[2], c, nc * 4);
}

static int sim_mi_hist(crrm_backend *be, const int16_t *t,
                       const uint8_t *labels, uint32_t *hist, uint32_t *joint,
                       uint32_t rows, uint32_t units, uint32_t classes,
                       uint32_t bins_log2, uint32_t range_log2)
{
    size_t nt = (size_t)rows * units;
    size_t bins = bins_log2 <= CRRM_MAX_BINS_LOG2 ? (size_t)1 << bins_log2 : 0;
    size_t nh = (size_t)units * bins, nj = nh * classes;
    uint64_t ptr[5] = {0};
    int rejected = 0;
    crrm_sim_free_all(sim_of(be));
    if (put(be, t, nt * 2, &ptr[0]) || put(be, labels, rows, &ptr[1]) ||
        reserve(be, nh * 4, &ptr[2]) || reserve(be, nj * 4, &ptr[3]))
        return -1;
    const uint32_t arg[6] = {rows, units, classes, bins_log2, range_log2, 0};
    if (run(be, "mi_hist", CRRM_MODE_HIST, ptr, arg, &rejected) != 0)
        return -1;
    if (rejected)
        return 0;
    if (get(be, ptr[2], hist, nh * 4) || get(be, ptr[3], joint, nj * 4))
        return -1;
    return 0;
}

static void sim_close(crrm_backend *be)
{
    sim_state *st = be->state;
    if (st) {
        if (st->profile)
            fclose(st->profile);
        crrm_sim_close(st->sim);
        free(st);
    }
    free(be);
}

static const struct crrm_backend_ops sim_ops = {
    .name = "sim",
    .lowrank_fwd = sim_lowrank_fwd,
    .gemm = sim_gemm,
    .mi_hist = sim_mi_hist,
    .close = sim_close,
};

crrm_backend *crrm_sim_backend_open_config(const crrm_sim_config *config)
{
    crrm_backend *be = calloc(1, sizeof *be);
    sim_state *st = calloc(1, sizeof *st);
    if (!be || !st) {
        free(be);
        free(st);
        crrm_error("sim backend: out of memory");
        return NULL;
    }
    st->sim = crrm_sim_open(config);
    if (!st->sim) {
        crrm_error("%s", crrm_sim_error());
        free(be);
        free(st);
        return NULL;
    }
    uint32_t cfg = 0;
    if (crrm_sim_reg_read(st->sim, CRRM_REG_CONFIG, &cfg) != 0) {
        crrm_error("%s", crrm_sim_error());
        crrm_sim_close(st->sim);
        free(be);
        free(st);
        return NULL;
    }
    st->p = cfg & 0xFFu;
    st->q = (cfg >> 8) & 0xFFu;
    st->beat_bytes = (cfg >> 16) & 0xFFu;
    be->array_rows = st->p;
    be->array_cols = st->q;
    be->ops = &sim_ops;
    be->state = st;
    return be;
}

/* Reads an unsigned environment variable; fails on text that is not one. */
static int env_u64(const char *name, uint64_t fallback, uint64_t *value)
{
    const char *text = getenv(name);
    *value = fallback;
    if (!text || !*text)
        return 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0')
        return crrm_error("sim backend: %s='%s' is not a number; set it to a "
                          "decimal integer or unset it", name, text);
    *value = v;
    return 0;
}

crrm_backend *crrm_sim_backend_open(const crrm_backend_options *options)
{
    crrm_sim_config config = {0};
    uint64_t latency, stall, limit, log;
    config.seed = options->seed;
    config.trace = options->trace;
    if (env_u64("CRRM_SIM_LATENCY", 16, &latency) ||
        env_u64("CRRM_SIM_STALL", 0, &stall) ||
        env_u64("CRRM_SIM_CYCLE_LIMIT", 0, &limit) ||
        env_u64("CRRM_SIM_LOG", 0, &log))
        return NULL;
    if (stall > 90) {
        crrm_error("sim backend: CRRM_SIM_STALL=%" PRIu64 " is above 90 percent; "
                   "use 0..90", stall);
        return NULL;
    }
    config.latency = (unsigned)latency;
    config.stall_percent = (unsigned)stall;
    config.cycle_limit = limit;
    config.log = log != 0;
    crrm_backend *be = crrm_sim_backend_open_config(&config);
    const char *profile = getenv("CRRM_SIM_PROFILE");
    if (be && profile && *profile) {
        sim_state *st = be->state;
        st->profile = fopen(profile, "a");
        if (!st->profile) {
            crrm_error("sim backend: cannot open CRRM_SIM_PROFILE='%s' for "
                       "appending; check the directory exists and is writable",
                       profile);
            sim_close(be);
            return NULL;
        }
        if (fseek(st->profile, 0, SEEK_END) == 0 && ftell(st->profile) == 0)
            fprintf(st->profile, "kernel,shape,p,q,busy_cycles,stall_cycles,macs,"
                                 "hist_updates,rd_bytes,wr_bytes,pe_utilization,beat_bytes\n");
    }
    return be;
}

void crrm_sim_backend_array(const crrm_backend *be, unsigned *p, unsigned *q)
{
    const sim_state *st = be->state;
    *p = st->p;
    *q = st->q;
}

unsigned crrm_sim_backend_beat_bytes(const crrm_backend *be)
{
    const sim_state *st = be->state;
    return st->beat_bytes;
}

#else
/* Without the Verilator model this file compiles to nothing. */
typedef int crrm_backend_sim_unused;
#endif

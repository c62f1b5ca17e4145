/*
 * test_sim_kernels.c - the RTL kernels (sim backend, Verilator model of
 * hw/rtl/) against the HLS C kernels called directly: random shapes, edge
 * shapes, extreme values, maximum K, rounding ties, saturation, histogram
 * edge cases, random memory latency and backpressure, random reset values.
 * Every output must be bit-identical; a mismatch prints the kernel, the
 * tensor, the index and both values.
 */
#ifdef CRRM_HAVE_SIM

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend_sim.h"
#include "crrm_kernels.h"
#include "error.h"

/* ------------------------------------------------------------- helpers */

static uint64_t rng_state = 1;

static uint32_t rnd(void)
{
    rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return (uint32_t)(rng_state >> 33);
}

static uint32_t rnd_in(uint32_t lo, uint32_t hi)
{
    return lo + rnd() % (hi - lo + 1);
}

/* Fills n int16 values: mode 0 full range, 1 small (-8..8), 2 extremes. */
static int16_t *fill16(size_t n, int mode)
{
    int16_t *p = malloc((n ? n : 1) * sizeof *p);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd();
        if (mode == 0)
            p[i] = (int16_t)(r & 0xFFFF);
        else if (mode == 1)
            p[i] = (int16_t)((int)(r % 17) - 8);
        else
            p[i] = (r & 1) ? 32767 : -32768;
    }
    return p;
}

static crrm_backend *open_sim(unsigned latency, unsigned stall, uint64_t seed)
{
    crrm_sim_config config = {0};
    config.latency = latency;
    config.stall_percent = stall;
    config.seed = seed;
    crrm_backend *be = crrm_sim_backend_open_config(&config);
    cr_assert_not_null(be, "sim backend: %s", crrm_last_error());
    return be;
}

static size_t diff32(const char *kernel, const char *tensor, const int32_t *want,
                     const int32_t *got, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (want[i] != got[i] && bad++ < 4)
            fprintf(stderr, "%s: %s[%zu] expected %d actual %d\n", kernel, tensor,
                    i, want[i], got[i]);
    return bad;
}

static size_t diff16(const char *kernel, const char *tensor, const int16_t *want,
                     const int16_t *got, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (want[i] != got[i] && bad++ < 4)
            fprintf(stderr, "%s: %s[%zu] expected %d actual %d\n", kernel, tensor,
                    i, want[i], got[i]);
    return bad;
}

/* Runs one GEMM on the model and on crrm_gemm; returns mismatches. */
static size_t check_gemm(crrm_backend *be, uint32_t m, uint32_t n, uint32_t k,
                         uint32_t ta, uint32_t tb, uint32_t shift, int mode)
{
    int16_t *a = fill16((size_t)m * k, mode);
    int16_t *b = fill16((size_t)k * n, mode);
    size_t nc = (size_t)m * n;
    int32_t *want = calloc(nc, sizeof *want), *got = calloc(nc, sizeof *got);
    cr_assert(want && got);
    crrm_gemm(a, b, want, m, n, k, ta, tb, shift);
    int rc = be->ops->gemm(be, a, b, got, m, n, k, ta, tb, shift);
    cr_assert_eq(rc, 0, "gemm %ux%ux%u: %s", m, n, k, crrm_last_error());
    char name[96];
    snprintf(name, sizeof name, "gemm m=%u n=%u k=%u ta=%u tb=%u shift=%u", m, n,
             k, ta, tb, shift);
    size_t bad = diff32(name, "C", want, got, nc);
    free(a);
    free(b);
    free(want);
    free(got);
    return bad;
}

static size_t check_fwd(crrm_backend *be, uint32_t rows, uint32_t in,
                        uint32_t rank, uint32_t outs, uint32_t tsh, uint32_t ysh,
                        int mode)
{
    int16_t *x = fill16((size_t)rows * in, mode);
    int16_t *v = fill16((size_t)rank * in, mode);
    int16_t *u = fill16((size_t)outs * rank, mode);
    size_t nt = (size_t)rows * rank, ny = (size_t)rows * outs;
    int16_t *t_want = calloc(nt + 1, 2), *t_got = calloc(nt + 1, 2);
    int32_t *y_want = calloc(ny + 1, 4), *y_got = calloc(ny + 1, 4);
    cr_assert(t_want && t_got && y_want && y_got);
    crrm_lowrank_fwd(x, v, u, t_want, y_want, rows, in, rank, outs, tsh, ysh);
    int rc = be->ops->lowrank_fwd(be, x, v, u, t_got, y_got, rows, in, rank, outs,
                                  tsh, ysh);
    cr_assert_eq(rc, 0, "lowrank_fwd: %s", crrm_last_error());
    char name[112];
    snprintf(name, sizeof name, "lowrank_fwd rows=%u in=%u rank=%u outs=%u shifts=%u,%u",
             rows, in, rank, outs, tsh, ysh);
    size_t bad = diff16(name, "T", t_want, t_got, nt) + diff32(name, "Y", y_want, y_got, ny);
    free(x);
    free(v);
    free(u);
    free(t_want);
    free(t_got);
    free(y_want);
    free(y_got);
    return bad;
}

/* codes: 0 random full range, 1 one bin, 2 outside the range, 3 near range */
static size_t check_hist(crrm_backend *be, uint32_t rows, uint32_t units,
                         uint32_t classes, uint32_t bl, uint32_t rl, int codes,
                         int bad_labels)
{
    size_t n = (size_t)rows * units;
    int16_t *t = malloc((n + 1) * 2);
    uint8_t *labels = malloc(rows + 1);
    cr_assert(t && labels);
    for (size_t i = 0; i < n; i++) {
        int32_t lim = 1 << rl;
        switch (codes) {
        case 0: t[i] = (int16_t)(rnd() & 0xFFFF); break;
        case 1: t[i] = (int16_t)(lim / 3); break;
        case 2: t[i] = (rnd() & 1) ? 32767 : -32768; break;
        default: t[i] = (int16_t)((int32_t)rnd_in(0, 2 * lim + 8) - lim - 4); break;
        }
    }
    for (uint32_t s = 0; s < rows; s++)
        labels[s] = (uint8_t)(bad_labels && s % 5 == 0 ? classes + s % 3 : rnd() % classes);
    size_t bins = (size_t)1 << bl, nh = units * bins, nj = nh * classes;
    uint32_t *h_want = calloc(nh, 4), *h_got = calloc(nh, 4);
    uint32_t *j_want = calloc(nj, 4), *j_got = calloc(nj, 4);
    cr_assert(h_want && h_got && j_want && j_got);
    crrm_mi_hist(t, labels, h_want, j_want, rows, units, classes, bl, rl);
    int rc = be->ops->mi_hist(be, t, labels, h_got, j_got, rows, units, classes, bl, rl);
    cr_assert_eq(rc, 0, "mi_hist: %s", crrm_last_error());
    char name[112];
    snprintf(name, sizeof name, "mi_hist rows=%u units=%u classes=%u bins_log2=%u range_log2=%u",
             rows, units, classes, bl, rl);
    size_t bad = diff32(name, "hist", (int32_t *)h_want, (int32_t *)h_got, nh) +
                 diff32(name, "joint", (int32_t *)j_want, (int32_t *)j_got, nj);
    free(t);
    free(labels);
    free(h_want);
    free(h_got);
    free(j_want);
    free(j_got);
    return bad;
}

/* --------------------------------------------------------------- gemm */

Test(sim_gemm, random_shapes)
{
    rng_state = 11;
    crrm_backend *be = open_sim(8, 0, 0);
    for (int i = 0; i < 8; i++) {
        uint32_t m = rnd_in(1, 40), n = rnd_in(1, 40), k = rnd_in(1, 300);
        cr_expect_eq(check_gemm(be, m, n, k, rnd() & 1, rnd() & 1, rnd_in(0, 20), 0), 0);
    }
    crrm_backend_close(be);
}

Test(sim_gemm, edge_shapes)
{
    rng_state = 12;
    crrm_backend *be = open_sim(4, 0, 0);
    static const uint32_t shapes[][3] = {
        {1, 1, 1}, {1, 1, 2}, {2, 3, 1}, {5, 7, 3}, {3, 5, 9}, {4, 4, 4},
        {65, 3, 17}, {2, 129, 5}, {3, 2, 257}, {17, 1, 1}, {1, 17, 600},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (uint32_t t = 0; t < 4; t++)
            cr_expect_eq(check_gemm(be, shapes[i][0], shapes[i][1], shapes[i][2],
                                    t & 1, t >> 1, 3, 0), 0);
    crrm_backend_close(be);
}

Test(sim_gemm, extremes_and_saturation)
{
    rng_state = 13;
    crrm_backend *be = open_sim(4, 0, 0);
    /* -32768 and 32767 only: shift 0 saturates int32, shift 47 rounds to 0/±1 */
    cr_expect_eq(check_gemm(be, 6, 5, 70, 0, 0, 0, 2), 0);
    cr_expect_eq(check_gemm(be, 6, 5, 70, 1, 1, 47, 2), 0);
    cr_expect_eq(check_gemm(be, 6, 5, 70, 0, 1, 16, 2), 0);
    crrm_backend_close(be);
}

Test(sim_gemm, rounding_ties)
{
    rng_state = 14;
    crrm_backend *be = open_sim(4, 0, 0);
    /* small values make many sums an odd multiple of 2^(s-1) */
    for (uint32_t s = 1; s <= 4; s++)
        cr_expect_eq(check_gemm(be, 9, 11, 5, 0, 0, s, 1), 0);
    crrm_backend_close(be);
}

Test(sim_gemm, max_k, .timeout = 120)
{
    rng_state = 15;
    crrm_backend *be = open_sim(4, 0, 0);
    uint32_t k = CRRM_MAX_K;
    int16_t *a = malloc(k * 2), *b = malloc(k * 2);
    cr_assert(a && b);
    for (uint32_t i = 0; i < k; i++)
        a[i] = b[i] = -32768; /* every product +2^30: sum 2^47 - 2^30 */
    for (uint32_t shift = 0; shift <= 47; shift += 47) {
        int32_t want = 0, got = 1;
        crrm_gemm(a, b, &want, 1, 1, k, 0, 1, shift);
        cr_assert_eq(be->ops->gemm(be, a, b, &got, 1, 1, k, 0, 1, shift), 0, "%s",
                     crrm_last_error());
        cr_expect_eq(got, want, "gemm 1x1x%u shift %u: C[0] expected %d actual %d", k,
                     shift, want, got);
    }
    free(a);
    free(b);
    crrm_backend_close(be);
}

Test(sim_gemm, rejected_arguments_write_nothing)
{
    crrm_backend *be = open_sim(4, 0, 0);
    int16_t a[4] = {1, 2, 3, 4}, b[4] = {1, 1, 1, 1};
    int32_t c[4] = {7, 7, 7, 7};
    cr_assert_eq(be->ops->gemm(be, a, b, c, 2, 2, 2, 0, 0, CRRM_MAX_SHIFT + 1), 0);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(c[i], 7, "gemm with shift 48: C[%d] was written", i);
    crrm_backend_close(be);
}

/* -------------------------------------------------------- lowrank_fwd */

Test(sim_fwd, random_shapes)
{
    rng_state = 21;
    crrm_backend *be = open_sim(8, 0, 0);
    for (int i = 0; i < 5; i++) {
        uint32_t rows = rnd_in(1, 40), in = rnd_in(1, 300), rank = rnd_in(1, 40);
        uint32_t outs = rnd_in(1, 40);
        cr_expect_eq(check_fwd(be, rows, in, rank, outs, rnd_in(8, 18), rnd_in(0, 12), 0), 0);
    }
    crrm_backend_close(be);
}

Test(sim_fwd, edge_shapes)
{
    rng_state = 22;
    crrm_backend *be = open_sim(4, 0, 0);
    cr_expect_eq(check_fwd(be, 1, 1, 1, 1, 0, 0, 0), 0);
    cr_expect_eq(check_fwd(be, 65, 7, 3, 129, 4, 2, 0), 0);
    cr_expect_eq(check_fwd(be, 3, 257, 5, 2, 15, 3, 0), 0);
    cr_expect_eq(check_fwd(be, 2, 9, 128, 3, 12, 1, 0), 0); /* rank = max */
    cr_expect_eq(check_fwd(be, 5, 40, 6, 7, 0, 0, 2), 0);   /* saturate T */
    cr_expect_eq(check_fwd(be, 5, 40, 6, 7, 47, 47, 2), 0);
    cr_expect_eq(check_fwd(be, 7, 5, 3, 9, 2, 1, 1), 0);    /* ties */
    crrm_backend_close(be);
}

/* ------------------------------------------------------------ mi_hist */

Test(sim_hist, random_and_edges)
{
    rng_state = 31;
    crrm_backend *be = open_sim(4, 0, 0);
    cr_expect_eq(check_hist(be, 50, 5, 10, 4, 15, 0, 0), 0);
    cr_expect_eq(check_hist(be, 40, 17, 3, 6, 15, 3, 0), 0);  /* 2 groups */
    cr_expect_eq(check_hist(be, 300, 3, 16, 5, 10, 3, 0), 0); /* 2 chunks */
    cr_expect_eq(check_hist(be, 64, 4, 2, 3, 8, 1, 0), 0);    /* one bin */
    cr_expect_eq(check_hist(be, 20, 3, 4, 4, 6, 2, 0), 0);    /* outside */
    cr_expect_eq(check_hist(be, 1, 1, 1, 0, 0, 0, 0), 0);     /* one sample, 1 bin */
    cr_expect_eq(check_hist(be, 1, 2, 5, 6, 6, 3, 0), 0);     /* one sample */
    cr_expect_eq(check_hist(be, 30, 2, 4, 3, 9, 3, 1), 0);    /* labels >= classes */
    cr_expect_eq(check_hist(be, 16, 33, 2, 2, 12, 0, 0), 0);  /* 3 groups */
    crrm_backend_close(be);
}

/* ------------------------------------- memory latency and backpressure */

Test(sim_axi, random_latency_and_backpressure, .timeout = 120)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        rng_state = 40 + seed;
        crrm_backend *be = open_sim(rnd_in(1, 40), 20 + 20 * (unsigned)seed, seed);
        cr_expect_eq(check_gemm(be, rnd_in(1, 20), rnd_in(1, 20), rnd_in(1, 100),
                                rnd() & 1, rnd() & 1, 5, 0), 0);
        cr_expect_eq(check_fwd(be, rnd_in(1, 20), rnd_in(1, 100), rnd_in(1, 9),
                               rnd_in(1, 20), 9, 3, 0), 0);
        cr_expect_eq(check_hist(be, rnd_in(1, 40), rnd_in(1, 20), 3, 4, 12, 3, 1), 0);
        crrm_backend_close(be);
    }
}

Test(sim_axi, tile_crossing_with_backpressure, .timeout = 120)
{
    rng_state = 45;
    crrm_backend *be = open_sim(30, 40, 77);
    cr_expect_eq(check_gemm(be, 70, 130, 260, 1, 0, 9, 0), 0);
    cr_expect_eq(check_gemm(be, 66, 131, 257, 0, 1, 9, 0), 0);
    cr_expect_eq(check_fwd(be, 66, 261, 20, 131, 12, 4, 0), 0);
    cr_expect_eq(check_hist(be, 260, 21, 10, 5, 14, 0, 1), 0);
    crrm_backend_close(be);
}

/* ------------------------------------------------- wide AXI4 data beats */

/* Row lengths just below, at and above multiples of the beat (4, 8, 16 and
 * 32 int16 or half as many int32 per beat for DATA_W 64 ... 512), so rows
 * start at every offset inside a beat and end ragged; the store unit then
 * writes partial beats with WSTRB at both ends of a row, next to bytes of
 * the neighbouring rows that must survive. With backpressure on every
 * channel. */
Test(sim_axi, ragged_rows_in_wide_beats, .timeout = 120)
{
    rng_state = 46;
    static const uint32_t lens[] = {1, 3, 7, 9, 15, 17, 31, 33, 63, 65};
    crrm_backend *be = open_sim(11, 35, 13);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint32_t m = rnd_in(1, 19), k = rnd_in(1, 40);
        cr_expect_eq(check_gemm(be, m, lens[i], k, rnd() & 1, rnd() & 1, 4, 0), 0);
        cr_expect_eq(check_gemm(be, lens[i], m, lens[i], rnd() & 1, rnd() & 1, 4, 0), 0);
    }
    cr_expect_eq(check_fwd(be, 9, 33, 17, 15, 9, 3, 0), 0);
    cr_expect_eq(check_hist(be, 65, 31, 5, 4, 12, 0, 1), 0);
    crrm_backend_close(be);
}

/* ---------------------------------------- ping-pong tile buffer hand-over */

/* Slices alternate between the two halves of the A and B buffers while the
 * feeder reads the other half. Odd and even slice counts per tile, several
 * column tiles (the A slice kept for all of them when K fits one slice),
 * transposed operands and heavy backpressure, so loads finish early or
 * late against the compute. */
Test(sim_pingpong, odd_and_even_slice_counts, .timeout = 120)
{
    rng_state = 81;
    static const uint32_t shapes[][3] = {
        {9, 7, 3 * 128},       /* 3 slices (TILE_K 128): halves 0, 1, 0 */
        {5, 11, 2 * 128 + 1},  /* 3 slices, the last one element long */
        {6, 5, 4 * 128},       /* 4 slices */
        {4, 9, 5 * 128 + 3},   /* 6 slices */
        {3, 260, 100},         /* 3 column tiles of one slice, A kept */
        {70, 131, 300},        /* 2 row tiles x 2 column tiles x 2 slices */
    };
    for (unsigned stall = 0; stall <= 60; stall += 60) {
        crrm_backend *be = open_sim(stall ? 23 : 3, stall, 5 + stall);
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            for (uint32_t t = 0; t < 4; t++)
                cr_expect_eq(check_gemm(be, shapes[i][0], shapes[i][1], shapes[i][2],
                                        t & 1, t >> 1, 7, 0), 0);
        crrm_backend_close(be);
    }
}

/* The fused kernel: X/V slices and U column tiles share the B halves; the
 * next row tile's X loads while T U^T of this one computes. */
Test(sim_pingpong, fused_hand_over, .timeout = 120)
{
    rng_state = 82;
    for (unsigned stall = 0; stall <= 60; stall += 60) {
        crrm_backend *be = open_sim(stall ? 17 : 2, stall, 9 + stall);
        cr_expect_eq(check_fwd(be, 130, 3 * 128 + 5, 7, 300, 14, 5, 0), 0);
        cr_expect_eq(check_fwd(be, 66, 512, 33, 129, 14, 5, 0), 0);
        cr_expect_eq(check_fwd(be, 65, 9, 4, 1, 6, 2, 0), 0);
        cr_expect_eq(check_fwd(be, 3, 300, 2, 0, 8, 0, 0), 0); /* no U tiles */
        crrm_backend_close(be);
    }
}

/* Back-to-back runs of different kernels: nothing of one run's ping-pong
 * state (halves, open descriptors) leaks into the next. */
Test(sim_pingpong, back_to_back_kernels)
{
    rng_state = 83;
    crrm_backend *be = open_sim(6, 30, 3);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(check_gemm(be, 17, 9, 513, i & 1, 0, 6, 0), 0);
        cr_expect_eq(check_fwd(be, 9, 257, 5, 11, 9, 3, 0), 0);
        cr_expect_eq(check_hist(be, 30, 5, 4, 4, 12, 0, 0), 0);
        cr_expect_eq(check_gemm(be, 1, 1, 1, 0, 0, 0, 0), 0);
    }
    crrm_backend_close(be);
}

/* --------------------------------------------- utilization at batch 128 */

/* Prints MACs / (busy cycles * P * Q) of the two batch-128 shapes. */
Test(sim_perf, batch128_utilization, .timeout = 120)
{
    rng_state = 71;
    crrm_backend *be = open_sim(16, 0, 0);
    unsigned p, q;
    crrm_sim_backend_array(be, &p, &q);
    fprintf(stderr, "sim %ux%u: AXI4 data port %u bits\n", p, q,
            8 * crrm_sim_backend_beat_bytes(be));

    cr_expect_eq(check_gemm(be, 32, 784, 128, 0, 0, 12, 0), 0);
    crrm_counters gemm = be->counters;
    cr_expect_eq(gemm.device_macs, 32u * 784u * 128u);
    fprintf(stderr, "sim %ux%u gemm m=32 n=784 k=128: %llu busy cycles, PE utilization %.1f %%\n",
            p, q, (unsigned long long)gemm.busy_cycles,
            100.0 * (double)gemm.device_macs / ((double)gemm.busy_cycles * p * q));

    cr_expect_eq(check_fwd(be, 128, 784, 32, 256, 16, 8, 0), 0);
    uint64_t busy = be->counters.busy_cycles - gemm.busy_cycles;
    uint64_t macs = be->counters.device_macs - gemm.device_macs;
    cr_expect_eq(macs, 128u * 32u * (784u + 256u));
    fprintf(stderr, "sim %ux%u lowrank_fwd rows=128 in=784 rank=32 outs=256: %llu busy cycles, "
            "PE utilization %.1f %%\n", p, q, (unsigned long long)busy,
            100.0 * (double)macs / ((double)busy * p * q));
    crrm_backend_close(be);
}

/* ----------------------------------------------- random reset values */

Test(sim_reset, random_register_values)
{
    rng_state = 51;
    crrm_sim_config config = {0};
    config.latency = 5;
    config.stall_percent = 30;
    config.seed = 9;
    config.random_reset = 1;
    config.reset_seed = 12345;
    crrm_backend *be = crrm_sim_backend_open_config(&config);
    cr_assert_not_null(be, "%s", crrm_last_error());
    cr_expect_eq(check_gemm(be, 9, 6, 33, 1, 0, 4, 0), 0);
    cr_expect_eq(check_fwd(be, 6, 20, 5, 9, 10, 2, 0), 0);
    cr_expect_eq(check_hist(be, 25, 4, 3, 3, 10, 3, 1), 0);
    crrm_backend_close(be);
}

/* ------------------------------------------- cycle limit, trace, counters */

Test(sim_harness, cycle_limit_names_kernel_and_cycle)
{
    crrm_sim_config config = {0};
    config.latency = 4;
    config.cycle_limit = 300;
    crrm_backend *be = crrm_sim_backend_open_config(&config);
    cr_assert_not_null(be);
    int16_t *a = fill16(64 * 64, 1);
    int32_t *c = calloc(64 * 64, 4);
    int rc = be->ops->gemm(be, a, a, c, 64, 64, 64, 0, 0, 0);
    cr_expect_eq(rc, -1);
    cr_expect(strstr(crrm_last_error(), "gemm") && strstr(crrm_last_error(), "cycle"),
              "message: %s", crrm_last_error());
    free(a);
    free(c);
    crrm_backend_close(be);
}

Test(sim_harness, fst_trace_file)
{
    const char *path = "build/test_sim_trace.fst";
    remove(path);
    crrm_sim_config config = {0};
    config.latency = 2;
    config.trace = path;
    crrm_backend *be = crrm_sim_backend_open_config(&config);
    cr_assert_not_null(be, "%s", crrm_last_error());
    cr_expect_eq(check_gemm(be, 2, 3, 4, 0, 0, 0, 0), 0);
    crrm_backend_close(be);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "no trace at %s", path);
    fseek(f, 0, SEEK_END);
    cr_expect_gt(ftell(f), 100);
    fclose(f);
    remove(path);
}

Test(sim_harness, counters)
{
    rng_state = 61;
    crrm_backend *be = open_sim(4, 0, 0);
    cr_expect_eq(check_gemm(be, 10, 9, 30, 0, 1, 2, 0), 0);
    cr_expect_eq(be->counters.device_macs, 10u * 9u * 30u);
    cr_expect_eq(be->counters.gemm_macs, 10u * 9u * 30u);
    cr_expect_gt(be->counters.busy_cycles, 0u);
    cr_expect_eq(be->counters.gemm_cycles, be->counters.busy_cycles);
    cr_expect_geq(be->counters.bytes_read, (10u * 30u + 30u * 9u) * 2u);
    cr_expect_geq(be->counters.bytes_written, 10u * 9u * 4u);
    cr_expect_eq(check_hist(be, 20, 3, 4, 3, 9, 3, 1), 0);
    cr_expect_eq(be->counters.device_hist_updates, 16u * 3u); /* 4 of 20 labels bad */
    crrm_backend_close(be);
}

#endif

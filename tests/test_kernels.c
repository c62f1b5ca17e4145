/*
 * test_kernels.c - the HLS C kernels against the plain reference, on random
 * shapes and on the edges of the numeric contract.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crrm_kernels.h"
#include "reference.h"

static void check_gemm(uint32_t m, uint32_t n, uint32_t k, int ta, int tb,
                       uint32_t shift, const int16_t *a, const int16_t *b)
{
    int32_t *c = malloc(4 * (size_t)m * n), *e = malloc(4 * (size_t)m * n);
    crrm_gemm(a, b, c, m, n, k, (uint32_t)ta, (uint32_t)tb, shift);
    ref_gemm(a, b, e, m, n, k, ta, tb, shift);
    for (size_t i = 0; i < (size_t)m * n; i++)
        cr_assert_eq(c[i], e[i],
                     "gemm %ux%ux%u ta=%d tb=%d shift=%u: c[%zu] = %d, "
                     "expected %d", m, n, k, ta, tb, shift, i, c[i], e[i]);
    free(c);
    free(e);
}

static void check_gemm_random(uint32_t m, uint32_t n, uint32_t k, int ta,
                              int tb, uint32_t shift, uint64_t seed)
{
    int16_t *a = malloc(2 * (size_t)m * k), *b = malloc(2 * (size_t)k * n);
    fill_random16(a, (size_t)m * k, &seed);
    fill_random16(b, (size_t)k * n, &seed);
    check_gemm(m, n, k, ta, tb, shift, a, b);
    free(a);
    free(b);
}

Test(gemm, random_shapes_all_transposes)
{
    uint64_t seed = 0x1234;
    for (int trial = 0; trial < 24; trial++) {
        uint32_t m = 1 + (uint32_t)(test_rand(&seed) % 150);
        uint32_t n = 1 + (uint32_t)(test_rand(&seed) % 150);
        uint32_t k = 1 + (uint32_t)(test_rand(&seed) % 600);
        uint32_t shift = (uint32_t)(test_rand(&seed) % 24);
        check_gemm_random(m, n, k, trial & 1, (trial >> 1) & 1, shift,
                          seed + (uint64_t)trial);
    }
}

Test(gemm, one_by_one_by_one)
{
    int16_t a = -7, b = 9;
    check_gemm(1, 1, 1, 0, 0, 0, &a, &b);
    check_gemm(1, 1, 1, 1, 1, 3, &a, &b);
}

Test(gemm, sizes_off_every_tile)
{
    /* One past and one short of each tile edge in every dimension. */
    uint32_t edges[] = {CRRM_ROW_TILE - 1, CRRM_ROW_TILE + 1};
    uint32_t kedges[] = {CRRM_K_TILE - 1, CRRM_K_TILE + 1, 2 * CRRM_K_TILE + 3};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int l = 0; l < 3; l++)
                check_gemm_random(edges[i], edges[j], kedges[l], i, j, 7,
                                  (uint64_t)(100 + i * 10 + j * 3 + l));
}

Test(gemm, extreme_values_exact)
{
    /* (-32768)^2 = 2^30 summed over k: exact with shift 0 while it fits in
     * int32, saturated beyond. */
    enum { K = 3 };
    int16_t a[K], b[K];
    for (int i = 0; i < K; i++)
        a[i] = b[i] = -32768;
    int32_t c;
    crrm_gemm(a, b, &c, 1, 1, 1, 0, 0, 0);
    cr_assert_eq(c, 1 << 30, "(-32768)^2 = %d, expected 2^30", c);
    crrm_gemm(a, b, &c, 1, 1, 2, 0, 0, 0);
    cr_assert_eq(c, INT32_MAX, "2^31 must saturate to INT32_MAX, got %d", c);
    crrm_gemm(a, b, &c, 1, 1, 2, 0, 0, 1);
    cr_assert_eq(c, 1 << 30, "2^31 >> 1 = %d, expected 2^30", c);

    int16_t p = 32767, q = -32768;
    crrm_gemm(&p, &q, &c, 1, 1, 1, 0, 0, 0);
    cr_assert_eq(c, -1073709056, "32767 * -32768 = %d", c);
    for (int i = 0; i < K; i++) {
        a[i] = 32767;
        b[i] = -32768;
    }
    crrm_gemm(a, b, &c, 1, 1, K, 0, 0, 0);
    cr_assert_eq(c, INT32_MIN, "negative overflow must saturate, got %d", c);
}

Test(gemm, maximum_k_stays_exact)
{
    /* K_MAX products of 2^30 sum to just under 2^47: exact in 48 bits. */
    uint32_t k = CRRM_MAX_K;
    int16_t *a = malloc(2 * (size_t)k), *b = malloc(2 * (size_t)k);
    for (uint32_t i = 0; i < k; i++)
        a[i] = b[i] = -32768;
    int32_t c;
    crrm_gemm(a, b, &c, 1, 1, k, 0, 0, 16);
    int64_t exact = (int64_t)k << 30;
    cr_assert_eq(c, (int32_t)(exact >> 16), "K_MAX sum >> 16 = %d, expected %lld",
                 c, (long long)(exact >> 16));
    /* The odd half of a one-off sum shows the low bits survive too. */
    a[0] = 1;
    b[0] = 1;
    crrm_gemm(a, b, &c, 1, 1, k, 1, 1, 17);
    cr_assert_eq(c, (int32_t)ref_round(exact - (INT64_C(1) << 30) + 1, 17),
                 "K_MAX sum with one small product: %d", c);
    free(a);
    free(b);
}

Test(gemm, rounding_ties_go_up)
{
    /* Values x * 1 >> 1 for x = -3..3: -1.5 -> -1, -0.5 -> 0, 0.5 -> 1,
     * 1.5 -> 2. */
    int16_t one = 1;
    int32_t expected[] = {-1, -1, 0, 0, 1, 1, 2};
    for (int x = -3; x <= 3; x++) {
        int16_t a = (int16_t)x;
        int32_t c;
        crrm_gemm(&a, &one, &c, 1, 1, 1, 0, 0, 1);
        cr_assert_eq(c, expected[x + 3], "round(%d / 2) = %d, expected %d", x,
                     c, expected[x + 3]);
    }
}

Test(gemm, over_limit_writes_nothing)
{
    int16_t a = 1, b = 1;
    int32_t c = 12345;
    crrm_gemm(&a, &b, &c, 1, 1, 1, 0, 0, CRRM_MAX_SHIFT + 1);
    cr_assert_eq(c, 12345, "a shift past the limit must leave C untouched");
}

static void check_lowrank(uint32_t rows, uint32_t in, uint32_t rank,
                          uint32_t outs, uint32_t ts, uint32_t ys,
                          uint64_t seed, int extreme)
{
    int16_t *x = malloc(2 * (size_t)rows * in), *v = malloc(2 * (size_t)rank * in);
    int16_t *u = malloc(2 * (size_t)outs * rank);
    int16_t *t = malloc(2 * (size_t)rows * rank), *te = malloc(2 * (size_t)rows * rank);
    int32_t *y = malloc(4 * (size_t)rows * outs), *ye = malloc(4 * (size_t)rows * outs);
    fill_random16(x, (size_t)rows * in, &seed);
    fill_random16(v, (size_t)rank * in, &seed);
    fill_random16(u, (size_t)outs * rank, &seed);
    if (extreme) {
        for (size_t i = 0; i < (size_t)rows * in; i++)
            x[i] = (i & 1) ? 32767 : -32768;
        for (size_t i = 0; i < (size_t)rank * in; i++)
            v[i] = -32768;
    }
    crrm_lowrank_fwd(x, v, u, t, y, rows, in, rank, outs, ts, ys);
    ref_lowrank(x, v, u, te, ye, rows, in, rank, outs, ts, ys);
    for (size_t i = 0; i < (size_t)rows * rank; i++)
        cr_assert_eq(t[i], te[i], "lowrank %ux%ux%ux%u: t[%zu] = %d, expected %d",
                     rows, in, rank, outs, i, t[i], te[i]);
    for (size_t i = 0; i < (size_t)rows * outs; i++)
        cr_assert_eq(y[i], ye[i], "lowrank %ux%ux%ux%u: y[%zu] = %d, expected %d",
                     rows, in, rank, outs, i, y[i], ye[i]);
    free(x); free(v); free(u); free(t); free(te); free(y); free(ye);
}

Test(lowrank_fwd, random_shapes)
{
    uint64_t seed = 77;
    for (int trial = 0; trial < 16; trial++) {
        uint32_t rows = 1 + (uint32_t)(test_rand(&seed) % 140);
        uint32_t in = 1 + (uint32_t)(test_rand(&seed) % 700);
        uint32_t rank = 1 + (uint32_t)(test_rand(&seed) % CRRM_MAX_RANK);
        uint32_t outs = 1 + (uint32_t)(test_rand(&seed) % 150);
        /* Shifts around the magnitude of the sums, so some T saturate. */
        uint32_t ts = 14 + (uint32_t)(test_rand(&seed) % 12);
        uint32_t ys = (uint32_t)(test_rand(&seed) % 12);
        check_lowrank(rows, in, rank, outs, ts, ys, seed, 0);
    }
}

Test(lowrank_fwd, edge_shapes)
{
    check_lowrank(1, 1, 1, 1, 0, 0, 5, 0);
    check_lowrank(CRRM_ROW_TILE + 1, CRRM_K_TILE + 1, CRRM_MAX_RANK,
                  CRRM_COL_TILE + 1, 20, 3, 6, 0);
    check_lowrank(CRRM_ROW_TILE - 1, CRRM_K_TILE - 1, 3, CRRM_COL_TILE - 1, 18,
                  0, 7, 0);
}

Test(lowrank_fwd, extreme_values_saturate)
{
    /* Sums of +-2^30 terms saturate T at both ends at shift 0. */
    check_lowrank(5, 9, 4, 6, 0, 0, 8, 1);
    check_lowrank(5, 9, 4, 6, 25, 2, 9, 1);
}

static void check_hist(const int16_t *t, const uint8_t *labels, uint32_t rows,
                       uint32_t units, uint32_t classes, uint32_t bl,
                       uint32_t rl)
{
    uint32_t bins = 1u << bl;
    size_t nh = (size_t)units * bins, nj = nh * classes;
    uint32_t *h = calloc(nh, 4), *j = calloc(nj, 4);
    uint32_t *he = calloc(nh, 4), *je = calloc(nj, 4);
    crrm_mi_hist(t, labels, h, j, rows, units, classes, bl, rl);
    ref_hist(t, labels, he, je, rows, units, classes, bl, rl);
    for (size_t i = 0; i < nh; i++)
        cr_assert_eq(h[i], he[i], "hist[%zu] = %u, expected %u", i, h[i], he[i]);
    for (size_t i = 0; i < nj; i++)
        cr_assert_eq(j[i], je[i], "joint[%zu] = %u, expected %u", i, j[i], je[i]);
    /* Every sample adds exactly one sample's weight to each unit. */
    uint64_t w = 1ull << (rl + 1 - bl);
    for (uint32_t u = 0; u < units; u++) {
        uint64_t total = 0;
        for (uint32_t b = 0; b < bins; b++)
            total += h[(size_t)u * bins + b];
        cr_assert_eq(total, rows * w, "unit %u holds %llu, expected %llu", u,
                     (unsigned long long)total, (unsigned long long)(rows * w));
    }
    free(h); free(j); free(he); free(je);
}

Test(mi_hist, random_codes_and_labels)
{
    uint64_t seed = 99;
    uint32_t rows = 300, units = 37, classes = 10;
    int16_t *t = malloc(2 * (size_t)rows * units);
    uint8_t *labels = malloc(rows);
    fill_random16(t, (size_t)rows * units, &seed);
    for (uint32_t s = 0; s < rows; s++)
        labels[s] = (uint8_t)(test_rand(&seed) % classes);
    check_hist(t, labels, rows, units, classes, 5, 14);
    check_hist(t, labels, rows, units, classes, 6, 15);
    check_hist(t, labels, rows, units, classes, 1, 10);
    for (size_t i = 0; i < (size_t)rows * units; i++)
        t[i] = (int16_t)(t[i] / 8); /* mostly inside the range */
    check_hist(t, labels, rows, units, classes, 4, 12);
    free(t);
    free(labels);
}

Test(mi_hist, all_samples_in_one_bin)
{
    enum { ROWS = 50 };
    int16_t t[ROWS];
    uint8_t labels[ROWS];
    /* Centre of bin 3 with 32 bins over [-2^14, 2^14): -16384 + 3.5 * 1024. */
    for (int i = 0; i < ROWS; i++) {
        t[i] = -16384 + 3 * 1024 + 512;
        labels[i] = (uint8_t)(i % 3);
    }
    uint32_t hist[32], joint[3 * 32];
    crrm_mi_hist(t, labels, hist, joint, ROWS, 1, 3, 5, 14);
    for (int b = 0; b < 32; b++)
        cr_assert_eq(hist[b], b == 3 ? ROWS * 1024u : 0u,
                     "bin %d holds %u", b, hist[b]);
    check_hist(t, labels, ROWS, 1, 3, 5, 14);
}

Test(mi_hist, values_outside_the_range)
{
    int16_t t[4] = {-32768, 32767, -16384, 16383};
    uint8_t labels[4] = {0, 1, 0, 1};
    uint32_t hist[32], joint[2 * 32];
    crrm_mi_hist(t, labels, hist, joint, 4, 1, 2, 5, 14);
    cr_assert_eq(hist[0], 2 * 1024u, "codes below the first centre fill bin 0");
    cr_assert_eq(hist[31], 2 * 1024u, "codes above the last centre fill bin 31");
    check_hist(t, labels, 4, 1, 2, 5, 14);
}

Test(mi_hist, one_sample_interpolates)
{
    /* A quarter of the way from the centre of bin 16 to bin 17. */
    int16_t t = 512 + 256;
    uint8_t label = 4;
    uint32_t hist[32], joint[5 * 32];
    crrm_mi_hist(&t, &label, hist, joint, 1, 1, 5, 5, 14);
    cr_assert_eq(hist[16], 768u, "lower bin weight %u, expected 768", hist[16]);
    cr_assert_eq(hist[17], 256u, "upper bin weight %u, expected 256", hist[17]);
    cr_assert_eq(joint[4 * 32 + 17], 256u, "joint weight under label 4");
    check_hist(&t, &label, 1, 1, 5, 5, 14);
}

Test(gemm, full_k_tile_of_extremes)
{
    /* Whole K tiles of the operand pairs that push the sw backend's split
     * partial sums (b = 256 hi + lo) to their limits. */
    const int16_t values[] = {-32768, 32767, 255, -1, -256, 256, -255};
    enum { NV = sizeof values / sizeof values[0] };
    uint32_t k = 2 * CRRM_K_TILE;
    int16_t *a = malloc(2 * (size_t)k), *b = malloc(2 * (size_t)k);
    for (int i = 0; i < NV; i++)
        for (int j = 0; j < NV; j++) {
            for (uint32_t p = 0; p < k; p++) {
                a[p] = values[i];
                b[p] = values[j];
            }
            check_gemm(1, 1, k, 0, 0, 17, a, b);
            check_gemm(1, 1, k, 0, 0, 0, a, b);
        }
    free(a);
    free(b);
}

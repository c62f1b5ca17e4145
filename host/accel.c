#include "accel.h"

#include "crrm_kernels.h"
#include "error.h"

static int check_shift(const char *kernel, const char *name, uint32_t shift)
{
    if (shift > CRRM_MAX_SHIFT)
        return crrm_error("%s: %s %u exceeds the maximum shift %u", kernel,
                          name, shift, CRRM_MAX_SHIFT);
    return 0;
}

static int check_k(const char *kernel, const char *name, uint32_t k)
{
    if (k == 0)
        return crrm_error("%s: %s is 0; a reduction needs at least one element",
                          kernel, name);
    if (k > CRRM_MAX_K)
        return crrm_error("%s: reduction length %s = %u exceeds the maximum "
                          "%u that keeps the 48-bit accumulation exact; use "
                          "a smaller batch or input size",
                          kernel, name, k, CRRM_MAX_K);
    return 0;
}

int crrm_accel_lowrank_fwd(crrm_backend *be, const int16_t *x,
                           const int16_t *v, const int16_t *u, int16_t *t,
                           int32_t *y, uint32_t rows, uint32_t in,
                           uint32_t rank, uint32_t outs, uint32_t t_shift,
                           uint32_t y_shift)
{
    const char *kernel = "lowrank_fwd";
    if (rows == 0 || outs == 0)
        return crrm_error("%s: empty output (rows %u, outs %u)", kernel, rows,
                          outs);
    if (check_k(kernel, "in", in) || check_k(kernel, "rank", rank))
        return -1;
    if (rank > CRRM_MAX_RANK)
        return crrm_error("%s: rank %u exceeds the maximum %u that fits the "
                          "on-chip T tile; use --rank %u or less",
                          kernel, rank, CRRM_MAX_RANK, CRRM_MAX_RANK);
    if (check_shift(kernel, "t_shift", t_shift) ||
        check_shift(kernel, "y_shift", y_shift))
        return -1;

    crrm_counters *c = &be->counters;
    c->kernel_runs++;
    c->macs += (uint64_t)rows * rank * (in + outs);
    c->bytes_to_device += 2 * ((uint64_t)rows * in + (uint64_t)rank * in +
                               (uint64_t)outs * rank);
    c->bytes_from_device += (uint64_t)rows * (2u * rank + 4u * outs);
    if (be->ops->lowrank_fwd(be, x, v, u, t, y, rows, in, rank, outs, t_shift,
                             y_shift))
        return -1;
    return 0;
}

int crrm_accel_gemm(crrm_backend *be, const int16_t *a, const int16_t *b,
                    int32_t *c, uint32_t m, uint32_t n, uint32_t k,
                    uint32_t trans_a, uint32_t trans_b, uint32_t shift)
{
    const char *kernel = "gemm";
    if (m == 0 || n == 0)
        return crrm_error("%s: empty output (m %u, n %u)", kernel, m, n);
    if (check_k(kernel, "k", k) || check_shift(kernel, "shift", shift))
        return -1;
    if (trans_a > 1 || trans_b > 1)
        return crrm_error("%s: transpose flags must be 0 or 1 (got %u, %u)",
                          kernel, trans_a, trans_b);

    crrm_counters *cnt = &be->counters;
    cnt->kernel_runs++;
    cnt->macs += (uint64_t)m * n * k;
    cnt->bytes_to_device += 2 * ((uint64_t)m * k + (uint64_t)k * n);
    cnt->bytes_from_device += 4 * (uint64_t)m * n;
    if (be->ops->gemm(be, a, b, c, m, n, k, trans_a, trans_b, shift))
        return -1;
    return 0;
}

int crrm_accel_mi_hist(crrm_backend *be, const int16_t *t,
                       const uint8_t *labels, uint32_t *hist, uint32_t *joint,
                       uint32_t rows, uint32_t units, uint32_t classes,
                       uint32_t bins_log2, uint32_t range_log2)
{
    const char *kernel = "mi_hist";
    if (rows == 0 || units == 0)
        return crrm_error("%s: empty input (rows %u, units %u)", kernel, rows,
                          units);
    if (units > CRRM_MAX_UNITS)
        return crrm_error("%s: %u units exceed the maximum %u", kernel, units,
                          CRRM_MAX_UNITS);
    if (classes == 0 || classes > CRRM_MAX_CLASSES)
        return crrm_error("%s: %u classes is outside 1..%u", kernel, classes,
                          CRRM_MAX_CLASSES);
    if (range_log2 > CRRM_MAX_RANGE_LOG2)
        return crrm_error("%s: range 2^%u exceeds the int16 code range 2^%u",
                          kernel, range_log2, CRRM_MAX_RANGE_LOG2);
    if (bins_log2 == 0 || bins_log2 > CRRM_MAX_BINS_LOG2 ||
        bins_log2 > range_log2)
        return crrm_error("%s: %u bins is not a power of two between 2 and %u "
                          "(and at most the range 2^%u); use --bins 2..%u",
                          kernel, 1u << bins_log2, 1u << CRRM_MAX_BINS_LOG2,
                          range_log2, 1u << CRRM_MAX_BINS_LOG2);
    uint64_t width = 1ull << (range_log2 + 1 - bins_log2);
    if ((uint64_t)rows * width > 0xFFFFFFFFull)
        return crrm_error("%s: %u samples of weight %llu overflow the uint32 "
                          "bin counts; histogram at most %llu samples per call",
                          kernel, rows, (unsigned long long)width,
                          (unsigned long long)(0xFFFFFFFFull / width));
    for (uint32_t s = 0; s < rows; s++)
        if (labels[s] >= classes)
            return crrm_error("%s: label %u of sample %u is outside 0..%u",
                              kernel, labels[s], s, classes - 1);

    crrm_counters *c = &be->counters;
    c->kernel_runs++;
    c->hist_updates += (uint64_t)rows * units;
    c->bytes_to_device += 2 * (uint64_t)rows * units + rows;
    c->bytes_from_device += 4 * (uint64_t)units * (classes + 1) << bins_log2;
    if (be->ops->mi_hist(be, t, labels, hist, joint, rows, units, classes,
                         bins_log2, range_log2))
        return -1;
    return 0;
}

uint32_t crrm_bit_length(uint64_t bound)
{
    uint32_t bits = 0;
    while (bound) {
        bits++;
        bound >>= 1;
    }
    return bits;
}

uint32_t crrm_safe_shift(uint64_t k, uint32_t max_a, uint32_t max_b,
                         uint32_t out_bits)
{
    /* |sum| <= bound < 2^len. After a shift s the rounded value is at most
     * 2^(len-s); keeping len - s <= out_bits - 2 leaves it below
     * 2^(out_bits-1) even after rounding up. */
    uint64_t bound = k * (uint64_t)max_a * (uint64_t)max_b;
    uint32_t len = crrm_bit_length(bound);
    return len + 2 > out_bits ? len + 2 - out_bits : 0;
}

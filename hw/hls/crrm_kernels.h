/*
 * crrm_kernels.h - limits, numeric helpers and entry points of the three
 * accelerator kernels. docs/numerics.md explains the numeric contract.
 *
 * Every backend (sw, sim, opencl, xrt) computes exactly these functions, so
 * a training step gives the same bits on all of them. The host checks every
 * limit below before it starts a kernel; a kernel called past a limit
 * returns without writing its outputs.
 */
#ifndef CRRM_KERNELS_H
#define CRRM_KERNELS_H

#include "crrm_hls_compat.h"

/* Largest reduction length K. Every product of two int16 values has a
 * magnitude of at most 2^30, so any sum of at most 2^17 - 1 products stays
 * strictly inside the signed 48-bit range (-2^47, 2^47) of one DSP48E2
 * accumulator. The accumulation is then exact and its order cannot matter. */
#define CRRM_MAX_K 131071u

/* Largest rank r of a low-rank layer. The fused kernel keeps a row tile of
 * T (CRRM_ROW_TILE x r) and the matching slice of V on chip. */
#define CRRM_MAX_RANK 128u

/* Largest right shift applied to an accumulator before saturation. */
#define CRRM_MAX_SHIFT 47u

/* Histogram limits. Counts are uint32 in units of 1/w of a sample, where w is
 * the bin width in codes, so n * w must stay below 2^32. */
#define CRRM_MAX_BINS_LOG2 6u  /* at most 64 bins */
#define CRRM_MAX_RANGE_LOG2 15u
#define CRRM_MAX_CLASSES 16u
#define CRRM_MAX_UNITS 1024u

/* Tile sizes of the on-chip buffers. */
#define CRRM_ROW_TILE 64u  /* output rows per tile (GEMM M, fused N) */
#define CRRM_COL_TILE 64u  /* output columns per tile (GEMM N, fused out) */
#define CRRM_K_TILE 256u   /* reduction elements per tile */
#define CRRM_HIST_BANKS 16u /* units histogrammed per pass, one bank each */

/* Rounds acc / 2^shift to the nearest integer, ties toward +infinity:
 * add 2^(shift-1), then shift right arithmetically. With shift 0 the value
 * passes unchanged. */
CRRM_INLINE int64_t crrm_round_shift(int64_t acc, uint32_t shift)
{
    if (shift == 0)
        return acc;
    return (acc + (INT64_C(1) << (shift - 1))) >> shift;
}

CRRM_INLINE int16_t crrm_sat16(int64_t v)
{
    if (v > 32767)
        return 32767;
    if (v < -32768)
        return -32768;
    return (int16_t)v;
}

CRRM_INLINE int32_t crrm_sat32(int64_t v)
{
    if (v > INT64_C(2147483647))
        return 2147483647;
    if (v < -INT64_C(2147483647) - 1)
        return -2147483647 - 1;
    return (int32_t)v;
}

/*
 * Exact dot product of two on-chip rows of at most CRRM_K_TILE (256) codes.
 *
 * Vitis HLS and OpenCL compile the plain loop: one multiply per term, which
 * maps to one DSP48E2. Native builds (the sw backend) split b = 256 hi + lo,
 * with hi in -128..127 and lo in 0..255. Over 256 terms |sum a lo| stays
 * below 256 * 2^15 * 255 < 2^31 and |sum a hi| at most 2^30, so both partial
 * sums are exact in int32 and the loop vectorizes to 16-bit multiply-adds.
 * The result is the same integer either way.
 */
CRRM_INLINE int64_t crrm_dot(const int16_t *a, const int16_t *b, uint32_t len)
{
#if defined(__SYNTHESIS__) || defined(__OPENCL_C_VERSION__)
    int64_t sum = 0;
dot_k:
    for (uint32_t kk = 0; kk < len; kk++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256
        sum += (int32_t)a[kk] * (int32_t)b[kk];
    }
    return sum;
#else
    int32_t lo = 0, hi = 0;
    for (uint32_t kk = 0; kk < len; kk++) {
        int32_t x = a[kk];
        lo += x * (b[kk] & 255);
        hi += x * (b[kk] >> 8);
    }
    return ((int64_t)hi << 8) + lo;
#endif
}

#ifndef __OPENCL_C_VERSION__
/*
 * Fused low-rank forward of one layer W = U V:
 *   T[n][j] = sat16(round(sum_k X[n][k] V[j][k] >> t_shift))   n < rows, j < rank
 *   Y[n][o] = sat32(round(sum_j T[n][j] U[o][j] >> y_shift))   o < outs
 *
 * | argument | layout            | limit                       |
 * |----------|-------------------|-----------------------------|
 * | x        | rows x in, int16  | in <= CRRM_MAX_K            |
 * | v        | rank x in, int16  | rank <= CRRM_MAX_RANK       |
 * | u        | outs x rank, int16| outs >= 1                   |
 * | t        | rows x rank, int16| written                     |
 * | y        | rows x outs, int32| written                     |
 * | shifts   | 0..CRRM_MAX_SHIFT |                             |
 */
void crrm_lowrank_fwd(const int16_t *x, const int16_t *v, const int16_t *u,
                      int16_t *t, int32_t *y, uint32_t rows, uint32_t in,
                      uint32_t rank, uint32_t outs, uint32_t t_shift,
                      uint32_t y_shift);

/*
 * GEMM with transpose options: C = sat32(round(op(A) op(B) >> shift)).
 *
 * | argument | layout                                   | limit           |
 * |----------|------------------------------------------|-----------------|
 * | a        | m x k, or k x m when trans_a is 1, int16 | k <= CRRM_MAX_K |
 * | b        | k x n, or n x k when trans_b is 1, int16 |                 |
 * | c        | m x n, int32                             | written         |
 * | shift    | 0..CRRM_MAX_SHIFT                        |                 |
 */
void crrm_gemm(const int16_t *a, const int16_t *b, int32_t *c, uint32_t m,
               uint32_t n, uint32_t k, uint32_t trans_a, uint32_t trans_b,
               uint32_t shift);

/*
 * Soft (linearly interpolated) histograms of each unit of T, alone and joint
 * with the class label. The bins split [-2^range_log2, 2^range_log2) into
 * 2^bins_log2 bins of width w = 2^(range_log2 + 1 - bins_log2) codes. A code
 * at distance d past the centre of bin i adds w - d to bin i and d to bin
 * i + 1; codes beyond the outer centres add w to the outer bin.
 *
 * | argument | layout                                    | limit                |
 * |----------|-------------------------------------------|----------------------|
 * | t        | rows x units, int16                       | units<=CRRM_MAX_UNITS|
 * | labels   | rows, uint8                               | < classes            |
 * | hist     | units x bins, uint32, in 1/w of a sample  | rows * w < 2^32      |
 * | joint    | units x classes x bins, uint32            | classes<=MAX_CLASSES |
 */
void crrm_mi_hist(const int16_t *t, const uint8_t *labels, uint32_t *hist,
                  uint32_t *joint, uint32_t rows, uint32_t units,
                  uint32_t classes, uint32_t bins_log2, uint32_t range_log2);
#endif

#endif

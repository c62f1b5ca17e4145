/*
 * reference.h - plain, obviously correct versions of the three kernels for
 * the tests: one loop nest each, no tiles, exact int64 sums. The rounding
 * rule is written out again here rather than shared with hw/hls/, so a bug
 * in the kernels' helpers cannot hide in both.
 */
#ifndef CRRM_TEST_REFERENCE_H
#define CRRM_TEST_REFERENCE_H

#include <stdint.h>
#include <stdlib.h>

/* Nearest integer of acc / 2^shift, ties toward +infinity, by floor division. */
static inline int64_t ref_round(int64_t acc, uint32_t shift)
{
    if (shift == 0)
        return acc;
    int64_t d = INT64_C(1) << shift;
    int64_t q = acc / d, r = acc % d;
    if (r < 0) { /* make it floor division */
        q -= 1;
        r += d;
    }
    return 2 * r >= d ? q + 1 : q;
}

static inline int64_t ref_clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static inline void ref_gemm(const int16_t *a, const int16_t *b, int32_t *c,
                            uint32_t m, uint32_t n, uint32_t k, int ta, int tb,
                            uint32_t shift)
{
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t j = 0; j < n; j++) {
            int64_t sum = 0;
            for (uint32_t p = 0; p < k; p++) {
                int64_t x = ta ? a[(size_t)p * m + i] : a[(size_t)i * k + p];
                int64_t y = tb ? b[(size_t)j * k + p] : b[(size_t)p * n + j];
                sum += x * y;
            }
            c[(size_t)i * n + j] =
                (int32_t)ref_clamp(ref_round(sum, shift), INT32_MIN, INT32_MAX);
        }
}

static inline void ref_lowrank(const int16_t *x, const int16_t *v,
                               const int16_t *u, int16_t *t, int32_t *y,
                               uint32_t rows, uint32_t in, uint32_t rank,
                               uint32_t outs, uint32_t ts, uint32_t ys)
{
    for (uint32_t n = 0; n < rows; n++) {
        for (uint32_t j = 0; j < rank; j++) {
            int64_t sum = 0;
            for (uint32_t p = 0; p < in; p++)
                sum += (int64_t)x[(size_t)n * in + p] * v[(size_t)j * in + p];
            t[(size_t)n * rank + j] =
                (int16_t)ref_clamp(ref_round(sum, ts), -32768, 32767);
        }
        for (uint32_t o = 0; o < outs; o++) {
            int64_t sum = 0;
            for (uint32_t j = 0; j < rank; j++)
                sum += (int64_t)t[(size_t)n * rank + j] * u[(size_t)o * rank + j];
            y[(size_t)n * outs + o] =
                (int32_t)ref_clamp(ref_round(sum, ys), INT32_MIN, INT32_MAX);
        }
    }
}

/* Soft histogram written from the definition: bin centres at
 * -R + (b + 0.5) w; linear interpolation between neighbouring centres. */
static inline void ref_hist(const int16_t *t, const uint8_t *labels,
                            uint32_t *hist, uint32_t *joint, uint32_t rows,
                            uint32_t units, uint32_t classes,
                            uint32_t bins_log2, uint32_t range_log2)
{
    uint32_t bins = 1u << bins_log2;
    int64_t w = INT64_C(1) << (range_log2 + 1 - bins_log2);
    int64_t range = INT64_C(1) << range_log2;
    for (size_t i = 0; i < (size_t)units * bins; i++)
        hist[i] = 0;
    for (size_t i = 0; i < (size_t)units * bins * classes; i++)
        joint[i] = 0;
    for (uint32_t s = 0; s < rows; s++)
        for (uint32_t j = 0; j < units; j++) {
            int64_t code = t[(size_t)s * units + j];
            /* twice the distance from the centre of bin 0, to stay integer */
            int64_t twice = 2 * (code + range) - w;
            uint32_t *jb = joint + ((size_t)j * classes + labels[s]) * bins;
            uint32_t *hb = hist + (size_t)j * bins;
            if (twice <= 0) {
                jb[0] += (uint32_t)w;
                hb[0] += (uint32_t)w;
                continue;
            }
            int64_t lower = twice / (2 * w);
            int64_t d = (twice - lower * 2 * w) / 2;
            if (lower >= bins - 1) {
                jb[bins - 1] += (uint32_t)w;
                hb[bins - 1] += (uint32_t)w;
                continue;
            }
            jb[lower] += (uint32_t)(w - d);
            hb[lower] += (uint32_t)(w - d);
            jb[lower + 1] += (uint32_t)d;
            hb[lower + 1] += (uint32_t)d;
        }
}

/* Deterministic test data: xorshift64*. */
static inline uint64_t test_rand(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1Dull;
}

static inline void fill_random16(int16_t *x, size_t n, uint64_t *state)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (int16_t)(uint16_t)(test_rand(state) >> 48);
}

#endif

#include "quant.h"

#include <math.h>

uint64_t crrm_mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t crrm_stream_key(uint64_t seed, uint64_t step, uint64_t tag)
{
    return crrm_mix64(crrm_mix64(crrm_mix64(seed) ^ step) ^ tag);
}

double crrm_uniform(uint64_t key, uint64_t index)
{
    return (double)(crrm_mix64(key ^ crrm_mix64(index)) >> 11) * 0x1.0p-53;
}

double crrm_normal(uint64_t key, uint64_t index)
{
    double u1 = crrm_uniform(key, 2 * index);
    double u2 = crrm_uniform(key, 2 * index + 1);
    /* 1 - u1 lies in (0, 1], so the logarithm is finite. */
    return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
}

float crrm_max_abs(const float *x, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        if (a > m)
            m = a;
    }
    return m;
}

int32_t crrm_max_abs_i16(const int16_t *q, size_t n)
{
    int32_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t a = q[i] < 0 ? -(int32_t)q[i] : q[i];
        if (a > m)
            m = a;
    }
    return m;
}

int crrm_pow2_exponent(float max_abs)
{
    if (!(max_abs > 0.0f) || !isfinite(max_abs))
        return 0;
    int p;
    frexpf(max_abs, &p); /* max_abs = f * 2^p, f in [0.5, 1) */
    return 15 - p;
}

static int16_t clamp16(double v)
{
    if (v != v) /* NaN: the caller stops training on a non-finite loss */
        return 0;
    if (v > 32767.0)
        return 32767;
    if (v < -32768.0)
        return -32768;
    return (int16_t)v;
}

void crrm_quantize_stochastic(const float *x, size_t n, int e, uint64_t key,
                              int16_t *q)
{
    double scale = ldexp(1.0, e); /* exact: a power of two */
    for (size_t i = 0; i < n; i++)
        q[i] = clamp16(floor((double)x[i] * scale + crrm_uniform(key, i)));
}

void crrm_quantize_nearest(const float *x, size_t n, int e, int16_t *q)
{
    double scale = ldexp(1.0, e);
    for (size_t i = 0; i < n; i++)
        q[i] = clamp16(round((double)x[i] * scale));
}

void crrm_dequantize_i32(const int32_t *q, size_t n, int e, float *x)
{
    double scale = ldexp(1.0, -e);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((double)q[i] * scale);
}

void crrm_dequantize_i16(const int16_t *q, size_t n, int e, float *x)
{
    double scale = ldexp(1.0, -e);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((double)q[i] * scale);
}

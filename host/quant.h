/*
 * quant.h - the host's number formats: int16 codes with a per-tensor
 * power-of-two scale, seeded stochastic rounding, and the seeded generator
 * behind every random choice of a run.
 *
 * A code q with exponent e stands for the real value q * 2^-e.
 */
#ifndef CRRM_QUANT_H
#define CRRM_QUANT_H

#include <stddef.h>
#include <stdint.h>

/* SplitMix64 finalizer: a bijective 64-bit mix used as a counter-based
 * generator, so the random number of element i depends only on (key, i). */
uint64_t crrm_mix64(uint64_t x);

/* Key of one random stream, derived from the run seed, the step and a tag
 * naming the tensor. */
uint64_t crrm_stream_key(uint64_t seed, uint64_t step, uint64_t tag);

/* Uniform double in [0, 1) with 53 random bits. */
double crrm_uniform(uint64_t key, uint64_t index);

/* Standard normal sample (Box-Muller on two uniforms of the stream). */
double crrm_normal(uint64_t key, uint64_t index);

float crrm_max_abs(const float *x, size_t n);
int32_t crrm_max_abs_i16(const int16_t *q, size_t n);

/* Exponent e that maps max_abs into [2^14, 2^15) as a code; 0 for 0. */
int crrm_pow2_exponent(float max_abs);

/* q[i] = sat16(floor(x[i] * 2^e + u_i)), u_i uniform in [0, 1) from key:
 * unbiased stochastic rounding, identical on every backend and machine. */
void crrm_quantize_stochastic(const float *x, size_t n, int e, uint64_t key,
                              int16_t *q);

/* q[i] = sat16(round half away from zero(x[i] * 2^e)). */
void crrm_quantize_nearest(const float *x, size_t n, int e, int16_t *q);

/* x[i] = q[i] * 2^-e, for int32 kernel outputs. */
void crrm_dequantize_i32(const int32_t *q, size_t n, int e, float *x);
void crrm_dequantize_i16(const int16_t *q, size_t n, int e, float *x);

#endif

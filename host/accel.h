/*
 * accel.h - checked entry points to the accelerator.
 *
 * The trainer calls these, never a backend directly. Each one checks the
 * limits of hw/hls/crrm_kernels.h and rejects a call past them with an
 * error that names the kernel, the value and the limit, counts the work in
 * be->counters, and then runs the kernel on the backend.
 */
#ifndef CRRM_ACCEL_H
#define CRRM_ACCEL_H

#include "backend.h"

int crrm_accel_lowrank_fwd(crrm_backend *be, const int16_t *x,
                           const int16_t *v, const int16_t *u, int16_t *t,
                           int32_t *y, uint32_t rows, uint32_t in,
                           uint32_t rank, uint32_t outs, uint32_t t_shift,
                           uint32_t y_shift);

int crrm_accel_gemm(crrm_backend *be, const int16_t *a, const int16_t *b,
                    int32_t *c, uint32_t m, uint32_t n, uint32_t k,
                    uint32_t trans_a, uint32_t trans_b, uint32_t shift);

int crrm_accel_mi_hist(crrm_backend *be, const int16_t *t,
                       const uint8_t *labels, uint32_t *hist, uint32_t *joint,
                       uint32_t rows, uint32_t units, uint32_t classes,
                       uint32_t bins_log2, uint32_t range_log2);

/* Number of bits needed to write bound as an unsigned integer (0 for 0). */
uint32_t crrm_bit_length(uint64_t bound);

/* Smallest right shift that keeps a sum of k products of magnitude at most
 * max_a * max_b inside an output of out_bits signed bits after rounding. */
uint32_t crrm_safe_shift(uint64_t k, uint32_t max_a, uint32_t max_b,
                         uint32_t out_bits);

#endif

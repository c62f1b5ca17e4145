/*
 * backend_sw.c - the software backend: the HLS C kernels of hw/hls/,
 * compiled natively and called directly (C simulation of the kernels).
 */
#include "backend_sw.h"

#include <stdlib.h>

#include "crrm_kernels.h"
#include "error.h"

static int sw_lowrank_fwd(crrm_backend *be, const int16_t *x, const int16_t *v,
                          const int16_t *u, int16_t *t, int32_t *y,
                          uint32_t rows, uint32_t in, uint32_t rank,
                          uint32_t outs, uint32_t t_shift, uint32_t y_shift)
{
    (void)be;
    crrm_lowrank_fwd(x, v, u, t, y, rows, in, rank, outs, t_shift, y_shift);
    return 0;
}

static int sw_gemm(crrm_backend *be, const int16_t *a, const int16_t *b,
                   int32_t *c, uint32_t m, uint32_t n, uint32_t k,
                   uint32_t trans_a, uint32_t trans_b, uint32_t shift)
{
    (void)be;
    crrm_gemm(a, b, c, m, n, k, trans_a, trans_b, shift);
    return 0;
}

static int sw_mi_hist(crrm_backend *be, const int16_t *t,
                      const uint8_t *labels, uint32_t *hist, uint32_t *joint,
                      uint32_t rows, uint32_t units, uint32_t classes,
                      uint32_t bins_log2, uint32_t range_log2)
{
    (void)be;
    crrm_mi_hist(t, labels, hist, joint, rows, units, classes, bins_log2,
                 range_log2);
    return 0;
}

static void sw_close(crrm_backend *be)
{
    free(be);
}

static const struct crrm_backend_ops sw_ops = {
    .name = "sw",
    .lowrank_fwd = sw_lowrank_fwd,
    .gemm = sw_gemm,
    .mi_hist = sw_mi_hist,
    .close = sw_close,
};

crrm_backend *crrm_sw_backend_open(const crrm_backend_options *options)
{
    (void)options;
    crrm_backend *be = calloc(1, sizeof *be);
    if (!be) {
        crrm_error("sw backend: out of memory");
        return NULL;
    }
    be->ops = &sw_ops;
    return be;
}

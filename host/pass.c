/*
 * pass.c - forward, CRRM loss and backward passes over one batch.
 *
 * Every matrix product and histogram goes through accel.h. The host does the
 * float work: quantizing tensors to int16 codes with power-of-two scales,
 * bias, ReLU, softmax, the entropy and its gradient. All of it is the same
 * code for every backend, so the bits of a step depend only on the seed.
 *
 * Scales. A code q with exponent e is the real value q * 2^-e.
 * | tensor            | exponent chosen by                                 |
 * |-------------------|----------------------------------------------------|
 * | weights, grads    | its max |value| (crrm_pow2_exponent)                |
 * | T (int16 output)  | layer->t_shift, delayed scaling from earlier steps |
 * | int32 outputs     | crrm_safe_shift: the worst case cannot saturate    |
 */
#include <math.h>
#include <string.h>

#include "accel.h"
#include "crrm_kernels.h"
#include "error.h"
#include "loss.h"
#include "mi.h"
#include "model.h"
#include "quant.h"
#include "workspace.h"

/* Codes of T are kept with their max magnitude in [2^12, 2^14): the upper
 * edge leaves 2x headroom before saturation, and the band avoids a new
 * scale on every batch.
 * NOTE: a layer whose batch maxima vary by more than 4x still changes its
 * shift often (layer 2 of the default run: 558 times in 7035 steps). */
#define T_CODE_HIGH (1 << 14)
#define T_CODE_LOW (1 << 12)

/* Tags of the random streams, one per tensor kind and layer. */
enum { TAG_V = 1, TAG_U, TAG_W, TAG_A, TAG_DY, TAG_DT };

/* Scalars of one layer in the current pass. */
typedef struct pass_layer {
    int16_t *a_q, *v_q, *u_q, *w_q, *t_q;
    int e_a, e_v, e_u, e_w, e_t;
    int32_t max_a, max_v, max_u, max_w, max_t;
    float *y; /* output with bias, rows x out */
} pass_layer;

typedef struct pass {
    crrm_model *m;
    crrm_backend *be;
    uint32_t rows;
    int train;        /* 1: stochastic rounding, scale updates, gradients */
    uint64_t seed, step;
    uint64_t saturated; /* T codes at -32768 or 32767 */
    pass_layer layer[2];
} pass;

static void *slot(pass *p, int s, size_t bytes)
{
    return crrm_workspace_get(p->m->work, s, bytes);
}

static void *layer_slot(pass *p, int layer, int s, size_t bytes)
{
    return crrm_workspace_get(p->m->work, SLOT_LAYER0 + layer * LAYER_SLOTS + s,
                              bytes);
}

/* Quantizes n floats to codes with a max-based exponent; stochastic
 * rounding when training, nearest otherwise. */
static void quantize(pass *p, const float *x, size_t n, uint64_t tag,
                     int16_t *q, int *e, int32_t *max_code)
{
    *e = crrm_pow2_exponent(crrm_max_abs(x, n));
    if (p->train)
        crrm_quantize_stochastic(x, n, *e, crrm_stream_key(p->seed, p->step, tag),
                                 q);
    else
        crrm_quantize_nearest(x, n, *e, q);
    *max_code = crrm_max_abs_i16(q, n);
}

static uint64_t layer_tag(int layer, int kind)
{
    return (uint64_t)layer << 8 | (uint64_t)kind;
}

/* Runs the fused kernel and picks the first T shift of an uncalibrated
 * layer: a worst-case shift first, then the one that puts this batch's max
 * code at 2^13. */
static int run_lowrank(pass *p, int li, uint32_t y_shift, int32_t *y32)
{
    crrm_layer *l = &p->m->layer[li];
    pass_layer *pl = &p->layer[li];
    if (l->t_shift < 0) {
        uint32_t s0 = crrm_safe_shift(l->in, (uint32_t)pl->max_a,
                                      (uint32_t)pl->max_v, 16);
        if (crrm_accel_lowrank_fwd(p->be, pl->a_q, pl->v_q, pl->u_q, pl->t_q,
                                   y32, p->rows, l->in, l->rank, l->out, s0,
                                   y_shift))
            return -1;
        int32_t m = crrm_max_abs_i16(pl->t_q, (size_t)p->rows * l->rank);
        int s = (int)s0 + (int)crrm_bit_length((uint64_t)m) - 14;
        l->t_shift = s < 0 ? 0 : s;
    }
    return crrm_accel_lowrank_fwd(p->be, pl->a_q, pl->v_q, pl->u_q, pl->t_q,
                                  y32, p->rows, l->in, l->rank, l->out,
                                  (uint32_t)l->t_shift, y_shift);
}

/* Forward of layer li from p->layer[li].a_q into p->layer[li].y. */
static int forward_layer(pass *p, int li)
{
    crrm_model *m = p->m;
    crrm_layer *l = &m->layer[li];
    pass_layer *pl = &p->layer[li];
    uint32_t rows = p->rows;
    int32_t *y32 = layer_slot(p, li, LSLOT_Y32, sizeof(int32_t) * rows * l->out);
    pl->y = layer_slot(p, li, LSLOT_Y, sizeof(float) * rows * l->out);
    if (!y32 || !pl->y)
        return -1;

    int e_y;
    if (l->rank) {
        pl->v_q = layer_slot(p, li, LSLOT_V_Q, 2 * (size_t)l->rank * l->in);
        pl->u_q = layer_slot(p, li, LSLOT_U_Q, 2 * (size_t)l->out * l->rank);
        pl->t_q = layer_slot(p, li, LSLOT_T_Q, 2 * (size_t)rows * l->rank);
        if (!pl->v_q || !pl->u_q || !pl->t_q)
            return -1;
        quantize(p, m->params + l->v, (size_t)l->rank * l->in,
                 layer_tag(li, TAG_V), pl->v_q, &pl->e_v, &pl->max_v);
        quantize(p, m->params + l->u, (size_t)l->out * l->rank,
                 layer_tag(li, TAG_U), pl->u_q, &pl->e_u, &pl->max_u);

        uint32_t y_shift = crrm_safe_shift(l->rank, 32768, (uint32_t)pl->max_u, 32);
        if (run_lowrank(p, li, y_shift, y32))
            return -1;
        pl->e_t = pl->e_a + pl->e_v - l->t_shift;
        pl->max_t = crrm_max_abs_i16(pl->t_q, (size_t)rows * l->rank);
        for (size_t i = 0; i < (size_t)rows * l->rank; i++)
            p->saturated += pl->t_q[i] == 32767 || pl->t_q[i] == -32768;
        e_y = pl->e_t + pl->e_u - (int)y_shift;

        /* Delayed scaling: adjust the shift for the next batch. */
        if (p->train) {
            if (pl->max_t >= T_CODE_HIGH)
                l->t_shift++;
            else if (pl->max_t < T_CODE_LOW && l->t_shift > 0)
                l->t_shift--;
        }
    } else {
        pl->w_q = layer_slot(p, li, LSLOT_W_Q, 2 * (size_t)l->out * l->in);
        if (!pl->w_q)
            return -1;
        quantize(p, m->params + l->w, (size_t)l->out * l->in,
                 layer_tag(li, TAG_W), pl->w_q, &pl->e_w, &pl->max_w);
        uint32_t shift = crrm_safe_shift(l->in, (uint32_t)pl->max_a,
                                         (uint32_t)pl->max_w, 32);
        if (crrm_accel_gemm(p->be, pl->a_q, pl->w_q, y32, rows, l->out, l->in,
                            0, 1, shift))
            return -1;
        e_y = pl->e_a + pl->e_w - (int)shift;
    }

    crrm_dequantize_i32(y32, (size_t)rows * l->out, e_y, pl->y);
    const float *bias = m->params + l->b;
    for (uint32_t n = 0; n < rows; n++)
        for (uint32_t o = 0; o < l->out; o++)
            pl->y[(size_t)n * l->out + o] += bias[o];
    return 0;
}

/* Forward through both layers; returns the logits (rows x classes). */
static float *forward(pass *p, const uint8_t *pixels)
{
    crrm_model *m = p->m;
    uint32_t rows = p->rows, in = m->cfg.in, hidden = m->cfg.hidden;

    /* Pixels 0..255 become codes p * 64 with exponent 14: the exact values
     * p / 256 in [0, 1). */
    pass_layer *l0 = &p->layer[0];
    l0->a_q = slot(p, SLOT_X, 2 * (size_t)rows * in);
    if (!l0->a_q)
        return NULL;
    uint8_t max_pixel = 0;
    for (size_t i = 0; i < (size_t)rows * in; i++) {
        l0->a_q[i] = (int16_t)(pixels[i] << 6);
        max_pixel = pixels[i] > max_pixel ? pixels[i] : max_pixel;
    }
    l0->e_a = 14;
    l0->max_a = (int32_t)max_pixel << 6;
    if (forward_layer(p, 0))
        return NULL;

    float *h = slot(p, SLOT_H, sizeof(float) * rows * hidden);
    pass_layer *l1 = &p->layer[1];
    l1->a_q = layer_slot(p, 1, LSLOT_A_Q, 2 * (size_t)rows * hidden);
    if (!h || !l1->a_q)
        return NULL;
    for (size_t i = 0; i < (size_t)rows * hidden; i++)
        h[i] = l0->y[i] > 0.0f ? l0->y[i] : 0.0f;
    quantize(p, h, (size_t)rows * hidden, layer_tag(1, TAG_A), l1->a_q,
             &l1->e_a, &l1->max_a);
    if (forward_layer(p, 1))
        return NULL;
    return l1->y;
}

/* Histograms T of layer li; fills the entropy sum, I(T;Y) and, when grad is
 * non-NULL, dH/dt per code. */
static int measure_layer(pass *p, int li, const uint8_t *labels,
                         crrm_pass_stats *stats, float *grad)
{
    crrm_config *cfg = &p->m->cfg;
    crrm_layer *l = &p->m->layer[li];
    uint32_t bins = 1u << cfg->bins_log2;
    uint32_t *hist = layer_slot(p, li, LSLOT_HIST, 4 * (size_t)l->rank * bins);
    uint32_t *joint = layer_slot(p, li, LSLOT_JOINT,
                                 4 * (size_t)l->rank * cfg->classes * bins);
    if (!hist || !joint)
        return -1;
    if (crrm_accel_mi_hist(p->be, p->layer[li].t_q, labels, hist, joint,
                           p->rows, l->rank, cfg->classes, cfg->bins_log2,
                           cfg->range_log2))
        return -1;
    stats->h_bits[li] = crrm_entropy_sum_bits(hist, l->rank, bins);
    stats->ity_bits[li] = crrm_label_info_bits(joint, l->rank, cfg->classes, bins);
    if (grad)
        crrm_entropy_grad(p->layer[li].t_q, hist, p->rows, l->rank,
                          cfg->bins_log2, cfg->range_log2, grad);
    return 0;
}

/* Runs one GEMM with a safe shift and returns the float result in out. */
static int gemm_float(pass *p, const int16_t *a, int32_t max_a, int e_a,
                      const int16_t *b, int32_t max_b, int e_b, uint32_t m,
                      uint32_t n, uint32_t k, uint32_t trans_a, float *out)
{
    int32_t *c32 = slot(p, SLOT_C32, sizeof(int32_t) * (size_t)m * n);
    if (!c32)
        return -1;
    uint32_t shift = crrm_safe_shift(k, (uint32_t)max_a, (uint32_t)max_b, 32);
    if (crrm_accel_gemm(p->be, a, b, c32, m, n, k, trans_a, 0, shift))
        return -1;
    crrm_dequantize_i32(c32, (size_t)m * n, e_a + e_b - (int)shift, out);
    return 0;
}

/* Backward of layer li from dy (rows x out); writes the gradient at the
 * layer input into da unless da is NULL. mi_grad is dH/dt per code or NULL. */
static int backward_layer(pass *p, int li, const float *dy, double beta,
                          const float *mi_grad, float *da)
{
    crrm_model *m = p->m;
    crrm_layer *l = &m->layer[li];
    pass_layer *pl = &p->layer[li];
    uint32_t rows = p->rows;
    float *g = m->grads;

    /* Bias: sum of dy over the batch. */
    for (uint32_t o = 0; o < l->out; o++) {
        double sum = 0.0;
        for (uint32_t n = 0; n < rows; n++)
            sum += dy[(size_t)n * l->out + o];
        g[l->b + o] = (float)sum;
    }

    int16_t *dy_q = slot(p, SLOT_DY_Q, 2 * (size_t)rows * l->out);
    if (!dy_q)
        return -1;
    int e_dy;
    int32_t max_dy;
    quantize(p, dy, (size_t)rows * l->out, layer_tag(li, TAG_DY), dy_q, &e_dy,
             &max_dy);

    if (!l->rank) {
        /* dW = dY^T A and dA = dY W. */
        if (gemm_float(p, dy_q, max_dy, e_dy, pl->a_q, pl->max_a, pl->e_a,
                       l->out, l->in, rows, 1, g + l->w))
            return -1;
        if (da && gemm_float(p, dy_q, max_dy, e_dy, pl->w_q, pl->max_w,
                             pl->e_w, rows, l->in, l->out, 0, da))
            return -1;
        return 0;
    }

    /* dU = dY^T T and dT = dY U (+ beta dH/dT). */
    if (gemm_float(p, dy_q, max_dy, e_dy, pl->t_q, pl->max_t, pl->e_t, l->out,
                   l->rank, rows, 1, g + l->u))
        return -1;
    size_t nt = (size_t)rows * l->rank;
    float *dt = slot(p, SLOT_DT, sizeof(float) * nt);
    int16_t *dt_q = slot(p, SLOT_DT_Q, 2 * nt);
    if (!dt || !dt_q)
        return -1;
    if (gemm_float(p, dy_q, max_dy, e_dy, pl->u_q, pl->max_u, pl->e_u, rows,
                   l->rank, l->out, 0, dt))
        return -1;
    if (mi_grad && beta != 0.0) {
        /* dH/dt_real = dH/dt_code * 2^e_t. */
        double scale = beta * ldexp(1.0, pl->e_t);
        for (size_t i = 0; i < nt; i++)
            dt[i] += (float)(scale * mi_grad[i]);
    }

    /* dV = dT^T A and dA = dT V. */
    int e_dt;
    int32_t max_dt;
    quantize(p, dt, nt, layer_tag(li, TAG_DT), dt_q, &e_dt, &max_dt);
    if (gemm_float(p, dt_q, max_dt, e_dt, pl->a_q, pl->max_a, pl->e_a, l->rank,
                   l->in, rows, 1, g + l->v))
        return -1;
    if (da && gemm_float(p, dt_q, max_dt, e_dt, pl->v_q, pl->max_v, pl->e_v,
                         rows, l->in, l->rank, 0, da))
        return -1;
    return 0;
}

int crrm_model_train_step(crrm_model *m, crrm_backend *be,
                          const uint8_t *pixels, const uint8_t *labels,
                          uint32_t rows, const crrm_step_options *opt,
                          crrm_pass_stats *stats)
{
    pass p = {.m = m, .be = be, .rows = rows, .train = 1, .seed = opt->seed,
              .step = opt->step};
    memset(stats, 0, sizeof *stats);
    stats->rows = rows;
    uint32_t classes = m->cfg.classes, hidden = m->cfg.hidden;

    // Forward through both layers.
    float *logits = forward(&p, pixels);
    if (!logits)
        return -1;

    // Cross-entropy and its gradient at the logits.
    float *dlogits = slot(&p, SLOT_DY, sizeof(float) * rows * classes);
    if (!dlogits)
        return -1;
    stats->ce = crrm_softmax_ce(logits, labels, rows, classes, &stats->correct,
                           dlogits) / rows;

    // MI term: histograms of each bottleneck code and dH/dT.
    float *mi_grad[2] = {NULL, NULL};
    for (int li = 0; li < 2 && !m->cfg.dense; li++) {
        size_t nt = (size_t)rows * m->layer[li].rank;
        mi_grad[li] = layer_slot(&p, li, LSLOT_MI_GRAD, sizeof(float) * nt);
        if (!mi_grad[li] || measure_layer(&p, li, labels, stats, mi_grad[li]))
            return -1;
    }
    stats->t_saturated = p.saturated;

    // Backward through layer 2, the ReLU, and layer 1.
    float *da = slot(&p, SLOT_DA, sizeof(float) * rows * hidden);
    if (!da || backward_layer(&p, 1, dlogits, opt->beta, mi_grad[1], da))
        return -1;
    const float *y1 = p.layer[0].y;
    for (size_t i = 0; i < (size_t)rows * hidden; i++)
        if (!(y1[i] > 0.0f))
            da[i] = 0.0f;
    /* backward_layer quantizes dy into SLOT_DY_Q, so the layer-1 gradient
     * can live in SLOT_DA while SLOT_DY is reused. */
    if (backward_layer(&p, 0, da, opt->beta, mi_grad[0], NULL))
        return -1;
    return 0;
}

/* Rows per chunk of an evaluation; bounds the scratch memory. */
#define EVAL_CHUNK 1000u

int crrm_model_evaluate(crrm_model *m, crrm_backend *be, const uint8_t *pixels,
                        const uint8_t *labels, uint32_t rows,
                        crrm_pass_stats *stats)
{
    crrm_config *cfg = &m->cfg;
    uint32_t bins = 1u << cfg->bins_log2;
    uint64_t width = 1ull << (cfg->range_log2 + 1 - cfg->bins_log2);
    memset(stats, 0, sizeof *stats);
    stats->rows = rows;
    if ((uint64_t)rows * width > 0xFFFFFFFFull)
        return crrm_error("evaluation over %u samples overflows the uint32 "
                          "histogram counts; evaluate at most %llu samples",
                          rows, (unsigned long long)(0xFFFFFFFFull / width));

    /* Histograms summed over the chunks; exact since the total fits. */
    uint32_t *sum_hist[2] = {NULL, NULL}, *sum_joint[2] = {NULL, NULL};
    crrm_workspace *acc = crrm_workspace_new();
    if (!acc)
        return crrm_error("out of memory");
    int status = -1;
    for (int li = 0; li < 2 && !cfg->dense; li++) {
        uint32_t units = m->layer[li].rank;
        size_t nh = (size_t)units * bins, nj = nh * cfg->classes;
        sum_hist[li] = crrm_workspace_get(acc, 2 * li, 4 * nh);
        sum_joint[li] = crrm_workspace_get(acc, 2 * li + 1, 4 * nj);
        if (!sum_hist[li] || !sum_joint[li])
            goto done;
        memset(sum_hist[li], 0, 4 * nh);
        memset(sum_joint[li], 0, 4 * nj);
    }

    double ce = 0.0;
    for (uint32_t start = 0; start < rows; start += EVAL_CHUNK) {
        uint32_t n = rows - start < EVAL_CHUNK ? rows - start : EVAL_CHUNK;
        pass p = {.m = m, .be = be, .rows = n, .train = 0};
        const float *logits = forward(&p, pixels + (size_t)start * cfg->in);
        if (!logits)
            goto done;
        ce += crrm_softmax_ce(logits, labels + start, n, cfg->classes,
                         &stats->correct, NULL);
        stats->t_saturated += p.saturated;
        for (int li = 0; li < 2 && !cfg->dense; li++) {
            crrm_pass_stats unused;
            if (measure_layer(&p, li, labels + start, &unused, NULL))
                goto done;
            uint32_t units = m->layer[li].rank;
            size_t nh = (size_t)units * bins, nj = nh * cfg->classes;
            const uint32_t *h = layer_slot(&p, li, LSLOT_HIST, 4 * nh);
            const uint32_t *j = layer_slot(&p, li, LSLOT_JOINT, 4 * nj);
            for (size_t i = 0; i < nh; i++)
                sum_hist[li][i] += h[i];
            for (size_t i = 0; i < nj; i++)
                sum_joint[li][i] += j[i];
        }
    }
    stats->ce = ce / rows;
    for (int li = 0; li < 2 && !cfg->dense; li++) {
        uint32_t units = m->layer[li].rank;
        stats->h_bits[li] = crrm_entropy_sum_bits(sum_hist[li], units, bins);
        stats->ity_bits[li] = crrm_label_info_bits(sum_joint[li], units,
                                                   cfg->classes, bins);
    }
    status = 0;
done:
    crrm_workspace_free(acc);
    return status;
}

int crrm_model_mi_bits(crrm_model *m, crrm_backend *be, const uint8_t *pixels,
                       const uint8_t *labels, uint32_t rows,
                       const crrm_step_options *opt, double h_bits[2])
{
    if (m->cfg.dense)
        return crrm_error("a dense model has no bottleneck code to measure");
    int shifts[2] = {m->layer[0].t_shift, m->layer[1].t_shift};
    pass p = {.m = m, .be = be, .rows = rows, .train = 1, .seed = opt->seed,
              .step = opt->step};
    crrm_pass_stats stats = {0};
    int status = forward(&p, pixels) ? 0 : -1;
    for (int li = 0; li < 2 && status == 0; li++)
        status = measure_layer(&p, li, labels, &stats, NULL);
    m->layer[0].t_shift = shifts[0];
    m->layer[1].t_shift = shifts[1];
    h_bits[0] = stats.h_bits[0];
    h_bits[1] = stats.h_bits[1];
    return status;
}

/*
 * model.c - shape, parameters and initialization of the network.
 * The passes over a batch are in pass.c.
 */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crrm_kernels.h"
#include "error.h"
#include "quant.h"
#include "sha256.h"
#include "workspace.h"

int crrm_config_check(const crrm_config *cfg)
{
    if (cfg->in == 0 || cfg->in > CRRM_MAX_K)
        return crrm_error("input size %u is outside 1..%u", cfg->in,
                          CRRM_MAX_K);
    if (cfg->hidden == 0 || cfg->hidden > CRRM_MAX_K)
        return crrm_error("--hidden %u is outside 1..%u", cfg->hidden,
                          CRRM_MAX_K);
    if (cfg->classes < 2 || cfg->classes > CRRM_MAX_CLASSES)
        return crrm_error("%u classes is outside 2..%u", cfg->classes,
                          CRRM_MAX_CLASSES);
    if (!cfg->dense) {
        if (cfg->rank == 0 || cfg->rank > CRRM_MAX_RANK)
            return crrm_error("--rank %u is outside 1..%u", cfg->rank,
                              CRRM_MAX_RANK);
        if (cfg->rank2 == 0 || cfg->rank2 > CRRM_MAX_RANK)
            return crrm_error("--rank2 %u is outside 1..%u", cfg->rank2,
                              CRRM_MAX_RANK);
    }
    if (cfg->range_log2 == 0 || cfg->range_log2 > CRRM_MAX_RANGE_LOG2)
        return crrm_error("histogram range 2^%u is outside 2^1..2^%u",
                          cfg->range_log2, CRRM_MAX_RANGE_LOG2);
    if (cfg->bins_log2 == 0 || cfg->bins_log2 > CRRM_MAX_BINS_LOG2 ||
        cfg->bins_log2 > cfg->range_log2)
        return crrm_error("--bins %u is not a power of two in 2..%u",
                          1u << cfg->bins_log2, 1u << CRRM_MAX_BINS_LOG2);
    return 0;
}

size_t crrm_dense_param_count(const crrm_config *cfg)
{
    return (size_t)cfg->hidden * cfg->in + cfg->hidden +
           (size_t)cfg->classes * cfg->hidden + cfg->classes;
}

/* Lays out one layer's tensors from offset *at on; returns 0. */
static void layout_layer(crrm_layer *l, uint32_t in, uint32_t out,
                         uint32_t rank, size_t *at)
{
    l->in = in;
    l->out = out;
    l->rank = rank;
    l->t_shift = -1;
    if (rank) {
        l->v = *at;
        *at += (size_t)rank * in;
        l->u = *at;
        *at += (size_t)out * rank;
    } else {
        l->w = *at;
        *at += (size_t)out * in;
    }
    l->b = *at;
    *at += out;
}

static size_t layout(crrm_layer layer[2], const crrm_config *cfg)
{
    size_t at = 0;
    layout_layer(&layer[0], cfg->in, cfg->hidden, cfg->dense ? 0 : cfg->rank,
                 &at);
    layout_layer(&layer[1], cfg->hidden, cfg->classes,
                 cfg->dense ? 0 : cfg->rank2, &at);
    return at;
}

size_t crrm_model_param_count(const crrm_config *cfg)
{
    crrm_layer layer[2];
    return layout(layer, cfg);
}

/* Fills n weights with N(0, std^2) from the seeded stream of tag. */
static void fill_normal(float *w, size_t n, double std, uint64_t seed,
                        uint64_t tag)
{
    uint64_t key = crrm_stream_key(seed, 0, tag);
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(std * crrm_normal(key, i));
}

void crrm_warn_rank(const char *option, uint32_t rank, uint32_t in,
                      uint32_t out)
{
    if ((uint64_t)rank * (in + out) >= (uint64_t)in * out)
        fprintf(stderr, "crrm: warning: %s %u does not compress a %u x %u "
                "layer (U and V hold %llu weights, W holds %llu)\n",
                option, rank, out, in,
                (unsigned long long)rank * (in + out),
                (unsigned long long)in * out);
}

int crrm_model_init(crrm_model *m, const crrm_config *cfg, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    if (crrm_config_check(cfg))
        return -1;

    m->cfg = *cfg;
    m->count = layout(m->layer, cfg);
    m->params = calloc(m->count, sizeof *m->params);
    m->grads = calloc(m->count, sizeof *m->grads);
    m->work = crrm_workspace_new();
    if (!m->params || !m->grads || !m->work) {
        crrm_model_free(m);
        return crrm_error("out of memory allocating %zu parameters", m->count);
    }

    /* He initialization of the product W = U V: Var(V) = 1/in and
     * Var(U) = 2/r give Var(W) = 2/in, as for a dense ReLU layer. */
    for (int i = 0; i < 2; i++) {
        crrm_layer *l = &m->layer[i];
        if (l->rank) {
            fill_normal(m->params + l->v, (size_t)l->rank * l->in,
                        1.0 / sqrt(l->in), seed, 100 + 10 * i);
            fill_normal(m->params + l->u, (size_t)l->out * l->rank,
                        sqrt(2.0 / l->rank), seed, 101 + 10 * i);
        } else {
            fill_normal(m->params + l->w, (size_t)l->out * l->in,
                        sqrt(2.0 / l->in), seed, 102 + 10 * i);
        }
    }
    return 0;
}

void crrm_model_free(crrm_model *m)
{
    free(m->params);
    free(m->grads);
    crrm_workspace_free(m->work);
    memset(m, 0, sizeof *m);
}

void crrm_model_sha256(const crrm_model *m, char hex[65])
{
    crrm_sha256 ctx;
    crrm_sha256_init(&ctx);
    for (size_t i = 0; i < m->count; i++) {
        uint32_t bits;
        memcpy(&bits, &m->params[i], sizeof bits);
        uint8_t le[4] = {(uint8_t)bits, (uint8_t)(bits >> 8),
                         (uint8_t)(bits >> 16), (uint8_t)(bits >> 24)};
        crrm_sha256_update(&ctx, le, sizeof le);
    }
    uint8_t digest[32];
    crrm_sha256_final(&ctx, digest);
    crrm_sha256_hex(digest, hex);
}

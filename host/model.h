/*
 * model.h - the network and one CRRM training step on the accelerator.
 *
 *   input -> layer 1 (rank r, width h) -> ReLU -> layer 2 (rank r2, classes)
 *         -> softmax
 *
 * A low-rank layer computes Y = T U^T + b with T = X V^T, the bottleneck
 * code. With --dense both layers are full-rank, Y = X W^T + b, in the same
 * number format. Master weights are float on the host; every matrix product
 * and histogram runs on the backend in int16 with power-of-two scales.
 */
#ifndef CRRM_MODEL_H
#define CRRM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

typedef struct crrm_config {
    uint32_t in;      /* input features */
    uint32_t hidden;  /* width h of layer 1 */
    uint32_t rank;    /* rank r of layer 1 */
    uint32_t rank2;   /* rank r2 of layer 2 */
    uint32_t classes;
    int dense;        /* 1: full-rank layers, no bottleneck */
    uint32_t bins_log2;  /* histogram bins = 2^bins_log2 */
    uint32_t range_log2; /* bins cover codes in [-2^range_log2, 2^range_log2) */
} crrm_config;

typedef struct crrm_layer {
    uint32_t in, out, rank; /* rank 0: dense layer */
    size_t v, u, w, b;      /* offsets of each tensor in params */
    int t_shift;            /* right shift that makes T's code; -1 until
                               calibrated on the first batch */
} crrm_layer;

typedef struct crrm_workspace crrm_workspace;

typedef struct crrm_model {
    crrm_config cfg;
    crrm_layer layer[2];
    size_t count;  /* parameters */
    float *params; /* master weights */
    float *grads;  /* gradient of the last step */
    crrm_workspace *work;
} crrm_model;

/* What one pass measured. Per-layer entries of a dense model stay 0. */
typedef struct crrm_pass_stats {
    uint32_t rows;
    uint32_t correct;
    double ce;          /* mean cross-entropy, nats */
    double h_bits[2];   /* sum_j H(T_j) of each layer, bits */
    double ity_bits[2]; /* max_j I(T_j;Y) of each layer, bits */
    uint64_t t_saturated; /* codes of T that hit the int16 limits */
} crrm_pass_stats;

/* Settings of a training step. */
typedef struct crrm_step_options {
    double beta;   /* weight of the MI term, per bit */
    uint64_t seed; /* run seed, for stochastic rounding */
    uint64_t step; /* step number, for stochastic rounding */
} crrm_step_options;

int crrm_config_check(const crrm_config *cfg);

/* Warns on stderr when a layer's rank does not compress it: with
 * r >= in * out / (in + out) the factors U and V hold at least as many
 * weights as W. */
void crrm_warn_rank(const char *option, uint32_t rank, uint32_t in,
                    uint32_t out);
int crrm_model_init(crrm_model *m, const crrm_config *cfg, uint64_t seed);
void crrm_model_free(crrm_model *m);

/* Parameters of the model, and of a dense model of the same widths. */
size_t crrm_model_param_count(const crrm_config *cfg);
size_t crrm_dense_param_count(const crrm_config *cfg);

/* Forward, CRRM loss and backward on one batch; fills m->grads. */
int crrm_model_train_step(crrm_model *m, crrm_backend *be,
                          const uint8_t *pixels, const uint8_t *labels,
                          uint32_t rows, const crrm_step_options *opt,
                          crrm_pass_stats *stats);

/* Evaluates rows samples in chunks: accuracy, cross-entropy and the
 * information measures from histograms over all the rows together. */
int crrm_model_evaluate(crrm_model *m, crrm_backend *be, const uint8_t *pixels,
                        const uint8_t *labels, uint32_t rows,
                        crrm_pass_stats *stats);

/* H(T) and I(T;Y) of each layer over one batch in training mode, without
 * changing the model; for checks of the MI term. */
int crrm_model_mi_bits(crrm_model *m, crrm_backend *be, const uint8_t *pixels,
                       const uint8_t *labels, uint32_t rows,
                       const crrm_step_options *opt, double h_bits[2]);

/* SHA-256 of the master weights as little-endian IEEE-754 floats. */
void crrm_model_sha256(const crrm_model *m, char hex[65]);

#endif

/*
 * optim.h - optimizers of the float master weights (host side).
 */
#ifndef CRRM_OPTIM_H
#define CRRM_OPTIM_H

#include <stddef.h>
#include <stdint.h>

typedef enum { CRRM_ADAM, CRRM_SGD } crrm_optimizer_kind;

typedef struct crrm_optimizer {
    crrm_optimizer_kind kind;
    double lr;
    double momentum;     /* SGD */
    double beta1, beta2; /* Adam moment decays */
    double eps;
    uint64_t t;          /* updates applied so far */
    size_t count;
    float *m;            /* Adam first moment, or SGD velocity */
    float *v;            /* Adam second moment (NULL for SGD) */
} crrm_optimizer;

int crrm_optimizer_init(crrm_optimizer *opt, crrm_optimizer_kind kind,
                        double lr, size_t count);
void crrm_optimizer_free(crrm_optimizer *opt);

/* Applies one update of params from grads with learning rate lr. */
void crrm_optimizer_step(crrm_optimizer *opt, float *params,
                         const float *grads, double lr);

#endif

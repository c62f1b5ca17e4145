#include "optim.h"

#include <math.h>
#include <stdlib.h>

#include "error.h"

int crrm_optimizer_init(crrm_optimizer *opt, crrm_optimizer_kind kind,
                        double lr, size_t count)
{
    *opt = (crrm_optimizer){.kind = kind, .lr = lr, .momentum = 0.9,
                            .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                            .count = count};
    opt->m = calloc(count, sizeof(float));
    if (kind == CRRM_ADAM)
        opt->v = calloc(count, sizeof(float));
    if (!opt->m || (kind == CRRM_ADAM && !opt->v)) {
        crrm_optimizer_free(opt);
        return crrm_error("out of memory for the optimizer state");
    }
    return 0;
}

void crrm_optimizer_free(crrm_optimizer *opt)
{
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
}

void crrm_optimizer_step(crrm_optimizer *opt, float *params,
                         const float *grads, double lr)
{
    opt->t++;
    if (opt->kind == CRRM_SGD) {
        float mu = (float)opt->momentum, rate = (float)lr;
        for (size_t i = 0; i < opt->count; i++) {
            opt->m[i] = mu * opt->m[i] + grads[i];
            params[i] -= rate * opt->m[i];
        }
        return;
    }

    /* Adam with bias-corrected moments. */
    float b1 = (float)opt->beta1, b2 = (float)opt->beta2;
    double c1 = 1.0 - pow(opt->beta1, (double)opt->t);
    double c2 = 1.0 - pow(opt->beta2, (double)opt->t);
    float step = (float)(lr * sqrt(c2) / c1);
    float eps = (float)(opt->eps * sqrt(c2));
    for (size_t i = 0; i < opt->count; i++) {
        float g = grads[i];
        opt->m[i] = b1 * opt->m[i] + (1.0f - b1) * g;
        opt->v[i] = b2 * opt->v[i] + (1.0f - b2) * g * g;
        params[i] -= step * opt->m[i] / (sqrtf(opt->v[i]) + eps);
    }
}

/*
 * model_io.h - a model and its optimizer state in a checkpoint file.
 *
 * The header contains the shape, the scales of T, the step and the
 * optimizer as "key=value" lines. The payload contains the master weights
 * and the optimizer moments as little-endian floats. checkpoint.c adds the
 * version, the checksum and the atomic write.
 */
#ifndef CRRM_MODEL_IO_H
#define CRRM_MODEL_IO_H

#include <stdint.h>

#include "model.h"
#include "optim.h"

typedef struct crrm_progress {
    uint64_t step;  /* steps taken */
    uint32_t epoch; /* epochs completed */
    uint64_t seed;
    uint32_t batch; /* the batch size, fixed for the whole run because the
                       step count maps to a position in an epoch */
} crrm_progress;

int crrm_model_save(const char *path, const crrm_model *m,
                    const crrm_optimizer *opt, const crrm_progress *progress);

/* Loads into an uninitialized model and optimizer. */
int crrm_model_load(const char *path, crrm_model *m, crrm_optimizer *opt,
                    crrm_progress *progress);

#endif

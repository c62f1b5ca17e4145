/*
 * train.h - the training loop behind `crrm train`, `crrm check` and
 * `crrm energy`: batches, optimizer, evaluation, logs and summaries.
 */
#ifndef CRRM_TRAIN_H
#define CRRM_TRAIN_H

#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "data.h"
#include "model.h"
#include "optim.h"

/* Options of the model's shape and of the run's layout, as bits of
 * crrm_train_options.given when set on the command line. With --load the
 * checkpoint fixes them; giving a different value is an error. */
enum {
    CRRM_GIVEN_BATCH = 1 << 0,
    CRRM_GIVEN_HIDDEN = 1 << 1,
    CRRM_GIVEN_RANK = 1 << 2,
    CRRM_GIVEN_RANK2 = 1 << 3,
    CRRM_GIVEN_BINS = 1 << 4,
    CRRM_GIVEN_DENSE = 1 << 5,
    CRRM_GIVEN_OPTIMIZER = 1 << 6,
    CRRM_GIVEN_SEED = 1 << 7,
};

typedef struct crrm_train_options {
    unsigned given;   /* CRRM_GIVEN_* bits */
    uint32_t epochs;
    uint64_t steps;   /* stop after this many steps in all; 0: no limit */
    uint32_t batch;
    uint32_t hidden, rank, rank2, bins;
    int dense;
    double beta;
    double lr;
    int cosine;       /* 1: cosine decay of lr to 0 over the run */
    crrm_optimizer_kind optimizer;
    uint64_t seed;
    const char *save; /* checkpoint written at each epoch end and at the end */
    const char *load; /* checkpoint to resume from */
    const char *log;  /* CSV, one row per step; test metrics of each epoch
                         go to crrm_epoch_log_path(log) */
    int progress;     /* 1: progress bar on stderr */
    int quiet;        /* 1: no per-epoch lines */
    int evaluate;     /* 0: skip the test-set evaluations */
    void (*on_step)(void *context); /* called after each step, or NULL */
    void *on_step_context;
} crrm_train_options;

void crrm_train_defaults(crrm_train_options *o);

typedef struct crrm_train_result {
    crrm_config cfg;
    uint32_t batch;
    uint64_t steps;
    uint32_t epochs;
    double seconds;
    double step_seconds; /* mean wall time of one training step */
    uint64_t steps_run;  /* steps this call ran (less than steps on resume) */
    double step_cycles;  /* device busy cycles of those steps, without the
                            evaluations */
    crrm_pass_stats last_step; /* metrics of the last batch */
    crrm_pass_stats test;      /* last evaluation on the test set */
    crrm_pass_stats train;     /* final evaluation on the first training
                                  samples, for the generalization gap */
    int evaluated;
    size_t params, dense_params;
    char weights_sha256[65];
} crrm_train_result;

/* Trains on data with the backend be. On success the final model is left in
 * *m (caller frees it with crrm_model_free). */
int crrm_train(const crrm_train_options *o, const crrm_data *data,
               crrm_backend *be, crrm_model *m, crrm_train_result *result);

/* Path of the per-epoch log next to the per-step log: "run.csv" gives
 * "run-epochs.csv". */
void crrm_epoch_log_path(const char *log, char *path, size_t size);

/* Writes the JSON summary of a run to path atomically. */
int crrm_write_summary(const char *path, const crrm_backend *be,
                       const crrm_train_result *r, const crrm_train_options *o);

#endif

/*
 * check.h - `crrm check`: the cross-backend bit-identity test.
 */
#ifndef CRRM_CHECK_H
#define CRRM_CHECK_H

#include "backend.h"
#include "data.h"
#include "train.h"

/* Exit status of a check that ran and found a difference. */
#define CRRM_CHECK_MISMATCH 3

/*
 * Runs o->steps training steps on every backend of the comma-separated list
 * names. First in lockstep: each kernel call runs on every backend and its
 * outputs are compared element by element. Then each backend trains alone
 * and the final weights_sha256 are compared. Returns 0 when all agree,
 * CRRM_CHECK_MISMATCH after printing the first difference, -1 on an error.
 */
int crrm_check(const char *names, const crrm_backend_options *device,
               const crrm_train_options *o, const crrm_data *data);

#endif

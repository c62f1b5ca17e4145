/*
 * loss.h - softmax cross-entropy on the host, in float with double sums.
 */
#ifndef CRRM_LOSS_H
#define CRRM_LOSS_H

#include <stdint.h>

/* Returns the cross-entropy summed over rows, in nats; adds the number of
 * correct argmax predictions to *correct; writes (softmax - onehot) / rows
 * into dlogits unless it is NULL. */
double crrm_softmax_ce(const float *logits, const uint8_t *labels,
                       uint32_t rows, uint32_t classes, uint32_t *correct,
                       float *dlogits);

#endif

/*
 * data.h - training and test images with their class labels.
 *
 * The data comes either from a directory in MNIST's IDX layout (Fashion-MNIST
 * by default) or from a small synthetic generator that tests use because it
 * is fast and needs no files.
 */
#ifndef CRRM_DATA_H
#define CRRM_DATA_H

#include <stdint.h>

typedef struct crrm_dataset {
    uint32_t count;         /* samples */
    uint32_t height, width; /* pixels per image = height * width */
    uint8_t *pixels;        /* count x height*width, row-major */
    uint8_t *labels;        /* count, each < crrm_data.classes */
} crrm_dataset;

typedef struct crrm_data {
    crrm_dataset train, test;
    uint32_t classes;    /* 10 for MNIST-layout data */
    char source[512];    /* directory it came from, or "synthetic" */
} crrm_data;

#define CRRM_DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"

/* Loads the training and test sets. spec NULL means CRRM_DEFAULT_DATA_DIR,
 * "synthetic" generates a data set from seed (seed is ignored otherwise), and
 * anything else is a directory in MNIST's IDX layout. On failure returns -1,
 * sets crrm_last_error() and leaves *out empty (safe to pass to
 * crrm_data_free). */
int crrm_data_load(const char *spec, uint64_t seed, crrm_data *out);

/* Frees both sets and zeroes *data. A zeroed crrm_data is also accepted. */
void crrm_data_free(crrm_data *data);

/* Loads one image/label file pair, either gzipped or plain (zlib's gzopen
 * reads both). Labels must be < 10. On failure returns -1, sets
 * crrm_last_error() and leaves *out zeroed. The caller frees out->pixels and
 * out->labels. */
int crrm_idx_load(const char *images_path, const char *labels_path,
                  crrm_dataset *out);

#endif

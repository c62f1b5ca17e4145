/*
 * checkpoint.h - a versioned, checksummed file container for saved models.
 *
 * A checkpoint is a short text header of "key=value\n" lines plus an opaque
 * binary payload. This module stores and validates them but does not
 * interpret them. checkpoint.c documents the byte layout.
 */
#ifndef CRRM_CHECKPOINT_H
#define CRRM_CHECKPOINT_H

#include <stdint.h>

#define CRRM_CHECKPOINT_VERSION 1

/* Writes header_text (NUL-terminated, "key=value\n" lines) and payload to
 * path atomically. The data goes to "<path>.tmp.<pid>", which is fsynced and
 * renamed over path, and then the directory is fsynced. On a failure before
 * the rename, the old file at path is untouched and the temporary file is
 * removed. If only the final directory fsync fails, path already contains
 * the new checkpoint, but the function still returns -1 because the rename may
 * not survive a power loss. payload may be NULL when payload_len is 0. */
int crrm_checkpoint_save(const char *path, const char *header_text,
                         const void *payload, uint64_t payload_len);

/* Reads and validates the checkpoint at path. On success *header_text (NUL
 * terminated) and *payload are malloc'd and the caller frees both. *payload
 * is non-NULL even when *payload_len is 0. On failure returns -1, sets
 * crrm_last_error() and sets all three outputs to NULL or 0. */
int crrm_checkpoint_load(const char *path, char **header_text, void **payload,
                         uint64_t *payload_len);

#endif

/*
 * output_path.h - where an output file that is replaced atomically (write
 * a temporary file, rename it over the target) may go.
 */
#ifndef CRRM_OUTPUT_PATH_H
#define CRRM_OUTPUT_PATH_H

#include <stddef.h>

/* Writes to resolved the path the rename must target: path itself when it
 * does not exist or is a regular file, the file a symbolic link points to
 * (so the link survives). Rejects anything else, such as a device, a
 * directory or a pipe, which a rename would replace. */
int crrm_output_path(const char *path, char *resolved, size_t size);

/* Checks before a long run that an output can be written at the end: the
 * path passes crrm_output_path and its directory exists. */
int crrm_output_check(const char *option, const char *path);

#endif

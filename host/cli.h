/*
 * cli.h - strict parsing of command-line values: a bad value is an error
 * that names the option, the value and the accepted range.
 */
#ifndef CRRM_CLI_H
#define CRRM_CLI_H

#include <stdint.h>

int crrm_parse_u64(const char *option, const char *text, uint64_t min,
                   uint64_t max, uint64_t *value);
int crrm_parse_u32(const char *option, const char *text, uint32_t min,
                   uint32_t max, uint32_t *value);
int crrm_parse_double(const char *option, const char *text, double min,
                      double max, double *value);

#endif

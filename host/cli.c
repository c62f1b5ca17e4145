#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "error.h"

int crrm_parse_u64(const char *option, const char *text, uint64_t min,
                   uint64_t max, uint64_t *value)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '\0')
        return crrm_error("%s: '%s' is not an integer in %llu..%llu", option,
                          text, (unsigned long long)min,
                          (unsigned long long)max);
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno == ERANGE || v < min || v > max)
        return crrm_error("%s: '%s' is not an integer in %llu..%llu", option,
                          text, (unsigned long long)min,
                          (unsigned long long)max);
    *value = v;
    return 0;
}

int crrm_parse_u32(const char *option, const char *text, uint32_t min,
                   uint32_t max, uint32_t *value)
{
    uint64_t v = 0;
    if (crrm_parse_u64(option, text, min, max, &v))
        return -1;
    *value = (uint32_t)v;
    return 0;
}

int crrm_parse_double(const char *option, const char *text, double min,
                      double max, double *value)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v) ||
        v < min || v > max)
        return crrm_error("%s: '%s' is not a number in %g..%g", option, text,
                          min, max);
    *value = v;
    return 0;
}

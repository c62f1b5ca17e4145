/*
 * backend.c - the registry of accelerator backends.
 *
 * A new backend is one source file with an open function and one line in
 * the table below; backends that need an optional toolchain are compiled in
 * when their .mk file defines CRRM_HAVE_<NAME>.
 */
#include "backend.h"

#include <stdio.h>
#include <string.h>

#include "backend_sw.h"
#include "error.h"
#ifdef CRRM_HAVE_SIM
#include "backend_sim.h"
#endif
#ifdef CRRM_HAVE_OPENCL
#include "backend_opencl.h"
#endif
#ifdef CRRM_HAVE_XRT
#include "backend_xrt.h"
#endif

typedef crrm_backend *(*backend_open_fn)(const crrm_backend_options *);

static const struct {
    const char *name;
    backend_open_fn open;
} backends[] = {
    {"sw", crrm_sw_backend_open},
#ifdef CRRM_HAVE_SIM
    {"sim", crrm_sim_backend_open},
#endif
#ifdef CRRM_HAVE_OPENCL
    {"opencl", crrm_opencl_backend_open},
#endif
#ifdef CRRM_HAVE_XRT
    {"xrt", crrm_xrt_backend_open},
#endif
};

#define BACKEND_COUNT (sizeof backends / sizeof backends[0])

const char *crrm_backend_names(void)
{
    static char names[128];
    if (names[0] == '\0') {
        for (size_t i = 0; i < BACKEND_COUNT; i++) {
            if (i > 0)
                strncat(names, ",", sizeof names - strlen(names) - 1);
            strncat(names, backends[i].name, sizeof names - strlen(names) - 1);
        }
    }
    return names;
}

crrm_backend *crrm_backend_open(const char *name,
                                const crrm_backend_options *options)
{
    crrm_backend_options defaults = {0};
    if (!options)
        options = &defaults;
    for (size_t i = 0; i < BACKEND_COUNT; i++)
        if (strcmp(name, backends[i].name) == 0)
            return backends[i].open(options);
    crrm_error("unknown backend '%s'; this build has: %s", name,
               crrm_backend_names());
    return NULL;
}

void crrm_backend_close(crrm_backend *be)
{
    if (be)
        be->ops->close(be);
}

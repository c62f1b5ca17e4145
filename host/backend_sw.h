#ifndef CRRM_BACKEND_SW_H
#define CRRM_BACKEND_SW_H

#include "backend.h"

crrm_backend *crrm_sw_backend_open(const crrm_backend_options *options);

#endif

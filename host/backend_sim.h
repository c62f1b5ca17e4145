/*
 * backend_sim.h - the sim backend: the RTL kernels of hw/rtl/ run cycle by
 * cycle in the Verilator model of sim/ (built when sim/sim.mk defines
 * CRRM_HAVE_SIM).
 */
#ifndef CRRM_BACKEND_SIM_H
#define CRRM_BACKEND_SIM_H

#include "backend.h"
#include "crrm_sim.h"

/* Opens the model with options->trace (FST path or NULL) and options->seed
 * (the seed of the random backpressure pattern). The environment can set
 * CRRM_SIM_LATENCY (cycles, default 16), CRRM_SIM_STALL (percent of cycles
 * a channel is held, default 0, so cycle counts show the design rather
 * than a memory model's stalls), CRRM_SIM_CYCLE_LIMIT and CRRM_SIM_LOG=1.
 * CRRM_SIM_PROFILE=FILE appends one CSV row per kernel run to FILE
 * (columns in backend_sim.c). */
crrm_backend *crrm_sim_backend_open(const crrm_backend_options *options);

/* Opens the model with every knob of crrm_sim_config (tests). */
crrm_backend *crrm_sim_backend_open_config(const crrm_sim_config *config);

/* Systolic array size of the model, read from its CONFIG register. */
void crrm_sim_backend_array(const crrm_backend *be, unsigned *p, unsigned *q);

/* Returns the bytes per AXI4 data beat of the model (DATA_W / 8), read
 * from its CONFIG register. */
unsigned crrm_sim_backend_beat_bytes(const crrm_backend *be);

#endif

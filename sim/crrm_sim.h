/*
 * crrm_sim.h - C interface of the Verilator model of hw/rtl/crrm_top.sv.
 *
 * The model runs the RTL kernel cycle by cycle behind a device-memory model
 * (AXI4 slave with a fixed latency and seeded random backpressure on every
 * channel: AR, R, AW, W, B). The host side drives the AXI4-Lite control port
 * the way XRT drives a card: write the arguments, set ap_start, poll for
 * ap_done. Functions that can fail return -1 and leave a message in
 * crrm_sim_error(); they never abort.
 */
#ifndef CRRM_SIM_H
#define CRRM_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Device addresses start here, above 4 GiB, so the high word of every
 * 64-bit pointer register is exercised. */
#define CRRM_SIM_DEV_BASE UINT64_C(0x100000000)

/* Register map of crrm_top (docs/rtl.md). */
enum {
    CRRM_REG_CTRL = 0x00,
    CRRM_REG_GIE = 0x04,
    CRRM_REG_IER = 0x08,
    CRRM_REG_ISR = 0x0C,
    CRRM_REG_MODE = 0x10,
    CRRM_REG_PTR0 = 0x18, /* PTRi at 0x18 + 8 i: low word, then high word */
    CRRM_REG_ARG0 = 0x40, /* ARGi at 0x40 + 4 i */
    CRRM_REG_STATUS = 0x60,
    CRRM_REG_BUSY = 0x80, /* 64-bit counters: low word, then high word */
    CRRM_REG_MACS = 0x88,
    CRRM_REG_HIST = 0x90,
    CRRM_REG_RD_BYTES = 0x98,
    CRRM_REG_WR_BYTES = 0xA0,
    CRRM_REG_STALLS = 0xA8,
    CRRM_REG_CONFIG = 0xF0
};

enum { CRRM_MODE_GEMM = 0, CRRM_MODE_FWD = 1, CRRM_MODE_HIST = 2 };

typedef struct crrm_sim_config {
    uint64_t seed;          /* backpressure pattern; 0 picks 1 */
    unsigned latency;       /* cycles from an accepted AR/last W to R/B */
    unsigned stall_percent; /* 0..90: chance a channel is held per cycle */
    const char *trace;      /* FST waveform path, or NULL */
    uint64_t cycle_limit;   /* per kernel run; 0 means 2^32 cycles */
    int random_reset;       /* 1: registers start random (needs the model
                               built with --x-initial unique) */
    uint32_t reset_seed;    /* seed of the random reset values */
    int log;                /* 1: print cycle-stamped lines to stderr */
} crrm_sim_config;

typedef struct crrm_sim crrm_sim;

crrm_sim *crrm_sim_open(const crrm_sim_config *config);
void crrm_sim_close(crrm_sim *sim);
const char *crrm_sim_error(void);

/* Device memory: a bump allocator of 4 KiB-aligned regions. */
int crrm_sim_alloc(crrm_sim *sim, size_t bytes, uint64_t *addr);
void crrm_sim_free_all(crrm_sim *sim);
int crrm_sim_mem_write(crrm_sim *sim, uint64_t addr, const void *src,
                       size_t bytes);
int crrm_sim_mem_read(crrm_sim *sim, uint64_t addr, void *dst, size_t bytes);

/* AXI4-Lite accesses; each takes a few clock cycles. */
int crrm_sim_reg_write(crrm_sim *sim, uint32_t offset, uint32_t value);
int crrm_sim_reg_read(crrm_sim *sim, uint32_t offset, uint32_t *value);

/* Sets ap_start and polls CTRL until ap_done. kernel names the run in
 * messages. Fails when the cycle limit passes or the memory model sees an
 * AXI rule broken. */
int crrm_sim_run(crrm_sim *sim, const char *kernel);

uint64_t crrm_sim_cycle(const crrm_sim *sim);
/* AXI4 bursts seen by the memory model since open (reads, writes). */
void crrm_sim_bursts(const crrm_sim *sim, uint64_t *reads, uint64_t *writes);

#ifdef __cplusplus
}
#endif

#endif

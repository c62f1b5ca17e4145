/*
 * energy.h - energy per training step, split by component, each figure
 * marked measured or estimated.
 *
 * The estimate multiplies the kernels' counters by per-event energies of
 * the modeled device (docs/energy.md has the table and its sources). A
 * measurement comes from the device's power sensors (xrt) or the CPU's
 * RAPL counters (sw), where they exist.
 */
#ifndef CRRM_ENERGY_H
#define CRRM_ENERGY_H

#include <stdint.h>

#include "backend.h"

/* Per-event energies of the modeled accelerator. */
typedef struct crrm_energy_model {
    const char *family;          /* device family the figures model */
    double mac_pj;               /* one int16 multiply-accumulate */
    double onchip_pj_per_byte;   /* tile buffer and bank access */
    double device_pj_per_byte;   /* device memory (DDR4 or HBM) */
    double transfer_pj_per_byte; /* host-to-device or device-to-host */
    double static_watts;         /* card power with the kernels idle */
    double clock_hz;             /* kernel clock for cycle-based time */
} crrm_energy_model;

/* The UltraScale+ model of docs/energy.md. */
void crrm_energy_model_default(crrm_energy_model *model);

enum { CRRM_ENERGY_MAC, CRRM_ENERGY_ONCHIP, CRRM_ENERGY_DEVICE,
       CRRM_ENERGY_TRANSFER, CRRM_ENERGY_STATIC, CRRM_ENERGY_PARTS };

extern const char *const crrm_energy_part_names[CRRM_ENERGY_PARTS];

typedef struct crrm_energy_report {
    double part_joules[CRRM_ENERGY_PARTS]; /* estimated, per step */
    double estimated_joules;    /* sum of the parts */
    double seconds;             /* time per step the static part uses */
    const char *time_source;    /* where seconds comes from */
    int measured;               /* 1: measured_joules is a reading */
    double measured_joules;     /* per step, from sensors */
    double idle_watts;          /* xrt: baseline before the run */
    const char *measured_source; /* what was read, or why nothing was */
} crrm_energy_report;

/* Sampler of measured energy over a run: RAPL on the CPU, or the backend's
 * power sensor sampled at start and stop. */
typedef struct crrm_energy_meter {
    int kind;            /* 0: none, 1: RAPL, 2: device power */
    uint64_t rapl_start_uj, rapl_range_uj;
    double idle_watts, sum_watts;
    int samples;
    double start_seconds;
    char reason[256];
} crrm_energy_meter;

/* Starts measuring: the device's power with its idle baseline read first
 * where the backend has a sensor; nothing for a simulated array; RAPL for
 * the CPU backends. */
void crrm_energy_meter_start(crrm_energy_meter *meter, crrm_backend *be);

/* Adds one power sample (device meters only); call during the run. */
void crrm_energy_meter_sample(crrm_energy_meter *meter, crrm_backend *be);

/* Stops and returns the measured joules over the run, or -1 with the
 * reason in meter->reason when nothing could be measured. */
double crrm_energy_meter_stop(crrm_energy_meter *meter, crrm_backend *be);

/*
 * Estimates the energy of one step from the counters of `steps` steps.
 * On-chip traffic is modeled as every byte loaded into a tile buffer and
 * written out of one, plus the operands the array reads from the tile
 * buffers: 2 bytes for each of P + Q operands per P x Q MACs (a 1 x 1
 * array is assumed for backends without one).
 */
void crrm_energy_estimate(const crrm_energy_model *model,
                          const crrm_counters *c, uint32_t array_rows,
                          uint32_t array_cols, uint64_t steps,
                          double wall_seconds, crrm_energy_report *report);

#endif

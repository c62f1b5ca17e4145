#include "energy.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *const crrm_energy_part_names[CRRM_ENERGY_PARTS] = {
    "mac", "onchip", "device_memory", "transfer", "static",
};

void crrm_energy_model_default(crrm_energy_model *model)
{
    /* Derivations and sources are in docs/energy.md. In short: 45 nm ASIC
     * figures (Horowitz, ISSCC 2014) times the FPGA/ASIC dynamic power
     * ratio of 14 (Kuon and Rose, 2007) for on-chip events; DRAM as is. */
    *model = (crrm_energy_model){
        .family = "UltraScale+ (estimated)",
        .mac_pj = 13.3,
        .onchip_pj_per_byte = 17.5,
        .device_pj_per_byte = 244.0,
        .transfer_pj_per_byte = 488.0,
        .static_watts = 25.0,
        .clock_hz = 300e6,
    };
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int read_u64(const char *path, uint64_t *value)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned long long v;
    int ok = fscanf(f, "%llu", &v) == 1;
    fclose(f);
    if (!ok)
        return -1;
    *value = v;
    return 0;
}

#define RAPL_ROOT "/sys/class/powercap"

/* Sums energy_uj (and the wrap ranges) of the package domains
 * intel-rapl:N, the kernel's name for them on Intel and AMD CPUs alike. */
static int read_rapl(uint64_t *energy_uj, uint64_t *range_uj, char *reason,
                     size_t size)
{
    DIR *dir = opendir(RAPL_ROOT);
    if (!dir) {
        snprintf(reason, size, "RAPL is not exposed on this machine (%s: %s)",
                 RAPL_ROOT, strerror(errno));
        return -1;
    }
    *energy_uj = *range_uj = 0;
    int packages = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        const char *name = entry->d_name;
        /* Package domains only: "intel-rapl:0", not "intel-rapl:0:0". */
        if (strncmp(name, "intel-rapl:", 11) != 0 || strchr(name + 11, ':'))
            continue;
        char path[512];
        uint64_t e, r;
        snprintf(path, sizeof path, RAPL_ROOT "/%s/energy_uj", name);
        if (read_u64(path, &e) != 0) {
            snprintf(reason, size, "cannot read %.200s (RAPL needs root "
                     "on recent kernels)", path);
            closedir(dir);
            return -1;
        }
        snprintf(path, sizeof path, RAPL_ROOT "/%s/max_energy_range_uj", name);
        if (read_u64(path, &r) != 0)
            r = 0;
        *energy_uj += e;
        *range_uj += r;
        packages++;
    }
    closedir(dir);
    if (packages == 0) {
        snprintf(reason, size, "RAPL is not exposed on this machine (no "
                 "intel-rapl package domain under %s)", RAPL_ROOT);
        return -1;
    }
    return 0;
}

void crrm_energy_meter_start(crrm_energy_meter *meter, crrm_backend *be)
{
    memset(meter, 0, sizeof *meter);
    meter->start_seconds = now_seconds();
    if (be->ops->read_power) {
        double watts;
        if (be->ops->read_power(be, &watts) == 0) {
            meter->kind = 2;
            meter->idle_watts = watts;
            return;
        }
        snprintf(meter->reason, sizeof meter->reason,
                 "the %s backend's power sensor could not be read",
                 be->ops->name);
        return;
    }
    if (be->array_rows) {
        snprintf(meter->reason, sizeof meter->reason,
                 "the %s backend simulates the device, so there is no power to "
                 "measure", be->ops->name);
        return;
    }
    if (read_rapl(&meter->rapl_start_uj, &meter->rapl_range_uj, meter->reason,
                  sizeof meter->reason) == 0)
        meter->kind = 1;
}

void crrm_energy_meter_sample(crrm_energy_meter *meter, crrm_backend *be)
{
    double watts;
    if (meter->kind == 2 && be->ops->read_power(be, &watts) == 0) {
        meter->sum_watts += watts;
        meter->samples++;
    }
}

double crrm_energy_meter_stop(crrm_energy_meter *meter, crrm_backend *be)
{
    double seconds = now_seconds() - meter->start_seconds;
    if (meter->kind == 1) {
        uint64_t end, range;
        if (read_rapl(&end, &range, meter->reason, sizeof meter->reason) != 0)
            return -1.0;
        uint64_t used = end >= meter->rapl_start_uj
                            ? end - meter->rapl_start_uj
                            : end + meter->rapl_range_uj - meter->rapl_start_uj;
        snprintf(meter->reason, sizeof meter->reason,
                 "RAPL package energy over %.1f s (whole CPU, every process)",
                 seconds);
        return used * 1e-6;
    }
    if (meter->kind == 2) {
        crrm_energy_meter_sample(meter, be);
        if (meter->samples == 0) {
            snprintf(meter->reason, sizeof meter->reason,
                     "no power sample could be read during the run");
            return -1.0;
        }
        double mean = meter->sum_watts / meter->samples;
        snprintf(meter->reason, sizeof meter->reason,
                 "card power, mean of %d samples over %.1f s minus the idle "
                 "%.1f W; sensors update about once a second", meter->samples,
                 seconds, meter->idle_watts);
        return (mean - meter->idle_watts) * seconds;
    }
    return -1.0;
}

void crrm_energy_estimate(const crrm_energy_model *model,
                          const crrm_counters *c, uint32_t array_rows,
                          uint32_t array_cols, uint64_t steps,
                          double wall_seconds, crrm_energy_report *report)
{
    memset(report, 0, sizeof *report);
    double per = steps ? 1.0 / (double)steps : 0.0;
    double p = array_rows ? array_rows : 1, q = array_cols ? array_cols : 1;
    double macs = (double)c->macs;

    /* Device memory: what the kernels read and wrote where the device
     * counts it, else every transferred byte once. */
    double device_bytes = (double)(c->bytes_read + c->bytes_written);
    if (device_bytes == 0.0)
        device_bytes = (double)(c->bytes_to_device + c->bytes_from_device);
    double operand_bytes = 2.0 * macs * (1.0 / p + 1.0 / q);
    double transfer_bytes = (double)(c->bytes_to_device + c->bytes_from_device);

    report->part_joules[CRRM_ENERGY_MAC] = macs * model->mac_pj * 1e-12 * per;
    report->part_joules[CRRM_ENERGY_ONCHIP] =
        (device_bytes + operand_bytes) * model->onchip_pj_per_byte * 1e-12 * per;
    report->part_joules[CRRM_ENERGY_DEVICE] =
        device_bytes * model->device_pj_per_byte * 1e-12 * per;
    report->part_joules[CRRM_ENERGY_TRANSFER] =
        transfer_bytes * model->transfer_pj_per_byte * 1e-12 * per;
    if (c->busy_cycles) {
        report->seconds = (double)c->busy_cycles / model->clock_hz * per;
        report->time_source = "estimated from device busy cycles at the kernel clock";
        report->part_joules[CRRM_ENERGY_STATIC] =
            model->static_watts * report->seconds;
    } else {
        /* Without device cycles there is no device time to charge static
         * power for, because the wall clock of a CPU backend does not tell
         * how long a card would take. */
        report->seconds = wall_seconds * per;
        report->time_source = "not estimated: the backend has no device clock";
    }
    for (int i = 0; i < CRRM_ENERGY_PARTS; i++)
        report->estimated_joules += report->part_joules[i];
}

/*
 * test_energy.c - the energy model's arithmetic, the labels of measured
 * and estimated figures, and the `crrm energy` command.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "backend.h"
#include "energy.h"

#include "run_command.h"

static void expect_close(double actual, double expected, const char *what)
{
    cr_assert(fabs(actual - expected) <= 1e-9 * fabs(expected) + 1e-18,
              "%s: %.9e J, expected %.9e J", what, actual, expected);
}

Test(energy, estimate_from_counters)
{
    crrm_energy_model model = {.family = "test", .mac_pj = 10.0,
                               .onchip_pj_per_byte = 2.0,
                               .device_pj_per_byte = 100.0,
                               .transfer_pj_per_byte = 300.0,
                               .static_watts = 20.0, .clock_hz = 100e6};
    crrm_counters c = {.macs = 1600, .bytes_to_device = 1000,
                       .bytes_from_device = 500, .bytes_read = 4000,
                       .bytes_written = 2000, .busy_cycles = 1000000};
    crrm_energy_report e;
    crrm_energy_estimate(&model, &c, 4, 4, 2, 99.0, &e);

    /* Two steps: every figure is half of the totals. */
    expect_close(e.part_joules[CRRM_ENERGY_MAC], 1600 * 10e-12 / 2, "mac");
    /* On chip: 6000 device bytes + 2 * 1600 * (1/4 + 1/4) operand bytes. */
    expect_close(e.part_joules[CRRM_ENERGY_ONCHIP], (6000 + 1600) * 2e-12 / 2,
                 "onchip");
    expect_close(e.part_joules[CRRM_ENERGY_DEVICE], 6000 * 100e-12 / 2,
                 "device memory");
    expect_close(e.part_joules[CRRM_ENERGY_TRANSFER], 1500 * 300e-12 / 2,
                 "transfer");
    /* 1e6 cycles at 100 MHz = 10 ms, 5 ms per step, at 20 W. */
    expect_close(e.seconds, 5e-3, "seconds per step");
    expect_close(e.part_joules[CRRM_ENERGY_STATIC], 20.0 * 5e-3, "static");
    double sum = 0.0;
    for (int i = 0; i < CRRM_ENERGY_PARTS; i++)
        sum += e.part_joules[i];
    expect_close(e.estimated_joules, sum, "total");
}

Test(energy, no_static_estimate_without_cycles)
{
    crrm_energy_model model;
    crrm_energy_model_default(&model);
    crrm_counters c = {.macs = 100, .bytes_to_device = 10};
    crrm_energy_report e;
    crrm_energy_estimate(&model, &c, 0, 0, 1, 3.0, &e);
    cr_assert_eq(e.part_joules[CRRM_ENERGY_STATIC], 0.0,
                 "static power charged over a CPU's wall clock");
    cr_assert_not_null(strstr(e.time_source, "not estimated"), "label: %s",
                       e.time_source);
    /* Without device counters the transferred bytes stand for device
     * memory traffic. */
    expect_close(e.part_joules[CRRM_ENERGY_DEVICE],
                 10 * model.device_pj_per_byte * 1e-12, "device memory");
}

Test(energy, meter_says_why_nothing_was_measured)
{
    crrm_backend *be = crrm_backend_open("sw", NULL);
    cr_assert_not_null(be, "%s", "sw backend");
    crrm_energy_meter meter;
    crrm_energy_meter_start(&meter, be);
    double joules = crrm_energy_meter_stop(&meter, be);
    /* Either RAPL is exposed and read, or the reason names RAPL. */
    cr_assert_not_null(strstr(meter.reason, "RAPL"), "reason: %s", meter.reason);
    if (joules < 0.0)
        cr_assert_not_null(strstr(meter.reason, "not"), "reason: %s",
                           meter.reason);
    crrm_backend_close(be);
}


Test(energy, command_writes_labeled_json)
{
    char out[8192];
    cr_assert_eq(run("./build/crrm energy --data synthetic --steps 2 --hidden 32 "
                     "--rank 4 --rank2 4 --json /tmp/crrm-energy-test.json",
                     out, sizeof out), 0, "energy failed:\n%s", out);
    cr_assert_not_null(strstr(out, "estimated"), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "measured"), "output:\n%s", out);
    run("cat /tmp/crrm-energy-test.json", out, sizeof out);
    const char *fields[] = {"\"mac_joules\":", "\"onchip_joules\":",
                            "\"device_memory_joules\":", "\"transfer_joules\":",
                            "\"static_joules\":", "\"parts_are\": \"estimated\"",
                            "\"measured_joules\":", "\"measured_source\":"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        cr_assert_not_null(strstr(out, fields[i]), "JSON lacks %s:\n%s",
                           fields[i], out);
    remove("/tmp/crrm-energy-test.json");
}

#ifdef CRRM_HAVE_SIM
Test(energy, sim_charges_static_power_by_cycles, .timeout = 120)
{
    char out[8192];
    cr_assert_eq(run("./build/crrm energy --backend sim --data synthetic "
                     "--steps 2 --hidden 32 --rank 4 --rank2 4 --batch 32",
                     out, sizeof out), 0, "energy failed:\n%s", out);
    cr_assert_not_null(strstr(out, "estimated from device busy cycles"),
                       "output:\n%s", out);
    cr_assert_not_null(strstr(out, "no power to measure"), "output:\n%s", out);
}
#endif

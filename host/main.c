/*
 * main.c - the `crrm` command line: train, eval and check.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "check.h"
#include "cli.h"
#include "crrm_kernels.h"
#include "data.h"
#include "energy.h"
#include "error.h"
#include "model_io.h"
#include "output_path.h"
#include "train.h"

#define CRRM_VERSION "0.1.0"

/* Options shared by train, eval and check. */
typedef struct command_options {
    crrm_train_options train;
    const char *backend;
    const char *backends; /* check: comma-separated list */
    const char *data;
    const char *json;
    crrm_backend_options device;
} command_options;

enum {
    OPT_BACKEND = 256, OPT_DATA, OPT_EPOCHS, OPT_STEPS, OPT_BATCH, OPT_RANK,
    OPT_RANK2, OPT_HIDDEN, OPT_BETA, OPT_BINS, OPT_LR, OPT_SEED, OPT_DENSE,
    OPT_SAVE, OPT_LOAD, OPT_JSON, OPT_LOG, OPT_OPTIMIZER, OPT_NO_COSINE,
    OPT_BACKENDS, OPT_PLATFORM, OPT_DEVICE, OPT_XCLBIN, OPT_TRACE, OPT_QUIET,
    OPT_NO_EVAL, OPT_HELP,
};

static const struct option long_options[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"backends", required_argument, NULL, OPT_BACKENDS},
    {"data", required_argument, NULL, OPT_DATA},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"steps", required_argument, NULL, OPT_STEPS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"rank", required_argument, NULL, OPT_RANK},
    {"rank2", required_argument, NULL, OPT_RANK2},
    {"hidden", required_argument, NULL, OPT_HIDDEN},
    {"beta", required_argument, NULL, OPT_BETA},
    {"bins", required_argument, NULL, OPT_BINS},
    {"lr", required_argument, NULL, OPT_LR},
    {"optimizer", required_argument, NULL, OPT_OPTIMIZER},
    {"no-cosine", no_argument, NULL, OPT_NO_COSINE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"dense", no_argument, NULL, OPT_DENSE},
    {"save", required_argument, NULL, OPT_SAVE},
    {"load", required_argument, NULL, OPT_LOAD},
    {"json", required_argument, NULL, OPT_JSON},
    {"log", required_argument, NULL, OPT_LOG},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"xclbin", required_argument, NULL, OPT_XCLBIN},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"no-eval", no_argument, NULL, OPT_NO_EVAL},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void usage_main(FILE *out)
{
    fprintf(out,
            "usage: crrm COMMAND [options]\n"
            "\n"
            "Trains low-rank networks with Compression Regularized Risk\n"
            "Minimization (cross-entropy + beta * MI term) on an accelerator.\n"
            "\n"
            "commands:\n"
            "  train   train a model (crrm train --help)\n"
            "  eval    evaluate a saved model on the test set\n"
            "  check   run the same steps on several backends, compare bits\n"
            "  energy  energy per training step, by component\n"
            "\n"
            "backends in this build: %s\n",
            crrm_backend_names());
}

static void usage_train_options(FILE *out)
{
    fprintf(out,
            "  --backend NAME   accelerator backend (%s; default sw)\n"
            "  --data DIR       MNIST-layout IDX directory, or 'synthetic'\n"
            "                   (default %s)\n"
            "  --epochs N       passes over the training set (default 15)\n"
            "  --steps N        stop after N steps in all (default: no limit)\n"
            "  --batch N        samples per step (default 128)\n"
            "  --hidden H       width of the hidden layer (default 256)\n"
            "  --rank R         rank of layer 1 (default 32)\n"
            "  --rank2 R        rank of layer 2 (default 8)\n"
            "  --dense          full-rank layers of the same widths instead\n"
            "  --beta B         weight of the MI term per bit (default 0.001)\n"
            "  --bins N         histogram bins, a power of two 2..%u (default 32)\n"
            "  --lr X           learning rate (default 0.002)\n"
            "  --optimizer O    adam or sgd (momentum 0.9) (default adam)\n"
            "  --no-cosine      keep the learning rate constant\n"
            "  --seed S         seed of initialization, shuffles and rounding\n"
            "                   (default 1)\n"
            "  --save FILE      write a checkpoint at each epoch end\n"
            "  --load FILE      resume from a checkpoint\n"
            "  --json FILE      write a JSON summary of the run\n"
            "  --log FILE.csv   write one CSV row per step, and one per epoch\n"
            "                   with test metrics to FILE-epochs.csv\n"
            "  --quiet          no per-epoch lines\n"
            "  --no-eval        skip the test-set evaluations (timing runs)\n",
            crrm_backend_names(), CRRM_DEFAULT_DATA_DIR,
            1u << CRRM_MAX_BINS_LOG2);
    fprintf(out,
            "  --platform NAME  opencl: platform name substring\n"
            "  --device N|BDF   opencl, xrt: device index (default 0); xrt also\n"
            "                   takes a PCIe address such as 0000:3b:00.1\n"
            "  --xclbin FILE    xrt: the kernels built by Vitis\n"
            "  --trace FILE     sim: write an FST waveform\n");
}

static int parse_options(int argc, char **argv, command_options *o)
{
    crrm_train_defaults(&o->train);
    o->train.progress = isatty(STDERR_FILENO);
    o->backend = "sw";
    optind = 1;
    int c;
    opterr = 0; /* this function prints its own messages */
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        crrm_train_options *t = &o->train;
        int status = 0;
        switch (c) {
        case OPT_BACKEND: o->backend = optarg; break;
        case OPT_BACKENDS: o->backends = optarg; break;
        case OPT_DATA: o->data = optarg; break;
        case OPT_EPOCHS:
            status = crrm_parse_u32("--epochs", optarg, 1, 100000, &t->epochs);
            break;
        case OPT_STEPS:
            status = crrm_parse_u64("--steps", optarg, 1, UINT64_MAX / 2, &t->steps);
            break;
        case OPT_BATCH:
            t->given |= CRRM_GIVEN_BATCH;
            status = crrm_parse_u32("--batch", optarg, 1, CRRM_MAX_K, &t->batch);
            break;
        case OPT_HIDDEN:
            t->given |= CRRM_GIVEN_HIDDEN;
            status = crrm_parse_u32("--hidden", optarg, 1, 65536, &t->hidden);
            break;
        case OPT_RANK:
            t->given |= CRRM_GIVEN_RANK;
            status = crrm_parse_u32("--rank", optarg, 1, CRRM_MAX_RANK, &t->rank);
            break;
        case OPT_RANK2:
            t->given |= CRRM_GIVEN_RANK2;
            status = crrm_parse_u32("--rank2", optarg, 1, CRRM_MAX_RANK, &t->rank2);
            break;
        case OPT_BINS:
            t->given |= CRRM_GIVEN_BINS;
            status = crrm_parse_u32("--bins", optarg, 2, 1u << CRRM_MAX_BINS_LOG2,
                                    &t->bins);
            break;
        case OPT_BETA:
            status = crrm_parse_double("--beta", optarg, 0.0, 1e6, &t->beta);
            break;
        case OPT_LR:
            status = crrm_parse_double("--lr", optarg, 1e-12, 100.0, &t->lr);
            break;
        case OPT_OPTIMIZER:
            t->given |= CRRM_GIVEN_OPTIMIZER;
            if (strcmp(optarg, "adam") == 0)
                t->optimizer = CRRM_ADAM;
            else if (strcmp(optarg, "sgd") == 0)
                t->optimizer = CRRM_SGD;
            else
                status = crrm_error("--optimizer: '%s' is not adam or sgd", optarg);
            break;
        case OPT_NO_COSINE: t->cosine = 0; break;
        case OPT_SEED:
            t->given |= CRRM_GIVEN_SEED;
            status = crrm_parse_u64("--seed", optarg, 0, UINT64_MAX, &t->seed);
            break;
        case OPT_DENSE:
            t->dense = 1;
            t->given |= CRRM_GIVEN_DENSE;
            break;
        case OPT_SAVE: t->save = optarg; break;
        case OPT_LOAD: t->load = optarg; break;
        case OPT_JSON: o->json = optarg; break;
        case OPT_LOG: t->log = optarg; break;
        case OPT_PLATFORM: o->device.platform = optarg; break;
        case OPT_DEVICE: {
            /* A PCIe address (xrt) has colons; anything else is an index. */
            if (strchr(optarg, ':')) {
                o->device.device_bdf = optarg;
                break;
            }
            uint32_t d;
            status = crrm_parse_u32("--device", optarg, 0, 255, &d);
            o->device.device = (int)d;
            break;
        }
        case OPT_XCLBIN: o->device.xclbin = optarg; break;
        case OPT_TRACE: o->device.trace = optarg; break;
        case OPT_QUIET: t->quiet = 1; t->progress = 0; break;
        case OPT_NO_EVAL: t->evaluate = 0; break;
        case 'h':
        case OPT_HELP: return 1;
        case ':':
            return crrm_error("option %s needs a value; see --help",
                              argv[optind - 1]);
        default:
            return crrm_error("unknown option '%s'; see --help",
                              argv[optind - 1]);
        }
        if (status)
            return -1;
    }
    if (optind < argc)
        return crrm_error("unexpected argument '%s'; see --help", argv[optind]);
    o->device.seed = o->train.seed;
    return 0;
}

/* Rejects, before any work, outputs that could only fail at the end. */
static int check_outputs(const command_options *o)
{
    if (o->json && crrm_output_check("--json", o->json))
        return -1;
    if (o->train.save && crrm_output_check("--save", o->train.save))
        return -1;
    if (o->device.trace && strcmp(o->backend, "sim") != 0)
        return crrm_error("--trace writes a waveform of the RTL, so it needs "
                          "--backend sim (not %s)", o->backend);
    return 0;
}

static int fail(const char *command)
{
    fprintf(stderr, "crrm %s: error: %s\n", command, crrm_last_error());
    return 1;
}

static int command_train(int argc, char **argv)
{
    command_options o = {0};
    int parsed = parse_options(argc, argv, &o);
    if (parsed == 1) {
        printf("usage: crrm train [options]\n\n"
               "Trains the model with the CRRM loss and prints one line per\n"
               "epoch (loss, cross-entropy, MI term, I(T;Y), test accuracy).\n\n");
        usage_train_options(stdout);
        return 0;
    }
    if (parsed || check_outputs(&o))
        return fail("train");

    crrm_data data;
    if (crrm_data_load(o.data, o.train.seed, &data))
        return fail("train");
    crrm_backend *be = crrm_backend_open(o.backend, &o.device);
    if (!be) {
        crrm_data_free(&data);
        return fail("train");
    }
    if (!o.train.quiet)
        printf("crrm: backend %s, data %s (%u train, %u test), %s model\n",
               o.backend, data.source, data.train.count, data.test.count,
               o.train.dense ? "dense" : "low-rank");

    crrm_model m;
    crrm_train_result r;
    int status = crrm_train(&o.train, &data, be, &m, &r);
    if (status == 0) {
        if (!o.train.quiet)
            printf("crrm: %" PRIu64 " steps in %.1f s (%.2f ms per step; "
                   "%" PRIu64 " steps in all), %zu parameters (dense %zu, "
                   "%.2fx fewer), weights %s\n",
                   r.steps_run, r.seconds, 1e3 * r.step_seconds, r.steps,
                   r.params, r.dense_params, (double)r.dense_params / r.params,
                   r.weights_sha256);
        if (o.json)
            status = crrm_write_summary(o.json, be, &r, &o.train);
        crrm_model_free(&m);
    }
    crrm_backend_close(be);
    crrm_data_free(&data);
    return status ? fail("train") : 0;
}

static int command_eval(int argc, char **argv)
{
    command_options o = {0};
    int parsed = parse_options(argc, argv, &o);
    if (parsed == 1) {
        printf("usage: crrm eval --load FILE [--data DIR] [--backend NAME] "
               "[--json FILE]\n\n"
               "Evaluates a checkpoint on the test set: accuracy, "
               "cross-entropy,\nMI term and I(T;Y).\n");
        return 0;
    }
    if (parsed || check_outputs(&o))
        return fail("eval");
    if (!o.train.load) {
        crrm_error("--load FILE is required: the checkpoint to evaluate");
        return fail("eval");
    }

    crrm_data data;
    if (crrm_data_load(o.data, o.train.seed, &data))
        return fail("eval");
    crrm_backend *be = crrm_backend_open(o.backend, &o.device);
    if (!be) {
        crrm_data_free(&data);
        return fail("eval");
    }
    /* Evaluating is training for zero further steps from the checkpoint. */
    o.train.steps = 0;
    o.train.epochs = 0;
    o.train.quiet = 1;
    crrm_model m;
    crrm_train_result r;
    int status = crrm_train(&o.train, &data, be, &m, &r);
    if (status == 0) {
        status = crrm_model_evaluate(&m, be, data.test.pixels, data.test.labels,
                                     data.test.count, &r.test);
        r.evaluated = status == 0;
    }
    if (status == 0) {
        const crrm_pass_stats *t = &r.test;
        printf("test accuracy %.2f%%  ce %.4f  mi %.2f bits  I(T;Y) %.3f bits  "
               "(%u samples, %s)\n",
               100.0 * t->correct / t->rows, t->ce,
               t->h_bits[0] + t->h_bits[1],
               t->ity_bits[0] > t->ity_bits[1] ? t->ity_bits[0] : t->ity_bits[1],
               t->rows, r.cfg.dense ? "dense" : "low-rank");
        if (o.json)
            status = crrm_write_summary(o.json, be, &r, &o.train);
        crrm_model_free(&m);
    }
    crrm_backend_close(be);
    crrm_data_free(&data);
    return status ? fail("eval") : 0;
}

static int command_check(int argc, char **argv)
{
    command_options o = {0};
    int parsed = parse_options(argc, argv, &o);
    if (parsed == 1) {
        printf("usage: crrm check --backends A,B[,...] [--steps N] "
               "[train options]\n\n"
               "Runs N training steps (default 4) on each backend, compares\n"
               "every kernel output and the final weights bit for bit, and\n"
               "exits with status 3 naming the first difference. It writes\n"
               "no files: --load, --save, --log and --json are rejected.\n"
               "Of the train options below it uses the model, data and\n"
               "device ones; --steps defaults to 4 here.\n\n");
        usage_train_options(stdout);
        return 0;
    }
    if (parsed)
        return fail("check");
    if (!o.backends) {
        crrm_error("--backends A,B is required, e.g. --backends sw,sim");
        return fail("check");
    }
    if (o.train.load || o.train.save || o.train.log || o.json)
        return crrm_error("check compares fresh runs and writes no files; "
                          "drop --load, --save, --log and --json"),
               fail("check");
    if (o.train.steps == 0)
        o.train.steps = 4;
    o.train.progress = 0;
    o.train.quiet = 1;

    crrm_data data;
    if (crrm_data_load(o.data, o.train.seed, &data))
        return fail("check");
    int status = crrm_check(o.backends, &o.device, &o.train, &data);
    crrm_data_free(&data);
    if (status < 0)
        return fail("check");
    return status;
}

/* Samples the device's power at most every half second during a run. */
typedef struct power_sampler {
    crrm_energy_meter *meter;
    crrm_backend *be;
    double last;
} power_sampler;

static void sample_power(void *context)
{
    power_sampler *ps = context;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
    if (now - ps->last >= 0.5) {
        crrm_energy_meter_sample(ps->meter, ps->be);
        ps->last = now;
    }
}

static int write_energy_json(const char *path, const crrm_backend *be,
                             const crrm_energy_model *model,
                             const crrm_energy_report *e, uint64_t steps)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return crrm_error("%s: cannot write the energy summary: %s", path,
                          strerror(errno));
    fprintf(f, "{\n  \"backend\": \"%s\",\n  \"steps\": %" PRIu64 ",\n",
            be->ops->name, steps);
    fprintf(f, "  \"model\": \"%s\",\n", model->family);
    for (int i = 0; i < CRRM_ENERGY_PARTS; i++)
        fprintf(f, "  \"%s_joules\": %.6e,\n", crrm_energy_part_names[i],
                e->part_joules[i]);
    fprintf(f, "  \"parts_are\": \"estimated\",\n");
    fprintf(f, "  \"estimated_joules\": %.6e,\n", e->estimated_joules);
    fprintf(f, "  \"seconds_per_step\": %.6e,\n", e->seconds);
    fprintf(f, "  \"time_source\": \"%s\",\n", e->time_source);
    if (e->measured)
        fprintf(f, "  \"measured_joules\": %.6e,\n", e->measured_joules);
    else
        fprintf(f, "  \"measured_joules\": null,\n");
    fprintf(f, "  \"measured_source\": \"%s\"\n}\n", e->measured_source);
    if (fclose(f) != 0)
        return crrm_error("%s: writing the energy summary failed: %s", path,
                          strerror(errno));
    return 0;
}

static int command_energy(int argc, char **argv)
{
    command_options o = {0};
    int parsed = parse_options(argc, argv, &o);
    if (parsed == 1) {
        printf("usage: crrm energy [--backend NAME] [--steps N] [--json FILE] "
               "[train options]\n\n"
               "Trains N steps (default 5) without evaluations and reports the\n"
               "energy per training step: MAC operations, on-chip memory,\n"
               "device memory, host-device transfer and static power, each\n"
               "estimated from the kernels' counters (docs/energy.md), plus\n"
               "a measurement where the backend has sensors (xrt: card power)\n"
               "or the CPU exposes RAPL (sw, opencl).\n\n");
        usage_train_options(stdout);
        return 0;
    }
    if (parsed || check_outputs(&o))
        return fail("energy");
    if (o.train.steps == 0)
        o.train.steps = 5;
    o.train.evaluate = 0;
    o.train.quiet = 1;

    crrm_data data;
    if (crrm_data_load(o.data, o.train.seed, &data))
        return fail("energy");
    crrm_backend *be = crrm_backend_open(o.backend, &o.device);
    if (!be) {
        crrm_data_free(&data);
        return fail("energy");
    }

    crrm_energy_meter meter;
    crrm_energy_meter_start(&meter, be);
    power_sampler sampler = {.meter = &meter, .be = be};
    o.train.on_step = sample_power;
    o.train.on_step_context = &sampler;
    crrm_model m;
    crrm_train_result r;
    int status = crrm_train(&o.train, &data, be, &m, &r);
    if (status == 0) {
        double measured = crrm_energy_meter_stop(&meter, be);
        crrm_energy_model model;
        crrm_energy_model_default(&model);
        crrm_energy_report e;
        crrm_energy_estimate(&model, &be->counters, be->array_rows,
                             be->array_cols, r.steps_run, r.seconds, &e);
        e.measured = measured >= 0.0;
        e.measured_joules = e.measured ? measured / (double)r.steps_run : 0.0;
        e.measured_source = meter.reason;

        printf("energy per training step, backend %s, %" PRIu64 " steps, "
               "model %s\n", be->ops->name, r.steps_run, model.family);
        for (int i = 0; i < CRRM_ENERGY_STATIC; i++)
            printf("  %-14s %12.4e J  estimated\n", crrm_energy_part_names[i],
                   e.part_joules[i]);
        printf("  %-14s %12.4e J  %s\n", "static",
               e.part_joules[CRRM_ENERGY_STATIC], e.time_source);
        printf("  %-14s %12.4e J  estimated\n", "total", e.estimated_joules);
        if (e.measured)
            printf("  %-14s %12.4e J  measured: %s\n", "measured",
                   e.measured_joules, meter.reason);
        else
            printf("  measured: none: %s\n", meter.reason);
        if (o.json)
            status = write_energy_json(o.json, be, &model, &e, r.steps_run);
        crrm_model_free(&m);
    }
    crrm_backend_close(be);
    crrm_data_free(&data);
    return status ? fail("energy") : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        usage_main(stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        printf("crrm %s\n", CRRM_VERSION);
        return 0;
    }
    if (strcmp(command, "train") == 0)
        return command_train(argc - 1, argv + 1);
    if (strcmp(command, "eval") == 0)
        return command_eval(argc - 1, argv + 1);
    if (strcmp(command, "check") == 0)
        return command_check(argc - 1, argv + 1);
    if (strcmp(command, "energy") == 0)
        return command_energy(argc - 1, argv + 1);
    fprintf(stderr, "crrm: unknown command '%s'\n\n", command);
    usage_main(stderr);
    return 2;
}

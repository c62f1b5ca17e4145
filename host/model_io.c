#include "model_io.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "error.h"

static void put_floats(uint8_t *out, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        for (int b = 0; b < 4; b++)
            out[4 * i + b] = (uint8_t)(bits >> (8 * b));
    }
}

static void get_floats(float *x, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = 0;
        for (int b = 0; b < 4; b++)
            bits |= (uint32_t)in[4 * i + b] << (8 * b);
        memcpy(&x[i], &bits, sizeof bits);
    }
}

int crrm_model_save(const char *path, const crrm_model *m,
                    const crrm_optimizer *opt, const crrm_progress *progress)
{
    const crrm_config *c = &m->cfg;
    char header[1024];
    snprintf(header, sizeof header,
             "format=crrm-model\nin=%u\nhidden=%u\nrank=%u\nrank2=%u\n"
             "classes=%u\ndense=%d\nbins_log2=%u\nrange_log2=%u\n"
             "t_shift1=%d\nt_shift2=%d\nparams=%zu\noptimizer=%s\n"
             "opt_t=%" PRIu64 "\nstep=%" PRIu64 "\nepoch=%u\nseed=%" PRIu64 "\n"
             "batch=%u\n",
             c->in, c->hidden, c->rank, c->rank2, c->classes, c->dense,
             c->bins_log2, c->range_log2, m->layer[0].t_shift,
             m->layer[1].t_shift, m->count,
             opt->kind == CRRM_ADAM ? "adam" : "sgd", opt->t, progress->step,
             progress->epoch, progress->seed, progress->batch);

    size_t arrays = opt->kind == CRRM_ADAM ? 3 : 2;
    uint64_t bytes = (uint64_t)arrays * m->count * 4;
    uint8_t *payload = malloc(bytes);
    if (!payload)
        return crrm_error("%s: out of memory serializing the model", path);
    put_floats(payload, m->params, m->count);
    put_floats(payload + 4 * m->count, opt->m, m->count);
    if (opt->kind == CRRM_ADAM)
        put_floats(payload + 8 * m->count, opt->v, m->count);
    int status = crrm_checkpoint_save(path, header, payload, bytes);
    free(payload);
    return status;
}

/* Finds "key=" at a line start in header and parses its integer value. */
static int header_int(const char *path, const char *header, const char *key,
                      long long *value)
{
    size_t len = strlen(key);
    for (const char *line = header; line && *line;) {
        if (strncmp(line, key, len) == 0 && line[len] == '=') {
            char *end;
            *value = strtoll(line + len + 1, &end, 10);
            if (end == line + len + 1 || (*end != '\n' && *end != '\0'))
                return crrm_error("%s: checkpoint field %s has no integer value",
                                  path, key);
            return 0;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return crrm_error("%s: checkpoint has no field %s; it was not written by "
                      "this version of crrm",
                      path, key);
}

int crrm_model_load(const char *path, crrm_model *m, crrm_optimizer *opt,
                    crrm_progress *progress)
{
    char *header = NULL;
    void *payload = NULL;
    uint64_t bytes = 0;
    if (crrm_checkpoint_load(path, &header, &payload, &bytes))
        return -1;

    int status = -1;
    long long v[16];
    const char *keys[] = {"in", "hidden", "rank", "rank2", "classes", "dense",
                          "bins_log2", "range_log2", "t_shift1", "t_shift2",
                          "params", "opt_t", "step", "epoch", "seed",
                          "batch"};
    if (strncmp(header, "format=crrm-model\n", 18) != 0) {
        crrm_error("%s: checkpoint does not hold a crrm model", path);
        goto done;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (header_int(path, header, keys[i], &v[i]))
            goto done;
    int adam = strstr(header, "\noptimizer=adam\n") != NULL;
    if (!adam && !strstr(header, "\noptimizer=sgd\n")) {
        crrm_error("%s: checkpoint names an unknown optimizer", path);
        goto done;
    }

    crrm_config cfg = {.in = (uint32_t)v[0], .hidden = (uint32_t)v[1],
                       .rank = (uint32_t)v[2], .rank2 = (uint32_t)v[3],
                       .classes = (uint32_t)v[4], .dense = (int)v[5],
                       .bins_log2 = (uint32_t)v[6],
                       .range_log2 = (uint32_t)v[7]};
    if (crrm_model_init(m, &cfg, 0)) {
        crrm_error("%s: invalid model shape in checkpoint: %s", path,
                   crrm_last_error());
        goto done;
    }
    size_t arrays = adam ? 3 : 2;
    if ((long long)m->count != v[10] || bytes != (uint64_t)arrays * m->count * 4) {
        crrm_error("%s: checkpoint holds %llu payload bytes but its shape needs "
                   "%zu parameters",
                   path, (unsigned long long)bytes, m->count);
        crrm_model_free(m);
        goto done;
    }
    if (crrm_optimizer_init(opt, adam ? CRRM_ADAM : CRRM_SGD, 0.0, m->count)) {
        crrm_model_free(m);
        goto done;
    }
    m->layer[0].t_shift = (int)v[8];
    m->layer[1].t_shift = (int)v[9];
    get_floats(m->params, payload, m->count);
    get_floats(opt->m, (const uint8_t *)payload + 4 * m->count, m->count);
    if (adam)
        get_floats(opt->v, (const uint8_t *)payload + 8 * m->count, m->count);
    opt->t = (uint64_t)v[11];
    progress->step = (uint64_t)v[12];
    progress->epoch = (uint32_t)v[13];
    progress->seed = (uint64_t)v[14];
    progress->batch = (uint32_t)v[15];
    if (v[15] < 1 || v[15] > UINT32_MAX || v[8] < -1 || v[8] > 47 ||
        v[9] < -1 || v[9] > 47) {
        crrm_error("%s: checkpoint has an invalid batch or T shift", path);
        crrm_model_free(m);
        crrm_optimizer_free(opt);
        goto done;
    }
    status = 0;
done:
    free(header);
    free(payload);
    return status;
}

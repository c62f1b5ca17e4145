#include "train.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crrm_kernels.h"
#include "error.h"
#include "model_io.h"
#include "output_path.h"
#include "quant.h"

/* Training samples evaluated at the end of a run: enough for the accuracy
 * to within about 0.3%, a sixth of the cost of the whole set. */
#define TRAIN_EVAL_ROWS 10000u

/* Stream tag of the epoch shuffles. */
#define TAG_SHUFFLE 0x5348u

void crrm_train_defaults(crrm_train_options *o)
{
    *o = (crrm_train_options){
        .epochs = 15, .batch = 128, .hidden = 256, .rank = 32, .rank2 = 8,
        .bins = 32, .beta = 1e-3, .lr = 2e-3, .cosine = 1,
        .optimizer = CRRM_ADAM, .seed = 1, .progress = 0, .evaluate = 1,
    };
}

void crrm_epoch_log_path(const char *log, char *path, size_t size)
{
    size_t len = strlen(log);
    if (len > 4 && strcmp(log + len - 4, ".csv") == 0)
        len -= 4;
    snprintf(path, size, "%.*s-epochs.csv", (int)len, log);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seeded Fisher-Yates shuffle of 0..n-1 for one epoch. */
static void shuffle(uint32_t *order, uint32_t n, uint64_t seed, uint32_t epoch)
{
    uint64_t key = crrm_stream_key(seed, epoch, TAG_SHUFFLE);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)(crrm_uniform(key, i) * i);
        uint32_t tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
}

static void draw_progress(uint32_t epoch, uint32_t epochs, uint32_t done,
                          uint32_t total, double loss)
{
    const int width = 30;
    int filled = total ? (int)((uint64_t)done * width / total) : width;
    fprintf(stderr, "\repoch %u/%u [", epoch, epochs);
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %u/%u loss %.4f ", done, total, loss);
    fflush(stderr);
}

static uint32_t log2_exact(uint32_t v)
{
    uint32_t bits = 0;
    while ((1u << bits) < v)
        bits++;
    return (1u << bits) == v ? bits : 0;
}

#define STEP_LOG_HEADER                                                      \
    "step,epoch,loss,ce,mi_bits,h1_bits,h2_bits,ity1_bits,ity2_bits,"        \
    "batch_accuracy,lr,t_shift1,t_shift2,t_saturated\n"
#define EPOCH_LOG_HEADER                                                     \
    "epoch,step,test_accuracy,test_ce,mi_bits,h1_bits,h2_bits,ity1_bits,"    \
    "ity2_bits,seconds\n"

/* Leaves the CSV log at path with its header and the complete rows whose
 * first field is at most keep, writing it anew when it is missing. */
static int prepare_log(const char *path, const char *header, uint64_t keep)
{
    FILE *in = keep ? fopen(path, "r") : NULL;
    char *kept = NULL;
    size_t kept_len = 0;
    FILE *buffer = open_memstream(&kept, &kept_len);
    if (!buffer)
        return crrm_error("%s: out of memory preparing the log", path);
    fputs(header, buffer);
    if (in) {
        char line[1024];
        while (fgets(line, sizeof line, in)) {
            size_t len = strlen(line);
            char *end;
            unsigned long long first = strtoull(line, &end, 10);
            if (end == line || *end != ',' || len == 0 || line[len - 1] != '\n')
                continue; /* the header, or a line cut off by a crash */
            if (first <= keep)
                fputs(line, buffer);
        }
        fclose(in);
    }
    fclose(buffer);

    FILE *out = fopen(path, "w");
    if (!out) {
        free(kept);
        return crrm_error("%s: cannot open the log for writing: %s", path,
                          strerror(errno));
    }
    size_t written = fwrite(kept, 1, kept_len, out);
    free(kept);
    if (fclose(out) != 0 || written != kept_len)
        return crrm_error("%s: writing the log failed: %s", path,
                          strerror(errno));
    return 0;
}

/* Rejects options given on the command line that contradict the loaded
 * checkpoint: they fix the model's shape and the run's layout. */
static int check_resume_options(const crrm_train_options *o,
                                const crrm_model *m, const crrm_optimizer *opt,
                                const crrm_progress *progress)
{
    const crrm_config *c = &m->cfg;
    const struct {
        unsigned bit;
        const char *option;
        long long saved, requested;
    } fields[] = {
        {CRRM_GIVEN_BATCH, "--batch", progress->batch, o->batch},
        {CRRM_GIVEN_SEED, "--seed", (long long)progress->seed,
         (long long)o->seed},
        {CRRM_GIVEN_HIDDEN, "--hidden", c->hidden, o->hidden},
        {CRRM_GIVEN_RANK, "--rank", c->dense ? 0 : c->rank, o->rank},
        {CRRM_GIVEN_RANK2, "--rank2", c->dense ? 0 : c->rank2, o->rank2},
        {CRRM_GIVEN_BINS, "--bins", 1ll << c->bins_log2, o->bins},
        {CRRM_GIVEN_DENSE, "--dense (1 yes, 0 no)", c->dense, o->dense},
        {CRRM_GIVEN_OPTIMIZER, "--optimizer (0 adam, 1 sgd)", opt->kind,
         o->optimizer},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if ((o->given & fields[i].bit) && fields[i].saved != fields[i].requested)
            return crrm_error("%s: the checkpoint was trained with %s %lld, "
                              "not %lld; resume without the option, or train "
                              "a new model without --load",
                              o->load, fields[i].option, fields[i].saved,
                              fields[i].requested);
    return 0;
}

/* Builds the model from the options, or loads it from o->load. */
static int setup_model(const crrm_train_options *o, const crrm_data *data,
                       crrm_model *m, crrm_optimizer *opt,
                       crrm_progress *progress)
{
    uint32_t in = data->train.height * data->train.width;
    if (o->load) {
        if (crrm_model_load(o->load, m, opt, progress))
            return -1;
        if (check_resume_options(o, m, opt, progress)) {
            crrm_model_free(m);
            crrm_optimizer_free(opt);
            return -1;
        }
        if (m->cfg.in != in || m->cfg.classes != data->classes) {
            crrm_error("%s: the model takes %u inputs and %u classes but the "
                       "data has %u and %u; load it with the data it was "
                       "trained on",
                       o->load, m->cfg.in, m->cfg.classes, in, data->classes);
            crrm_model_free(m);
            crrm_optimizer_free(opt);
            return -1;
        }
        return 0;
    }

    uint32_t bins_log2 = log2_exact(o->bins);
    if (bins_log2 == 0 || bins_log2 > CRRM_MAX_BINS_LOG2)
        return crrm_error("--bins %u is not a power of two in 2..%u", o->bins,
                          1u << CRRM_MAX_BINS_LOG2);
    crrm_config cfg = {.in = in, .hidden = o->hidden, .rank = o->rank,
                       .rank2 = o->rank2, .classes = data->classes,
                       .dense = o->dense, .bins_log2 = bins_log2,
                       .range_log2 = 14};
    if (!cfg.dense && !o->quiet) {
        crrm_warn_rank("--rank", cfg.rank, cfg.in, cfg.hidden);
        crrm_warn_rank("--rank2", cfg.rank2, cfg.hidden, cfg.classes);
    }
    if (crrm_model_init(m, &cfg, o->seed))
        return -1;
    if (crrm_optimizer_init(opt, o->optimizer, o->lr, m->count)) {
        crrm_model_free(m);
        return -1;
    }
    *progress = (crrm_progress){.seed = o->seed, .batch = o->batch};
    return 0;
}

/* Prints the one line of an epoch; a dense model has no MI term. */
static void print_epoch(uint32_t epoch, uint32_t epochs, int partial,
                        const crrm_train_result *r, double beta, int dense,
                        double seconds)
{
    const crrm_pass_stats *t = &r->test;
    double mi = t->h_bits[0] + t->h_bits[1];
    double ity = t->ity_bits[0] > t->ity_bits[1] ? t->ity_bits[0]
                                                 : t->ity_bits[1];
    printf("epoch %u/%u%s  loss %.4f  ce %.4f  ", epoch, epochs,
           partial ? " (stopped by --steps)" : "", t->ce + beta * mi, t->ce);
    if (dense)
        printf("mi n/a  I(T;Y) n/a  ");
    else
        printf("mi %.2f bits  I(T;Y) %.3f bits  ", mi, ity);
    printf("test acc %.2f%%  %.1f s\n",
           100.0 * t->correct / (t->rows ? t->rows : 1), seconds);
    fflush(stdout);
}

int crrm_train(const crrm_train_options *o, const crrm_data *data,
               crrm_backend *be, crrm_model *m, crrm_train_result *r)
{
    memset(r, 0, sizeof *r);
    if (o->batch == 0 || o->batch > CRRM_MAX_K)
        return crrm_error("--batch %u is outside 1..%u (the batch is the "
                          "reduction length of the weight gradients)",
                          o->batch, CRRM_MAX_K);
    if (!(o->lr > 0.0) || !isfinite(o->lr))
        return crrm_error("--lr %g must be a positive number", o->lr);
    if (!(o->beta >= 0.0) || !isfinite(o->beta))
        return crrm_error("--beta %g must be zero or positive", o->beta);

    crrm_optimizer opt;
    crrm_progress progress;
    if (setup_model(o, data, m, &opt, &progress))
        return -1;
    r->cfg = m->cfg;
    r->batch = progress.batch;
    r->params = crrm_model_param_count(&m->cfg);
    r->dense_params = crrm_dense_param_count(&m->cfg);

    const crrm_dataset *train = &data->train, *test = &data->test;
    if (progress.batch > train->count) {
        crrm_error("--batch %u exceeds the %u training samples; use --batch "
                   "%u or less", progress.batch, train->count, train->count);
        crrm_optimizer_free(&opt);
        crrm_model_free(m);
        return -1;
    }
    uint32_t in = m->cfg.in, batch = progress.batch;
    uint32_t per_epoch = (train->count + batch - 1) / batch;
    /* The learning-rate schedule spans all the epochs; --steps only stops
     * the run early, so a run stopped by it and resumed without it takes
     * the same steps as one that never stopped. */
    uint64_t schedule = (uint64_t)o->epochs * per_epoch;
    uint64_t total = schedule;
    if (o->steps && o->steps < total)
        total = o->steps;

    FILE *log = NULL, *epoch_log = NULL;
    char epoch_log_path[4096];
    if (o->log) {
        crrm_epoch_log_path(o->log, epoch_log_path, sizeof epoch_log_path);
        /* A resumed run keeps the rows up to the checkpoint and drops the
         * ones a killed run wrote after it, which it is about to redo. */
        if (prepare_log(o->log, STEP_LOG_HEADER, progress.step) ||
            prepare_log(epoch_log_path, EPOCH_LOG_HEADER, progress.epoch))
            goto fail;
        log = fopen(o->log, "a");
        epoch_log = fopen(epoch_log_path, "a");
        if (!log || !epoch_log) {
            crrm_error("%s: cannot open the log for writing: %s",
                       log ? epoch_log_path : o->log, strerror(errno));
            goto fail;
        }
    }
    if (progress.step >= total || progress.epoch >= o->epochs) {
        if (!o->quiet && o->load)
            printf("crrm: %s is already at step %" PRIu64 ", epoch %u; "
                   "nothing to train for --epochs %u%s\n",
                   o->load, progress.step, progress.epoch, o->epochs,
                   o->steps ? " and --steps" : "");
    }

    uint32_t *order = malloc(sizeof(uint32_t) * train->count);
    uint8_t *xb = malloc((size_t)batch * in);
    uint8_t *yb = malloc(batch);
    if (!order || !xb || !yb) {
        free(order);
        free(xb);
        free(yb);
        crrm_error("out of memory for the batch buffers");
        goto fail;
    }

    double start = now_seconds(), step_time = 0.0;
    uint64_t steps_run = 0;
    uint32_t epoch = progress.epoch;
    while (progress.step < total && epoch < o->epochs) {
        double epoch_start = now_seconds();
        shuffle(order, train->count, progress.seed, epoch);
        uint32_t first = (uint32_t)(progress.step - (uint64_t)epoch * per_epoch);
        for (uint32_t b = first; b < per_epoch && progress.step < total; b++) {
            uint32_t rows = train->count - b * batch < batch
                                ? train->count - b * batch : batch;
            for (uint32_t i = 0; i < rows; i++) {
                uint32_t s = order[b * batch + i];
                memcpy(xb + (size_t)i * in, train->pixels + (size_t)s * in, in);
                yb[i] = train->labels[s];
            }

            double lr = o->lr;
            if (o->cosine && schedule > 1)
                lr = o->lr * 0.5 *
                     (1.0 + cos(3.141592653589793 * (double)progress.step /
                                (double)schedule));
            crrm_step_options so = {.beta = o->beta, .seed = progress.seed,
                                    .step = progress.step};
            double t0 = now_seconds();
            uint64_t cycles0 = be->counters.busy_cycles;
            if (crrm_model_train_step(m, be, xb, yb, rows, &so, &r->last_step))
                goto fail_buffers;
            if (!isfinite(r->last_step.ce)) {
                crrm_error("training diverged at step %" PRIu64 " (cross-entropy "
                           "%g); lower --lr (now %g) or --beta (now %g)",
                           progress.step + 1, r->last_step.ce, o->lr, o->beta);
                goto fail_buffers;
            }
            crrm_optimizer_step(&opt, m->params, m->grads, lr);
            step_time += now_seconds() - t0;
            r->step_cycles += (double)(be->counters.busy_cycles - cycles0);
            steps_run++;
            if (o->on_step)
                o->on_step(o->on_step_context);
            progress.step++;

            const crrm_pass_stats *s = &r->last_step;
            double mi = s->h_bits[0] + s->h_bits[1];
            if (log)
                fprintf(log,
                        "%" PRIu64 ",%u,%.6f,%.6f,%.4f,%.4f,%.4f,%.4f,%.4f,"
                        "%.4f,%.6g,%d,%d,%" PRIu64 "\n",
                        progress.step, epoch + 1, s->ce + o->beta * mi, s->ce,
                        mi, s->h_bits[0], s->h_bits[1], s->ity_bits[0],
                        s->ity_bits[1], (double)s->correct / rows, lr,
                        m->layer[0].t_shift, m->layer[1].t_shift,
                        s->t_saturated);
            if (o->progress && (b % 8 == 0 || b + 1 == per_epoch))
                draw_progress(epoch + 1, o->epochs, b + 1, per_epoch,
                              s->ce + o->beta * mi);
        }
        if (o->progress)
            fputc('\n', stderr);
        int partial = progress.step != (uint64_t)(epoch + 1) * per_epoch;
        if (!partial)
            epoch++;

        if (o->evaluate) {
            if (crrm_model_evaluate(m, be, test->pixels, test->labels,
                                    test->count, &r->test))
                goto fail_buffers;
            r->evaluated = 1;
        }
        if (!o->quiet && o->evaluate)
            print_epoch(partial ? epoch + 1 : epoch, o->epochs, partial, r,
                        o->beta, m->cfg.dense, now_seconds() - epoch_start);
        if (epoch_log && o->evaluate) {
            const crrm_pass_stats *t = &r->test;
            fprintf(epoch_log,
                    "%u,%" PRIu64 ",%.6f,%.6f,%.4f,%.4f,%.4f,%.4f,%.4f,%.3f\n",
                    epoch, progress.step, (double)t->correct / t->rows, t->ce,
                    t->h_bits[0] + t->h_bits[1], t->h_bits[0], t->h_bits[1],
                    t->ity_bits[0], t->ity_bits[1], now_seconds() - epoch_start);
            fflush(epoch_log);
        }
        progress.epoch = epoch;
        if (o->save && crrm_model_save(o->save, m, &opt, &progress))
            goto fail_buffers;
        if (log && (fflush(log) != 0 || ferror(log))) {
            crrm_error("%s: writing the log failed: %s", o->log,
                       strerror(errno));
            goto fail_buffers;
        }
    }

    if (o->evaluate && r->evaluated) {
        uint32_t rows = train->count < TRAIN_EVAL_ROWS ? train->count
                                                      : TRAIN_EVAL_ROWS;
        if (crrm_model_evaluate(m, be, train->pixels, train->labels, rows,
                                &r->train))
            goto fail_buffers;
    }
    r->seconds = now_seconds() - start;
    r->step_seconds = steps_run ? step_time / steps_run : 0.0;
    r->steps_run = steps_run;
    r->steps = progress.step;
    r->epochs = progress.epoch;
    crrm_model_sha256(m, r->weights_sha256);
    free(order);
    free(xb);
    free(yb);
    crrm_optimizer_free(&opt);
    int log_failed = log && (ferror(log) | fclose(log));
    log_failed |= epoch_log && (ferror(epoch_log) | fclose(epoch_log));
    if (log_failed)
        return crrm_error("%s: writing the log failed: %s", o->log,
                          strerror(errno));
    return 0;

fail_buffers:
    free(order);
    free(xb);
    free(yb);
fail:
    if (log)
        fclose(log);
    if (epoch_log)
        fclose(epoch_log);
    crrm_optimizer_free(&opt);
    crrm_model_free(m);
    return -1;
}

int crrm_write_summary(const char *path, const crrm_backend *be,
                       const crrm_train_result *r, const crrm_train_options *o)
{
    const char *backend = be->ops->name;
    const crrm_counters *c = &be->counters;
    uint32_t array_rows = be->array_rows, array_cols = be->array_cols;
    uint64_t array_pes = (uint64_t)array_rows * array_cols;
    char target[4096], tmp[4200];
    if (crrm_output_path(path, target, sizeof target))
        return -1;
    path = target;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return crrm_error("%s: cannot write the summary: %s", path,
                          strerror(errno));

    const crrm_pass_stats *t = &r->test;
    double mi = t->h_bits[0] + t->h_bits[1];
    double ity = t->ity_bits[0] > t->ity_bits[1] ? t->ity_bits[0] : t->ity_bits[1];
    int dense = r->cfg.dense;
    fprintf(f, "{\n");
    fprintf(f, "  \"backend\": \"%s\",\n", backend);
    fprintf(f, "  \"model\": \"%s\",\n", dense ? "dense" : "lowrank");
    fprintf(f, "  \"epochs\": %u,\n", r->epochs);
    fprintf(f, "  \"steps\": %" PRIu64 ",\n", r->steps);
    fprintf(f, "  \"batch\": %u,\n", r->batch);
    fprintf(f, "  \"hidden\": %u,\n", r->cfg.hidden);
    fprintf(f, "  \"rank\": %u,\n", dense ? 0 : r->cfg.rank);
    fprintf(f, "  \"rank2\": %u,\n", dense ? 0 : r->cfg.rank2);
    fprintf(f, "  \"bins\": %u,\n", 1u << r->cfg.bins_log2);
    fprintf(f, "  \"beta\": %.9g,\n", o->beta);
    fprintf(f, "  \"lr\": %.9g,\n", o->lr);
    fprintf(f, "  \"seed\": %" PRIu64 ",\n", o->seed);
    if (r->evaluated) {
        fprintf(f, "  \"test_accuracy\": %.6f,\n",
                (double)t->correct / (t->rows ? t->rows : 1));
        fprintf(f, "  \"ce\": %.6f,\n", t->ce);
        if (r->train.rows) {
            fprintf(f, "  \"train_accuracy\": %.6f,\n",
                    (double)r->train.correct / r->train.rows);
            fprintf(f, "  \"train_ce\": %.6f,\n", r->train.ce);
        } else {
            fprintf(f, "  \"train_accuracy\": null,\n  \"train_ce\": null,\n");
        }
    } else {
        fprintf(f, "  \"test_accuracy\": null,\n  \"ce\": null,\n");
    }
    if (dense || !r->evaluated) {
        fprintf(f, "  \"mi_bits\": null,\n  \"ity_bits\": null,\n");
    } else {
        fprintf(f, "  \"mi_bits\": %.4f,\n", mi);
        fprintf(f, "  \"h1_bits\": %.4f,\n  \"h2_bits\": %.4f,\n",
                t->h_bits[0], t->h_bits[1]);
        fprintf(f, "  \"ity_bits\": %.4f,\n", ity);
        fprintf(f, "  \"ity1_bits\": %.4f,\n  \"ity2_bits\": %.4f,\n",
                t->ity_bits[0], t->ity_bits[1]);
    }
    fprintf(f, "  \"params\": %zu,\n", r->params);
    fprintf(f, "  \"dense_params\": %zu,\n", r->dense_params);
    fprintf(f, "  \"compression_ratio\": %.4f,\n",
            (double)r->dense_params / (double)r->params);
    fprintf(f, "  \"seconds\": %.3f,\n", r->seconds);
    fprintf(f, "  \"step_seconds\": %.6f,\n", r->step_seconds);
    fprintf(f, "  \"kernel_runs\": %" PRIu64 ",\n", c->kernel_runs);
    fprintf(f, "  \"macs\": %" PRIu64 ",\n", c->macs);
    fprintf(f, "  \"hist_updates\": %" PRIu64 ",\n", c->hist_updates);
    if (c->busy_cycles) {
        fprintf(f, "  \"cycles\": %" PRIu64 ",\n", c->busy_cycles);
        fprintf(f, "  \"cycles_per_step\": %.1f,\n",
                r->step_cycles / (r->steps_run ? r->steps_run : 1));
        fprintf(f, "  \"stall_cycles\": %" PRIu64 ",\n", c->stall_cycles);
        fprintf(f, "  \"device_bytes_read\": %" PRIu64 ",\n", c->bytes_read);
        fprintf(f, "  \"device_bytes_written\": %" PRIu64 ",\n",
                c->bytes_written);
    }
    if (c->busy_cycles && array_pes) {
        fprintf(f, "  \"array\": \"%ux%u\",\n", array_rows, array_cols);
        fprintf(f, "  \"pe_utilization\": %.4f,\n",
                (double)c->device_macs / ((double)c->busy_cycles * array_pes));
        fprintf(f, "  \"pe_utilization_gemm\": %.4f,\n",
                c->gemm_cycles ? (double)c->gemm_macs /
                                     ((double)c->gemm_cycles * array_pes)
                               : 0.0);
    }
    fprintf(f, "  \"weights_sha256\": \"%s\"\n", r->weights_sha256);
    fprintf(f, "}\n");

    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        remove(tmp);
        return crrm_error("%s: writing the summary failed: %s", path,
                          strerror(errno));
    }
    fclose(f);
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return crrm_error("%s: cannot replace the summary: %s", path,
                          strerror(errno));
    }
    return 0;
}

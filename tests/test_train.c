/*
 * test_train.c - training runs end to end on the synthetic set: learning
 * happens, the same seed gives the same bits, checkpoints resume exactly.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "data.h"
#include "error.h"
#include "model.h"
#include "model_io.h"
#include "train.h"

static crrm_data data;

static void load_data(void)
{
    cr_assert_eq(crrm_data_load("synthetic", 1, &data), 0, "%s",
                 crrm_last_error());
}

static void free_data(void)
{
    crrm_data_free(&data);
}

static crrm_train_options small_options(void)
{
    crrm_train_options o;
    crrm_train_defaults(&o);
    o.hidden = 64;
    o.rank = 8;
    o.rank2 = 8;
    o.batch = 64;
    o.epochs = 2;
    o.quiet = 1;
    o.beta = 0.01;
    return o;
}

static void train_once(const crrm_train_options *o, crrm_train_result *r)
{
    crrm_backend *be = crrm_backend_open("sw", NULL);
    cr_assert_not_null(be, "%s", crrm_last_error());
    crrm_model m;
    cr_assert_eq(crrm_train(o, &data, be, &m, r), 0, "%s", crrm_last_error());
    crrm_model_free(&m);
    crrm_backend_close(be);
}

TestSuite(train, .init = load_data, .fini = free_data);

Test(train, learns_the_synthetic_set)
{
    crrm_train_options o = small_options();
    crrm_train_result r;
    train_once(&o, &r);
    double accuracy = (double)r.test.correct / r.test.rows;
    cr_assert_gt(accuracy, 0.6, "test accuracy %.3f after 2 epochs", accuracy);
    cr_assert_gt(r.test.h_bits[0], 0.0, "layer 1 MI term missing");
    cr_assert_gt(r.test.ity_bits[0], 0.0, "layer 1 I(T;Y) missing");
    cr_assert_lt(r.test.ity_bits[0], 3.33, "I(T_j;Y) above H(Y) = log2(10)");
}

Test(train, dense_baseline_learns)
{
    crrm_train_options o = small_options();
    o.dense = 1;
    crrm_train_result r;
    train_once(&o, &r);
    double accuracy = (double)r.test.correct / r.test.rows;
    cr_assert_gt(accuracy, 0.6, "dense test accuracy %.3f", accuracy);
    cr_assert_eq(r.params, r.dense_params, "a dense model is its own baseline");
}

Test(train, same_seed_same_weights)
{
    crrm_train_options o = small_options();
    o.steps = 12;
    crrm_train_result r1, r2, r3;
    train_once(&o, &r1);
    train_once(&o, &r2);
    cr_assert_str_eq(r1.weights_sha256, r2.weights_sha256,
                     "two runs with seed 1 differ");
    o.seed = 2;
    train_once(&o, &r3);
    cr_assert_str_neq(r1.weights_sha256, r3.weights_sha256,
                      "seeds 1 and 2 gave the same weights");
}

Test(train, checkpoint_resume_is_exact)
{
    char dir[] = "/tmp/crrm-resume-XXXXXX";
    cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
    char path[128];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);

    crrm_train_options o = small_options();
    /* The cosine schedule spans all the epochs, so a run stopped by
     * --steps and resumed follows it exactly. */
    o.steps = 80; /* crosses the epoch boundary at 64 steps */
    crrm_train_result straight, resumed;
    train_once(&o, &straight);

    o.steps = 30;
    o.save = path;
    crrm_train_result half;
    train_once(&o, &half);
    o.steps = 80;
    o.save = NULL;
    o.load = path;
    train_once(&o, &resumed);
    cr_assert_eq(resumed.steps, 80, "resumed run stopped at %llu",
                 (unsigned long long)resumed.steps);
    cr_assert_str_eq(straight.weights_sha256, resumed.weights_sha256,
                     "80 steps straight differ from 30 + 50 resumed");
    unlink(path);
    rmdir(dir);
}

Test(train, checkpoint_round_trip_keeps_model)
{
    char dir[] = "/tmp/crrm-ckpt-XXXXXX";
    cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
    char path[128];
    snprintf(path, sizeof path, "%s/m.ckpt", dir);
    crrm_config cfg = {.in = 256, .hidden = 32, .rank = 4, .rank2 = 3,
                       .classes = 10, .bins_log2 = 5, .range_log2 = 14};
    crrm_model m, back;
    crrm_optimizer opt, opt_back;
    cr_assert_eq(crrm_model_init(&m, &cfg, 9), 0, "%s", crrm_last_error());
    cr_assert_eq(crrm_optimizer_init(&opt, CRRM_ADAM, 1e-3, m.count), 0, "init");
    m.layer[0].t_shift = 17;
    m.layer[1].t_shift = 5;
    crrm_progress p = {.step = 33, .epoch = 2, .seed = 4, .batch = 64}, p_back;
    cr_assert_eq(crrm_model_save(path, &m, &opt, &p), 0, "%s", crrm_last_error());
    cr_assert_eq(crrm_model_load(path, &back, &opt_back, &p_back), 0, "%s",
                 crrm_last_error());
    cr_assert_eq(back.count, m.count, "parameter count");
    cr_assert_eq(memcmp(back.params, m.params, 4 * m.count), 0, "weights");
    cr_assert_eq(back.layer[0].t_shift, 17, "layer 1 T shift");
    cr_assert_eq(back.layer[1].t_shift, 5, "layer 2 T shift");
    cr_assert_eq(p_back.step, 33, "step");
    cr_assert_eq(p_back.epoch, 2, "epoch");
    cr_assert_eq(p_back.batch, 64, "batch");
    crrm_model_free(&m);
    crrm_model_free(&back);
    crrm_optimizer_free(&opt);
    crrm_optimizer_free(&opt_back);
    unlink(path);
    rmdir(dir);
}

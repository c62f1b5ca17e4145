/*
 * test_cli.c - the crrm program as a user runs it: help, bad options and
 * bad files give a clear error and a non-zero exit, never a crash.
 * Runs build/crrm from the repository root, where `make test` starts.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "run_command.h"

#define CRRM "./build/crrm"


static void expect_error(const char *args, const char *phrase)
{
    char command[512], out[8192];
    snprintf(command, sizeof command, CRRM " %s", args);
    int code = run(command, out, sizeof out);
    cr_assert_neq(code, 0, "'%s' exited 0; output:\n%s", args, out);
    cr_assert_not_null(strstr(out, phrase),
                       "'%s' output lacks '%s':\n%s", args, phrase, out);
}

Test(cli, help_lists_options)
{
    char out[8192];
    cr_assert_eq(run(CRRM " train --help", out, sizeof out), 0, "exit code");
    cr_assert_not_null(strstr(out, "--beta"), "train help lacks --beta:\n%s", out);
    cr_assert_not_null(strstr(out, "--dense"), "train help lacks --dense");
    cr_assert_eq(run(CRRM " --help", out, sizeof out), 0, "exit code");
    cr_assert_not_null(strstr(out, "check"), "main help lacks check:\n%s", out);
}

Test(cli, rejects_bad_numbers)
{
    expect_error("train --epochs abc", "--epochs: 'abc' is not an integer");
    expect_error("train --batch 0", "--batch: '0' is not an integer in 1..");
    expect_error("train --rank 129", "--rank: '129'");
    expect_error("train --lr -1", "--lr: '-1' is not a number");
    expect_error("train --beta nan", "--beta: 'nan'");
}

Test(cli, rejects_bins_not_power_of_two)
{
    expect_error("train --data synthetic --bins 24", "--bins 24 is not a power of two");
}

Test(cli, rejects_unknown_backend_and_command)
{
    expect_error("train --data synthetic --backend tpu", "unknown backend 'tpu'");
    expect_error("fly", "unknown command 'fly'");
    expect_error("train --frobnicate", "unknown option");
}

Test(cli, rejects_missing_data_directory)
{
    expect_error("train --data /nonexistent/fmnist", "/nonexistent/fmnist");
}

Test(cli, eval_needs_a_checkpoint)
{
    expect_error("eval --data synthetic", "--load FILE is required");
    expect_error("eval --data synthetic --load /nonexistent.ckpt",
                 "/nonexistent.ckpt");
}

Test(cli, eval_rejects_a_foreign_file)
{
    char dir[] = "/tmp/crrm-cli-XXXXXX";
    cr_assert_not_null(mkdtemp(dir), "mkdtemp");
    char path[128], args[256];
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "create %s", path);
    fputs("this is not a model\n", f);
    fclose(f);
    snprintf(args, sizeof args, "eval --data synthetic --load %s", path);
    expect_error(args, "not a crrm checkpoint");
    remove(path);
    remove(dir);
}

Test(cli, train_save_eval_round_trip)
{
    char dir[] = "/tmp/crrm-cli-XXXXXX";
    cr_assert_not_null(mkdtemp(dir), "mkdtemp");
    char command[512], out[8192];
    snprintf(command, sizeof command,
             CRRM " train --data synthetic --steps 20 --hidden 32 --rank 4 "
                  "--rank2 4 --quiet --save %s/m.ckpt --json %s/train.json "
                  "--log %s/steps.csv", dir, dir, dir);
    cr_assert_eq(run(command, out, sizeof out), 0, "train failed:\n%s", out);
    snprintf(command, sizeof command,
             CRRM " eval --data synthetic --load %s/m.ckpt --json %s/eval.json",
             dir, dir);
    cr_assert_eq(run(command, out, sizeof out), 0, "eval failed:\n%s", out);
    cr_assert_not_null(strstr(out, "test accuracy"), "eval output:\n%s", out);

    /* The JSON summary has every field a user scripts against. */
    snprintf(command, sizeof command, "cat %s/train.json", dir);
    run(command, out, sizeof out);
    const char *fields[] = {"backend", "epochs", "steps", "test_accuracy", "ce",
                            "mi_bits", "ity_bits", "params", "dense_params",
                            "compression_ratio", "seconds", "weights_sha256"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "\"%s\":", fields[i]);
        cr_assert_not_null(strstr(out, key), "summary lacks %s:\n%s", key, out);
    }
    /* One CSV row per step plus the header. */
    snprintf(command, sizeof command, "wc -l < %s/steps.csv", dir);
    run(command, out, sizeof out);
    cr_assert_eq(atoi(out), 21, "steps.csv has %d lines, expected 21", atoi(out));
    snprintf(command, sizeof command, "rm -r %s", dir);
    run(command, out, sizeof out);
}

Test(cli, check_same_backend_passes)
{
    char out[8192];
    int code = run(CRRM " check --backends sw,sw --data synthetic --steps 3 "
                        "--hidden 32 --rank 4 --rank2 4 --batch 32",
                   out, sizeof out);
    cr_assert_eq(code, 0, "check sw,sw failed:\n%s", out);
    cr_assert_not_null(strstr(out, "PASS"), "check output:\n%s", out);
}

Test(cli, check_needs_two_backends)
{
    expect_error("check --backends sw --data synthetic", "fewer than two");
}

#ifdef CRRM_HAVE_SIM
Test(cli, check_sw_sim_on_fashion_mnist, .timeout = 300)
{
    /* Three steps of the default model on real Fashion-MNIST batches: the
     * RTL under Verilator must match the software bit for bit. */
    char out[8192];
    /* 25% random backpressure on every AXI channel, seeded by --seed. */
    int code = run("CRRM_SIM_STALL=25 " CRRM " check --backends sw,sim "
                   "--steps 3 --batch 64", out, sizeof out);
    cr_assert_eq(code, 0, "check sw,sim failed:\n%s", out);
    cr_assert_not_null(strstr(out, "PASS"), "check output:\n%s", out);
}

Test(cli, sim_summary_reports_cycles, .timeout = 300)
{
    char dir[] = "/tmp/crrm-sim-XXXXXX";
    cr_assert_not_null(mkdtemp(dir), "mkdtemp");
    char command[512], out[8192];
    snprintf(command, sizeof command,
             CRRM " train --backend sim --data synthetic --steps 2 --epochs 1 "
                  "--hidden 32 --rank 4 --rank2 4 --batch 32 --quiet "
                  "--json %s/sim.json", dir);
    cr_assert_eq(run(command, out, sizeof out), 0, "train failed:\n%s", out);
    snprintf(command, sizeof command, "cat %s/sim.json", dir);
    run(command, out, sizeof out);
    const char *fields[] = {"\"cycles\":", "\"cycles_per_step\":",
                            "\"pe_utilization\":", "\"pe_utilization_gemm\":"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        cr_assert_not_null(strstr(out, fields[i]), "summary lacks %s:\n%s",
                           fields[i], out);
    snprintf(command, sizeof command, "rm -r %s", dir);
    run(command, out, sizeof out);
}
#endif

Test(cli, missing_option_value_is_named)
{
    expect_error("train --epochs", "option --epochs needs a value");
}

Test(cli, outputs_checked_before_training)
{
    expect_error("train --data synthetic --json /nonexistent-dir/x.json",
                 "the directory /nonexistent-dir does not exist");
    expect_error("train --data synthetic --save /nonexistent-dir/m.ckpt",
                 "the directory /nonexistent-dir does not exist");
    expect_error("train --data synthetic --trace /tmp/never.fst",
                 "needs --backend sim");
    expect_error("train --data synthetic --batch 5000",
                 "exceeds the 4096 training samples");
}

Test(cli, check_rejects_file_options)
{
    expect_error("check --backends sw,sw --data synthetic --json /tmp/x.json",
                 "writes no files");
    expect_error("check --backends sw,sw --data synthetic --load /tmp/x.ckpt",
                 "writes no files");
}

/* Makes a temporary directory for one test; returns its path in dir. */
static void make_dir(char *dir)
{
    cr_assert_not_null(mkdtemp(dir), "mkdtemp failed for %s", dir);
}

Test(cli, resume_rejects_other_batch_and_shape)
{
    char dir[] = "/tmp/crrm-resume-XXXXXX", command[512], out[8192];
    make_dir(dir);
    snprintf(command, sizeof command,
             CRRM " train --data synthetic --epochs 1 --hidden 32 --rank 4 "
                  "--rank2 4 --quiet --save %s/m.ckpt", dir);
    cr_assert_eq(run(command, out, sizeof out), 0, "train failed:\n%s", out);

    snprintf(command, sizeof command,
             "train --data synthetic --epochs 2 --load %s/m.ckpt --batch 64", dir);
    expect_error(command, "trained with --batch 128, not 64");
    snprintf(command, sizeof command,
             "train --data synthetic --epochs 2 --load %s/m.ckpt --hidden 64", dir);
    expect_error(command, "trained with --hidden 32, not 64");
    snprintf(command, sizeof command,
             "train --data synthetic --epochs 2 --load %s/m.ckpt --dense", dir);
    expect_error(command, "trained with --dense (1 yes, 0 no) 0, not 1");
    snprintf(command, sizeof command,
             "train --data synthetic --epochs 2 --load %s/m.ckpt --seed 7", dir);
    expect_error(command, "trained with --seed 1, not 7");

    snprintf(command, sizeof command, "rm -r %s", dir);
    run(command, out, sizeof out);
}

Test(cli, outputs_keep_links_reject_special_files)
{
    char dir[] = "/tmp/crrm-out-XXXXXX", command[512], out[8192], path[256];
    make_dir(dir);

    /* A FIFO stands for any special file a rename would replace. */
    snprintf(path, sizeof path, "%s/fifo", dir);
    cr_assert_eq(mkfifo(path, 0644), 0, "mkfifo %s", path);
    snprintf(command, sizeof command,
             "train --data synthetic --steps 2 --quiet --json %s", path);
    expect_error(command, "is not a regular file");
    snprintf(command, sizeof command,
             "train --data synthetic --steps 2 --quiet --save %s", path);
    expect_error(command, "is not a regular file");

    /* A symbolic link stays a link; its target gets the summary. */
    snprintf(command, sizeof command,
             "cd %s && touch real.json && ln -s real.json link.json", dir);
    cr_assert_eq(run(command, out, sizeof out), 0, "setup: %s", out);
    snprintf(command, sizeof command,
             CRRM " train --data synthetic --steps 2 --quiet --json %s/link.json",
             dir);
    cr_assert_eq(run(command, out, sizeof out), 0, "train failed:\n%s", out);
    snprintf(command, sizeof command,
             "test -L %s/link.json && grep -c weights_sha256 %s/real.json", dir,
             dir);
    cr_assert_eq(run(command, out, sizeof out), 0,
                 "the link was replaced or its target not written: %s", out);

    snprintf(command, sizeof command, "rm -r %s", dir);
    run(command, out, sizeof out);
}

Test(cli, resume_trims_the_log)
{
    char dir[] = "/tmp/crrm-log-XXXXXX", command[768], out[8192];
    make_dir(dir);
    const char *model = "--data synthetic --hidden 32 --rank 4 --rank2 4 "
                        "--no-cosine --quiet";
    /* A straight run of 2 epochs, and a run saved at 1 epoch whose log was
     * then written on to 2 epochs, as by a run killed after the save. */
    snprintf(command, sizeof command,
             CRRM " train %s --epochs 2 --log %s/straight.csv && "
             CRRM " train %s --epochs 1 --save %s/m.ckpt && "
             CRRM " train %s --epochs 2 --log %s/resumed.csv && "
             CRRM " train %s --epochs 2 --load %s/m.ckpt --log %s/resumed.csv",
             model, dir, model, dir, model, dir, model, dir, dir);
    cr_assert_eq(run(command, out, sizeof out), 0, "runs failed:\n%s", out);
    snprintf(command, sizeof command,
             "cmp %s/straight.csv %s/resumed.csv && "
             "cmp %s/straight-epochs.csv %s/resumed-epochs.csv | head -1",
             dir, dir, dir, dir);
    run(command, out, sizeof out);
    snprintf(command, sizeof command, "cmp %s/straight.csv %s/resumed.csv",
             dir, dir);
    cr_assert_eq(run(command, out, sizeof out), 0,
                 "resumed step log differs from the straight one: %s", out);
    snprintf(command, sizeof command, "wc -l < %s/resumed-epochs.csv", dir);
    run(command, out, sizeof out);
    cr_assert_eq(atoi(out), 3, "epoch log has %d lines, expected 3", atoi(out));

    snprintf(command, sizeof command, "rm -r %s", dir);
    run(command, out, sizeof out);
}

#ifdef CRRM_HAVE_OPENCL
Test(cli, check_finds_broken_kernel, .timeout = 300)
{
    /* A copy of the kernels whose rounding adds one more unit: the OpenCL
     * build of it must disagree with sw, and check must say where. */
    char dir[] = "/tmp/crrm-broken-XXXXXX", command[1024], out[8192];
    cr_assert_not_null(mkdtemp(dir), "mkdtemp");
    snprintf(command, sizeof command,
             "cp hw/hls/* %s/ && sed -i 's/(acc + (INT64_C(1) << (shift - 1)))"
             " >> shift/(acc + (INT64_C(1) << (shift - 1)) + 1) >> shift/' "
             "%s/crrm_kernels.h && grep -c '(shift - 1)) + 1)' "
             "%s/crrm_kernels.h", dir, dir, dir);
    cr_assert_eq(run(command, out, sizeof out), 0,
                 "could not make the broken kernel copy: %s", out);

    snprintf(command, sizeof command,
             "CRRM_KERNEL_DIR=%s " CRRM " check --backends sw,opencl "
             "--data synthetic --steps 2 --hidden 32 --rank 4 --rank2 4",
             dir);
    int code = run(command, out, sizeof out);
    cr_assert_eq(code, 3, "check exited %d, expected 3 (mismatch):\n%s", code,
                 out);
    cr_assert_not_null(strstr(out, "first difference: kernel"),
                       "check did not name the difference:\n%s", out);

    snprintf(command, sizeof command, "rm -r %s", dir);
    run(command, out, sizeof out);
}
#endif

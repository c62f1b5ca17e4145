/*
 * test_data.c - crrm_data_load and crrm_idx_load on the installed
 * Fashion-MNIST files, on small IDX files written to a temporary directory
 * (valid ones and one per kind of damage), and on the synthetic generator.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data.h"
#include "error.h"

#include "tmp_dir.h"

#define IMAGES_MAGIC 0x00000803u
#define LABELS_MAGIC 0x00000801u

/* ------------------------------------------------------------ helpers --- */

/* The files of each test go to their own directory. */
static void make_tmp_dir(void)
{
    make_tmp_dir_named("data");
}

static void put_be32(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)(x >> 24);
    p[1] = (uint8_t)(x >> 16);
    p[2] = (uint8_t)(x >> 8);
    p[3] = (uint8_t)x;
}

static void write_bytes(const char *path, const uint8_t *bytes, size_t len,
                        int gzipped)
{
    if (gzipped) {
        gzFile gz = gzopen(path, "wb");
        cr_assert_not_null(gz, "cannot create %s", path);
        if (len > 0)
            cr_assert_eq(gzwrite(gz, bytes, (unsigned)len), (int)len,
                         "gzwrite to %s failed", path);
        cr_assert_eq(gzclose(gz), Z_OK, "gzclose of %s failed", path);
        return;
    }
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    if (len > 0)
        cr_assert_eq(fwrite(bytes, 1, len, f), len, "fwrite to %s failed",
                     path);
    cr_assert_eq(fclose(f), 0, "fclose of %s failed", path);
}

/* Pixel i of a test image file. Any pattern that is not constant works. */
static uint8_t test_pixel(size_t i)
{
    return (uint8_t)(i * 7 + 3);
}

/* Writes an image file whose header says magic, count, rows and cols, with
 * pixel_bytes bytes of data after it (which may differ from what the header
 * declares). */
static void write_images(const char *path, int gzipped, uint32_t magic,
                         uint32_t count, uint32_t rows, uint32_t cols,
                         size_t pixel_bytes)
{
    uint8_t *bytes = malloc(16 + pixel_bytes);
    cr_assert_not_null(bytes, "out of memory");
    put_be32(bytes, magic);
    put_be32(bytes + 4, count);
    put_be32(bytes + 8, rows);
    put_be32(bytes + 12, cols);
    for (size_t i = 0; i < pixel_bytes; i++)
        bytes[16 + i] = test_pixel(i);
    write_bytes(path, bytes, 16 + pixel_bytes, gzipped);
    free(bytes);
}

/* Writes a label file whose header says magic and count, followed by the
 * label_bytes labels (which may differ from count). Label i is i % 10. */
static void write_labels(const char *path, int gzipped, uint32_t magic,
                         uint32_t count, size_t label_bytes)
{
    uint8_t *bytes = malloc(8 + label_bytes);
    cr_assert_not_null(bytes, "out of memory");
    put_be32(bytes, magic);
    put_be32(bytes + 4, count);
    for (size_t i = 0; i < label_bytes; i++)
        bytes[8 + i] = (uint8_t)(i % 10);
    write_bytes(path, bytes, 8 + label_bytes, gzipped);
    free(bytes);
}

/* Writes a valid image/label pair of count images of rows x cols pixels. */
static void write_pair(const char *images_path, const char *labels_path,
                       int gzipped, uint32_t count, uint32_t rows,
                       uint32_t cols)
{
    write_images(images_path, gzipped, IMAGES_MAGIC, count, rows, cols,
                 (size_t)count * rows * cols);
    write_labels(labels_path, gzipped, LABELS_MAGIC, count, count);
}

/* Writes all four files of a valid data set into tmp_dir. */
static void write_data_dir(int gzipped, uint32_t train_count,
                           uint32_t test_count, uint32_t rows, uint32_t cols)
{
    const char *suffix = gzipped ? ".gz" : "";
    char names[4][64];
    snprintf(names[0], sizeof names[0], "train-images-idx3-ubyte%s", suffix);
    snprintf(names[1], sizeof names[1], "train-labels-idx1-ubyte%s", suffix);
    snprintf(names[2], sizeof names[2], "t10k-images-idx3-ubyte%s", suffix);
    snprintf(names[3], sizeof names[3], "t10k-labels-idx1-ubyte%s", suffix);
    write_pair(tmp_path(names[0]), tmp_path(names[1]), gzipped, train_count,
               rows, cols);
    write_pair(tmp_path(names[2]), tmp_path(names[3]), gzipped, test_count,
               rows, cols);
}

/* Copies a .gz file to an uncompressed file. */
static void gunzip_file(const char *from, const char *to)
{
    gzFile in = gzopen(from, "rb");
    cr_assert_not_null(in, "cannot open %s", from);
    FILE *out = fopen(to, "wb");
    cr_assert_not_null(out, "cannot create %s", to);
    static uint8_t buf[1 << 16];
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0)
        cr_assert_eq(fwrite(buf, 1, (size_t)n, out), (size_t)n,
                     "write to %s failed", to);
    cr_assert_eq(n, 0, "gzread of %s failed", from);
    gzclose(in);
    cr_assert_eq(fclose(out), 0, "fclose of %s failed", to);
}


#define assert_error_contains(text)                                         \
    cr_assert_not_null(strstr(crrm_last_error(), (text)),                  \
                       "error message lacks \"%s\": %s", (text),           \
                       crrm_last_error())

static void assert_dataset_empty(const crrm_dataset *set)
{
    cr_assert_eq(set->count, 0, "a failed load must leave count 0");
    cr_assert_null(set->pixels, "a failed load must leave pixels NULL");
    cr_assert_null(set->labels, "a failed load must leave labels NULL");
}

/* Trains softmax regression with plain SGD on the training set and returns
 * its accuracy on the test set. */
static double linear_accuracy(const crrm_data *data)
{
    const size_t pixels = (size_t)data->train.height * data->train.width;
    const size_t inputs = pixels + 1; /* the last input is the bias */
    const uint32_t classes = data->classes;
    double *weights = calloc(inputs * classes, sizeof *weights);
    double *x = malloc(inputs * sizeof *x);
    double *score = malloc(classes * sizeof *score);
    cr_assert(weights && x && score, "out of memory");

    const double learning_rate = 0.01;
    for (int epoch = 0; epoch < 10; epoch++) {
        for (uint32_t i = 0; i < data->train.count; i++) {
            const uint8_t *image = data->train.pixels + i * pixels;
            for (size_t p = 0; p < pixels; p++)
                x[p] = image[p] / 255.0 - 0.5;
            x[pixels] = 1.0;

            double max_score = -INFINITY;
            for (uint32_t c = 0; c < classes; c++) {
                double sum = 0.0;
                for (size_t p = 0; p < inputs; p++)
                    sum += weights[c * inputs + p] * x[p];
                score[c] = sum;
                if (sum > max_score)
                    max_score = sum;
            }
            double total = 0.0;
            for (uint32_t c = 0; c < classes; c++) {
                score[c] = exp(score[c] - max_score);
                total += score[c];
            }
            for (uint32_t c = 0; c < classes; c++) {
                double target = c == data->train.labels[i] ? 1.0 : 0.0;
                double gradient = score[c] / total - target;
                for (size_t p = 0; p < inputs; p++)
                    weights[c * inputs + p] -= learning_rate * gradient * x[p];
            }
        }
    }

    uint32_t correct = 0;
    for (uint32_t i = 0; i < data->test.count; i++) {
        const uint8_t *image = data->test.pixels + i * pixels;
        for (size_t p = 0; p < pixels; p++)
            x[p] = image[p] / 255.0 - 0.5;
        x[pixels] = 1.0;
        uint32_t best = 0;
        double best_score = -INFINITY;
        for (uint32_t c = 0; c < classes; c++) {
            double sum = 0.0;
            for (size_t p = 0; p < inputs; p++)
                sum += weights[c * inputs + p] * x[p];
            if (sum > best_score) {
                best_score = sum;
                best = c;
            }
        }
        correct += best == data->test.labels[i];
    }

    free(weights);
    free(x);
    free(score);
    return (double)correct / data->test.count;
}

/* ------------------------------------------------------- Fashion-MNIST --- */

static void assert_fashion_split(const crrm_dataset *set, uint32_t count,
                                 const char *name)
{
    cr_assert_eq(set->count, count, "%s: expected %u samples, got %u", name,
                 count, set->count);
    cr_assert_eq(set->height, 28, "%s: expected height 28, got %u", name,
                 set->height);
    cr_assert_eq(set->width, 28, "%s: expected width 28, got %u", name,
                 set->width);

    /* Fashion-MNIST has exactly count / 10 samples of every class. */
    uint32_t per_class[256] = {0};
    for (uint32_t i = 0; i < set->count; i++)
        per_class[set->labels[i]]++;
    for (int c = 0; c < 10; c++)
        cr_assert_eq(per_class[c], count / 10,
                     "%s: class %d has %u samples, expected %u", name, c,
                     per_class[c], count / 10);
    for (int c = 10; c < 256; c++)
        cr_assert_eq(per_class[c], 0, "%s: %u labels have value %d >= 10",
                     name, per_class[c], c);

    uint8_t max_pixel = 0;
    size_t pixel_count = (size_t)set->count * 28 * 28;
    for (size_t i = 0; i < pixel_count; i++)
        if (set->pixels[i] > max_pixel)
            max_pixel = set->pixels[i];
    cr_assert_eq(max_pixel, 255, "%s: the brightest pixel is %u, expected "
                 "255; the pixel data was not read", name, max_pixel);
}

Test(data, loads_fashion_mnist_by_default)
{
    crrm_data data;
    int rc = crrm_data_load(NULL, 0, &data);
    cr_assert_eq(rc, 0, "loading %s failed: %s", CRRM_DEFAULT_DATA_DIR,
                 crrm_last_error());
    cr_assert_str_eq(data.source, CRRM_DEFAULT_DATA_DIR,
                     "source must name the directory loaded");
    cr_assert_eq(data.classes, 10, "Fashion-MNIST has 10 classes, got %u",
                 data.classes);
    assert_fashion_split(&data.train, 60000, "train");
    assert_fashion_split(&data.test, 10000, "test");
    crrm_data_free(&data);
    cr_assert_null(data.train.pixels, "crrm_data_free must clear pointers");
}

Test(data, reads_plain_files, .init = make_tmp_dir, .fini = remove_tmp_dir)
{
    const char *gz_images = CRRM_DEFAULT_DATA_DIR "/t10k-images-idx3-ubyte.gz";
    const char *gz_labels = CRRM_DEFAULT_DATA_DIR "/t10k-labels-idx1-ubyte.gz";
    const char *images = tmp_path("t10k-images-idx3-ubyte");
    const char *labels = tmp_path("t10k-labels-idx1-ubyte");
    gunzip_file(gz_images, images);
    gunzip_file(gz_labels, labels);

    crrm_dataset plain, packed;
    cr_assert_eq(crrm_idx_load(images, labels, &plain), 0,
                 "loading plain files failed: %s", crrm_last_error());
    cr_assert_eq(crrm_idx_load(gz_images, gz_labels, &packed), 0,
                 "loading .gz files failed: %s", crrm_last_error());

    cr_assert_eq(plain.count, 10000, "plain t10k has %u samples, expected "
                 "10000", plain.count);
    cr_assert_eq(plain.height, packed.height, "plain and .gz heights differ");
    cr_assert_eq(plain.width, packed.width, "plain and .gz widths differ");
    cr_assert_eq(memcmp(plain.pixels, packed.pixels,
                        (size_t)plain.count * 28 * 28), 0,
                 "plain and .gz pixels differ");
    cr_assert_eq(memcmp(plain.labels, packed.labels, plain.count), 0,
                 "plain and .gz labels differ");
    free(plain.pixels);
    free(plain.labels);
    free(packed.pixels);
    free(packed.labels);
}

/* --------------------------------------------------------- valid files --- */

Test(data, loads_plain_directory, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    write_data_dir(0, 30, 20, 5, 7);
    crrm_data data;
    cr_assert_eq(crrm_data_load(tmp_dir, 0, &data), 0,
                 "loading a plain directory failed: %s", crrm_last_error());
    cr_assert_str_eq(data.source, tmp_dir, "source must be the directory");
    cr_assert_eq(data.classes, 10, "IDX data has 10 classes");
    cr_assert_eq(data.train.count, 30, "train count %u, expected 30",
                 data.train.count);
    cr_assert_eq(data.test.count, 20, "test count %u, expected 20",
                 data.test.count);
    cr_assert_eq(data.train.height, 5, "height %u, expected 5 (rows)",
                 data.train.height);
    cr_assert_eq(data.train.width, 7, "width %u, expected 7 (cols)",
                 data.train.width);
    for (size_t i = 0; i < 30 * 5 * 7; i++)
        cr_assert_eq(data.train.pixels[i], test_pixel(i),
                     "train pixel %zu is %u, expected %u", i,
                     data.train.pixels[i], test_pixel(i));
    for (uint32_t i = 0; i < 20; i++)
        cr_assert_eq(data.test.labels[i], i % 10,
                     "test label %u is %u, expected %u", i,
                     data.test.labels[i], i % 10);
    crrm_data_free(&data);
}

Test(data, prefers_gz_over_plain, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    write_data_dir(0, 2, 2, 4, 4);
    write_data_dir(1, 3, 3, 4, 4);
    crrm_data data;
    cr_assert_eq(crrm_data_load(tmp_dir, 0, &data), 0, "load failed: %s",
                 crrm_last_error());
    cr_assert_eq(data.train.count, 3, "train came from the plain file (%u "
                 "samples) rather than the .gz file (3)", data.train.count);
    cr_assert_eq(data.test.count, 3, "test came from the plain file (%u "
                 "samples) rather than the .gz file (3)", data.test.count);
    crrm_data_free(&data);
}

Test(data, ignores_trailing_bytes, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_images(images, 0, IMAGES_MAGIC, 4, 3, 3, 4 * 9 + 100);
    write_labels(labels, 1, LABELS_MAGIC, 4, 4 + 17);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), 0,
                 "trailing bytes must be ignored, but the load failed: %s",
                 crrm_last_error());
    cr_assert_eq(set.count, 4, "count %u, expected 4", set.count);
    free(set.pixels);
    free(set.labels);
}

/* ----------------------------------------------------------- synthetic --- */

Test(data, synthetic_shape)
{
    crrm_data data;
    cr_assert_eq(crrm_data_load("synthetic", 1, &data), 0,
                 "synthetic load failed: %s", crrm_last_error());
    cr_assert_str_eq(data.source, "synthetic", "source must be synthetic");
    cr_assert_eq(data.classes, 10, "classes %u, expected 10", data.classes);
    cr_assert_eq(data.train.count, 4096, "train count %u, expected 4096",
                 data.train.count);
    cr_assert_eq(data.test.count, 1024, "test count %u, expected 1024",
                 data.test.count);
    cr_assert_eq(data.train.height, 16, "train height %u", data.train.height);
    cr_assert_eq(data.train.width, 16, "train width %u", data.train.width);
    cr_assert_eq(data.test.height, 16, "test height %u", data.test.height);
    cr_assert_eq(data.test.width, 16, "test width %u", data.test.width);

    uint32_t per_class[256] = {0};
    for (uint32_t i = 0; i < data.train.count; i++)
        per_class[data.train.labels[i]]++;
    for (int c = 0; c < 10; c++)
        cr_assert(per_class[c] == 409 || per_class[c] == 410,
                  "class %d has %u of 4096 training samples, expected an "
                  "equal share", c, per_class[c]);
    for (uint32_t i = 0; i < data.test.count; i++)
        cr_assert_lt(data.test.labels[i], 10, "test label %u at index %u",
                     data.test.labels[i], i);

    /* The sigmoid should spread pixels over most of 0..255. */
    uint8_t lo = 255, hi = 0;
    for (size_t i = 0; i < (size_t)data.train.count * 256; i++) {
        if (data.train.pixels[i] < lo)
            lo = data.train.pixels[i];
        if (data.train.pixels[i] > hi)
            hi = data.train.pixels[i];
    }
    cr_assert_lt(lo, 32, "darkest synthetic pixel is %u", lo);
    cr_assert_gt(hi, 224, "brightest synthetic pixel is %u", hi);
    crrm_data_free(&data);
}

Test(data, synthetic_is_deterministic)
{
    crrm_data a, b;
    cr_assert_eq(crrm_data_load("synthetic", 42, &a), 0, "%s",
                 crrm_last_error());
    cr_assert_eq(crrm_data_load("synthetic", 42, &b), 0, "%s",
                 crrm_last_error());
    cr_assert_eq(memcmp(a.train.pixels, b.train.pixels, 4096 * 256), 0,
                 "same seed gave different training pixels");
    cr_assert_eq(memcmp(a.train.labels, b.train.labels, 4096), 0,
                 "same seed gave different training labels");
    cr_assert_eq(memcmp(a.test.pixels, b.test.pixels, 1024 * 256), 0,
                 "same seed gave different test pixels");
    cr_assert_eq(memcmp(a.test.labels, b.test.labels, 1024), 0,
                 "same seed gave different test labels");
    crrm_data_free(&a);
    crrm_data_free(&b);
}

Test(data, synthetic_differs_by_seed)
{
    crrm_data a, b;
    cr_assert_eq(crrm_data_load("synthetic", 1, &a), 0, "%s",
                 crrm_last_error());
    cr_assert_eq(crrm_data_load("synthetic", 2, &b), 0, "%s",
                 crrm_last_error());
    cr_assert_neq(memcmp(a.train.pixels, b.train.pixels, 4096 * 256), 0,
                  "seeds 1 and 2 gave the same training pixels");
    cr_assert_neq(memcmp(a.train.labels, b.train.labels, 4096), 0,
                  "seeds 1 and 2 gave the same training labels");
    cr_assert_neq(memcmp(a.test.pixels, b.test.pixels, 1024 * 256), 0,
                  "seeds 1 and 2 gave the same test pixels");
    crrm_data_free(&a);
    crrm_data_free(&b);
}

Test(data, synthetic_is_learnable_not_trivial)
{
    /* Seeds 1..30 gave 82% to 92% test accuracy with this classifier. */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        crrm_data data;
        cr_assert_eq(crrm_data_load("synthetic", seed, &data), 0, "%s",
                     crrm_last_error());
        double accuracy = linear_accuracy(&data);
        crrm_data_free(&data);
        cr_assert_gt(accuracy, 0.78, "seed %llu: softmax regression reached "
                     "only %.3f, so the classes are too hard to learn",
                     (unsigned long long)seed, accuracy);
        cr_assert_lt(accuracy, 0.96, "seed %llu: softmax regression reached "
                     "%.3f, so the classes are trivially separable",
                     (unsigned long long)seed, accuracy);
    }
}

/* ---------------------------------------------------------- bad inputs --- */

Test(data, rejects_missing_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    write_data_dir(1, 2, 2, 4, 4);
    cr_assert_eq(unlink(tmp_path("t10k-labels-idx1-ubyte.gz")), 0,
                 "cannot remove the file under test");
    crrm_data data;
    cr_assert_eq(crrm_data_load(tmp_dir, 0, &data), -1,
                 "a directory without t10k labels must be rejected");
    assert_error_contains(tmp_path("t10k-labels-idx1-ubyte.gz"));
    assert_error_contains(tmp_path("t10k-labels-idx1-ubyte"));
    assert_error_contains("--data DIR");
    assert_error_contains("--data synthetic");
    assert_dataset_empty(&data.train);
    assert_dataset_empty(&data.test);
}

Test(data, rejects_missing_directory, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *dir = tmp_path("no-such-dir");
    crrm_data data;
    cr_assert_eq(crrm_data_load(dir, 0, &data), -1,
                 "a missing directory must be rejected");
    assert_error_contains(dir);
    assert_error_contains("not found");
    assert_error_contains("--data DIR");
}

Test(data, rejects_file_as_directory, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *file = tmp_path("a-file");
    write_bytes(file, (const uint8_t *)"x", 1, 0);
    crrm_data data;
    cr_assert_eq(crrm_data_load(file, 0, &data), -1,
                 "a regular file as data directory must be rejected");
    assert_error_contains(file);
    assert_error_contains("not a directory");
}

Test(data, rejects_swapped_files, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_pair(images, labels, 1, 3, 4, 4);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(labels, images, &set), -1,
                 "swapped image and label files must be rejected");
    assert_error_contains(labels);
    assert_error_contains("found magic 0x00000801");
    assert_error_contains("expected 0x00000803");
    assert_error_contains("swapped");
    assert_dataset_empty(&set);
}

Test(data, rejects_wrong_label_magic, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_images(images, 0, IMAGES_MAGIC, 3, 4, 4, 3 * 16);
    write_labels(labels, 0, 0x12345678u, 3, 3);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "a label file with a foreign magic must be rejected");
    assert_error_contains(labels);
    assert_error_contains("found magic 0x12345678");
    assert_error_contains("expected 0x00000801");
    assert_error_contains("not an IDX file");
}

Test(data, rejects_zero_count, .init = make_tmp_dir, .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_images(images, 0, IMAGES_MAGIC, 0, 28, 28, 0);
    write_labels(labels, 0, LABELS_MAGIC, 0, 0);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "an image file with 0 images must be rejected");
    assert_error_contains(images);
    assert_error_contains("image count is 0");
}

Test(data, rejects_bad_dimensions, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    static const uint32_t sizes[][2] = {
        {0, 28}, {28, 0}, {1025, 28}, {28, 1025}, {0xffffffffu, 0xffffffffu},
    };
    const char *labels = tmp_path("labels");
    write_labels(labels, 0, LABELS_MAGIC, 2, 2);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const char *images = tmp_path("images");
        write_images(images, 0, IMAGES_MAGIC, 2, sizes[i][0], sizes[i][1],
                     64);
        crrm_dataset set;
        cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                     "image size %ux%u must be rejected", sizes[i][0],
                     sizes[i][1]);
        assert_error_contains(images);
        assert_error_contains("invalid image size");
        assert_dataset_empty(&set);
    }
}

Test(data, rejects_truncated_pixels, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_images(images, 0, IMAGES_MAGIC, 5, 28, 28, 1000);
    write_labels(labels, 0, LABELS_MAGIC, 5, 5);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "an image file with too few pixels must be rejected");
    assert_error_contains(images);
    assert_error_contains("truncated");
    assert_error_contains("expected 3920 bytes");
    assert_error_contains("found 1000");
    assert_dataset_empty(&set);
}

Test(data, rejects_truncated_labels, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images.gz");
    const char *labels = tmp_path("labels.gz");
    write_images(images, 1, IMAGES_MAGIC, 5, 2, 2, 20);
    write_labels(labels, 1, LABELS_MAGIC, 5, 3);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "a label file with too few labels must be rejected");
    assert_error_contains(labels);
    assert_error_contains("expected 5 bytes");
    assert_error_contains("found 3");
}

Test(data, rejects_truncated_header, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    uint8_t header[10] = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0};
    write_bytes(images, header, sizeof header, 0);
    write_labels(labels, 0, LABELS_MAGIC, 1, 1);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "a 10-byte image file must be rejected");
    assert_error_contains(images);
    assert_error_contains("truncated IDX image header");
    assert_error_contains("found 10");
}

Test(data, rejects_empty_file, .init = make_tmp_dir, .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_images(images, 0, IMAGES_MAGIC, 1, 2, 2, 4);
    write_bytes(labels, NULL, 0, 0);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "an empty label file must be rejected");
    assert_error_contains(labels);
    assert_error_contains("found 0");
}

Test(data, rejects_count_mismatch, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_images(images, 0, IMAGES_MAGIC, 5, 2, 2, 20);
    write_labels(labels, 0, LABELS_MAGIC, 4, 4);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "5 images with 4 labels must be rejected");
    assert_error_contains(images);
    assert_error_contains(labels);
    assert_error_contains("5 images");
    assert_error_contains("4 labels");
}

Test(data, rejects_label_out_of_range, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_images(images, 0, IMAGES_MAGIC, 8, 2, 2, 32);
    uint8_t bytes[8 + 8] = {0, 0, 8, 1, 0, 0, 0, 8, 1, 2, 3, 4, 5, 12, 9, 0};
    write_bytes(labels, bytes, sizeof bytes, 0);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "label 12 must be rejected");
    assert_error_contains(labels);
    assert_error_contains("label 12 at index 5");
    assert_error_contains("0..9");
    assert_dataset_empty(&set);
}

Test(data, rejects_image_size_mismatch, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    write_pair(tmp_path("train-images-idx3-ubyte"),
               tmp_path("train-labels-idx1-ubyte"), 0, 3, 28, 28);
    write_pair(tmp_path("t10k-images-idx3-ubyte"),
               tmp_path("t10k-labels-idx1-ubyte"), 0, 3, 16, 16);
    crrm_data data;
    cr_assert_eq(crrm_data_load(tmp_dir, 0, &data), -1,
                 "28x28 training and 16x16 test images must be rejected");
    assert_error_contains(tmp_path("train-images-idx3-ubyte"));
    assert_error_contains(tmp_path("t10k-images-idx3-ubyte"));
    assert_error_contains("16x16");
    assert_error_contains("28x28");
    assert_error_contains("same image size");
    assert_dataset_empty(&data.train);
    assert_dataset_empty(&data.test);
}

Test(data, rejects_huge_count_without_allocating, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    /* The header claims 4 PiB of pixels, far more than memory; the loader
     * must notice the missing data instead of trying to allocate it. */
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels");
    write_images(images, 0, IMAGES_MAGIC, 0xffffffffu, 1024, 1024, 4096);
    write_labels(labels, 0, LABELS_MAGIC, 0xffffffffu, 16);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "a header that claims 4 PiB must be rejected");
    assert_error_contains(images);
    assert_error_contains("expected 4503599626321920 bytes");
    assert_error_contains("found 4096");
}

Test(data, rejects_cut_gzip_stream, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *whole = tmp_path("whole.gz");
    const char *images = tmp_path("images.gz");
    const char *labels = tmp_path("labels.gz");
    write_images(whole, 1, IMAGES_MAGIC, 100, 28, 28, 100 * 28 * 28);
    write_labels(labels, 1, LABELS_MAGIC, 100, 100);

    size_t len;
    uint8_t *bytes = read_file(whole, &len);
    write_bytes(images, bytes, len / 2, 0);
    free(bytes);

    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "a .gz file cut in half must be rejected");
    assert_error_contains(images);
    assert_error_contains("truncated");
    assert_error_contains("expected 78400 bytes");
}

Test(data, rejects_corrupt_gzip_stream, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *whole = tmp_path("whole.gz");
    const char *images = tmp_path("images.gz");
    const char *labels = tmp_path("labels.gz");
    write_images(whole, 1, IMAGES_MAGIC, 100, 28, 28, 100 * 28 * 28);
    write_labels(labels, 1, LABELS_MAGIC, 100, 100);

    /* Damage the middle of the deflate data; either the decoder or the
     * CRC-32 check in the gzip trailer must catch it. */
    size_t len;
    uint8_t *bytes = read_file(whole, &len);
    for (size_t i = len / 2; i < len / 2 + 16 && i < len; i++)
        bytes[i] ^= 0x5a;
    write_bytes(images, bytes, len, 0);
    free(bytes);

    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "a damaged .gz file must be rejected");
    assert_error_contains(images);
    assert_dataset_empty(&set);
}

Test(data, rejects_bad_gzip_crc, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *whole = tmp_path("whole.gz");
    const char *images = tmp_path("images");
    const char *labels = tmp_path("labels.gz");
    write_images(images, 0, IMAGES_MAGIC, 10, 4, 4, 160);
    write_labels(whole, 1, LABELS_MAGIC, 10, 200000);

    /* A gzip file ends in the CRC-32 of the data, then its length, both
     * 4 bytes. Flipping a CRC byte leaves the data decodable. The labels
     * the header declares end long before the trailer, so zlib only checks
     * the CRC if the loader reads on to the end of the stream. */
    size_t len;
    uint8_t *bytes = read_file(whole, &len);
    cr_assert_gt(len, 8, "gzip file too short to have a trailer");
    bytes[len - 8] ^= 0x01;
    write_bytes(labels, bytes, len, 0);
    free(bytes);

    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "a .gz file with a wrong CRC-32 must be rejected");
    assert_error_contains(labels);
    assert_error_contains("damaged");
    assert_dataset_empty(&set);
}

Test(data, rejects_missing_image_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *images = tmp_path("no-such-images");
    const char *labels = tmp_path("labels");
    write_labels(labels, 0, LABELS_MAGIC, 1, 1);
    crrm_dataset set;
    cr_assert_eq(crrm_idx_load(images, labels, &set), -1,
                 "a missing image file must be rejected");
    assert_error_contains(images);
    assert_error_contains("No such file or directory");
}
